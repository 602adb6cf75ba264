//! The mailer: sends what producers queued in the outbox, through SES.
//!
//! A mail is claimed by a write conditioned on the version read (`pending` →
//! `sending`, with a lease), so of two deliveries of one item only one sends; the
//! outcome is another conditioned write: `sent`, or back to `pending` after a
//! doubling back-off, or `failed` after the last attempt. In AWS the table's stream
//! delivers each new mail at once and a schedule sweeps what is due (retries, and
//! leases that ran out); locally `campus-local` runs the sweep every second.

pub mod templates;

use aws_sdk_sesv2::{
    error::ProvideErrorMetadata,
    primitives::Blob,
    types::{EmailContent, RawMessage},
};
use campus::{
    AppState, clock,
    db::{Cond, Key, StoreError, image_is, keys, lists},
    job::JobError,
    model::{Mail, MailStatus},
};
use serde_json::Value;
use time::Duration;

/// How long one sender holds a claimed mail before a sweep may take it over.
const LEASE: Duration = Duration::minutes(5);
/// How long sent mail is kept (for `queue-status` and support).
const KEEP_SENT_DAYS: i64 = 30;
/// The longest wait between two attempts.
const MAX_BACKOFF: Duration = Duration::hours(1);

#[derive(Clone)]
pub struct Mailer {
    state: AppState,
    ses: aws_sdk_sesv2::Client,
}

/// What one delivery did.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    Sent,
    /// Will be tried again.
    Retry,
    Failed,
    /// Not this sender's to send: already sent or failed, held by another, not due.
    Skipped,
}

impl Mailer {
    pub fn new(state: AppState) -> Self {
        Self {
            ses: state.aws.ses(),
            state,
        }
    }

    /// Delivers one outbox item, if it is due and nobody else holds it.
    pub async fn deliver(&self, key: &Key) -> Result<Outcome, JobError> {
        let Some(mut mail) = self.state.db.get_consistent::<Mail>(key).await? else {
            return Ok(Outcome::Skipped);
        };
        let now = clock::now();
        let now_s = clock::rfc3339(now);
        if !mail.is_open() || mail.next_attempt_at > now_s {
            return Ok(Outcome::Skipped);
        }
        // The claim.
        let read = mail.version;
        mail.status = MailStatus::Sending;
        mail.attempts += 1;
        mail.next_attempt_at = clock::rfc3339(now + LEASE);
        mail.version += 1;
        match self.state.db.put(&mail, Cond::version(read)).await {
            Ok(()) => {}
            Err(StoreError::Refused(_)) => return Ok(Outcome::Skipped),
            Err(e) => return Err(e.into()),
        }
        let result = match serde_json::from_str::<Value>(&mail.data_json) {
            Ok(data) => match templates::render(&mail.template, &data) {
                Ok(r) => self.send(&mail.to, r).await.map_err(|e| (e, true)),
                Err(e) => Err((e, false)),
            },
            Err(e) => Err((format!("data is not JSON: {e}"), false)),
        };
        let claimed = mail.version;
        mail.version += 1;
        let outcome = match result {
            Ok(message_id) => {
                mail.status = MailStatus::Sent;
                mail.sent_at = Some(clock::now_rfc3339());
                mail.message_id = Some(message_id);
                mail.last_error = None;
                mail.expires_epoch =
                    Some((clock::now() + Duration::days(KEEP_SENT_DAYS)).unix_timestamp());
                Outcome::Sent
            }
            Err((error, retryable)) => {
                tracing::warn!(mail = %mail.id, template = %mail.template, attempt = mail.attempts, %error, "mail not sent");
                mail.last_error = Some(error);
                if retryable && mail.attempts < self.state.config.mail_max_attempts {
                    mail.status = MailStatus::Pending;
                    mail.next_attempt_at =
                        clock::rfc3339(clock::now() + self.backoff(mail.attempts));
                    Outcome::Retry
                } else {
                    mail.status = MailStatus::Failed;
                    Outcome::Failed
                }
            }
        };
        // Lost only if the lease ran out meanwhile and another sender took over.
        self.state.db.put(&mail, Cond::version(claimed)).await?;
        Ok(outcome)
    }

    fn backoff(&self, attempts: u32) -> Duration {
        let base = Duration::try_from(self.state.config.mail_retry_base).unwrap_or(Duration::ZERO);
        let wait = base * 2_i32.saturating_pow(attempts.saturating_sub(1).min(20));
        wait.min(MAX_BACKOFF)
    }

    /// One MIME message (multipart/alternative: text and HTML), sent raw: what the
    /// recipient's client shows is exactly what was built here.
    async fn send(&self, to: &str, r: templates::Rendered) -> Result<String, String> {
        let from = self.state.config.mail_from.as_str();
        let mime = mail_builder::MessageBuilder::new()
            .from(("Campus", from))
            .to(to)
            .subject(r.subject)
            .text_body(r.text)
            .html_body(r.html)
            .write_to_vec()
            .map_err(|e| e.to_string())?;
        let raw = RawMessage::builder()
            .data(Blob::new(mime))
            .build()
            .map_err(|e| e.to_string())?;
        let out = self
            .ses
            .send_email()
            .from_email_address(from)
            // The recipient is the message's own `To` header: one source of truth.
            .content(EmailContent::builder().raw(raw).build())
            .send()
            .await
            .map_err(|e| match (e.code(), e.message()) {
                (Some(code), message) => format!("SES {code}: {}", message.unwrap_or_default()),
                _ => format!("SES unreachable: {e}"),
            })?;
        Ok(out.message_id().unwrap_or_default().to_string())
    }

    /// Delivers every mail that is due now: new, retrying, or with a lapsed lease.
    pub async fn sweep(&self) -> Result<Vec<Outcome>, JobError> {
        let upper = format!("{}~", clock::now_rfc3339());
        let due: Vec<Key> = self
            .state
            .db
            .all(&lists::mail_due().rows().between("0", &upper))
            .await?;
        let mut outcomes = Vec::with_capacity(due.len());
        for key in due {
            // One mail's trouble (a lost lease, a throttled table) must not hold up
            // the others; it stays due and the next sweep tries it again.
            match self.deliver(&key).await {
                Ok(o) => outcomes.push(o),
                Err(e) => tracing::warn!(pk = %key.pk, sk = %key.sk, error = ?e, "delivery failed"),
            }
        }
        Ok(outcomes)
    }

    /// A Lambda invocation: a DynamoDB stream batch (new mail) or a scheduled sweep.
    pub async fn handle(&self, event: Value) -> Result<Vec<Outcome>, JobError> {
        let event = campus::lambda::as_stream_batch(event);
        if event.get("Records").is_none() {
            return self.sweep().await;
        }
        let batch: aws_lambda_events::event::dynamodb::Event =
            serde_json::from_value(event).map_err(|e| JobError::BadEvent(e.to_string()))?;
        let mut outcomes = Vec::new();
        for record in batch.records {
            if record.event_name != "INSERT" || !image_is::<Mail>(&record.change.new_image) {
                continue;
            }
            let key: Key = serde_dynamo::from_item(record.change.keys)
                .map_err(|e| JobError::BadEvent(e.to_string()))?;
            // A failure here leaves the mail due: the sweep tries it again.
            match self.deliver(&key).await {
                Ok(o) => outcomes.push(o),
                Err(e) => {
                    tracing::error!(pk = %key.pk, sk = %key.sk, error = ?e, "delivery failed")
                }
            }
        }
        Ok(outcomes)
    }
}

/// The outbox key of one mail (for tests and tools).
pub fn mail_key(company_id: &str, id: &str) -> Key {
    keys::outbox(company_id, id)
}

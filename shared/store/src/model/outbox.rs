use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::{Entity, Keys, keys};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MailStatus {
    /// Waiting for its (next) attempt at `nextAttemptAt`.
    Pending,
    /// Claimed by one sender until `nextAttemptAt` (its lease).
    Sending,
    Sent,
    /// Gave up after the last attempt; kept for `queue-status`.
    Failed,
}

/// One mail in the outbox. Producers only write this item (in the same transaction
/// as what caused it); the mailer claims, renders and sends it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Mail {
    pub id: String,
    pub company_id: String,
    /// Template name: `invite`, `welcome`, `set_password`, ...
    pub template: String,
    pub to: String,
    /// The template's variables as JSON text.
    pub data_json: String,
    pub status: MailStatus,
    pub attempts: u32,
    pub created_at: String,
    /// When a sender may (next) pick it up: now for new mail, after a back-off for a
    /// retry, the end of the lease while one sender holds it.
    #[serde(default)]
    pub next_attempt_at: String,
    #[serde(default)]
    pub sent_at: Option<String>,
    /// SES's id of the sent message.
    #[serde(default)]
    pub message_id: Option<String>,
    #[serde(default)]
    pub last_error: Option<String>,
    /// Every claim and outcome is a write conditioned on the version read, so two
    /// senders never both hold one mail.
    #[serde(default)]
    pub version: u64,
    /// Sent mail lapses after 30 days.
    #[serde(default)]
    pub expires_epoch: Option<i64>,
}

/// The outbox's due queue (`gsi1`): every mail not yet sent or failed, by when it is due.
pub const OUTBOX_DUE: &str = "OUTBOX#DUE";

impl Mail {
    pub fn new(company_id: &str, template: &str, to: &str, data: serde_json::Value) -> Self {
        let now = crate::clock::now_rfc3339();
        Self {
            id: crate::clock::new_id(),
            company_id: company_id.into(),
            template: template.into(),
            to: to.into(),
            data_json: data.to_string(),
            status: MailStatus::Pending,
            attempts: 0,
            created_at: now.clone(),
            next_attempt_at: now,
            sent_at: None,
            message_id: None,
            last_error: None,
            version: 1,
            expires_epoch: None,
        }
    }

    pub fn is_open(&self) -> bool {
        matches!(self.status, MailStatus::Pending | MailStatus::Sending)
    }
}

impl Entity for Mail {
    const NAME: &'static str = "mail";

    fn keys(&self) -> Keys {
        let mut k = Keys::new(keys::outbox(&self.company_id, &self.id), Self::NAME);
        if self.is_open() {
            k = k.gsi1(
                OUTBOX_DUE.into(),
                format!("{}#{}#{}", self.next_attempt_at, self.company_id, self.id),
            );
        }
        if let Some(t) = self.expires_epoch {
            k = k.ttl(t);
        }
        k
    }
}

use axum::{Json, extract::State};
use campus::{
    ApiResult, AppState,
    audit::Audit,
    auth::{Admin, Gate, Principal},
    clock,
    db::{keys, lists},
    error::ErrorBody,
    model::{Mail, MailStatus},
};
use serde::Serialize;
use time::Duration;
use utoipa::ToSchema;

async fn outbox(state: &AppState, p: &Principal) -> ApiResult<Vec<Mail>> {
    Ok(state.db.all(&lists::outbox(&p.company_id)).await?)
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct QueueStatus {
    pub pending: u32,
    pub sending: u32,
    /// Gave up after the last attempt (see `lastError` on each).
    pub failed: u32,
    pub sent_last_24h: u32,
    /// The failed mails, newest first (at most 20).
    pub recent_failures: Vec<Failure>,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Failure {
    pub id: String,
    pub template: String,
    pub to: String,
    pub attempts: u32,
    pub last_error: Option<String>,
    pub created_at: String,
}

/// The company's outbox: what waits, what is being sent, what failed, what went out
/// in the last 24 hours (admin).
#[utoipa::path(get, path = "/api/email/queue-status", tag = "email", security(("bearer" = [])),
    responses((status = 200, body = QueueStatus), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn status(
    State(state): State<AppState>,
    Gate(p, ..): Admin,
) -> ApiResult<Json<QueueStatus>> {
    let mails = outbox(&state, &p).await?;
    let since = clock::rfc3339(clock::now() - Duration::hours(24));
    let count = |s: MailStatus| mails.iter().filter(|m| m.status == s).count() as u32;
    let recent_failures = mails
        .iter()
        .rev()
        .filter(|m| m.status == MailStatus::Failed)
        .take(20)
        .map(|m| Failure {
            id: m.id.clone(),
            template: m.template.clone(),
            to: m.to.clone(),
            attempts: m.attempts,
            last_error: m.last_error.clone(),
            created_at: m.created_at.clone(),
        })
        .collect();
    Ok(Json(QueueStatus {
        pending: count(MailStatus::Pending),
        sending: count(MailStatus::Sending),
        failed: count(MailStatus::Failed),
        sent_last_24h: mails
            .iter()
            .filter(|m| m.sent_at.as_deref().is_some_and(|t| t >= since.as_str()))
            .count() as u32,
        recent_failures,
    }))
}

#[derive(Serialize, ToSchema)]
pub struct Cleared {
    pub cleared: u32,
}

/// Drops the company's pending and failed mail (admin). Mail being sent right now
/// is left to finish.
#[utoipa::path(post, path = "/api/email/queue-clear", tag = "email", security(("bearer" = [])),
    responses((status = 200, body = Cleared), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn clear(
    State(state): State<AppState>,
    Gate(p, ..): Admin,
    audit: Audit,
) -> ApiResult<Json<Cleared>> {
    // Each delete is conditioned on the status read: one claimed meanwhile cancels
    // its transaction, and the outbox is read again.
    let doomed = || async {
        Ok::<_, campus::ApiError>(
            outbox(&state, &p)
                .await?
                .into_iter()
                .filter(|m| matches!(m.status, MailStatus::Pending | MailStatus::Failed))
                .collect(),
        )
    };
    let cleared = audit
        .write_each(&state.db, doomed, |tx, m: &Mail| {
            tx.delete(
                &keys::outbox(&m.company_id, &m.id),
                Mail::STATUS.eq(m.status),
            )
        })
        .await?;
    Ok(Json(Cleared {
        cleared: cleared as u32,
    }))
}

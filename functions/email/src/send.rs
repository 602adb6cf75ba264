//! Mail sent on an admin's request: queued in the outbox like every other mail.

use axum::{
    Json,
    extract::{Path, State},
    http::StatusCode,
    response::Response,
};
use campus::{
    ApiError, ApiResult, AppState,
    audit::Audit,
    auth::{Admin, Gate},
    certificates, clock,
    db::{Cond, entity_of, keys},
    error::ErrorBody,
    http::{ValidJson, naming},
    model::{Certificate, Channels, Company, Mail, NotificationPreferences, User},
    notify,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Queued {
    /// The outbox item; `GET /api/email/queue-status` shows how it goes.
    pub mail_id: String,
}

async fn enqueue(state: &AppState, mail: Mail, audit: &Audit) -> ApiResult<Response> {
    let tx = state.db.tx().put(&mail, Cond::absent());
    let answer = (
        StatusCode::ACCEPTED,
        Json(Queued {
            mail_id: mail.id.clone(),
        }),
    );
    Ok(audit
        .commit(&state.db, tx, naming(&mail.id, answer))
        .await?)
}

#[derive(Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TestMail {
    #[validate(email, length(max = 254))]
    pub to: String,
}

/// Queue a test mail to any address (admin).
#[utoipa::path(post, path = "/api/email/send-test", tag = "email", security(("bearer" = [])),
    request_body = TestMail,
    responses((status = 202, body = Queued), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn send_test(
    State(state): State<AppState>,
    Gate(p, ..): Admin,
    audit: Audit,
    ValidJson(b): ValidJson<TestMail>,
) -> ApiResult<Response> {
    let mail = Mail::new(
        &p.company_id,
        "test",
        b.to.trim(),
        serde_json::json!({"sentAt": clock::now_rfc3339()}),
    );
    enqueue(&state, mail, &audit).await
}

/// Queue the welcome mail to a user of the company again (admin).
#[utoipa::path(post, path = "/api/email/send-welcome/{userId}", tag = "email", security(("bearer" = [])),
    params(("userId" = String, Path)),
    responses((status = 202, body = Queued), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn send_welcome(
    State(state): State<AppState>,
    Gate(p, ..): Admin,
    Path(user_id): Path<String>,
    audit: Audit,
) -> ApiResult<Response> {
    let got = state
        .db
        .get_many(&[
            keys::user(&p.company_id, &user_id),
            keys::company(&p.company_id),
        ])
        .await?;
    let user: User = entity_of(&got)?.ok_or(ApiError::NotFound)?;
    let company: Company = entity_of(&got)?.ok_or(ApiError::NotFound)?;
    let mail = Mail::new(
        &p.company_id,
        "welcome",
        &user.email,
        serde_json::json!({"name": user.name, "companyName": company.name,
            "loginUrl": format!("{}/login", state.config.frontend_url)}),
    );
    enqueue(&state, mail, &audit).await
}

#[derive(Deserialize, Validate, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CertificateMail {
    #[validate(length(min = 1, max = 64))]
    pub certificate_id: String,
}

/// Mail a certificate to its holder again (admin), unless they turned certificate
/// mail off (409) or were deleted (409: the certificate is anonymised).
#[utoipa::path(post, path = "/api/email/send-certificate", tag = "email", security(("bearer" = [])),
    request_body = CertificateMail,
    responses((status = 202, body = Queued), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn send_certificate(
    State(state): State<AppState>,
    Gate(p, ..): Admin,
    audit: Audit,
    ValidJson(b): ValidJson<CertificateMail>,
) -> ApiResult<Response> {
    let cert: Certificate = state
        .db
        .find(&keys::certificate(&p.company_id, &b.certificate_id))
        .await?;
    let holder = cert
        .user_id
        .as_deref()
        .ok_or_else(|| ApiError::Conflict("The holder's account was deleted".into()))?;
    let got = state
        .db
        .get_many(&[
            keys::user(&p.company_id, holder),
            keys::notification_preferences(&p.company_id, holder),
        ])
        .await?;
    let user: User = entity_of(&got)?
        .ok_or_else(|| ApiError::Conflict("The holder's account was deleted".into()))?;
    let prefs: Option<NotificationPreferences> = entity_of(&got)?;
    let msg = certificates::message(&state, &cert);
    let only_mail = Channels {
        in_app: false,
        email: true,
    };
    let (_, mail) = notify::records(&msg, &user, prefs.as_ref(), only_mail);
    let mail =
        mail.ok_or_else(|| ApiError::Conflict("The holder turned certificate mail off".into()))?;
    enqueue(&state, mail, &audit).await
}

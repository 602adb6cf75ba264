use aws_sdk_sesv2::error::ProvideErrorMetadata;
use axum::{Json, extract::State};
use campus::{
    ApiResult, AppState,
    auth::{Admin, Gate},
    error::ErrorBody,
};
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Quota {
    pub max_24_hour_send: f64,
    pub max_send_rate: f64,
    pub sent_last_24_hours: f64,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Connection {
    /// SES answered.
    pub reachable: bool,
    /// The configured sender address.
    pub sender: String,
    /// SES lets this address send: it, or its domain, is a verified identity.
    pub sender_verified: bool,
    /// The account's sending quota; absent where the endpoint does not report it (the
    /// local emulator).
    pub quota: Option<Quota>,
    /// Whether the account may send at all; absent with the quota.
    pub sending_enabled: Option<bool>,
    /// What went wrong, when something did.
    pub error: Option<String>,
}

/// Is mail possible? SES reachable, the sender verified, the quota (admin). Always
/// 200: the answer is the diagnosis.
#[utoipa::path(get, path = "/api/email/test-connection", tag = "email", security(("bearer" = [])),
    responses((status = 200, body = Connection), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn test_connection(
    State(state): State<AppState>,
    Gate(..): Admin,
) -> ApiResult<Json<Connection>> {
    let ses = state.aws.ses();
    let sender = state.config.mail_from.clone();
    let (identity, account) = tokio::join!(
        campus::sender::verified_sender(&ses, &sender),
        ses.get_account().send(),
    );
    let describe = |code: Option<&str>, message: Option<&str>| {
        format!(
            "{}: {}",
            code.unwrap_or("unreachable"),
            message.unwrap_or_default()
        )
    };
    let mut c = Connection {
        reachable: false,
        sender,
        sender_verified: false,
        quota: None,
        sending_enabled: None,
        error: None,
    };
    match identity {
        Ok(verified) => {
            c.reachable = true;
            c.sender_verified = verified;
        }
        Err(e) => {
            c.reachable = e.code().is_some();
            c.error = Some(describe(e.code(), e.message()));
        }
    }
    if let Ok(out) = account {
        c.sending_enabled = Some(out.sending_enabled());
        c.quota = out.send_quota().map(|q| Quota {
            max_24_hour_send: q.max24_hour_send(),
            max_send_rate: q.max_send_rate(),
            sent_last_24_hours: q.sent_last24_hours(),
        });
    }
    Ok(Json(c))
}

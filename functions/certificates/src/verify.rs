use axum::{
    Json,
    extract::{Path, State},
};
use campus::{
    ApiError, ApiResult, AppState,
    auth::tokens::normalize_code,
    db::keys,
    error::ErrorBody,
    model::{Certificate, CertificateCode},
};
use serde::Serialize;
use utoipa::ToSchema;

/// What anyone holding a code may learn: nothing beyond what the paper says.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Verification {
    /// Issued by this platform and not lapsed.
    pub valid: bool,
    /// Lapsed: its course must be taken again (recertification).
    pub expired: bool,
    /// "Former member" once the holder's account is deleted.
    pub holder_name: String,
    pub course_title: String,
    pub company_name: String,
    pub issued_at: String,
    /// When it lapses (or lapsed); none: never.
    pub expires_at: Option<String>,
}

/// Check a certificate by its verification code (public; case and dashes do not
/// matter). An unknown code answers 404; a lapsed one `valid: false, expired: true`.
#[utoipa::path(get, path = "/api/certificates/verify/{code}", tag = "certificates",
    params(("code" = String, Path, description = "As printed, e.g. `7K3Q-M9XD-2B8F-TV4C`")),
    responses((status = 200, body = Verification), (status = 404, body = ErrorBody)))]
pub async fn verify(
    State(state): State<AppState>,
    Path(code): Path<String>,
) -> ApiResult<Json<Verification>> {
    let code = normalize_code(&code).ok_or(ApiError::NotFound)?;
    let pointer: CertificateCode = state.db.find(&keys::certificate_code(&code)).await?;
    let cert: Certificate = state
        .db
        .find(&keys::certificate(
            &pointer.company_id,
            &pointer.certificate_id,
        ))
        .await?;
    let expired = cert.expired(&campus::clock::now_rfc3339());
    Ok(Json(Verification {
        valid: !expired,
        expired,
        holder_name: cert.holder_name,
        course_title: cert.course_title,
        company_name: cert.company_name,
        issued_at: cert.issued_at,
        expires_at: cert.expires_at,
    }))
}

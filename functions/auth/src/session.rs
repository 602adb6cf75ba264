use axum::{Json, extract::State, http::StatusCode};
use campus::{
    ApiResult, AppState,
    audit::Audit,
    auth::{
        AuthUser,
        sessions::{self, Tokens},
    },
    error::ErrorBody,
    http::ValidJson,
};
use serde::Deserialize;
use utoipa::ToSchema;
use validator::Validate;

#[derive(Deserialize, Validate, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RefreshRequest {
    #[validate(length(min = 1, max = 1024))]
    pub refresh_token: String,
}

/// Trade a refresh token for new tokens. The old refresh token stops working; using
/// it again revokes the whole session.
#[utoipa::path(post, path = "/api/auth/refresh", tag = "auth",
    request_body = RefreshRequest,
    responses(
        (status = 200, description = "New tokens", body = Tokens),
        (status = 401, description = "Invalid token, or the session is revoked", body = ErrorBody),
    ))]
pub async fn refresh(
    State(state): State<AppState>,
    ValidJson(req): ValidJson<RefreshRequest>,
) -> ApiResult<Json<Tokens>> {
    Ok(Json(sessions::refresh(&state, &req.refresh_token).await?))
}

/// The same as `POST /api/auth/refresh`.
#[utoipa::path(post, path = "/api/auth/refresh-token", tag = "auth",
    request_body = RefreshRequest,
    responses(
        (status = 200, description = "New tokens", body = Tokens),
        (status = 401, description = "Invalid token, or the session is revoked", body = ErrorBody),
    ))]
pub async fn refresh_token(
    state: State<AppState>,
    body: ValidJson<RefreshRequest>,
) -> ApiResult<Json<Tokens>> {
    refresh(state, body).await
}

/// Sign out: the session is revoked and its access tokens stop working at once.
#[utoipa::path(post, path = "/api/auth/logout", tag = "auth", security(("bearer" = [])),
    responses(
        (status = 204, description = "Signed out"),
        (status = 401, description = "Not signed in", body = ErrorBody),
    ))]
pub async fn logout(
    State(state): State<AppState>,
    AuthUser(p): AuthUser,
    audit: Audit,
) -> ApiResult<StatusCode> {
    sessions::revoke_audited(&state, &p, &audit).await?;
    Ok(StatusCode::NO_CONTENT)
}

use axum::{Json, extract::State};
use campus::{
    ApiError, ApiResult, AppState,
    auth::AuthUser,
    db::{entity_of, keys},
    error::ErrorBody,
    model::{Company, User},
};
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct MeResponse {
    pub user: User,
    pub company: Company,
}

/// The signed-in user and their company.
#[utoipa::path(get, path = "/api/auth/me", tag = "auth", security(("bearer" = [])),
    responses(
        (status = 200, description = "The caller", body = MeResponse),
        (status = 401, description = "Not signed in", body = ErrorBody),
    ))]
pub async fn me(
    State(state): State<AppState>,
    AuthUser(p): AuthUser,
) -> ApiResult<Json<MeResponse>> {
    let items = state
        .db
        .get_many(&[
            keys::user(&p.company_id, &p.user_id),
            keys::company(&p.company_id),
        ])
        .await?;
    Ok(Json(MeResponse {
        user: entity_of(&items)?.ok_or(ApiError::SessionRevoked)?,
        company: entity_of(&items)?.ok_or(ApiError::NotFound)?,
    }))
}

//! `/api/auth`: registration, sign-in, token refresh, sign-out, the caller's identity.

mod login;
mod me;
mod register;
mod session;

use axum::Router;
use campus::AppState;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(register::register))
        .routes(routes!(login::login))
        .routes(routes!(session::refresh))
        .routes(routes!(session::refresh_token))
        .routes(routes!(session::logout))
        .routes(routes!(me::me))
}

pub fn router(state: AppState) -> Router {
    campus::http::stack(routes().split_for_parts().0, state)
}

pub fn openapi() -> utoipa::openapi::OpenApi {
    routes().into_openapi()
}

/// What registration and sign-in answer.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AuthResponse {
    pub user: campus::model::User,
    pub company: campus::model::Company,
    pub access_token: String,
    pub refresh_token: String,
    pub expires_in: i64,
}

impl AuthResponse {
    fn new(
        user: campus::model::User,
        company: campus::model::Company,
        t: campus::auth::sessions::Tokens,
    ) -> Self {
        Self {
            user,
            company,
            access_token: t.access_token,
            refresh_token: t.refresh_token,
            expires_in: t.expires_in,
        }
    }
}

//! `/api/auth`: registration, sign-in (password, or Google, Microsoft, GitHub), token
//! refresh, sign-out, the caller's identity.

mod login;
mod me;
mod oauth;
mod password;
mod register;
mod session;

use axum::Router;
use campus::AppState;
use serde::Serialize;
use utoipa::ToSchema;

campus::api!(
    register::register,
    login::login,
    session::refresh,
    session::refresh_token,
    session::logout,
    me::me,
    password::forgot,
    password::reset,
    password::change,
    oauth::start,
    oauth::callback,
);

pub fn router(state: AppState) -> Router {
    campus::http::stack(routes(), state)
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

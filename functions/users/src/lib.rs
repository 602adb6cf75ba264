//! `/api/users`, `/api/settings`, `/api/company`: people, their settings, their company.

mod company;
mod departments;
mod invites;
mod settings;
mod users;

use axum::Router;
use campus::AppState;
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(users::list, users::create))
        .routes(routes!(users::get, users::update, users::delete))
        .routes(routes!(users::export))
        .routes(routes!(settings::get, settings::put))
        .routes(routes!(company::get, company::put))
        .routes(routes!(departments::list, departments::create))
        .routes(routes!(departments::update, departments::delete))
        .routes(routes!(invites::list, invites::create))
        .routes(routes!(invites::delete))
}

pub fn router(state: AppState) -> Router {
    campus::http::stack(routes().split_for_parts().0, state)
}

pub fn openapi() -> utoipa::openapi::OpenApi {
    routes().into_openapi()
}

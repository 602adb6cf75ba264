//! `/api/health`, `/api/version`, `/api/docs`: what operators and client developers
//! ask of the platform itself.

mod docs;
mod health;

use axum::{Extension, Router};
use campus::AppState;
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(health::health))
        .routes(routes!(health::version))
        .routes(routes!(docs::docs))
}

pub fn router(state: AppState) -> Router {
    let checks = health::Checks::new(&state);
    campus::http::stack(routes().split_for_parts().0.layer(Extension(checks)), state)
}

pub fn openapi() -> utoipa::openapi::OpenApi {
    routes().into_openapi()
}

//! `/api/health`, `/api/version`, `/api/docs`: what operators and client developers
//! ask of the platform itself.

mod docs;
mod health;

use axum::{Extension, Router};
use campus::AppState;

campus::api!(health::health, health::version, docs::docs,);

pub fn router(state: AppState) -> Router {
    let checks = health::Checks::new(&state);
    campus::http::stack(routes().layer(Extension(checks)), state)
}

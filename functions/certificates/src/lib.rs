//! `/api/certificates`: issued certificates, their PDFs, and public verification.

mod generate;
mod read;
mod verify;

use axum::Router;
use campus::AppState;

campus::api!(
    verify::verify,
    read::list,
    read::get,
    read::download,
    generate::generate,
);

pub fn router(state: AppState) -> Router {
    campus::http::stack(routes(), state)
}

//! `/api/export`: a company's data (or a participant's own) as CSV or JSON. Small
//! results answer inline; larger ones are written to the bucket and answered with a
//! short-lived `downloadUrl`. Every export is recorded, for `/api/export/history`.

mod export;
mod history;
mod rows;

use axum::Router;
use campus::AppState;

campus::api!(export::export, history::history);

pub fn router(state: AppState) -> Router {
    campus::http::stack(routes(), state)
}

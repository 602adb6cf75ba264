//! `/api/checkins`: where people are, shared with the company in real time.

mod checkins;

use axum::Router;
use campus::AppState;

campus::api!(
    checkins::create,
    checkins::list,
    checkins::mine,
    checkins::delete,
);

pub fn router(state: AppState) -> Router {
    campus::http::stack(routes(), state)
}

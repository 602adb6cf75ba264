//! `/api/notifications`: the caller's inbox, their preferences per type and channel,
//! and sending (manager+) to one user or many.

mod inbox;
mod preferences;
mod send;

use axum::Router;
use campus::AppState;

campus::api!(
    inbox::list,
    inbox::stats,
    inbox::read,
    inbox::read_all,
    inbox::mark_all_read,
    inbox::delete,
    preferences::get,
    preferences::put,
    preferences::put_by_query,
    send::send,
    send::bulk,
);

pub fn router(state: AppState) -> Router {
    campus::http::stack(routes(), state)
}

//! `/api/analytics`: events a client records (one, or up to 100 at once) and their
//! counts per day and name, unique users and sessions. Nothing but the counters is
//! kept: each request is one transaction of `ADD`s, one per day and name.

mod events;

use axum::Router;
use campus::AppState;

campus::api!(events::record, events::summary);

pub fn router(state: AppState) -> Router {
    campus::http::stack(routes(), state)
}

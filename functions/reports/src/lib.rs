//! `/api/reports` (manager+, company-wide) and `/api/dashboard` (everyone, their own).
//! Computed from items kept for them: `gsi2` assignment rows, company and daily
//! counters, and small partitions (users, departments, certificates).

mod dashboard;
mod export;
mod reports;
mod rows;

use axum::Router;
use campus::AppState;

campus::api!(
    reports::compliance,
    reports::team,
    reports::department,
    export::export,
    dashboard::company,
    dashboard::mine,
);

pub fn router(state: AppState) -> Router {
    campus::http::stack(routes(), state)
}

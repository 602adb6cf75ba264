//! `/api/reports` (manager+, company-wide; the `core` plan, exports `pro`) and `/api/dashboard` (everyone, their own).
//! Computed from items kept for them: `gsi2` assignment rows, company and daily
//! counters, and small partitions (users, departments, certificates).

mod dashboard;
mod export;
mod quizzes;
mod reports;
mod rows;

use axum::Router;
use campus::{
    AppState,
    auth::ManagerRole,
    plans::{Entitled, ExportsFeature, ReportsFeature},
};

/// A manager of a company whose plan has reports (core and up).
pub type ReportsManager = Entitled<ReportsFeature, ManagerRole>;
/// A manager of a company whose plan has exports (pro).
pub type ExportsManager = Entitled<ExportsFeature, ManagerRole>;

campus::api!(
    reports::compliance,
    reports::team,
    reports::department,
    quizzes::quizzes,
    export::export,
    dashboard::company,
    dashboard::mine,
);

pub fn router(state: AppState) -> Router {
    campus::http::stack(routes(), state)
}

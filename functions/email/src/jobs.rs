//! The scheduled jobs, run now for the caller's company (admin).

use axum::{Json, extract::State};
use campus::{
    ApiResult, AppState,
    auth::{Admin, Gate},
    error::ErrorBody,
    reminders::{Report, Scope},
    schedule,
};

/// What the daily deadline job does, now, for this company: reminders for courses due
/// in 3 days, in 1 day, and overdue since yesterday. A reminder already sent is not
/// sent again.
#[utoipa::path(post, path = "/api/email/send-deadline-reminders", tag = "email", security(("bearer" = [])),
    responses((status = 200, body = Report), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn send_deadline_reminders(
    State(state): State<AppState>,
    Gate(p, ..): Admin,
) -> ApiResult<Json<Report>> {
    Ok(Json(
        schedule::run(&state, "deadlines", Scope::Company(&p.company_id)).await?,
    ))
}

/// What the weekly job does, now, for this company: each team lead gets their
/// team's report (once a week).
#[utoipa::path(post, path = "/api/email/send-team-reports", tag = "email", security(("bearer" = [])),
    responses((status = 200, body = Report), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn send_team_reports(
    State(state): State<AppState>,
    Gate(p, ..): Admin,
) -> ApiResult<Json<Report>> {
    Ok(Json(
        schedule::run(&state, "team-reports", Scope::Company(&p.company_id)).await?,
    ))
}

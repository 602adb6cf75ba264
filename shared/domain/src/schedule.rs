//! The scheduled jobs by name, as the schedules and `make job` name them.

use time::OffsetDateTime;

use crate::{
    AppState, clock,
    job::{JobError, JobResult},
    recertification,
    reminders::{Report, Scope, deadline_reminders, event_reminders, team_reports},
};

/// The jobs by name, as schedules and `make job` name them.
pub async fn run(state: &AppState, job: &str, scope: Scope<'_>) -> JobResult<Report> {
    run_at(state, job, scope, clock::now()).await
}

/// [`run`] as if it were `now` (`make job NOW=…`: a day ahead, to see what it does).
pub async fn run_at(
    state: &AppState,
    job: &str,
    scope: Scope<'_>,
    now: OffsetDateTime,
) -> JobResult<Report> {
    match job {
        // The daily job: deadlines, and certificates lapsing or lapsed.
        "deadlines" => {
            let due = deadline_reminders(state, scope, now.date()).await?;
            let renew = recertification::run(state, scope, now).await?;
            Ok(Report {
                sent: due.sent + renew.sent,
                already_sent: due.already_sent + renew.already_sent,
            })
        }
        "events" => event_reminders(state, scope, now).await,
        "team-reports" => team_reports(state, scope, now.date()).await,
        other => Err(JobError::BadEvent(format!(
            "unknown job {other:?}: deadlines, events or team-reports"
        ))),
    }
}

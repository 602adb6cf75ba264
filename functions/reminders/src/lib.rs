//! The scheduled jobs' function: each EventBridge schedule sends `{"job": name}`.

use campus::{
    AppState,
    job::JobError,
    reminders::{self, Report, Scope},
};
use serde::Deserialize;
use serde_json::Value;

#[derive(Deserialize)]
struct Job {
    job: String,
}

/// Runs the named job over every company.
pub async fn handle(state: &AppState, event: Value) -> Result<Report, JobError> {
    let Job { job } = serde_json::from_value(event)
        .map_err(|_| JobError::BadEvent("the event names no job".into()))?;
    let report = reminders::run(state, &job, Scope::All).await?;
    tracing::info!(
        job,
        sent = report.sent,
        already_sent = report.already_sent,
        "job done"
    );
    Ok(report)
}

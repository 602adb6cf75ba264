//! The scheduled jobs' function: each EventBridge schedule sends `{"job": name}`. The
//! operator also invokes it once by hand to create a platform operator:
//! `{"job": "create-operator", "email": …, "name": …}` (mailed a set-password link).

use campus::{
    AppState,
    job::JobError,
    platform,
    reminders::{self, Report, Scope},
};
use serde::Deserialize;
use serde_json::Value;

#[derive(Deserialize)]
struct Job {
    job: String,
    email: Option<String>,
    name: Option<String>,
}

/// Runs the named job over every company.
pub async fn handle(state: &AppState, event: Value) -> Result<Report, JobError> {
    let Job { job, email, name } = serde_json::from_value(event)
        .map_err(|_| JobError::BadEvent("the event names no job".into()))?;
    if job == "create-operator" {
        let (Some(email), Some(name)) = (email, name) else {
            return Err(JobError::BadEvent(
                "create-operator needs email and name".into(),
            ));
        };
        let id = platform::create_operator(state, &email, &name, None)
            .await
            .map_err(|e| JobError::Service(format!("{e:?}")))?;
        tracing::info!(operator = %id, "platform operator created; set-password link mailed");
        return Ok(Report {
            sent: 1,
            already_sent: 0,
        });
    }
    let report = reminders::run(state, &job, Scope::All).await?;
    tracing::info!(
        job,
        sent = report.sent,
        already_sent = report.already_sent,
        "job done"
    );
    Ok(report)
}

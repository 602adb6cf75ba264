//! The scheduled jobs' function: each EventBridge schedule sends `{"job": name}`. The
//! operator also invokes it once by hand to create a platform operator:
//! `{"job": "create-operator", "email": …, "name": …}` (mailed a set-password link).
//! `"now"` (an RFC 3339 time or a date) runs a job as if it were then, for real
//! (it sends and renews): `make job NOW=…` on the local stack, refused in AWS.

use campus::{
    AppState,
    job::JobError,
    platform,
    reminders::{Report, Scope},
    schedule,
};
use serde::Deserialize;
use serde_json::Value;

#[derive(Deserialize)]
struct Job {
    job: String,
    email: Option<String>,
    name: Option<String>,
    now: Option<String>,
}

/// Runs the named job over every company.
pub async fn handle(state: &AppState, event: Value) -> Result<Report, JobError> {
    let Job {
        job,
        email,
        name,
        now,
    } = serde_json::from_value(event)
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
    let now = match now {
        None => campus::clock::now(),
        // It really sends and renews: in AWS a job runs at the time it is.
        Some(_) if state.config.aws.endpoint_url.is_none() => {
            return Err(JobError::BadEvent(
                "now is for the local stack only (make job NOW=…)".into(),
            ));
        }
        Some(raw) => campus::clock::parse_moment(&raw, "08:00:00").ok_or_else(|| {
            JobError::BadEvent("now is an RFC 3339 time or a YYYY-MM-DD date".into())
        })?,
    };
    let report = schedule::run_at(state, &job, Scope::All, now).await?;
    tracing::info!(
        job,
        sent = report.sent,
        already_sent = report.already_sent,
        "job done"
    );
    Ok(report)
}

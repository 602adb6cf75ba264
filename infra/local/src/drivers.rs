//! What drives the event-triggered functions locally, where no stream or schedule
//! exists: the mailer's sweep every second (in AWS: the table's stream and a
//! one-minute schedule), through the same code the Lambda runs.

use std::time::Duration;

use campus::AppState;
use campus_mailer::Mailer;

/// Runs for as long as the process does.
pub fn spawn(state: AppState) {
    let mailer = Mailer::new(state);
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        loop {
            tick.tick().await;
            if let Err(e) = mailer.sweep().await {
                tracing::warn!(error = ?e, "local mailer sweep failed");
            }
        }
    });
}

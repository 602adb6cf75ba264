//! What drives the event-triggered functions locally, where no stream or schedule
//! exists: the mailer's sweep every second (in AWS: the table's stream and a
//! one-minute schedule), the upload checker fed from the bucket's queue (in AWS: the
//! bucket notifies it), and the search indexer fed from the table's stream, through
//! the same code the Lambda runs.

use std::time::Duration;

use campus::AppState;
use campus_mailer::Mailer;

/// Runs for as long as the process does.
pub fn spawn(state: AppState) {
    let uploads = state.for_function("upload-checker");
    tokio::spawn(async move {
        let sqs = crate::uploads::sqs(&uploads.config);
        let url = match crate::uploads::queue_url(&sqs, &uploads.config).await {
            Ok(url) => url,
            Err(e) => return tracing::warn!(error = %e, "no local upload checks"),
        };
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        loop {
            tick.tick().await;
            if let Err(e) = crate::uploads::drain_once(&uploads, &sqs, &url).await {
                tracing::warn!(error = %e, "local upload check failed");
            }
        }
    });
    let search = state.for_function("search-indexer");
    tokio::spawn(async move {
        let reader = crate::streams::StreamReader::new(&search.config);
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        loop {
            tick.tick().await;
            if let Err(e) = reader.drain_once(&search).await {
                tracing::warn!(error = %e, "local search indexing failed");
            }
        }
    });
    let mailer = Mailer::new(state.for_function("mailer"));
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

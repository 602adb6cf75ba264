// The event futures (init, handler, runtime) nest past the default limit of 128.
#![recursion_limit = "256"]

//! The mailer: new mail from the table's stream at once, and a sweep every minute for
//! what is due again (retries, lapsed leases).

use campus_mailer::{Mailer, Outcome};
use serde_json::json;

#[tokio::main]
async fn main() -> Result<(), campus::lambda::Error> {
    // Built once: the SES client keeps its connection warm across invocations.
    campus::lambda::run_events_with(Mailer::new, |mailer, event| async move {
        let outcomes = mailer.handle(event).await?;
        // What was sent, beside what was looked at: a redelivered batch sends nothing.
        let sent = outcomes.iter().filter(|o| **o == Outcome::Sent).count();
        Ok::<_, campus::job::JobError>(json!({ "handled": outcomes.len(), "sent": sent }))
    })
    .await
}

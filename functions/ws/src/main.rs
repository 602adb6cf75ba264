// The event futures (init, handler, runtime) nest past the default limit of 128.
#![recursion_limit = "256"]

#[tokio::main]
async fn main() -> Result<(), campus::lambda::Error> {
    campus::lambda::run_events(|state, event| async move { campus_ws::handle(&state, event).await })
        .await
}

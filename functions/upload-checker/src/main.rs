#[tokio::main]
async fn main() -> Result<(), campus::lambda::Error> {
    campus::lambda::run_events(|state, event| async move {
        campus_upload_checker::handle(&state, event).await
    })
    .await
}

#[tokio::main]
async fn main() -> Result<(), campus::lambda::Error> {
    campus::lambda::run_events(|state, event| async move {
        campus_search_indexer::handle(&state, event).await
    })
    .await
}

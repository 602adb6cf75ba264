#[tokio::main]
async fn main() -> Result<(), campus::lambda::Error> {
    campus::lambda::run(campus_paths::router).await
}

#[tokio::main]
async fn main() -> Result<(), campus::lambda::Error> {
    campus::lambda::run(campus_exports::router).await
}

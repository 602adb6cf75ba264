use campus::{AppState, config::Config};
use campus_mailer::Mailer;
use lambda_runtime::{LambdaEvent, service_fn};
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    campus::lambda::init_tracing();
    let state = AppState::new(Config::from_env()?);
    state.warm().await;
    let mailer = Mailer::new(state);
    lambda_runtime::run(service_fn(|event: LambdaEvent<Value>| {
        let mailer = mailer.clone();
        async move {
            let outcomes = mailer
                .handle(event.payload)
                .await
                .map_err(|e| format!("{e:?}"))?;
            Ok::<_, lambda_runtime::Error>(serde_json::json!({ "handled": outcomes.len() }))
        }
    }))
    .await
}

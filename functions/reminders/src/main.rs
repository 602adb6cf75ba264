use campus::{AppState, config::Config};
use lambda_runtime::{LambdaEvent, service_fn};
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    campus::lambda::init_tracing();
    let state = AppState::new(Config::from_env()?);
    state.warm().await;
    lambda_runtime::run(service_fn(|event: LambdaEvent<Value>| {
        let state = state.clone();
        async move {
            campus_reminders::handle(&state, event.payload)
                .await
                .map_err(|e| lambda_runtime::Error::from(format!("{e:?}")))
        }
    }))
    .await
}

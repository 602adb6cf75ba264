use campus_mailer::Mailer;
use lambda_runtime::{LambdaEvent, service_fn};
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    // Built once: the SES client keeps its connection warm across invocations.
    let mailer = Mailer::new(campus::lambda::start().await?);
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

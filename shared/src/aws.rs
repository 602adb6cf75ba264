//! AWS clients, built once per process from the config.

use std::time::Duration;

use aws_config::{BehaviorVersion, retry::RetryConfig, timeout::TimeoutConfig};
use aws_sdk_dynamodb::config::Credentials;

use crate::config::Config;

pub async fn sdk_config(cfg: &Config) -> aws_config::SdkConfig {
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .region(aws_config::Region::new(cfg.aws_region.clone()))
        // Retries and timeouts are chosen, not inherited: a slow dependency must turn
        // into a quick 503, not a hung Lambda.
        .retry_config(RetryConfig::standard().with_max_attempts(cfg.aws_max_attempts.max(1)))
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(Duration::from_millis(1000))
                .operation_attempt_timeout(cfg.aws_timeout)
                .operation_timeout(cfg.aws_timeout * cfg.aws_max_attempts.max(1))
                .build(),
        );
    if let Some(endpoint) = &cfg.aws_endpoint_url {
        // The local emulator accepts any credentials; fixed ones keep the SDK from
        // probing the environment or instance metadata for real ones.
        loader = loader
            .endpoint_url(endpoint)
            .credentials_provider(Credentials::new("test", "test", None, None, "campus-local"));
    }
    loader.load().await
}

pub fn dynamodb(sdk: &aws_config::SdkConfig) -> aws_sdk_dynamodb::Client {
    let conf = aws_sdk_dynamodb::config::Builder::from(sdk)
        .interceptor(crate::db::metrics::CallCounter)
        .build();
    aws_sdk_dynamodb::Client::from_conf(conf)
}

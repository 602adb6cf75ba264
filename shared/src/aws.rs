//! AWS clients, configured straight from our typed settings.
//!
//! No aws-config: in Lambda the credentials are always in the environment, and its
//! provider chain (profiles, SSO, STS web identity, IMDS) only cost binary size and
//! cold-start time here.

use std::time::Duration;

use aws_sdk_dynamodb::config::{BehaviorVersion, Credentials, Region};
use aws_smithy_types::{retry::RetryConfig, timeout::TimeoutConfig};

use crate::config::Config;

/// What every client shares; cheap to clone.
#[derive(Clone, Debug)]
pub struct Aws {
    region: Region,
    credentials: Credentials,
    endpoint: Option<String>,
    retry: RetryConfig,
    timeout: TimeoutConfig,
}

macro_rules! client {
    ($aws:expr, $krate:ident $(, $extra:ident($arg:expr))*) => {{
        let a = $aws;
        let mut b = $krate::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(a.region.clone())
            .credentials_provider(a.credentials.clone())
            .retry_config(a.retry.clone())
            .timeout_config(a.timeout.clone())
            $(.$extra($arg))*;
        if let Some(e) = &a.endpoint {
            b = b.endpoint_url(e);
        }
        $krate::Client::from_conf(b.build())
    }};
}

impl Aws {
    pub fn new(cfg: &Config) -> Self {
        let attempts = cfg.aws_max_attempts.max(1);
        Self {
            region: Region::new(cfg.aws_region.clone()),
            credentials: match &cfg.aws_credentials {
                Some(c) => Credentials::new(
                    &c.access_key_id,
                    c.secret_access_key.expose(),
                    c.session_token.as_ref().map(|t| t.expose().to_string()),
                    None,
                    "environment",
                ),
                // Only the local emulator has no credentials set; it accepts any.
                None => Credentials::new("test", "test", None, None, "campus-local"),
            },
            endpoint: cfg.aws_endpoint_url.clone(),
            // Retries and timeouts are chosen, not inherited: a slow dependency must
            // turn into a quick 503, not a hung Lambda.
            retry: RetryConfig::standard().with_max_attempts(attempts),
            timeout: TimeoutConfig::builder()
                .connect_timeout(Duration::from_millis(1000))
                .operation_attempt_timeout(cfg.aws_timeout)
                .operation_timeout(cfg.aws_timeout * attempts)
                .build(),
        }
    }

    pub fn dynamodb(&self) -> aws_sdk_dynamodb::Client {
        client!(
            self,
            aws_sdk_dynamodb,
            interceptor(crate::db::metrics::CallCounter)
        )
    }

    pub fn s3(&self) -> aws_sdk_s3::Client {
        // The local emulator only understands path-style addressing.
        client!(self, aws_sdk_s3, force_path_style(self.endpoint.is_some()))
    }

    pub fn ses(&self) -> aws_sdk_sesv2::Client {
        client!(self, aws_sdk_sesv2)
    }

    /// The API Gateway Management API of a WebSocket API at `endpoint` (always its
    /// own URL: the emulator does not serve it, campus-local does).
    pub fn apigateway_management(&self, endpoint: &str) -> aws_sdk_apigatewaymanagement::Client {
        let own = Self {
            endpoint: Some(endpoint.to_string()),
            ..self.clone()
        };
        client!(&own, aws_sdk_apigatewaymanagement)
    }
}

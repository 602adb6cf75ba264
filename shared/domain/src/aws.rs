//! AWS clients, configured straight from our typed settings.
//!
//! No aws-config: in Lambda the credentials are always in the environment, and its
//! provider chain (profiles, SSO, STS web identity, IMDS) only cost binary size and
//! cold-start time here.

use std::time::Duration;

use aws_sdk_dynamodb::config::{BehaviorVersion, Credentials, Region, SharedHttpClient};
use aws_smithy_http_client::tls::{self, TlsContext, TrustStore, rustls_provider::CryptoMode};
use aws_smithy_types::{retry::RetryConfig, timeout::TimeoutConfig};

use crate::config::{AwsSettings, Config};

/// What every client shares; cheap to clone.
#[derive(Clone, Debug)]
pub struct Aws {
    region: Region,
    credentials: Credentials,
    endpoint: Option<String>,
    retry: RetryConfig,
    timeout: TimeoutConfig,
    /// One HTTPS client for every service client.
    http: SharedHttpClient,
    /// Set only by the local stack, whose guard judges each call against this
    /// function's policy (`crate::aws_calls`).
    function: Option<&'static str>,
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
            .http_client(a.http.clone())
            $(.$extra($arg))*;
        if let Some(e) = &a.endpoint {
            b = b.endpoint_url(e);
        }
        if let Some(function) = a.function {
            b = b.interceptor(crate::aws_calls::Guarded { function });
        }
        $krate::Client::from_conf(b.build())
    }};
}

impl Aws {
    pub fn new(cfg: &Config) -> Self {
        Self::from_settings(&cfg.aws)
    }

    pub fn from_settings(cfg: &AwsSettings) -> Self {
        let attempts = cfg.max_attempts.max(1);
        Self {
            region: Region::new(cfg.region.clone()),
            credentials: match &cfg.credentials {
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
            endpoint: cfg.endpoint_url.clone(),
            // Retries and timeouts are chosen, not inherited: a slow dependency must
            // turn into a quick 503, not a hung Lambda.
            retry: RetryConfig::standard().with_max_attempts(attempts),
            timeout: TimeoutConfig::builder()
                .connect_timeout(Duration::from_millis(1000))
                .operation_attempt_timeout(cfg.timeout)
                .operation_timeout(cfg.timeout * attempts)
                .build(),
            http: https_client(),
            function: None,
        }
    }

    /// The same settings, with every client's calls offered to the installed guard
    /// as `function`'s (the local stack runs every function in one process).
    pub fn for_function(&self, function: &'static str) -> Self {
        Self {
            function: Some(function),
            ..self.clone()
        }
    }

    /// The function these clients act for, when the local stack named one.
    pub fn function(&self) -> Option<&'static str> {
        self.function
    }

    pub fn dynamodb(&self) -> aws_sdk_dynamodb::Client {
        client!(
            self,
            aws_sdk_dynamodb,
            interceptor(crate::db::metrics::CallCounter)
        )
    }

    pub fn secrets_manager(&self) -> aws_sdk_secretsmanager::Client {
        client!(self, aws_sdk_secretsmanager)
    }

    pub fn s3(&self) -> aws_sdk_s3::Client {
        // The local emulator only understands path-style addressing.
        client!(self, aws_sdk_s3, force_path_style(self.endpoint.is_some()))
    }

    /// Who signs an S3 POST policy made at `at`: its `x-amz-credential` (naming the
    /// signing day), and the session token the policy must carry when there is one
    /// (in Lambda there always is).
    pub fn s3_post_identity(&self, at: std::time::SystemTime) -> (String, Option<String>) {
        let day = time::OffsetDateTime::from(at)
            .format(time::macros::format_description!("[year][month][day]"))
            .unwrap_or_default();
        (
            format!(
                "{}/{day}/{}/s3/aws4_request",
                self.credentials.access_key_id(),
                self.region.as_ref()
            ),
            self.credentials.session_token().map(str::to_string),
        )
    }

    /// The SigV4 signature of an S3 POST policy (base64) made at `at`.
    pub fn sign_s3_policy(&self, policy_b64: &str, at: std::time::SystemTime) -> String {
        let key = aws_sigv4::sign::v4::generate_signing_key(
            self.credentials.secret_access_key(),
            at,
            self.region.as_ref(),
            "s3",
        );
        aws_sigv4::sign::v4::calculate_signature(key, policy_b64.as_bytes())
    }

    /// Where browsers POST to the bucket: the emulator path-style, AWS virtual-hosted.
    pub fn s3_post_url(&self, bucket: &str) -> String {
        match &self.endpoint {
            Some(e) => format!("{}/{bucket}", e.trim_end_matches('/')),
            None => format!(
                "https://{bucket}.s3.{}.amazonaws.com/",
                self.region.as_ref()
            ),
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn aws(token: Option<&str>) -> Aws {
        let mut settings = std::collections::HashMap::from([
            ("TABLE_NAME", "t".to_string()),
            ("BUCKET_NAME", "b".to_string()),
            ("JWT_SECRET", "x".repeat(32)),
            ("AWS_REGION", "us-east-1".to_string()),
            ("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE".to_string()),
            (
                "AWS_SECRET_ACCESS_KEY",
                "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY".to_string(),
            ),
        ]);
        if let Some(t) = token {
            settings.insert("AWS_SESSION_TOKEN", t.to_string());
        }
        let cfg = Config::from_source(&move |k: &str| settings.get(k).cloned()).unwrap();
        Aws::new(&cfg)
    }

    #[test]
    fn a_post_policy_is_signed_with_the_sigv4_key_of_its_day() {
        // 2015-12-29, as in AWS's POST policy example.
        let at = std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_451_347_200);
        let aws = aws(None);
        // Computed with Python's hmac: HMAC-SHA256 over the chain AWS4+secret, day,
        // region, "s3", "aws4_request", then over the base64 policy.
        assert_eq!(
            aws.sign_s3_policy("eyJjb25kaXRpb25zIjogW119", at),
            "501fdd89bb2111884523c5f8de09ad824c926216d91174be7aeeda0562b30111"
        );
        let (credential, token) = aws.s3_post_identity(at);
        assert_eq!(
            credential,
            "AKIAIOSFODNN7EXAMPLE/20151229/us-east-1/s3/aws4_request"
        );
        assert_eq!(token, None);
        assert_eq!(
            self::aws(Some("session")).s3_post_identity(at).1.as_deref(),
            Some("session")
        );
        assert_eq!(
            aws.s3_post_url("campus-prod"),
            "https://campus-prod.s3.us-east-1.amazonaws.com/"
        );
    }
}

/// Amazon Trust Services' roots, which every AWS endpoint's certificate chains to.
const AMAZON_ROOTS: &str = include_str!("amazon-roots.pem");

/// The SDK's own HTTPS client (hyper, rustls on aws-lc), trusting Amazon's roots
/// only. The default one reads and parses every certificate of the system's store
/// (hundreds of files) while the clients are built: 4 ms of every cold start, for
/// trust in authorities no AWS endpoint uses. An endpoint override (the local
/// emulator) is plain HTTP, which needs no roots.
fn https_client() -> SharedHttpClient {
    let roots = TrustStore::empty()
        .with_native_roots(false)
        .with_pem_certificate(AMAZON_ROOTS.as_bytes());
    let builder = aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(CryptoMode::AwsLc));
    match TlsContext::builder().with_trust_store(roots).build() {
        Ok(context) => builder.tls_context(context).build_https(),
        // The roots are compiled in and tested; should they ever fail to parse, the
        // system's store still works (at its cost).
        Err(e) => {
            tracing::error!(error = %e, "Amazon's roots did not load; using the system's");
            aws_smithy_http_client::Builder::new()
                .tls_provider(tls::Provider::Rustls(CryptoMode::AwsLc))
                .build_https()
        }
    }
}

#[cfg(test)]
mod https_tests {
    #[test]
    fn amazons_roots_parse_into_a_trust_store() {
        let roots = super::TrustStore::empty()
            .with_native_roots(false)
            .with_pem_certificate(super::AMAZON_ROOTS.as_bytes());
        assert!(
            super::TlsContext::builder()
                .with_trust_store(roots)
                .build()
                .is_ok()
        );
        assert_eq!(super::AMAZON_ROOTS.matches("BEGIN CERTIFICATE").count(), 5);
    }
}

//! Every AWS call a function makes, offered to a guard before it is sent.
//!
//! The local emulator grants everything, while in AWS each function's role grants only
//! what `template.yaml` says. The test stack installs a guard that judges each call
//! against that function's policy (campus-local's `iam`), so a handler that starts
//! calling something new fails `make test` instead of production. In Lambda no guard
//! is installed and no function is named, so nothing here runs.

use std::sync::OnceLock;

use aws_sdk_dynamodb::config::{
    ConfigBag, Intercept, RuntimeComponents, interceptors::BeforeTransmitInterceptorContextRef,
};
use aws_smithy_runtime_api::{box_error::BoxError, client::orchestrator::Metadata};

/// One call as it goes on the wire: enough to tell its IAM action and resource.
#[derive(Debug)]
pub struct AwsCall<'a> {
    /// The binary name of the function making it.
    pub function: &'static str,
    /// The SDK's service name: `DynamoDB`, `S3`, `SESv2`, `ApiGatewayManagementApi`.
    pub service: &'a str,
    pub operation: &'a str,
    pub method: &'a str,
    pub uri: &'a str,
    /// S3's `x-amz-copy-source`, when there is one.
    pub copy_source: Option<&'a str>,
    pub body: &'a [u8],
}

type Guard = Box<dyn Fn(&AwsCall<'_>) -> Result<(), String> + Send + Sync>;

static GUARD: OnceLock<Guard> = OnceLock::new();

/// Installs the process's guard; false if one was installed already.
pub fn install(guard: Guard) -> bool {
    GUARD.set(guard).is_ok()
}

/// Judges a call the SDK does not make itself (a signed POST policy is used by the
/// browser, with the function's rights).
pub fn check(call: &AwsCall<'_>) -> Result<(), String> {
    GUARD.get().map_or(Ok(()), |guard| guard(call))
}

/// The interceptor every client of a named function carries.
#[derive(Debug)]
pub(crate) struct Guarded {
    pub function: &'static str,
}

impl Intercept for Guarded {
    fn name(&self) -> &'static str {
        "Guarded"
    }

    // Once the endpoint is applied (S3's bucket is part of it), and still for presigned
    // requests: they stop right after this, never sent by the SDK, but are used with
    // this function's rights.
    fn read_before_transmit(
        &self,
        context: &BeforeTransmitInterceptorContextRef<'_>,
        _: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let (Some(guard), Some(meta)) = (GUARD.get(), cfg.load::<Metadata>()) else {
            return Ok(());
        };
        let req = context.request();
        let call = AwsCall {
            function: self.function,
            service: meta.service(),
            operation: meta.name(),
            method: req.method(),
            uri: req.uri(),
            copy_source: req.headers().get("x-amz-copy-source"),
            body: req.body().bytes().unwrap_or_default(),
        };
        guard(&call).map_err(BoxError::from)
    }
}

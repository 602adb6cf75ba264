//! Counts DynamoDB round trips per request, for the request log line and `make bench`.
//!
//! An SDK interceptor bumps a counter that the request middleware scopes to the
//! request's task; the SDK runs its interceptors in the caller's task, so concurrent
//! requests (the local gateway) do not mix their counts.

use std::cell::Cell;

use aws_sdk_dynamodb::config::{
    ConfigBag, Intercept, RuntimeComponents, interceptors::BeforeTransmitInterceptorContextRef,
};
use aws_smithy_runtime_api::box_error::BoxError;

tokio::task_local! {
    static CALLS: Cell<u32>;
}

/// Runs `fut` with a fresh counter; answers its output and the round trips it made.
pub async fn counted<F: Future>(fut: F) -> (F::Output, u32) {
    CALLS
        .scope(Cell::new(0), async move {
            let out = fut.await;
            (out, CALLS.with(Cell::get))
        })
        .await
}

/// How many round trips the current request made so far.
pub fn current() -> u32 {
    CALLS.try_with(Cell::get).unwrap_or(0)
}

/// A request's count, put on its response for in-process callers (`make bench`).
#[derive(Debug, Clone, Copy)]
pub struct DynamoCalls(pub u32);

#[derive(Debug)]
pub struct CallCounter;

impl Intercept for CallCounter {
    fn name(&self) -> &'static str {
        "CallCounter"
    }

    // Once per attempt actually sent, so retries count as the round trips they are.
    fn read_before_transmit(
        &self,
        _: &BeforeTransmitInterceptorContextRef<'_>,
        _: &RuntimeComponents,
        _: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let _ = CALLS.try_with(|c| c.set(c.get() + 1));
        Ok(())
    }
}

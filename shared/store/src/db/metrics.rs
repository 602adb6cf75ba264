//! Counts DynamoDB round trips per request, for the request log line and `make bench`.
//!
//! An SDK interceptor bumps a counter that the request middleware scopes to the
//! request's task; the SDK runs its interceptors in the caller's task, so concurrent
//! requests (the local gateway) do not mix their counts.

use std::cell::Cell;

use aws_sdk_dynamodb::{
    config::{
        ConfigBag, Intercept, RuntimeComponents,
        interceptors::{
            BeforeSerializationInterceptorContextRef, BeforeTransmitInterceptorContextRef,
        },
    },
    operation::{
        batch_get_item::BatchGetItemInput, batch_write_item::BatchWriteItemInput,
        delete_item::DeleteItemInput, get_item::GetItemInput, put_item::PutItemInput,
        query::QueryInput, transact_get_items::TransactGetItemsInput,
        transact_write_items::TransactWriteItemsInput, update_item::UpdateItemInput,
    },
};
use aws_smithy_runtime_api::box_error::BoxError;

tokio::task_local! {
    static CALLS: Cell<DynamoCalls>;
}

/// Runs `fut` with a fresh counter; answers its output and the round trips it made.
pub async fn counted<F: Future>(fut: F) -> (F::Output, DynamoCalls) {
    CALLS
        .scope(Cell::new(DynamoCalls::default()), async move {
            let out = fut.await;
            (out, CALLS.with(Cell::get))
        })
        .await
}

/// How many round trips the current request made so far.
pub fn current() -> u32 {
    CALLS.try_with(|c| c.get().calls).unwrap_or(0)
}

/// A request's round trips, and the request units they would be billed on demand,
/// counting each item as small (a read of up to 4 KB, a write of up to 1 KB) and
/// each query as one page of them: a floor for large items and long pages. Put on
/// its response for in-process callers (`make bench`).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct DynamoCalls {
    pub calls: u32,
    pub read_units: f64,
    pub write_units: f64,
}

/// (read, write) request units of one operation, by its input.
fn units(input: &aws_smithy_runtime_api::client::interceptors::context::Input) -> (f64, f64) {
    let read = |consistent: Option<bool>| if consistent == Some(true) { 1.0 } else { 0.5 };
    if let Some(i) = input.downcast_ref::<GetItemInput>() {
        (read(i.consistent_read), 0.0)
    } else if let Some(i) = input.downcast_ref::<QueryInput>() {
        (read(i.consistent_read), 0.0)
    } else if let Some(i) = input.downcast_ref::<BatchGetItemInput>() {
        let units = i
            .request_items
            .iter()
            .flatten()
            .map(|(_, k)| k.keys.len() as f64 * read(k.consistent_read));
        (units.sum(), 0.0)
    } else if let Some(i) = input.downcast_ref::<TransactGetItemsInput>() {
        (
            2.0 * i.transact_items.as_ref().map_or(0, Vec::len) as f64,
            0.0,
        )
    } else if let Some(i) = input.downcast_ref::<TransactWriteItemsInput>() {
        (
            0.0,
            2.0 * i.transact_items.as_ref().map_or(0, Vec::len) as f64,
        )
    } else if let Some(i) = input.downcast_ref::<BatchWriteItemInput>() {
        let items = i.request_items.iter().flatten().map(|(_, w)| w.len());
        (0.0, items.sum::<usize>() as f64)
    } else if input.downcast_ref::<PutItemInput>().is_some()
        || input.downcast_ref::<UpdateItemInput>().is_some()
        || input.downcast_ref::<DeleteItemInput>().is_some()
    {
        (0.0, 1.0)
    } else {
        (0.0, 0.0)
    }
}

#[derive(Debug)]
pub struct CallCounter;

impl Intercept for CallCounter {
    fn name(&self) -> &'static str {
        "CallCounter"
    }

    // Once per operation: the units it is billed (a retry of a refused write is
    // billed again, which this leaves out).
    fn read_before_serialization(
        &self,
        context: &BeforeSerializationInterceptorContextRef<'_>,
        _: &RuntimeComponents,
        _: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let (read, write) = units(context.input());
        let _ = CALLS.try_with(|c| {
            let mut t = c.get();
            t.read_units += read;
            t.write_units += write;
            c.set(t);
        });
        Ok(())
    }

    // Once per attempt actually sent, so retries count as the round trips they are.
    fn read_before_transmit(
        &self,
        _: &BeforeTransmitInterceptorContextRef<'_>,
        _: &RuntimeComponents,
        _: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let _ = CALLS.try_with(|c| {
            let mut t = c.get();
            t.calls += 1;
            c.set(t);
        });
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use aws_sdk_dynamodb::types::{
        DeleteRequest, KeysAndAttributes, Put, TransactWriteItem, WriteRequest,
    };
    use aws_smithy_runtime_api::client::interceptors::context::Input;

    use super::*;

    fn of<T: std::fmt::Debug + Send + Sync + 'static>(input: T) -> (f64, f64) {
        units(&Input::erase(input))
    }

    #[test]
    fn units_are_billed_as_on_demand_bills_small_items() {
        let get = GetItemInput::builder().table_name("t");
        assert_eq!(of(get.clone().build().unwrap()), (0.5, 0.0));
        assert_eq!(of(get.consistent_read(true).build().unwrap()), (1.0, 0.0));
        let keys = KeysAndAttributes::builder()
            .keys(Default::default())
            .keys(Default::default())
            .consistent_read(true)
            .build()
            .unwrap();
        let batch = BatchGetItemInput::builder()
            .request_items("t", keys)
            .build()
            .unwrap();
        assert_eq!(of(batch), (2.0, 0.0));
        let put = || {
            TransactWriteItem::builder()
                .put(
                    Put::builder()
                        .table_name("t")
                        .set_item(Some(Default::default()))
                        .build()
                        .unwrap(),
                )
                .build()
        };
        let tx = TransactWriteItemsInput::builder()
            .transact_items(put())
            .transact_items(put())
            .transact_items(put())
            .build()
            .unwrap();
        assert_eq!(of(tx), (0.0, 6.0), "two units an item in a transaction");
        let delete = WriteRequest::builder()
            .delete_request(
                DeleteRequest::builder()
                    .set_key(Some(Default::default()))
                    .build()
                    .unwrap(),
            )
            .build();
        let batch = BatchWriteItemInput::builder()
            .request_items("t", vec![delete.clone(), delete])
            .build()
            .unwrap();
        assert_eq!(of(batch), (0.0, 2.0));
        assert_eq!(
            of(UpdateItemInput::builder().table_name("t").build().unwrap()),
            (0.0, 1.0)
        );
    }
}

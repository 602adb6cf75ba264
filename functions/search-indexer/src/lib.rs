//! The table's stream, filtered to searchable entities: each record's old and new
//! images become the index entries to delete and put (`campus::search::changes`).
//! Records of one item arrive in order, so the index follows the item's history.

use aws_lambda_events::event::dynamodb::Event;
use campus::{
    AppState,
    db::to_stored_item,
    job::{JobError, JobResult},
    search::{self, Image},
};
use serde_json::{Value, json};

fn doc(image: serde_dynamo::Item) -> Option<search::Doc> {
    if image.is_empty() {
        return None;
    }
    // An image that does not read as a searchable item is simply not indexed.
    let img: Image = serde_dynamo::from_item(image).ok()?;
    search::doc_of(&img)
}

/// Applies a batch of stream records. A record that fails stops the batch and is
/// reported (`batchItemFailures`, the event source's ReportBatchItemFailures): Lambda
/// retries from it, keeping the records before it done and the item's order; after
/// the retries the batch goes to the failed-events queue. Applying a record twice
/// leaves the same index.
pub async fn handle(state: &AppState, event: Value) -> JobResult<Value> {
    let batch: Event =
        serde_json::from_value(event).map_err(|e| JobError::BadEvent(e.to_string()))?;
    let (mut deleted, mut put) = (0, 0);
    for record in batch.records {
        let sequence = record.change.sequence_number.clone().unwrap_or_default();
        match apply(state, record).await {
            Ok((d, p)) => {
                deleted += d;
                put += p;
            }
            Err(e) => {
                tracing::error!(error = ?e, sequence, "indexing failed; retried from this record");
                return Ok(json!({
                    "deleted": deleted,
                    "put": put,
                    "batchItemFailures": [{"itemIdentifier": sequence}],
                }));
            }
        }
    }
    Ok(json!({ "deleted": deleted, "put": put, "batchItemFailures": [] }))
}

/// One record's index changes: how many entries deleted and put.
async fn apply(
    state: &AppState,
    record: aws_lambda_events::event::dynamodb::EventRecord,
) -> JobResult<(usize, usize)> {
    let old = doc(record.change.old_image);
    let new = doc(record.change.new_image);
    let changes = search::changes(old.as_ref(), new.as_ref());
    if !changes.delete.is_empty() {
        state.db.delete_many(&changes.delete).await?;
    }
    if !changes.put.is_empty() {
        let items = changes
            .put
            .iter()
            .map(to_stored_item)
            .collect::<Result<Vec<_>, _>>()?;
        state.db.put_items(items).await?;
    }
    Ok((changes.delete.len(), changes.put.len()))
}

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

/// Applies a batch of stream records; a failure fails the batch, which Lambda
/// retries (applying a record twice leaves the same index).
pub async fn handle(state: &AppState, event: Value) -> JobResult<Value> {
    let batch: Event =
        serde_json::from_value(event).map_err(|e| JobError::BadEvent(e.to_string()))?;
    let (mut deleted, mut put) = (0, 0);
    for record in batch.records {
        let old = doc(record.change.old_image);
        let new = doc(record.change.new_image);
        let changes = search::changes(old.as_ref(), new.as_ref());
        if !changes.delete.is_empty() {
            state.db.delete_many(&changes.delete).await?;
            deleted += changes.delete.len();
        }
        if !changes.put.is_empty() {
            let items = changes
                .put
                .iter()
                .map(to_stored_item)
                .collect::<Result<Vec<_>, _>>()?;
            put += items.len();
            state.db.put_items(items).await?;
        }
    }
    Ok(json!({ "deleted": deleted, "put": put }))
}

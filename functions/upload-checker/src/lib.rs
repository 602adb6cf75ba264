//! The bucket's `ObjectCreated` events under `uploads/`: each object is checked as
//! `POST /api/files/{id}/complete` would check it (`campus::uploads::check`), so a
//! client that never says it has finished still gets its file checked, and one that
//! lies about its type gets it rejected and deleted.

use campus::{AppState, job::JobResult, uploads};
use serde::Deserialize;
use serde_json::{Value, json};

/// Only what the check needs of an S3 event. `aws_lambda_events`' `S3Event` also
/// requires fields (`userIdentity`, ...) that not every sender fills in (the local
/// emulator leaves some out), and a record refused for those would never be checked.
#[derive(Deserialize)]
struct S3Event {
    #[serde(rename = "Records", default)]
    records: Vec<Record>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Record {
    event_name: Option<String>,
    s3: Entity,
}

#[derive(Deserialize)]
struct Entity {
    object: Object,
}

#[derive(Deserialize)]
struct Object {
    key: Option<String>,
}

/// Checks every upload an event names; an error (the table or bucket unreachable)
/// fails the invocation, so Lambda retries the event.
pub async fn handle(state: &AppState, event: Value) -> JobResult<Value> {
    // A retry cannot mend an event of another shape: it is logged and dropped.
    let event: S3Event = match serde_json::from_value(event) {
        Ok(e) => e,
        Err(e) => {
            tracing::warn!(error = %e, "not an S3 event");
            return Ok(json!({ "checked": [], "ignored": "not an S3 event" }));
        }
    };
    let mut results = Vec::new();
    for record in event.records {
        let created = record
            .event_name
            .as_deref()
            .is_some_and(|n| n.starts_with("ObjectCreated"));
        let Some(key) = record.s3.object.key.filter(|_| created) else {
            continue;
        };
        // Keys arrive URL-encoded, a space as `+`.
        let key = key.replace('+', " ");
        let key = percent_encoding::percent_decode_str(&key).decode_utf8_lossy();
        let status = match uploads::check_object(state, &key).await? {
            Some(f) => json!(f.status),
            None => Value::Null,
        };
        results.push(json!({"key": key, "status": status}));
    }
    Ok(json!({ "checked": results }))
}

//! Opaque list cursors: DynamoDB's `LastEvaluatedKey`, as base64url JSON.

use std::collections::{BTreeMap, HashMap};

use aws_sdk_dynamodb::types::AttributeValue;
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};

use crate::error::ApiError;

pub fn encode(last_key: HashMap<String, AttributeValue>) -> Option<String> {
    let map: BTreeMap<String, String> = serde_dynamo::from_item(last_key).ok()?;
    let json = serde_json::to_vec(&map).ok()?;
    Some(URL_SAFE_NO_PAD.encode(json))
}

/// Decodes a cursor and checks it belongs to the partition being listed, so a
/// cursor crafted for another company's partition is refused rather than followed.
pub fn decode(
    cursor: &str,
    partition_attr: &str,
    partition: &str,
) -> Result<HashMap<String, AttributeValue>, ApiError> {
    let bad = || ApiError::field("cursor", "is not a valid cursor");
    let raw = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| bad())?;
    let map: BTreeMap<String, String> = serde_json::from_slice(&raw).map_err(|_| bad())?;
    if map.get(partition_attr).map(String::as_str) != Some(partition) {
        return Err(bad());
    }
    serde_dynamo::to_item(map).map_err(|_| bad())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_rejects_other_partitions() {
        let mut key = HashMap::new();
        key.insert("pk".to_string(), AttributeValue::S("C#a".into()));
        key.insert("sk".to_string(), AttributeValue::S("USER#1".into()));
        let c = encode(key.clone()).unwrap();
        assert_eq!(decode(&c, "pk", "C#a").unwrap(), key);
        assert!(decode(&c, "pk", "C#b").is_err());
        assert!(decode("!!", "pk", "C#a").is_err());
    }
}

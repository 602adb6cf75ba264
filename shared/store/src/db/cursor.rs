//! Opaque list cursors: DynamoDB's `LastEvaluatedKey` as base64url JSON, with an
//! HMAC of it. A cursor is followed only if this API signed it and it names the
//! partition being listed; anything else (crafted, truncated, another list's) is a
//! 400, never a Query with a key DynamoDB would refuse.

use std::collections::{BTreeMap, HashMap};

use aws_lc_rs::hmac;
use aws_sdk_dynamodb::types::AttributeValue;
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};

use super::StoreError;

#[derive(Clone)]
pub struct Signer(hmac::Key);

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Signer(..)")
    }
}

impl Signer {
    /// A key of its own, derived from the server's secret.
    pub fn new(secret: &str) -> Self {
        let root = hmac::Key::new(hmac::HMAC_SHA256, secret.as_bytes());
        let derived = hmac::sign(&root, b"campus-list-cursor");
        Self(hmac::Key::new(hmac::HMAC_SHA256, derived.as_ref()))
    }

    pub fn encode(&self, last_key: HashMap<String, AttributeValue>) -> Option<String> {
        let map: BTreeMap<String, String> = serde_dynamo::from_item(last_key).ok()?;
        let json = serde_json::to_vec(&map).ok()?;
        let tag = hmac::sign(&self.0, &json);
        Some(format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(&json),
            URL_SAFE_NO_PAD.encode(tag.as_ref())
        ))
    }

    /// The start key of a signed cursor for `partition`, or 400.
    pub fn decode(
        &self,
        cursor: &str,
        partition_attr: &str,
        partition: &str,
    ) -> Result<HashMap<String, AttributeValue>, StoreError> {
        let bad = || StoreError::BadCursor;
        let (body, tag) = cursor.split_once('.').ok_or_else(bad)?;
        let json = URL_SAFE_NO_PAD.decode(body).map_err(|_| bad())?;
        let tag = URL_SAFE_NO_PAD.decode(tag).map_err(|_| bad())?;
        hmac::verify(&self.0, &json, &tag).map_err(|_| bad())?;
        let map: BTreeMap<String, String> = serde_json::from_slice(&json).map_err(|_| bad())?;
        if map.get(partition_attr).map(String::as_str) != Some(partition) {
            return Err(bad());
        }
        serde_dynamo::to_item(map).map_err(|_| bad())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_rejects_forgeries_and_other_partitions() {
        let signer = Signer::new("server-secret");
        let mut key = HashMap::new();
        key.insert("pk".to_string(), AttributeValue::S("C#a".into()));
        key.insert("sk".to_string(), AttributeValue::S("USER#1".into()));
        let c = signer.encode(key.clone()).unwrap();
        assert_eq!(signer.decode(&c, "pk", "C#a").unwrap(), key);
        assert!(signer.decode(&c, "pk", "C#b").is_err());
        assert!(signer.decode("!!", "pk", "C#a").is_err());
        // The same key signed by another secret, or unsigned, is refused.
        let other = Signer::new("another-secret").encode(key).unwrap();
        assert!(signer.decode(&other, "pk", "C#a").is_err());
        let unsigned = c.split('.').next().unwrap();
        assert!(signer.decode(unsigned, "pk", "C#a").is_err());
        // A crafted key without its sort key, though in the caller's partition.
        let crafted = URL_SAFE_NO_PAD.encode(br#"{"pk":"C#a"}"#);
        assert!(
            signer
                .decode(&format!("{crafted}.AAAA"), "pk", "C#a")
                .is_err()
        );
    }
}

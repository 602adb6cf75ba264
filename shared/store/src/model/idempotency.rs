use serde::{Deserialize, Serialize};

use crate::db::{Entity, Keys, keys};

/// A POST made under an `Idempotency-Key`: what it was (a fingerprint) and, once it
/// finished, its answer, sealed with a key only the client's `Idempotency-Key`
/// derives, since answers can hold secrets (tokens, client secrets).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IdempotencyRecord {
    /// Derived from the caller and the key; neither can be read back from it.
    pub id: String,
    /// SHA-256 of the method, path, query and body.
    pub fingerprint: String,
    /// Epoch seconds until which the first request counts as still running; a
    /// record left pending after it (its function died) may be taken over.
    pub locked_until: i64,
    /// The sealed answer (base64 of nonce and AES-256-GCM ciphertext); `None` while
    /// the first request runs.
    #[serde(default)]
    pub sealed: Option<String>,
    pub expires_epoch: i64,
}

impl Entity for IdempotencyRecord {
    const NAME: &'static str = "idempotency";

    fn keys(&self) -> Keys {
        Keys::new(keys::idempotency(&self.id), Self::NAME).ttl(self.expires_epoch)
    }
}

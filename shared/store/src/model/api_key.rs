use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::{Entity, Keys, keys};

/// A server-to-server credential of one user: it acts as that user, with their
/// company and their role at the time of each use. Only a hash of its secret is kept.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiKey {
    pub id: String,
    pub company_id: String,
    pub user_id: String,
    pub name: String,
    /// The secret's last four characters, to tell keys apart.
    pub hint: String,
    /// SHA-256 (hex) of the secret.
    pub secret_hash: String,
    pub created_at: String,
    pub expires_at: Option<String>,
    #[serde(default)]
    pub expires_epoch: Option<i64>,
    pub last_used_at: Option<String>,
    #[serde(default)]
    pub last_used_epoch: i64,
}

impl Entity for ApiKey {
    const NAME: &'static str = "api_key";

    fn keys(&self) -> Keys {
        let k = Keys::new(
            keys::api_key(&self.company_id, &self.user_id, &self.id),
            Self::NAME,
        );
        // Past its expiry the item reads as absent, so the key stops working then.
        match self.expires_epoch {
            Some(at) => k.ttl(at),
            None => k,
        }
    }
}

/// A key as its owner sees it: never the secret nor its hash.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ApiKeyView {
    pub id: String,
    pub name: String,
    /// The secret's last four characters.
    pub hint: String,
    pub created_at: String,
    pub expires_at: Option<String>,
    /// When the key was last used, to within five minutes.
    pub last_used_at: Option<String>,
}

impl From<ApiKey> for ApiKeyView {
    fn from(k: ApiKey) -> Self {
        Self {
            id: k.id,
            name: k.name,
            hint: k.hint,
            created_at: k.created_at,
            expires_at: k.expires_at,
            last_used_at: k.last_used_at,
        }
    }
}

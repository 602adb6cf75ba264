use serde::{Deserialize, Serialize};

use crate::db::{Entity, Keys, keys};

/// A sign-in. Access tokens name it (`sid`) and are refused once it is revoked or gone;
/// its `generation` is the number of the only refresh token that may still be used.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Session {
    pub id: String,
    pub user_id: String,
    pub company_id: String,
    /// The user's role when signed in; a role change revokes the session.
    pub role: crate::model::Role,
    pub generation: u64,
    pub revoked: bool,
    pub created_at: String,
    pub refreshed_at: Option<String>,
    /// Epoch seconds; the refresh token's end, and the item's TTL.
    pub expires_at: i64,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

impl Entity for Session {
    const NAME: &'static str = "session";

    fn keys(&self) -> Keys {
        Keys::new(
            keys::session(&self.company_id, &self.user_id, &self.id),
            Self::NAME,
        )
        // Kept a day past expiry so a late refresh is told "revoked", then dropped.
        .ttl(self.expires_at + 86_400)
    }
}

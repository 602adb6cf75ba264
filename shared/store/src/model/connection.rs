use serde::{Deserialize, Serialize};

use crate::db::{Entity, Keys, keys};

/// One open WebSocket of a user, in the company's partition (broadcasts read it).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Connection {
    pub connection_id: String,
    pub company_id: String,
    pub user_id: String,
    /// The sign-in the socket was opened with: it is closed when that session ends,
    /// and nothing is pushed to it once the session is no longer live.
    #[serde(default)]
    pub session_id: String,
    /// The role at connect time (a role change ends the sessions, and with them the
    /// socket).
    pub role: crate::model::Role,
    pub connected_at: String,
    /// API Gateway closes a WebSocket after two hours at most; the item lapses after.
    pub expires_epoch: i64,
}

impl Entity for Connection {
    const NAME: &'static str = "connection";

    fn keys(&self) -> Keys {
        Keys::new(
            keys::connection(&self.company_id, &self.connection_id),
            Self::NAME,
        )
        .gsi1(
            keys::user_connections_index(&self.company_id, &self.user_id),
            self.connection_id.clone(),
        )
        .ttl(self.expires_epoch)
    }
}

/// From a connection id (all `$disconnect` knows) to its company.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConnectionPointer {
    pub connection_id: String,
    pub company_id: String,
    pub user_id: String,
    pub expires_epoch: i64,
}

impl Entity for ConnectionPointer {
    const NAME: &'static str = "connection_pointer";

    fn keys(&self) -> Keys {
        Keys::new(keys::connection_pointer(&self.connection_id), Self::NAME).ttl(self.expires_epoch)
    }
}

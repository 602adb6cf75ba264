//! The audit trail's entries: one per mutating request by an authenticated user.

use serde::{Deserialize, Serialize};

use crate::db::{Entity, Keys, keys};

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AuditEntry {
    pub id: String,
    pub company_id: String,
    pub actor_id: String,
    pub actor_role: String,
    /// `METHOD /route/{template}`.
    pub action: String,
    pub resource_type: String,
    pub resource_id: Option<String>,
    /// `success` or `refused`.
    pub outcome: String,
    pub status: u16,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub request_id: String,
    pub at: String,
    #[serde(default)]
    pub expires_epoch: i64,
}

impl Entity for AuditEntry {
    const NAME: &'static str = "audit";

    fn keys(&self) -> Keys {
        Keys::new(keys::audit(&self.company_id, &self.id), Self::NAME).ttl(self.expires_epoch)
    }
}

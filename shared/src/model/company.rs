use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::{Entity, Keys, keys};

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Company {
    pub id: String,
    pub name: String,
    /// `free`, `basic`, `core` or `pro`.
    pub plan: String,
    pub seats: u32,
    pub created_at: String,
    pub updated_at: String,
    pub version: u64,
}

impl Entity for Company {
    fn keys(&self) -> Keys {
        Keys::new(keys::company(&self.id), "company").gsi1(keys::COMPANIES.into(), self.id.clone())
    }
}

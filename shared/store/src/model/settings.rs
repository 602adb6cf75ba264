use serde::{Deserialize, Serialize};

use crate::db::{Entity, Keys, keys};

/// A user's settings. The map is stored as JSON text so any JSON value survives the
/// round trip exactly (DynamoDB numbers and empty sets would not).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Settings {
    pub company_id: String,
    pub user_id: String,
    pub values_json: String,
    pub updated_at: String,
    pub version: u64,
}

impl Entity for Settings {
    const NAME: &'static str = "settings";

    fn keys(&self) -> Keys {
        Keys::new(keys::settings(&self.company_id, &self.user_id), Self::NAME)
    }
}

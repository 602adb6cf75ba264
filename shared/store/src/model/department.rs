use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::{Entity, Keys, keys};

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Department {
    pub id: String,
    pub company_id: String,
    pub name: String,
    pub description: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    pub version: u64,
}

impl Entity for Department {
    const NAME: &'static str = "department";

    fn keys(&self) -> Keys {
        Keys::new(keys::department(&self.company_id, &self.id), Self::NAME)
    }
}

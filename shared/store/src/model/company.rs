use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::{Entity, Keys, keys};

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Company {
    pub id: String,
    pub name: String,
    /// Changed only by billing (the Stripe webhook).
    pub plan: crate::model::Plan,
    /// The plan's seat limit: how many users the company may have.
    pub seats: u32,
    /// Users the company has now (every status); kept by the writes that add or
    /// remove one, never written with the rest of the company.
    #[serde(default)]
    pub seats_used: u32,
    pub created_at: String,
    pub updated_at: String,
    pub version: u64,
}

impl Entity for Company {
    const NAME: &'static str = "company";

    fn keys(&self) -> Keys {
        Keys::new(keys::company(&self.id), Self::NAME).gsi1(keys::COMPANIES.into(), self.id.clone())
    }
}

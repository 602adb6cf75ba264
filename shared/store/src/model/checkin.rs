use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::{Entity, Keys, keys};

/// Where someone is and until when: the company sees it while it lasts.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CheckIn {
    pub id: String,
    #[schema(ignore)]
    pub company_id: String,
    pub user_id: String,
    pub user_name: String,
    pub location: String,
    pub message: Option<String>,
    pub available_until: String,
    pub created_at: String,
}

impl CheckIn {
    pub fn is_active(&self, now: &str) -> bool {
        self.available_until.as_str() > now
    }
}

impl Entity for CheckIn {
    const NAME: &'static str = "checkin";

    fn keys(&self) -> Keys {
        // Gone a day after it lapses: the partition holds about a day of check-ins.
        let expires = crate::clock::parse_rfc3339(&self.available_until)
            .map(|t| t.unix_timestamp() + 86_400)
            .unwrap_or_default();
        Keys::new(keys::checkin(&self.company_id, &self.id), Self::NAME)
            .gsi1(
                keys::user_checkins_index(&self.company_id, &self.user_id),
                self.id.clone(),
            )
            .ttl(expires)
    }
}

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::{Entity, Keys, keys};

/// An in-app notification; lives in its user's partition (deleted with the user).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Notification {
    pub id: String,
    #[schema(ignore)]
    pub company_id: String,
    #[schema(ignore)]
    pub user_id: String,
    /// `course_assigned`, `certificate_issued`, ...
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub body: String,
    pub link: Option<String>,
    pub read: bool,
    pub created_at: String,
}

impl Notification {
    pub fn new(
        company_id: &str,
        user_id: &str,
        kind: &str,
        title: String,
        body: String,
        link: Option<String>,
    ) -> Self {
        Self {
            id: crate::clock::new_id(),
            company_id: company_id.into(),
            user_id: user_id.into(),
            kind: kind.into(),
            title,
            body,
            link,
            read: false,
            created_at: crate::clock::now_rfc3339(),
        }
    }
}

impl Entity for Notification {
    fn keys(&self) -> Keys {
        Keys::new(
            keys::notification(&self.company_id, &self.user_id, &self.id),
            "notification",
        )
    }
}

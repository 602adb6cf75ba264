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
    const NAME: &'static str = "notification";

    fn keys(&self) -> Keys {
        Keys::new(
            keys::notification(&self.company_id, &self.user_id, &self.id),
            Self::NAME,
        )
    }
}

/// The notification types a user can tune, each with its own channels.
pub const NOTIFICATION_TYPES: &[&str] = &[
    "course_assigned",
    "deadline_reminder",
    "certificate_issued",
    "event_reminder",
    "team_report",
    "announcement",
    "prompt_reviewed",
];

/// Where one type of notification reaches its user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Channels {
    pub in_app: bool,
    pub email: bool,
}

impl Default for Channels {
    /// Everything on until the user says otherwise.
    fn default() -> Self {
        Self {
            in_app: true,
            email: true,
        }
    }
}

/// A user's choices per type; types not named keep the default (both channels).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NotificationPreferences {
    pub company_id: String,
    pub user_id: String,
    #[serde(default)]
    pub types: std::collections::BTreeMap<String, Channels>,
    #[serde(default)]
    pub updated_at: String,
}

impl NotificationPreferences {
    pub fn channels(&self, kind: &str) -> Channels {
        self.types.get(kind).copied().unwrap_or_default()
    }

    /// Every known type with its channels, as the API shows them.
    pub fn all(&self) -> std::collections::BTreeMap<String, Channels> {
        NOTIFICATION_TYPES
            .iter()
            .map(|t| (t.to_string(), self.channels(t)))
            .collect()
    }
}

impl Entity for NotificationPreferences {
    const NAME: &'static str = "notification_preferences";

    fn keys(&self) -> Keys {
        Keys::new(
            keys::notification_preferences(&self.company_id, &self.user_id),
            Self::NAME,
        )
    }
}

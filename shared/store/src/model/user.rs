use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::Role;
use crate::db::{Entity, Keys, keys};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum UserStatus {
    Active,
    /// Created by an admin; has not set a password yet.
    Invited,
    /// Cannot sign in.
    Disabled,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct User {
    pub id: String,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub company_id: String,
    pub department_id: Option<String>,
    pub avatar_url: Option<String>,
    pub bio: Option<String>,
    pub status: UserStatus,
    /// Whether the user has shown the address is theirs: a mailed link used (an
    /// invite, a set-password or reset link) or a provider's verified sign-in.
    #[serde(default)]
    pub email_verified: bool,
    pub created_at: String,
    pub updated_at: String,
    pub version: u64,
}

impl Entity for User {
    const NAME: &'static str = "user";

    fn keys(&self) -> Keys {
        Keys::new(keys::user(&self.company_id, &self.id), Self::NAME)
            .search(format!("{} {}", self.name, self.email))
    }
}

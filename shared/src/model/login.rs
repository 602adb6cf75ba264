use serde::{Deserialize, Serialize};

use crate::db::{Entity, Keys, keys};

/// The credential for one email address: whose it is, the password hash, and the
/// failed-attempt window that drives the lockout. Kept apart from the user item so a
/// user can be serialised anywhere without a hash in it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Login {
    pub email: String,
    pub user_id: String,
    pub company_id: String,
    /// argon2id PHC string, or an imported bcrypt hash; `None` until a password is set.
    pub password_hash: Option<String>,
    #[serde(default)]
    pub failed_attempts: u32,
    /// Epoch seconds of the first failure in the current window.
    #[serde(default)]
    pub failed_since: i64,
    /// Epoch seconds until which sign-in is refused.
    #[serde(default)]
    pub locked_until: i64,
    pub version: u64,
}

impl Entity for Login {
    fn keys(&self) -> Keys {
        Keys::new(keys::login(&self.email), "login")
    }
}

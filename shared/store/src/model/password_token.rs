use serde::{Deserialize, Serialize};

use crate::db::{Entity, Keys, keys};

/// A one-time secret that lets its holder set a user's password: sent to users an
/// admin created (`set_password`) and, later, by the forgotten-password flow
/// (`reset`). Only the secret's hash is stored; the item lapses with the secret.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PasswordToken {
    pub token_hash: String,
    pub company_id: String,
    pub user_id: String,
    pub purpose: String,
    pub expires_epoch: i64,
    /// The login's `passwordGeneration` when issued; any later reset or change
    /// makes the token worthless.
    #[serde(default)]
    pub generation: u64,
}

impl Entity for PasswordToken {
    const NAME: &'static str = "password_token";

    fn keys(&self) -> Keys {
        Keys::new(keys::password_token(&self.token_hash), Self::NAME).ttl(self.expires_epoch)
    }
}

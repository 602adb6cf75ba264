use serde::{Deserialize, Serialize};

use crate::db::{Cond, Entity, Guard, Keys, keys};

/// The credential for one email address: whose it is and the password hash. Kept
/// apart from the user item so a user can be serialised anywhere without a hash in
/// it. The failed-attempt window lives in a [`Lockout`] beside it, which exists for
/// addresses without an account too.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Login {
    pub email: String,
    pub user_id: String,
    pub company_id: String,
    /// argon2id PHC string, or an imported bcrypt hash; `None` until a password is set.
    pub password_hash: Option<String>,
    /// Raised by every password reset and change: a mailed link names the generation
    /// it was issued at, so every older link dies with the password it would replace.
    #[serde(default)]
    pub password_generation: u64,
    pub version: u64,
}

/// Failed password attempts for one email address, account or not, so a lockout
/// (and its 429) is the same for addresses that exist and addresses that do not.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Lockout {
    pub email: String,
    pub failed_attempts: u32,
    /// Epoch seconds of the first failure in the current window.
    pub failed_since: i64,
    /// Epoch seconds until which password checks are refused.
    pub locked_until: i64,
    /// Epoch seconds after which the item is of no use (window and lock both over).
    pub expires_epoch: i64,
    pub version: u64,
}

impl Entity for Lockout {
    const NAME: &'static str = "lockout";

    fn keys(&self) -> Keys {
        Keys::new(keys::lockout(&self.email), Self::NAME).ttl(self.expires_epoch)
    }
}

impl Login {
    /// What refuses a second account for one email: the login item's key is the
    /// email, so its absence is the uniqueness.
    pub const UNIQUE_EMAIL: Guard = Guard::named("Unique(email)");

    /// The password is still at `generation` (a login stored before generations
    /// were counted has none: it is at 0).
    pub fn at_generation(generation: u64) -> Cond {
        let at = Self::PASSWORD_GENERATION.eq(generation);
        if generation == 0 {
            Self::PASSWORD_GENERATION.missing().or(at)
        } else {
            at
        }
    }

    /// A new user's credential: a password hash, or none (set later through a
    /// mailed link, or never for a provider-only account).
    pub fn of(user: &crate::model::User, password_hash: Option<String>) -> Self {
        Self {
            email: user.email.clone(),
            user_id: user.id.clone(),
            company_id: user.company_id.clone(),
            password_hash,
            password_generation: 0,
            version: 1,
        }
    }

    /// The condition of writing a new login.
    pub fn unique() -> Cond {
        Cond::absent().named(Self::UNIQUE_EMAIL)
    }
}

impl Entity for Login {
    const NAME: &'static str = "login";

    fn keys(&self) -> Keys {
        Keys::new(keys::login(&self.email), Self::NAME)
    }
}

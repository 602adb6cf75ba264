use serde::{Deserialize, Serialize};

use crate::db::{Entity, Keys, keys};

/// One OAuth sign-in under way: the `state` sent to the provider (kept as a hash)
/// and the PKCE verifier the callback needs. Used once, within ten minutes.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OAuthState {
    /// SHA-256 (hex) of the `state` parameter.
    pub id: String,
    pub provider: String,
    pub verifier: String,
    pub expires_epoch: i64,
    /// SHA-256 (hex) of the secret in the cookie of the browser that started the
    /// sign-in: the callback goes on only in that browser (no login CSRF).
    #[serde(default)]
    pub browser: String,
}

impl Entity for OAuthState {
    const NAME: &'static str = "oauth_state";

    fn keys(&self) -> Keys {
        Keys::new(keys::oauth_state(&self.id), Self::NAME).ttl(self.expires_epoch)
    }
}

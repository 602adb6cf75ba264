//! Who is calling, as far as counting and remembering requests go: the user of a
//! valid access token, the API key presented, else the caller's address. Worked out
//! without the table: an API key is checked by the handler's extractor.

use axum::extract::Request;

use crate::{
    AppState,
    audit::ClientIp,
    auth::{ApiKeyClaim, Principal, extract::claims_of, tokens::sha256_hex},
};

#[derive(Debug, Clone)]
pub enum Caller {
    /// Whom a valid access token names (its session is checked later, by the
    /// handler's extractor, which takes this instead of verifying the token again).
    User(Principal),
    /// An API key as presented: counted by its id; remembered by a hash of the
    /// whole key, so a forged key naming a real id shares nothing with it.
    ApiKey { key_id: String, token_hash: String },
    /// The address API Gateway saw.
    Address(String),
}

impl Caller {
    /// The caller of `req`; `None` only for in-process requests without an address.
    pub fn of(state: &AppState, req: &Request) -> Option<Self> {
        if let Some(c) = req.extensions().get::<Caller>() {
            return Some(c.clone());
        }
        let token = crate::auth::extract::bearer_token(req.headers()).ok();
        if let Some(key) = token.and_then(ApiKeyClaim::parse) {
            return Some(Self::ApiKey {
                key_id: key.key_id,
                token_hash: sha256_hex(token.unwrap_or_default()),
            });
        }
        match token.and_then(|t| claims_of(state, t).ok()) {
            Some(p) => Some(Self::User(p)),
            None => Some(Self::Address(req.extensions().get::<ClientIp>()?.0.clone())),
        }
    }

    /// Whom a rate limit counts (the bucket says which kind).
    pub fn counted_as(&self) -> String {
        match self {
            Self::User(p) => p.user_id.clone(),
            Self::ApiKey { key_id, .. } => format!("key:{key_id}"),
            Self::Address(ip) => ip.clone(),
        }
    }

    /// A subject that cannot collide across kinds.
    pub fn scope(&self) -> String {
        match self {
            Self::User(p) => format!("user#{}", p.user_id),
            Self::ApiKey { token_hash, .. } => format!("apikey#{token_hash}"),
            Self::Address(ip) => format!("ip#{ip}"),
        }
    }
}

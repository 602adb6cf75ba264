//! Who is calling, as far as counting and remembering requests go: the user of a
//! valid access token, the API key presented, else the caller's address. Worked out
//! without the table: an API key is checked by the handler's extractor.

use axum::{extract::Request, http::header};

use crate::{
    AppState,
    audit::ClientIp,
    auth::{ApiKeyClaim, tokens::sha256_hex},
};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Caller {
    /// The `sub` of a valid access token (its session is checked later, by the
    /// handler's extractor).
    User(String),
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
        let token = bearer(req);
        if let Some(key) = token.and_then(ApiKeyClaim::parse) {
            return Some(Self::ApiKey {
                key_id: key.key_id,
                token_hash: sha256_hex(token.unwrap_or_default()),
            });
        }
        match token.and_then(|t| state.jwt.verify(t).ok()) {
            Some(claims) => Some(Self::User(claims.sub)),
            None => Some(Self::Address(req.extensions().get::<ClientIp>()?.0.clone())),
        }
    }

    /// Whom a rate limit counts (the bucket says which kind).
    pub fn counted_as(&self) -> String {
        match self {
            Self::User(id) => id.clone(),
            Self::ApiKey { key_id, .. } => format!("key:{key_id}"),
            Self::Address(ip) => ip.clone(),
        }
    }

    /// A subject that cannot collide across kinds.
    pub fn scope(&self) -> String {
        match self {
            Self::User(id) => format!("user#{id}"),
            Self::ApiKey { token_hash, .. } => format!("apikey#{token_hash}"),
            Self::Address(ip) => format!("ip#{ip}"),
        }
    }
}

fn bearer(req: &Request) -> Option<&str> {
    let v = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = v.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

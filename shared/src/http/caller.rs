//! Who is calling, as far as counting and remembering requests go: the user of a
//! valid access token, a verified API key, else the caller's address. A credential
//! counts only once it is proven: an access token by its signature, an API key by
//! its item (one read, which the handler's extractor then takes instead of its own).
//! Anything unproven, however well formed, is counted by its address.

use axum::extract::Request;

use crate::{
    AppState,
    audit::ClientIp,
    auth::{
        ApiKeyClaim, Principal,
        extract::{authenticate, claims_of},
        tokens::sha256_hex,
    },
};

#[derive(Debug, Clone)]
pub enum Caller {
    /// Whom a valid access token names (its session is checked later, by the
    /// handler's extractor, which takes this instead of verifying the token again).
    User(Principal),
    /// A verified API key: counted by its id; remembered by a hash of the whole key.
    ApiKey { key_id: String, token_hash: String },
    /// The address API Gateway saw.
    Address(String),
}

impl Caller {
    /// The caller of `req`; `None` only for in-process requests without an address.
    /// An API key is verified here (its principal kept in the request for the
    /// handler); one that fails is the address's, and its handler answers 401.
    pub async fn resolve(state: &AppState, req: Request) -> (Option<Self>, Request) {
        if let Some(c) = req.extensions().get::<Caller>() {
            return (Some(c.clone()), req);
        }
        let token = crate::auth::extract::bearer_token(req.headers())
            .ok()
            .map(str::to_string);
        let address = req.extensions().get::<ClientIp>().map(|c| c.0.clone());
        if let Some(key) = token.as_deref().and_then(ApiKeyClaim::parse) {
            let (mut parts, body) = req.into_parts();
            let verified = authenticate(&mut parts, state, |_| Vec::new())
                .await
                .is_ok();
            let req = Request::from_parts(parts, body);
            let caller = match verified {
                true => Some(Self::ApiKey {
                    key_id: key.key_id,
                    token_hash: sha256_hex(token.as_deref().unwrap_or_default()),
                }),
                false => address.map(Self::Address),
            };
            return (caller, req);
        }
        let caller = match token.as_deref().and_then(|t| claims_of(state, t).ok()) {
            Some(p) => Some(Self::User(p)),
            None => address.map(Self::Address),
        };
        (caller, req)
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

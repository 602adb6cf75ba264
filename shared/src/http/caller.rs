//! Who is calling, as far as counting and remembering requests go: the user of a
//! valid access token, else the caller's address.

use axum::{extract::Request, http::header};

use crate::{AppState, audit::ClientIp};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Caller {
    /// The `sub` of a valid access token (its session is checked later, by the
    /// handler's extractor).
    User(String),
    /// The address API Gateway saw.
    Address(String),
}

impl Caller {
    /// The caller of `req`; `None` only for in-process requests without an address.
    pub fn of(state: &AppState, req: &Request) -> Option<Self> {
        if let Some(c) = req.extensions().get::<Caller>() {
            return Some(c.clone());
        }
        match bearer(req).and_then(|t| state.jwt.verify(t).ok()) {
            Some(claims) => Some(Self::User(claims.sub)),
            None => Some(Self::Address(req.extensions().get::<ClientIp>()?.0.clone())),
        }
    }

    /// A subject that cannot collide across kinds.
    pub fn scope(&self) -> String {
        match self {
            Self::User(id) => format!("user#{id}"),
            Self::Address(ip) => format!("ip#{ip}"),
        }
    }
}

fn bearer(req: &Request) -> Option<&str> {
    let v = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = v.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

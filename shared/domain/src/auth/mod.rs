//! Identity: who a caller is ([`Principal`]), access and refresh tokens, password
//! hashing and lockout, and sign-in sessions. The web layer's extractors turn a
//! request's credential into a `Principal`; nothing here reads a request.

pub mod jwt;
pub mod lockout;
pub mod password;
pub mod sessions;
pub mod tokens;

use crate::{error::ApiError, model::Role};

pub use jwt::Claims;

/// Who is calling: from a verified access token whose session is still live, or
/// from a live API key (acting as its user, with the user's role now).
#[derive(Debug, Clone)]
pub struct Principal {
    pub user_id: String,
    pub company_id: String,
    pub role: Role,
    /// The access token's session; empty for an API key.
    pub session_id: String,
    /// The API key the caller used, if it used one.
    pub api_key_id: Option<String>,
}

impl Principal {
    pub fn at_least(&self, role: Role) -> bool {
        self.role >= role
    }
}

/// Fails with 403 unless the caller's role is at least `role`.
pub fn require(p: &Principal, role: Role) -> Result<(), ApiError> {
    if p.at_least(role) {
        Ok(())
    } else {
        Err(ApiError::Forbidden("Your role does not allow this"))
    }
}

/// Someone a company's data is shown to: a signed-in caller, or the user behind an
/// open socket. What visibility rules (of events, of teams) ask of them.
pub trait Viewer {
    fn company_id(&self) -> &str;
    fn user_id(&self) -> &str;
    fn role(&self) -> Role;
    fn at_least(&self, role: Role) -> bool {
        self.role() >= role
    }
}

impl Viewer for Principal {
    fn company_id(&self) -> &str {
        &self.company_id
    }
    fn user_id(&self) -> &str {
        &self.user_id
    }
    fn role(&self) -> Role {
        self.role
    }
}

impl Viewer for crate::model::Connection {
    fn company_id(&self) -> &str {
        &self.company_id
    }
    fn user_id(&self) -> &str {
        &self.user_id
    }
    fn role(&self) -> Role {
        self.role
    }
}

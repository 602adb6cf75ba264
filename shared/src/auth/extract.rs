use std::marker::PhantomData;

use axum::{
    extract::FromRequestParts,
    http::{header, request::Parts},
};

use crate::{
    audit::AuditSlot,
    db::keys,
    error::ApiError,
    model::{Role, Session},
    state::AppState,
};

/// Who is calling: from a verified access token whose session is still live.
#[derive(Debug, Clone)]
pub struct Principal {
    pub user_id: String,
    pub company_id: String,
    pub role: Role,
    pub session_id: String,
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

/// Any signed-in user.
pub struct AuthUser(pub Principal);

fn bearer(parts: &Parts) -> Result<&str, ApiError> {
    let value = parts
        .headers
        .get(header::AUTHORIZATION)
        .ok_or(ApiError::Unauthenticated("Authentication required"))?
        .to_str()
        .map_err(|_| ApiError::Unauthenticated("Malformed Authorization header"))?;
    match value.split_once(' ') {
        Some((scheme, token))
            if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() =>
        {
            Ok(token.trim())
        }
        _ => Err(ApiError::Unauthenticated("Expected a Bearer token")),
    }
}

impl FromRequestParts<AppState> for AuthUser {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        if let Some(p) = parts.extensions.get::<Principal>() {
            return Ok(Self(p.clone()));
        }
        let principal = claims(parts, state)?;
        check_session(state, &principal).await?;
        parts.extensions.insert(principal.clone());
        Ok(Self(principal))
    }
}

/// Who the bearer token says is calling (not yet checked against the session).
pub(crate) fn claims(parts: &Parts, state: &AppState) -> Result<Principal, ApiError> {
    let principal = claims_of(state, bearer(parts)?)?;
    // The actor is known from here on, so even a refusal after this is audited.
    if let Some(slot) = parts.extensions.get::<AuditSlot>() {
        slot.set_actor(&principal);
    }
    Ok(principal)
}

/// 401 unless the token's session is still live.
pub(crate) fn session_live(session: Option<Session>) -> Result<(), ApiError> {
    match session {
        Some(s) if !s.revoked && s.expires_at > crate::clock::now().unix_timestamp() => Ok(()),
        _ => Err(ApiError::SessionRevoked),
    }
}

fn claims_of(state: &AppState, token: &str) -> Result<Principal, ApiError> {
    let claims = state.jwt.verify(token)?;
    Ok(Principal {
        user_id: claims.sub,
        company_id: claims.tid,
        role: claims.role,
        session_id: claims.sid,
    })
}

async fn check_session(state: &AppState, p: &Principal) -> Result<(), ApiError> {
    let key = keys::session(&p.company_id, &p.user_id, &p.session_id);
    session_live(state.db.get_consistent::<Session>(&key).await?)
}

/// Who an access token speaks for, if it is valid and its session live (what a
/// WebSocket's `?token=` is checked with).
pub async fn principal_of(state: &AppState, token: &str) -> Result<Principal, ApiError> {
    if token.trim().is_empty() {
        return Err(ApiError::Unauthenticated("Authentication required"));
    }
    let p = claims_of(state, token.trim())?;
    check_session(state, &p).await?;
    Ok(p)
}

/// A minimum role, as a type, so a handler's signature states who may call it.
pub trait MinRole {
    const ROLE: Role;
}

macro_rules! min_role {
    ($($name:ident => $role:expr),*) => {$(
        pub struct $name;
        impl MinRole for $name {
            const ROLE: Role = $role;
        }
    )*};
}
min_role!(ParticipantRole => Role::Participant, InstructorRole => Role::Instructor, ManagerRole => Role::Manager, AdminRole => Role::Admin);

/// A signed-in user whose role is at least `R::ROLE`, else 403.
pub struct Gate<R: MinRole>(pub Principal, pub PhantomData<R>);

pub type Manager = Gate<ManagerRole>;
pub type Admin = Gate<AdminRole>;
pub type Instructor = Gate<InstructorRole>;

impl<R: MinRole + Send + Sync> FromRequestParts<AppState> for Gate<R> {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let AuthUser(p) = AuthUser::from_request_parts(parts, state).await?;
        require(&p, R::ROLE)?;
        Ok(Self(p, PhantomData))
    }
}

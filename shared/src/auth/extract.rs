use std::marker::PhantomData;

use axum::{
    extract::FromRequestParts,
    http::{header, request::Parts},
};

use crate::{
    audit::AuditSlot,
    auth::{Principal, require, sessions::Origin},
    db::{Item, Key, entity_of, keys},
    error::ApiError,
    model::{ApiKey, Company, CompanyStatus, Role, Session, User, UserStatus},
    state::AppState,
};

/// Any signed-in user.
pub struct AuthUser(pub Principal);

fn bearer(parts: &Parts) -> Result<&str, ApiError> {
    bearer_token(&parts.headers)
}

/// The bearer token of an `Authorization` header, or why there is none (also what
/// the middlewares that count and remember requests read, before any extractor).
pub(crate) fn bearer_token(headers: &axum::http::HeaderMap) -> Result<&str, ApiError> {
    let value = headers
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
            // Verified before the audit trail began (an API key, by the rate limit).
            if let Some(slot) = parts.extensions.get::<AuditSlot>() {
                slot.set_actor(p);
            }
            return Ok(Self(p.clone()));
        }
        let (principal, _) = authenticate(parts, state, |_| Vec::new()).await?;
        Ok(Self(principal))
    }
}

/// Who the bearer credential is, confirmed by the table in one consistent batch
/// read that also fetches `with(company id)` (what a gate needs beside it); the
/// caller is kept in the request for later extractors.
pub(crate) async fn authenticate(
    parts: &mut Parts,
    state: &AppState,
    with: impl FnOnce(&str) -> Vec<Key>,
) -> Result<(Principal, Vec<Item>), ApiError> {
    // Confirmed already (an API key, by the rate limiter): only what the gate needs.
    if let Some(p) = parts.extensions.get::<Principal>().cloned() {
        let items = state.db.get_many_consistent(&with(&p.company_id)).await?;
        return Ok((p, items));
    }
    let credential = Credential::of(parts, state)?;
    let mut wanted = credential.keys();
    wanted.extend(with(credential.company_id()));
    // The company rides along in the same read: a suspended one is refused.
    let company = keys::company(credential.company_id());
    if !wanted.contains(&company) {
        wanted.push(company);
    }
    let items = state.db.get_many_consistent(&wanted).await?;
    let principal = credential.confirm(parts, state, &items).await?;
    not_suspended(&principal, &items)?;
    if let Some(slot) = parts.extensions.get::<AuditSlot>() {
        slot.set_actor(&principal);
    }
    parts.extensions.insert(principal.clone());
    Ok((principal, items))
}

/// What an API key starts with: `ck.{companyId}.{userId}.{keyId}.{secret}`. The ids
/// say where its item is, so checking it is one read like a session's.
pub const API_KEY_PREFIX: &str = "ck.";

/// An API key as presented, not yet checked.
#[derive(Debug, Clone)]
pub struct ApiKeyClaim {
    pub company_id: String,
    pub user_id: String,
    pub key_id: String,
    secret: String,
}

impl ApiKeyClaim {
    pub fn parse(token: &str) -> Option<Self> {
        let rest = token.strip_prefix(API_KEY_PREFIX)?;
        let parts: Vec<&str> = rest.split('.').collect();
        let [company_id, user_id, key_id, secret] = parts.as_slice() else {
            return None;
        };
        let plain = |p: &str| {
            !p.is_empty()
                && p.len() <= 64
                && p.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        };
        [company_id, user_id, key_id, secret]
            .iter()
            .all(|p| plain(p))
            .then(|| Self {
                company_id: company_id.to_string(),
                user_id: user_id.to_string(),
                key_id: key_id.to_string(),
                secret: secret.to_string(),
            })
    }

    /// The token of a new key.
    pub fn token(company_id: &str, user_id: &str, key_id: &str, secret: &str) -> String {
        format!("{API_KEY_PREFIX}{company_id}.{user_id}.{key_id}.{secret}")
    }
}

/// What a bearer credential claims, before the table confirms it.
enum Credential {
    Token(Principal),
    Key(ApiKeyClaim),
}

/// How often a key's `lastUsedAt` is written: at most once per this many seconds,
/// so a busy key does not add a write to every request.
const LAST_USE_EVERY_SECS: i64 = 300;

impl Credential {
    fn of(parts: &Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = bearer(parts)?;
        if token.starts_with(API_KEY_PREFIX) {
            return ApiKeyClaim::parse(token)
                .map(Self::Key)
                .ok_or(ApiError::Unauthenticated("The API key is invalid"));
        }
        claims(parts, state).map(Self::Token)
    }

    fn company_id(&self) -> &str {
        match self {
            Self::Token(p) => &p.company_id,
            Self::Key(k) => &k.company_id,
        }
    }

    /// The items that prove the credential live, to read in one round trip (with
    /// whatever else the caller needs).
    fn keys(&self) -> Vec<Key> {
        match self {
            Self::Token(p) => vec![keys::session(&p.company_id, &p.user_id, &p.session_id)],
            Self::Key(k) => vec![
                keys::api_key(&k.company_id, &k.user_id, &k.key_id),
                keys::user(&k.company_id, &k.user_id),
            ],
        }
    }

    /// The caller, if `items` (read from [`Credential::keys`]) confirm the credential.
    async fn confirm(
        self,
        parts: &Parts,
        state: &AppState,
        items: &[Item],
    ) -> Result<Principal, ApiError> {
        let claim = match self {
            Self::Token(mut p) => {
                p.role = session_live(entity_of(items)?)?;
                return Ok(p);
            }
            Self::Key(k) => k,
        };
        let invalid = ApiError::Unauthenticated("The API key is invalid or revoked");
        let key: ApiKey = entity_of(items)?.ok_or(invalid.clone())?;
        let presented = super::tokens::sha256_hex(&claim.secret);
        if aws_lc_rs::constant_time::verify_slices_are_equal(
            presented.as_bytes(),
            key.secret_hash.as_bytes(),
        )
        .is_err()
        {
            return Err(invalid);
        }
        let user: User = entity_of(items)?.ok_or(invalid.clone())?;
        if user.status == UserStatus::Disabled {
            return Err(invalid);
        }
        let principal = Principal {
            user_id: user.id,
            company_id: user.company_id,
            role: user.role,
            session_id: String::new(),
            api_key_id: Some(key.id.clone()),
        };
        if let Some(slot) = parts.extensions.get::<AuditSlot>() {
            slot.set_actor(&principal);
        }
        record_use(state, &key).await;
        Ok(principal)
    }
}

/// Notes when a key was last used (at most every few minutes; losing a note is
/// harmless, so a failure is only logged).
async fn record_use(state: &AppState, key: &ApiKey) {
    let now = crate::clock::now().unix_timestamp();
    if now - key.last_used_epoch < LAST_USE_EVERY_SECS {
        return;
    }
    let noted = state
        .db
        .update(
            &keys::api_key(&key.company_id, &key.user_id, &key.id),
            crate::db::Update::new()
                .set(ApiKey::LAST_USED_AT, crate::clock::now_rfc3339())
                .set(ApiKey::LAST_USED_EPOCH, now),
            crate::db::Cond::present(),
        )
        .await;
    if let Err(e) = noted {
        tracing::warn!(error = ?e, "API key use not noted");
    }
}

/// Who the bearer token says is calling (not yet checked against the session).
fn claims(parts: &Parts, state: &AppState) -> Result<Principal, ApiError> {
    // The stack's first middleware verified the token already.
    let principal = match parts.extensions.get::<crate::http::Caller>() {
        Some(crate::http::Caller::User(p)) => p.clone(),
        _ => claims_of(state, bearer(parts)?)?,
    };
    // The actor is known from here on, so even a refusal after this is audited.
    if let Some(slot) = parts.extensions.get::<AuditSlot>() {
        slot.set_actor(&principal);
    }
    Ok(principal)
}

/// The session's role, or 401 unless the token's session is still live. The role
/// is the session's, never the token's: a token is only as good as its sign-in.
fn session_live(session: Option<Session>) -> Result<Role, ApiError> {
    match session {
        Some(s) if !s.revoked && s.expires_at > crate::clock::now().unix_timestamp() => Ok(s.role),
        _ => Err(ApiError::SessionRevoked),
    }
}

/// Who a valid access token names (its signature, issuer, audience and expiry
/// checked; not its session).
pub(crate) fn claims_of(state: &AppState, token: &str) -> Result<Principal, ApiError> {
    let claims = state.jwt.verify(token)?;
    Ok(Principal {
        user_id: claims.sub,
        company_id: claims.tid,
        role: claims.role,
        session_id: claims.sid,
        api_key_id: None,
    })
}

/// 403 `COMPANY_SUSPENDED` if `items` hold the caller's company and the operator has
/// suspended it (after the credential is confirmed: a bad one learns nothing).
fn not_suspended(p: &Principal, items: &[Item]) -> Result<(), ApiError> {
    let company: Option<Company> = entity_of(items)?;
    match company {
        Some(c) if c.status == CompanyStatus::Suspended && p.role != Role::SuperAdmin => {
            Err(ApiError::CompanySuspended)
        }
        _ => Ok(()),
    }
}

/// `p` with its session's role, or 401 unless the session is live; 403 if its
/// company is suspended.
async fn check_session(state: &AppState, mut p: Principal) -> Result<Principal, ApiError> {
    let items = state
        .db
        .get_many_consistent(&[
            keys::session(&p.company_id, &p.user_id, &p.session_id),
            keys::company(&p.company_id),
        ])
        .await?;
    p.role = session_live(entity_of::<Session>(&items)?)?;
    not_suspended(&p, &items)?;
    Ok(p)
}

/// Who an access token speaks for, if it is valid and its session live (what a
/// WebSocket's `?token=` is checked with).
pub async fn principal_of(state: &AppState, token: &str) -> Result<Principal, ApiError> {
    if token.trim().is_empty() {
        return Err(ApiError::Unauthenticated("Authentication required"));
    }
    check_session(state, claims_of(state, token.trim())?).await
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
min_role!(ParticipantRole => Role::Participant, InstructorRole => Role::Instructor, ManagerRole => Role::Manager, AdminRole => Role::Admin, SuperAdminRole => Role::SuperAdmin);

/// A signed-in user whose role is at least `R::ROLE`, else 403.
pub struct Gate<R: MinRole>(pub Principal, pub PhantomData<R>);

pub type Manager = Gate<ManagerRole>;
pub type Admin = Gate<AdminRole>;
pub type Instructor = Gate<InstructorRole>;
/// The platform operator (`super_admin`).
pub type Operator = Gate<SuperAdminRole>;

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

/// Where a sign-in comes from (address and browser), for its session record.
pub struct ClientOrigin(pub Origin);

impl<S: Send + Sync> FromRequestParts<S> for ClientOrigin {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Self(Origin {
            ip: parts
                .extensions
                .get::<crate::audit::ClientIp>()
                .map(|c| c.0.clone()),
            user_agent: parts
                .headers
                .get(header::USER_AGENT)
                .and_then(|v| v.to_str().ok())
                .map(|s| s.chars().take(256).collect()),
        }))
    }
}

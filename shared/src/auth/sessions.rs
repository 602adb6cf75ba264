//! Starting, refreshing and revoking sign-in sessions.

use serde::Serialize;
use utoipa::ToSchema;

use crate::{
    auth::tokens::RefreshToken,
    clock,
    db::{Cond, Tx, WriteError, keys, to_value},
    error::ApiError,
    model::{Session, User},
    state::AppState,
};

/// Where a sign-in came from, for the session record.
#[derive(Debug, Clone, Default)]
pub struct Origin {
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Tokens {
    pub access_token: String,
    pub refresh_token: String,
    /// Seconds until the access token expires.
    pub expires_in: i64,
}

/// A new session for `user`, not yet stored: add it to the transaction that signs
/// the user in (registration writes it with the user), then hand out its tokens.
pub fn new_session(state: &AppState, user: &User, origin: &Origin) -> Session {
    Session {
        id: clock::new_id(),
        user_id: user.id.clone(),
        company_id: user.company_id.clone(),
        generation: 0,
        revoked: false,
        created_at: clock::now_rfc3339(),
        refreshed_at: None,
        expires_at: clock::epoch_after(state.config.refresh_token_ttl),
        ip: origin.ip.clone(),
        user_agent: origin.user_agent.clone(),
    }
}

pub fn tokens(state: &AppState, user: &User, session: &Session) -> Result<Tokens, ApiError> {
    Ok(Tokens {
        access_token: state
            .jwt
            .issue(&user.id, &user.company_id, user.role, &session.id)?,
        refresh_token: state.refresh_key.issue(&RefreshToken {
            company_id: user.company_id.clone(),
            user_id: user.id.clone(),
            session_id: session.id.clone(),
            generation: session.generation,
        }),
        expires_in: state.jwt.ttl_secs(),
    })
}

/// Stores a new session on its own and returns its tokens.
pub async fn start(state: &AppState, user: &User, origin: &Origin) -> Result<Tokens, ApiError> {
    let session = new_session(state, user, origin);
    state.db.put(&session, Cond::absent()).await?;
    tokens(state, user, &session)
}

pub async fn revoke(
    state: &AppState,
    company_id: &str,
    user_id: &str,
    session_id: &str,
) -> Result<(), ApiError> {
    let key = keys::session(company_id, user_id, session_id);
    match state
        .db
        .update(
            &key,
            "SET #revoked = :t",
            vec![(":t".into(), to_value(true)?)],
            Cond::present(),
        )
        .await
    {
        Ok(()) | Err(WriteError::Condition(_)) => Ok(()),
        Err(e) => Err(e.into()),
    }
}

/// Revokes every session of a user (password reset, role change, disabling).
pub async fn revoke_all(state: &AppState, company_id: &str, user_id: &str) -> Result<(), ApiError> {
    let partition = keys::user_partition(company_id, user_id);
    for key in state.db.keys_in(&partition).await? {
        if let Some(sid) = key.sk.strip_prefix(keys::SESSION_PREFIX) {
            revoke(state, company_id, user_id, sid).await?;
        }
    }
    Ok(())
}

/// Rotates a refresh token: the presented one must be the session's current
/// generation; an older one is a replay and revokes the whole session.
pub async fn refresh(state: &AppState, token: &str) -> Result<Tokens, ApiError> {
    let t = state
        .refresh_key
        .parse(token)
        .ok_or(ApiError::Unauthenticated("The refresh token is invalid"))?;
    let key = keys::session(&t.company_id, &t.user_id, &t.session_id);
    let Some(mut session) = state.db.get_consistent::<Session>(&key).await? else {
        return Err(ApiError::SessionRevoked);
    };
    if session.revoked || session.expires_at <= clock::now().unix_timestamp() {
        return Err(ApiError::SessionRevoked);
    }
    if t.generation != session.generation {
        tracing::warn!(session = %session.id, "refresh token reused; revoking the session");
        revoke(state, &t.company_id, &t.user_id, &t.session_id).await?;
        return Err(ApiError::SessionRevoked);
    }
    let user: User = state
        .db
        .get(&keys::user(&t.company_id, &t.user_id))
        .await?
        .ok_or(ApiError::SessionRevoked)?;
    if user.status == crate::model::UserStatus::Disabled {
        return Err(ApiError::SessionRevoked);
    }
    let used = session.generation;
    session.generation += 1;
    session.refreshed_at = Some(clock::now_rfc3339());
    let cond = Cond::expr(
        "#generation = :g AND #revoked = :f",
        vec![
            (":g".into(), to_value(used)?),
            (":f".into(), to_value(false)?),
        ],
    );
    match state.db.put(&session, cond).await {
        Ok(()) => tokens(state, &user, &session),
        // Someone else rotated this same token a moment ago: that is reuse too.
        Err(WriteError::Condition(_)) => {
            revoke(state, &t.company_id, &t.user_id, &t.session_id).await?;
            Err(ApiError::SessionRevoked)
        }
        Err(e) => Err(e.into()),
    }
}

/// Adds a session to a transaction (for sign-ups, written with the user).
pub fn with_session(tx: Tx, session: &Session) -> Tx {
    tx.put(session, Cond::absent())
}

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for Origin {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _: &S,
    ) -> Result<Self, Self::Rejection> {
        Ok(Self {
            ip: parts
                .extensions
                .get::<crate::audit::ClientIp>()
                .map(|c| c.0.clone()),
            user_agent: parts
                .headers
                .get(axum::http::header::USER_AGENT)
                .and_then(|v| v.to_str().ok())
                .map(|s| s.chars().take(256).collect()),
        })
    }
}

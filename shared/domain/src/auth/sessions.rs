//! Starting, refreshing and revoking sign-in sessions.

use serde::Serialize;
use utoipa::ToSchema;

use crate::{
    audit::AuditTx,
    auth::tokens::RefreshToken,
    clock,
    db::{Cond, PageAt, Settled, StoreError, Update, keys, lists},
    error::ApiError,
    model::{Company, CompanyStatus, Session, User},
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
        role: user.role,
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

/// Sign-out: revokes the caller's session, with the audit entry in the same write.
pub async fn revoke_audited(
    state: &AppState,
    p: &crate::auth::Principal,
    audit: &crate::audit::AuditSlot,
) -> Result<(), ApiError> {
    let key = keys::session(&p.company_id, &p.user_id, &p.session_id);
    let tx = state
        .db
        .tx()
        .update(
            &key,
            Update::new().set(Session::REVOKED, true),
            Cond::present(),
        )
        .audit(audit, 204, None);
    // Gone meanwhile: signed out either way.
    state.db.commit(tx).await.settled()?;
    crate::realtime::close_sessions(state, &p.company_id, &p.user_id, Some(&p.session_id), None)
        .await
}

/// Revokes one session and closes its sockets.
pub async fn revoke(
    state: &AppState,
    company_id: &str,
    user_id: &str,
    session_id: &str,
) -> Result<(), ApiError> {
    revoke_only(state, company_id, user_id, session_id).await?;
    crate::realtime::close_sessions(state, company_id, user_id, Some(session_id), None).await
}

/// Revokes every session of a user (password reset, role change, disabling).
pub async fn revoke_all(state: &AppState, company_id: &str, user_id: &str) -> Result<(), ApiError> {
    revoke_all_but(state, company_id, user_id, None).await
}

/// Revokes every session of a user except `keep` (the one changing the password).
pub async fn revoke_all_but(
    state: &AppState,
    company_id: &str,
    user_id: &str,
    keep: Option<&str>,
) -> Result<(), ApiError> {
    let sessions = lists::sessions(company_id, user_id);
    let mut cursor = None;
    loop {
        let page = state
            .db
            .page(
                &sessions,
                PageAt {
                    limit: 100,
                    cursor: cursor.as_deref(),
                },
                crate::db::Filter::new(),
            )
            .await?;
        for s in page
            .items
            .iter()
            .filter(|s| !s.revoked && Some(s.id.as_str()) != keep)
        {
            revoke_only(state, company_id, user_id, &s.id).await?;
        }
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    // Every socket of theirs but the kept session's, in one read of the company's
    // connections.
    crate::realtime::close_sessions(state, company_id, user_id, None, keep).await
}

/// Marks one session revoked (gone already is as good).
async fn revoke_only(
    state: &AppState,
    company_id: &str,
    user_id: &str,
    session_id: &str,
) -> Result<(), ApiError> {
    let key = keys::session(company_id, user_id, session_id);
    state
        .db
        .update(
            &key,
            Update::new().set(Session::REVOKED, true),
            Cond::present(),
        )
        .await
        .settled()?;
    Ok(())
}

/// Rotates a refresh token in one conditional write: the presented token must be the
/// session's current generation, and the session live. Anything else is a replay (or
/// a dead session) and revokes the whole session. The session carries the role:
/// a role change revokes every session, so it is never stale.
pub async fn refresh(state: &AppState, token: &str) -> Result<Tokens, ApiError> {
    let t = state
        .refresh_key
        .parse(token)
        .ok_or(ApiError::Unauthenticated("The refresh token is invalid"))?;
    let key = keys::session(&t.company_id, &t.user_id, &t.session_id);
    // Before the rotation, so a refused refresh token still works once the company
    // is active again.
    let company: Option<Company> = state.db.get(&keys::company(&t.company_id)).await?;
    if company.is_some_and(|c| c.status == CompanyStatus::Suspended) {
        return Err(ApiError::CompanySuspended);
    }
    let now = clock::now();
    let rotated = state
        .db
        .update_returning::<Session>(
            &key,
            Update::new()
                .set(Session::GENERATION, t.generation + 1)
                .set(Session::REFRESHED_AT, clock::rfc3339(now)),
            Session::GENERATION
                .eq(t.generation)
                .and(Session::REVOKED.eq(false))
                .and(Session::EXPIRES_AT.gt(now.unix_timestamp())),
        )
        .await;
    match rotated {
        Ok(session) => Ok(Tokens {
            access_token: state.jwt.issue(
                &session.user_id,
                &session.company_id,
                session.role,
                &session.id,
            )?,
            refresh_token: state.refresh_key.issue(&RefreshToken {
                company_id: session.company_id.clone(),
                user_id: session.user_id.clone(),
                session_id: session.id.clone(),
                generation: session.generation,
            }),
            expires_in: state.jwt.ttl_secs(),
        }),
        Err(StoreError::Refused(_)) => {
            tracing::warn!(session = %t.session_id, "refresh token reused or session dead; revoking");
            revoke(state, &t.company_id, &t.user_id, &t.session_id).await?;
            Err(ApiError::SessionRevoked)
        }
        Err(e) => Err(e.into()),
    }
}

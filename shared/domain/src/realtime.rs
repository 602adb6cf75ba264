//! Real time: the open WebSockets of each company (items in the table) and pushing
//! messages to them through the API Gateway Management API. In AWS that is the
//! WebSocket API's endpoint; locally `campus-local` serves the same API beside `/ws`,
//! so the code below is the same in both.

use serde::Serialize;
use serde_json::{Value, json};

pub use crate::gateway::Realtime;

use crate::{
    ApiError, ApiResult, AppState,
    auth::Principal,
    clock,
    db::{Cond, Filter, PageAt, keys, lists},
    model::{CheckIn, Connection, ConnectionPointer, Session},
};

/// API Gateway closes a WebSocket after two hours.
const MAX_CONNECTION_SECS: i64 = 2 * 3600;

/// Who of a company gets a message.
pub enum Audience<'a> {
    Company,
    Users(&'a [String]),
    /// Those connections this says yes to (an event's viewers).
    Where(&'a (dyn Fn(&Connection) -> bool + Sync)),
}

/// `{"type": ..., "data": ...}`, the shape of every pushed message.
pub fn message(kind: &str, data: impl Serialize) -> Value {
    json!({"type": kind, "data": data})
}

/// Stores a new connection of a verified caller.
pub async fn connected(
    state: &AppState,
    p: &Principal,
    connection_id: &str,
) -> ApiResult<Connection> {
    let expires = clock::now().unix_timestamp() + MAX_CONNECTION_SECS + 60;
    let conn = Connection {
        connection_id: connection_id.into(),
        company_id: p.company_id.clone(),
        user_id: p.user_id.clone(),
        session_id: p.session_id.clone(),
        role: p.role,
        connected_at: clock::now_rfc3339(),
        expires_epoch: expires,
    };
    let pointer = ConnectionPointer {
        connection_id: connection_id.into(),
        company_id: p.company_id.clone(),
        user_id: p.user_id.clone(),
        expires_epoch: expires,
    };
    let tx = state
        .db
        .tx()
        .put(&conn, Cond::absent())
        .put(&pointer, Cond::absent());
    state.db.commit(tx).await?;
    Ok(conn)
}

/// Forgets a connection (closed, or found gone).
pub async fn disconnected(state: &AppState, connection_id: &str) -> ApiResult<()> {
    let pointer_key = keys::connection_pointer(connection_id);
    let Some(pointer) = state.db.get::<ConnectionPointer>(&pointer_key).await? else {
        return Ok(());
    };
    Ok(state
        .db
        .delete_many(&[
            pointer_key,
            keys::connection(&pointer.company_id, connection_id),
        ])
        .await?)
}

/// The company's check-ins still going on, newest first.
pub async fn active_checkins(state: &AppState, company_id: &str) -> ApiResult<Vec<CheckIn>> {
    let now = clock::now_rfc3339();
    let mut out = Vec::new();
    let mut cursor = None;
    loop {
        let page = state
            .db
            .page(
                &lists::checkins(company_id),
                PageAt {
                    limit: 100,
                    cursor: cursor.as_deref(),
                },
                Filter::default().newest_first(),
            )
            .await?;
        out.extend(page.items.into_iter().filter(|c| c.is_active(&now)));
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => return Ok(out),
        }
    }
}

/// Pushes a change to the company's connections (or some of its users'). Best
/// effort: the change is already stored, so a failed push is logged, never an error
/// for the request that caused it; connections found gone are forgotten.
pub async fn publish(state: &AppState, company_id: &str, audience: Audience<'_>, msg: &Value) {
    let users: Option<Vec<&str>> = match &audience {
        Audience::Users(ids) => Some(ids.iter().map(String::as_str).collect()),
        _ => None,
    };
    push(state, company_id, users.as_deref(), |c| {
        let wanted = match &audience {
            Audience::Company => true,
            Audience::Users(ids) => ids.contains(&c.user_id),
            Audience::Where(f) => f(c),
        };
        if wanted { vec![msg] } else { vec![] }
    })
    .await;
}

/// Pushes each user their own messages (a fan-out of notifications).
pub async fn publish_each(state: &AppState, company_id: &str, msgs: &[(String, Value)]) {
    if msgs.is_empty() {
        return;
    }
    let mut users: Vec<&str> = msgs.iter().map(|(u, _)| u.as_str()).collect();
    users.sort_unstable();
    users.dedup();
    push(state, company_id, Some(&users), |c| {
        msgs.iter()
            .filter(|(u, _)| *u == c.user_id)
            .map(|(_, m)| m)
            .collect()
    })
    .await;
}

/// The connections of `users` (all the company's: `None`), then each connection its
/// messages.
pub async fn push<'m>(
    state: &AppState,
    company_id: &str,
    users: Option<&[&str]>,
    messages_for: impl Fn(&Connection) -> Vec<&'m Value>,
) {
    let run = async {
        let conns = connections(state, company_id, users).await?;
        let live = live_sessions(state, &conns).await?;
        for c in &conns {
            if !live.contains(&c.session_id) {
                end(state, c).await;
                continue;
            }
            for msg in messages_for(c) {
                if !state.realtime.post(&c.connection_id, msg).await? {
                    disconnected(state, &c.connection_id).await?;
                    break;
                }
            }
        }
        Ok::<_, ApiError>(())
    };
    if let Err(e) = run.await {
        tracing::warn!(error = ?e, "push failed");
    }
}

/// The ids of the sessions behind `conns` that are still live, read in batches:
/// a socket outlives nothing it was opened with, even if closing it failed.
async fn live_sessions(
    state: &AppState,
    conns: &[Connection],
) -> ApiResult<std::collections::HashSet<String>> {
    let mut wanted: Vec<_> = conns
        .iter()
        .filter(|c| !c.session_id.is_empty())
        .map(|c| keys::session(&c.company_id, &c.user_id, &c.session_id))
        .collect();
    wanted.sort_by(|a, b| (&a.pk, &a.sk).cmp(&(&b.pk, &b.sk)));
    wanted.dedup_by(|a, b| a.pk == b.pk && a.sk == b.sk);
    let now = clock::now().unix_timestamp();
    let mut live = std::collections::HashSet::new();
    for chunk in wanted.chunks(100) {
        let items = state.db.get_many_consistent(chunk).await?;
        let sessions: Vec<Session> = crate::db::entities_of(&items)?;
        live.extend(
            sessions
                .into_iter()
                .filter(|s| !s.revoked && s.expires_at > now)
                .map(|s| s.id),
        );
    }
    Ok(live)
}

/// Closes a connection and forgets it; a failure is logged (the push-time session
/// check still keeps messages from it).
async fn end(state: &AppState, c: &Connection) {
    let closed = async {
        state.realtime.close(&c.connection_id).await?;
        disconnected(state, &c.connection_id).await
    };
    if let Err(e) = closed.await {
        tracing::warn!(connection = %c.connection_id, error = ?e, "connection not closed");
    }
}

/// Ends the open sockets of `user_id`'s sessions (all of them, or only `session`):
/// called wherever a session ends, so a socket never outlives its sign-in.
pub async fn close_sessions(
    state: &AppState,
    company_id: &str,
    user_id: &str,
    session: Option<&str>,
    keep: Option<&str>,
) -> ApiResult<()> {
    let conns = connections(state, company_id, Some(&[user_id])).await?;
    for c in conns.iter().filter(|c| {
        c.user_id == user_id
            && session.is_none_or(|s| s == c.session_id)
            && keep.is_none_or(|k| k != c.session_id)
    }) {
        end(state, c).await;
    }
    Ok(())
}

/// Ends every open socket of the company (it was suspended).
pub async fn close_company(state: &AppState, company_id: &str) -> ApiResult<()> {
    for c in connections(state, company_id, None).await? {
        end(state, &c).await;
    }
    Ok(())
}

/// The open sockets of `users`, or the company's. A message for one user (a
/// learner's notification, the frequent case) reads that user's sockets only: on a
/// deadline day of a large company the company's list, and the sessions behind it,
/// would be the hottest read in the table (docs/scale.md). A message for several
/// people, or everyone, reads the company's list once: one round trip, not one per
/// person.
async fn connections(
    state: &AppState,
    company_id: &str,
    users: Option<&[&str]>,
) -> ApiResult<Vec<Connection>> {
    let range = match users {
        Some([user]) => lists::user_connections(company_id, user),
        _ => lists::connections(company_id),
    };
    Ok(state.db.all(&range).await?)
}

//! The audit trail: every mutating request by an authenticated user, allowed or
//! refused, leaves one entry (actor, action, resource, outcome, ip, user agent, time).
//!
//! A middleware does it for every router, so no handler can forget: the auth
//! extractor names the actor, a handler may name the resource it created, and the
//! middleware writes the entry once the outcome is known.

use std::sync::{Arc, Mutex};

use crate::{
    ApiError, ApiResult,
    auth::Principal,
    clock,
    db::{Cond, Db, Key, Tx},
    state::AppState,
};
use axum::{
    extract::{MatchedPath, Request, State},
    http::Method,
    middleware::Next,
    response::Response,
};

pub use crate::model::AuditEntry;

/// What the middleware knows of a request before it runs.
#[derive(Clone, Debug, Default)]
struct RequestInfo {
    method: String,
    route: String,
    path: String,
    ip: Option<String>,
    user_agent: Option<String>,
    retention_days: u32,
}

#[derive(Default)]
struct SlotState {
    actor: Option<Principal>,
    written: bool,
    info: RequestInfo,
}

/// One request's audit state, shared by the middleware, the auth extractor (which
/// names the actor) and a writing handler (which puts the entry into its own
/// transaction, so the change and its record land together in one round trip).
#[derive(Clone, Default)]
pub struct AuditSlot(Arc<Mutex<SlotState>>);

impl AuditSlot {
    pub fn set_actor(&self, p: &Principal) {
        if let Ok(mut g) = self.0.lock() {
            g.actor = Some(p.clone());
        }
    }

    /// The entry for this request with the given outcome, if an actor is known.
    pub fn entry(&self, status: u16, resource_id: Option<&str>) -> Option<AuditEntry> {
        let g = self.0.lock().ok()?;
        let actor = g.actor.as_ref()?;
        let info = &g.info;
        let (resource_type, path_id) = resource_of(&info.route, &info.path);
        Some(AuditEntry {
            id: clock::new_id(),
            company_id: actor.company_id.clone(),
            actor_id: actor.user_id.clone(),
            actor_role: actor.role.as_str().into(),
            action: format!("{} {}", info.method, info.route),
            resource_type,
            resource_id: resource_id.map(str::to_string).or(path_id),
            outcome: if status < 400 { "success" } else { "refused" }.into(),
            status,
            ip: info.ip.clone(),
            user_agent: info.user_agent.clone(),
            request_id: crate::error::current_request_id(),
            at: clock::now_rfc3339(),
            expires_epoch: clock::epoch_after(std::time::Duration::from_secs(
                u64::from(info.retention_days) * 86_400,
            )),
        })
    }

    /// Writes this request's entry under `pseudonym` wherever it would name
    /// `user_id` (actor, resource), without their address or browser: the entry of
    /// a user's own deletion.
    pub fn erase(&self, user_id: &str, pseudonym: &str) {
        if let Ok(mut g) = self.0.lock() {
            if let Some(actor) = g.actor.as_mut().filter(|a| a.user_id == user_id) {
                actor.user_id = pseudonym.to_string();
                g.info.ip = None;
                g.info.user_agent = None;
            }
            g.info.path = g.info.path.replace(user_id, pseudonym);
        }
    }

    /// Called once a transaction carrying this request's entry has committed.
    pub fn mark_written(&self) {
        if let Ok(mut g) = self.0.lock() {
            g.written = true;
        }
    }

    fn written(&self) -> bool {
        self.0.lock().map(|g| g.written).unwrap_or(false)
    }
}

/// The audit slot as a handler argument; outside a mutating request it is inert.
pub struct Audit(pub AuditSlot);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for Audit {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _: &S,
    ) -> Result<Self, Self::Rejection> {
        Ok(Self(
            parts
                .extensions
                .get::<AuditSlot>()
                .cloned()
                .unwrap_or_default(),
        ))
    }
}

impl Audit {
    /// Deletes an item that must exist, in one transaction with this request's
    /// entry; 404 when there is nothing to delete.
    pub async fn delete(&self, db: &Db, key: &Key) -> ApiResult<()> {
        let tx = db.tx().delete(key, Cond::present()).audit(self, 204, None);
        db.commit(tx).await.map_err(|e| e.or(ApiError::NotFound))
    }
}

/// A transaction that carries this request's audit entry, so the change and its
/// record land together in one round trip.
pub trait AuditTx {
    /// Adds the entry, with the status the handler will answer.
    fn audit(self, audit: &Audit, status: u16, resource_id: Option<&str>) -> Self;
}

impl AuditTx for Tx {
    fn audit(self, audit: &Audit, status: u16, resource_id: Option<&str>) -> Self {
        match audit.0.entry(status, resource_id) {
            Some(entry) => {
                let slot = audit.0.clone();
                self.put(&entry, None)
                    .on_commit(move || slot.mark_written())
            }
            None => self,
        }
    }
}

/// Put on a response by a handler that created something, to name it in the entry.
#[derive(Clone, Debug)]
pub struct AuditTarget(pub String);

/// The client's address, set by whatever received the request (gateway or Lambda).
#[derive(Clone, Debug)]
pub struct ClientIp(pub String);

pub async fn middleware(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(req).await;
    }
    let info = RequestInfo {
        method: req.method().to_string(),
        route: req
            .extensions()
            .get::<MatchedPath>()
            .map(|m| m.as_str().to_string())
            .unwrap_or_else(|| req.uri().path().to_string()),
        path: req.uri().path().to_string(),
        ip: req.extensions().get::<ClientIp>().map(|c| c.0.clone()),
        user_agent: req
            .headers()
            .get(axum::http::header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(|s| s.chars().take(256).collect()),
        retention_days: state.config.audit_retention_days,
    };
    let slot = AuditSlot(Arc::new(Mutex::new(SlotState {
        info,
        ..SlotState::default()
    })));
    req.extensions_mut().insert(slot.clone());

    let res = next.run(req).await;

    if slot.written() {
        return res;
    }
    let target = res.extensions().get::<AuditTarget>().map(|t| t.0.clone());
    let Some(entry) = slot.entry(res.status().as_u16(), target.as_deref()) else {
        return res;
    };
    // An audit write that fails must not turn a done change into an error for the
    // client; it is logged loudly instead.
    if let Err(e) = state.db.put(&entry, None).await {
        tracing::error!(error = ?e, action = %entry.action, "audit entry not written");
    }
    res
}

/// The resource is named by the route: its type is the last fixed segment before the
/// first parameter (or the last segment), its id that parameter's value.
fn resource_of(route: &str, path: &str) -> (String, Option<String>) {
    let r: Vec<&str> = route.trim_start_matches('/').split('/').collect();
    let p: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let param = r.iter().position(|seg| seg.starts_with('{'));
    let fixed = &r[..param.unwrap_or(r.len())];
    let kind = fixed
        .iter()
        .rev()
        .find(|s| **s != "api")
        .copied()
        .unwrap_or("unknown")
        .to_string();
    let id = param.and_then(|i| p.get(i)).map(|v| v.to_string());
    (kind, id)
}

#[cfg(test)]
mod tests {
    use super::resource_of;

    #[test]
    fn resource_from_route() {
        assert_eq!(
            resource_of("/api/users/{id}", "/api/users/01H"),
            ("users".into(), Some("01H".into()))
        );
        assert_eq!(
            resource_of("/api/auth/logout", "/api/auth/logout"),
            ("logout".into(), None)
        );
        assert_eq!(
            resource_of(
                "/api/company/departments/{id}",
                "/api/company/departments/D1"
            ),
            ("departments".into(), Some("D1".into()))
        );
    }
}

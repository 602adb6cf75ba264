//! The audit trail: every mutating request by an authenticated user, allowed or
//! refused, leaves one entry (actor, action, resource, outcome, ip, user agent, time).
//!
//! A middleware does it for every router, so no handler can forget: the auth
//! extractor names the actor, a handler may name the resource it created, and the
//! middleware writes the entry once the outcome is known.

use std::sync::{Arc, Mutex};

use axum::{
    extract::{MatchedPath, Request, State},
    http::Method,
    middleware::Next,
    response::Response,
};
use serde::{Deserialize, Serialize};

use crate::{
    auth::Principal,
    clock,
    db::{Entity, Keys, keys},
    state::AppState,
};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditEntry {
    pub id: String,
    pub company_id: String,
    pub actor_id: String,
    pub actor_role: String,
    /// `METHOD /route/{template}`.
    pub action: String,
    pub resource_type: String,
    pub resource_id: Option<String>,
    /// `success` or `refused`.
    pub outcome: String,
    pub status: u16,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub request_id: String,
    pub at: String,
    #[serde(default)]
    pub expires_epoch: i64,
}

impl Entity for AuditEntry {
    fn keys(&self) -> Keys {
        Keys::new(keys::audit(&self.company_id, &self.id), "audit").ttl(self.expires_epoch)
    }
}

/// Shared between the middleware and the auth extractor for one request.
#[derive(Clone, Default)]
pub struct AuditSlot(Arc<Mutex<Option<Principal>>>);

impl AuditSlot {
    pub fn set_actor(&self, p: &Principal) {
        if let Ok(mut g) = self.0.lock() {
            *g = Some(p.clone());
        }
    }
    fn actor(&self) -> Option<Principal> {
        self.0.lock().ok().and_then(|g| g.clone())
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
    let slot = AuditSlot::default();
    req.extensions_mut().insert(slot.clone());
    let method = req.method().clone();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_string())
        .unwrap_or_else(|| req.uri().path().to_string());
    let path = req.uri().path().to_string();
    let ip = req.extensions().get::<ClientIp>().map(|c| c.0.clone());
    let user_agent = req
        .headers()
        .get(axum::http::header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(|s| s.chars().take(256).collect());

    let res = next.run(req).await;

    let Some(actor) = slot.actor() else {
        return res;
    };
    let (resource_type, path_id) = resource_of(&route, &path);
    let resource_id = res
        .extensions()
        .get::<AuditTarget>()
        .map(|t| t.0.clone())
        .or(path_id);
    let status = res.status().as_u16();
    let entry = AuditEntry {
        id: clock::new_id(),
        company_id: actor.company_id.clone(),
        actor_id: actor.user_id.clone(),
        actor_role: actor.role.as_str().into(),
        action: format!("{method} {route}"),
        resource_type,
        resource_id,
        outcome: if status < 400 { "success" } else { "refused" }.into(),
        status,
        ip,
        user_agent,
        request_id: crate::error::current_request_id(),
        at: clock::now_rfc3339(),
        expires_epoch: clock::epoch_after(std::time::Duration::from_secs(
            u64::from(state.config.audit_retention_days) * 86_400,
        )),
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

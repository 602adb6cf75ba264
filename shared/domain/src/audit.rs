//! The audit trail: every mutating request by an authenticated user, allowed or
//! refused, leaves one entry (actor, action, resource, outcome, ip, user agent, time).
//!
//! Each request has one slot: the web layer opens it and names the actor, a writing
//! handler puts the entry into its own transaction ([`AuditTx`]), and whatever is
//! not written that way is written once the outcome is known.

use std::sync::{Arc, Mutex};

use crate::{
    ApiError, ApiResult,
    auth::Principal,
    clock,
    db::{Cond, Db, Key, Tx},
};

pub use crate::model::AuditEntry;

/// What the middleware knows of a request before it runs.
#[derive(Clone, Debug, Default)]
pub struct RequestInfo {
    pub method: String,
    /// The route's template (`/api/users/{id}`).
    pub route: String,
    pub path: String,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub retention_days: u32,
}

#[derive(Default)]
struct SlotState {
    actor: Option<Principal>,
    /// The company whose trail gets the entry, when not the actor's (the platform
    /// operator acts on customers' companies).
    company: Option<String>,
    written: bool,
    info: RequestInfo,
}

/// One request's audit state, shared by the middleware, the auth extractor (which
/// names the actor) and a writing handler (which puts the entry into its own
/// transaction, so the change and its record land together in one round trip).
#[derive(Clone, Default)]
pub struct AuditSlot(Arc<Mutex<SlotState>>);

impl AuditSlot {
    /// The slot of a mutating request that has just begun.
    pub fn begin(info: RequestInfo) -> Self {
        Self(Arc::new(Mutex::new(SlotState {
            info,
            ..SlotState::default()
        })))
    }

    pub fn set_actor(&self, p: &Principal) {
        if let Ok(mut g) = self.0.lock() {
            g.actor = Some(p.clone());
        }
    }

    /// Files this request's entry under `company_id`'s trail instead of the actor's.
    /// The operator's address and browser are not the customer's to read: left out.
    pub fn under(&self, company_id: &str) {
        if let Ok(mut g) = self.0.lock() {
            g.company = Some(company_id.to_string());
            g.info.ip = None;
            g.info.user_agent = None;
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
            company_id: g
                .company
                .clone()
                .unwrap_or_else(|| actor.company_id.clone()),
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

    /// Whether a transaction carried the entry (then nothing is left to write).
    pub fn written(&self) -> bool {
        self.0.lock().map(|g| g.written).unwrap_or(false)
    }
}

impl AuditSlot {
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
    fn audit(self, audit: &AuditSlot, status: u16, resource_id: Option<&str>) -> Self;
}

impl AuditTx for Tx {
    fn audit(self, audit: &AuditSlot, status: u16, resource_id: Option<&str>) -> Self {
        match audit.entry(status, resource_id) {
            Some(entry) => {
                let slot = audit.clone();
                self.put(&entry, None)
                    .on_commit(move || slot.mark_written())
            }
            None => self,
        }
    }
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

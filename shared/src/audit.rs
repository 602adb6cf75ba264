//! The audit trail at the door: a middleware on every router opens each mutating
//! request's slot (`campus_domain::audit`), so no handler can forget; the auth
//! extractor names the actor, a handler may name the resource it created, and the
//! middleware writes the entry once the outcome is known, unless the handler's
//! transaction carried it.

use axum::{
    Json,
    extract::{MatchedPath, Request, State},
    http::{Method, StatusCode},
    middleware::Next,
    response::Response,
};

pub use campus_domain::audit::*;

use crate::{
    db::{Db, StoreError, Tx},
    state::AppState,
};

/// The audit slot as a handler argument; outside a mutating request it is inert.
pub struct Audit(pub AuditSlot);

impl std::ops::Deref for Audit {
    type Target = AuditSlot;

    fn deref(&self) -> &AuditSlot {
        &self.0
    }
}

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

/// What a handler answers, as its audit entry records it: the status, and the
/// resource the answer names (`created`, `naming`) if any.
pub trait Answer {
    fn audited(&self) -> (u16, Option<String>);
}

impl Answer for Response {
    fn audited(&self) -> (u16, Option<String>) {
        let named = self.extensions().get::<AuditTarget>().map(|t| t.0.clone());
        (self.status().as_u16(), named)
    }
}

impl<T> Answer for Json<T> {
    fn audited(&self) -> (u16, Option<String>) {
        (200, None)
    }
}

impl Answer for crate::http::Created {
    fn audited(&self) -> (u16, Option<String>) {
        (201, Some(self.0.clone()))
    }
}

impl<T> Answer for (StatusCode, T) {
    fn audited(&self) -> (u16, Option<String>) {
        (self.0.as_u16(), None)
    }
}

impl Answer for StatusCode {
    fn audited(&self) -> (u16, Option<String>) {
        (self.as_u16(), None)
    }
}

impl Audit {
    /// Commits `tx` together with this request's audit entry, made from what
    /// `answer` says (its status, the resource it names), and hands the answer back
    /// for the handler to return once the write has landed: the entry cannot say
    /// other than the response.
    pub async fn commit<A: Answer>(&self, db: &Db, tx: Tx, answer: A) -> Result<A, StoreError> {
        let (status, named) = answer.audited();
        db.commit(tx.audit(&self.0, status, named.as_deref()))
            .await?;
        Ok(answer)
    }
}

impl Audit {
    /// [`Db::write_each`] for a change of many items (mark all read, clear the
    /// queue), whose answer is a 200 with a count: the first transaction carries
    /// this request's entry.
    pub async fn write_each<T, Fut, E>(
        &self,
        db: &Db,
        read: impl Fn() -> Fut,
        op: impl Fn(Tx, &T) -> Tx,
    ) -> Result<usize, E>
    where
        Fut: std::future::Future<Output = Result<Vec<T>, E>>,
        E: From<StoreError>,
    {
        db.write_each(read, op, |tx| tx.audit(&self.0, 200, None))
            .await
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
    let slot = AuditSlot::begin(info);
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

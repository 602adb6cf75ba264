use axum::{
    Json,
    http::StatusCode,
    response::{IntoResponse, Response},
};
use serde::Serialize;

use crate::audit::AuditTarget;

/// Any answer, naming `id` for the audit entry (a resource the path does not name).
pub fn naming(id: &str, answer: impl IntoResponse) -> Response {
    let mut res = answer.into_response();
    res.extensions_mut().insert(AuditTarget(id.to_string()));
    res
}

/// A 201 decided before its body is ready (work follows the write): the audit entry
/// records it, and [`Created::with`] makes the same answer.
pub struct Created(pub(crate) String);

impl Created {
    pub fn of(id: &str) -> Self {
        Self(id.to_string())
    }

    pub fn with<T: Serialize>(self, body: T) -> Response {
        created(&self.0, body)
    }
}

/// 201 with the new resource, naming it for the audit entry.
pub fn created<T: Serialize>(id: &str, body: T) -> Response {
    let mut res = (StatusCode::CREATED, Json(body)).into_response();
    res.extensions_mut().insert(AuditTarget(id.to_string()));
    res
}

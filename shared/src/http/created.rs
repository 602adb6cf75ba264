use axum::{
    Json,
    http::StatusCode,
    response::{IntoResponse, Response},
};
use serde::Serialize;

use crate::audit::AuditTarget;

/// 201 with the new resource, naming it for the audit entry.
pub fn created<T: Serialize>(id: &str, body: T) -> Response {
    let mut res = (StatusCode::CREATED, Json(body)).into_response();
    res.extensions_mut().insert(AuditTarget(id.to_string()));
    res
}

//! The caller's own notifications.

use std::collections::BTreeMap;

use axum::{
    Json,
    extract::{Path, State},
    http::StatusCode,
    response::{IntoResponse, Response},
};
use campus::{
    ApiError, ApiResult, AppState,
    audit::Audit,
    auth::{AuthUser, Principal},
    db::{Cond, Filter, Update, keys, lists},
    error::ErrorBody,
    http::{ListQuery, ListResponse, QueryParams},
    model::Notification,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::preferences;

#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct InboxQuery {
    /// Only unread ones.
    pub unread: Option<bool>,
    /// Only this type.
    #[serde(rename = "type")]
    #[param(rename = "type")]
    #[validate(length(min = 1, max = 64))]
    pub kind: Option<String>,
    /// `true`: answer the preferences instead (as `GET /api/notifications/preferences`).
    pub preferences: Option<bool>,
    /// `limit` and `cursor`.
    #[serde(flatten)]
    #[param(ignore)]
    #[validate(nested)]
    pub page: ListQuery,
}

/// What `GET /api/notifications` answers: the list, or with `preferences=true` the
/// preferences. Only documents the two shapes; each is built by its own type.
#[derive(Serialize, ToSchema)]
#[serde(untagged)]
#[allow(dead_code)]
pub enum InboxAnswer {
    List(ListResponse<Notification>),
    Preferences(preferences::Preferences),
}

/// The caller's notifications, newest first. With `?preferences=true`, their
/// preferences instead (the same body as `GET /api/notifications/preferences`).
#[utoipa::path(get, path = "/api/notifications", tag = "notifications", security(("bearer" = [])),
    params(InboxQuery, ListQuery),
    responses((status = 200, body = InboxAnswer,
        description = "The notifications; with `preferences=true`, a `Preferences` body"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    AuthUser(p): AuthUser,
    QueryParams(q): QueryParams<InboxQuery>,
) -> ApiResult<Response> {
    if q.preferences == Some(true) {
        return Ok(Json(preferences::current(&state, &p).await?).into_response());
    }
    let mut filter = Filter::default().newest_first();
    if q.unread == Some(true) {
        filter = filter.eq(Notification::READ, false);
    }
    if let Some(kind) = &q.kind {
        filter = filter.eq(Notification::KIND, kind);
    }
    let page = state
        .db
        .page(
            &lists::notifications(&p.company_id, &p.user_id),
            q.page.at(),
            filter,
        )
        .await?;
    Ok(Json(ListResponse::from(page)).into_response())
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct InboxStats {
    pub total: u32,
    pub unread: u32,
    /// Count per type.
    pub by_type: BTreeMap<String, u32>,
}

async fn all(state: &AppState, p: &Principal) -> ApiResult<Vec<Notification>> {
    Ok(state
        .db
        .all(&lists::notifications(&p.company_id, &p.user_id))
        .await?)
}

/// How many notifications the caller has, unread, and by type.
#[utoipa::path(get, path = "/api/notifications/stats", tag = "notifications", security(("bearer" = [])),
    responses((status = 200, body = InboxStats), (status = 401, body = ErrorBody)))]
pub async fn stats(
    State(state): State<AppState>,
    AuthUser(p): AuthUser,
) -> ApiResult<Json<InboxStats>> {
    let items = all(&state, &p).await?;
    let mut by_type = BTreeMap::new();
    for n in &items {
        *by_type.entry(n.kind.clone()).or_default() += 1;
    }
    Ok(Json(InboxStats {
        total: items.len() as u32,
        unread: items.iter().filter(|n| !n.read).count() as u32,
        by_type,
    }))
}

/// Mark one notification read (again: no change).
#[utoipa::path(method(post, put), path = "/api/notifications/{id}/read", tag = "notifications", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = Notification), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn read(
    State(state): State<AppState>,
    AuthUser(p): AuthUser,
    Path(id): Path<String>,
) -> ApiResult<Json<Notification>> {
    let note = state
        .db
        .update_returning(
            &keys::notification(&p.company_id, &p.user_id, &id),
            Update::new().set(Notification::READ, true),
            Cond::present(),
        )
        .await
        .map_err(|e| e.or(ApiError::NotFound))?;
    Ok(Json(note))
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MarkedRead {
    /// How many were unread.
    pub updated: u32,
}

/// Each update is conditioned on the item still existing: an update without it would
/// create a stub of a notification deleted meanwhile.
async fn mark_all(state: &AppState, p: &Principal, audit: &Audit) -> ApiResult<MarkedRead> {
    let unread = || async {
        Ok::<_, ApiError>(
            all(state, p)
                .await?
                .into_iter()
                .filter(|n| !n.read)
                .collect(),
        )
    };
    let updated = audit
        .write_each(&state.db, unread, |tx, n: &Notification| {
            tx.update(
                &keys::notification(&p.company_id, &p.user_id, &n.id),
                Update::new().set(Notification::READ, true),
                Cond::present(),
            )
        })
        .await?;
    Ok(MarkedRead {
        updated: updated as u32,
    })
}

/// Mark every notification of the caller read.
#[utoipa::path(post, path = "/api/notifications/mark-all-read", tag = "notifications", security(("bearer" = [])),
    responses((status = 200, body = MarkedRead), (status = 401, body = ErrorBody)))]
pub async fn mark_all_read(
    State(state): State<AppState>,
    AuthUser(p): AuthUser,
    audit: Audit,
) -> ApiResult<Json<MarkedRead>> {
    Ok(Json(mark_all(&state, &p, &audit).await?))
}

/// The same as `POST /api/notifications/mark-all-read`.
#[utoipa::path(put, path = "/api/notifications/read-all", tag = "notifications", security(("bearer" = [])),
    responses((status = 200, body = MarkedRead), (status = 401, body = ErrorBody)))]
pub async fn read_all(
    State(state): State<AppState>,
    AuthUser(p): AuthUser,
    audit: Audit,
) -> ApiResult<Json<MarkedRead>> {
    Ok(Json(mark_all(&state, &p, &audit).await?))
}

/// Delete one of the caller's notifications.
#[utoipa::path(delete, path = "/api/notifications/{id}", tag = "notifications", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 204, description = "Deleted"), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn delete(
    State(state): State<AppState>,
    AuthUser(p): AuthUser,
    Path(id): Path<String>,
    audit: Audit,
) -> ApiResult<StatusCode> {
    audit
        .delete(
            &state.db,
            &keys::notification(&p.company_id, &p.user_id, &id),
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

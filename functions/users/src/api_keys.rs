//! `/api/users/me/api-keys`: an admin's server-to-server keys. The secret is shown
//! once; only its hash is kept. A key acts as its user, with the user's company and
//! their role at the time of each use, until it is revoked, expires, or the user is
//! disabled or deleted.

use axum::{
    Json,
    extract::{Path, State},
    http::StatusCode,
    response::Response,
};
use campus::{
    ApiError, ApiResult, AppState,
    audit::Audit,
    auth::{Admin, ApiKeyClaim, Gate, tokens},
    clock,
    db::{Cond, Filter, keys, lists},
    error::ErrorBody,
    http::{ListQuery, ListResponse, QueryParams, ValidJson, created},
    model::{ApiKey, ApiKeyView},
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

#[derive(Deserialize, Validate, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateApiKey {
    /// What the key is for, to recognise it in the list.
    #[validate(length(min = 1, max = 100))]
    pub name: String,
    /// Days until the key stops working; without it, the key works until revoked.
    #[validate(range(min = 1, max = 3650))]
    pub expires_in_days: Option<u32>,
}

/// The answer to creating a key: the only time its secret is shown.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreatedApiKey {
    #[serde(flatten)]
    pub key: ApiKeyView,
    /// The credential: send it as `Authorization: Bearer <key>`.
    #[schema(example = "ck.01J....01J....01J....secret")]
    pub secret: String,
}

/// Create an API key (admin). The secret is in this answer and nowhere else.
#[utoipa::path(post, path = "/api/users/me/api-keys", tag = "users", security(("bearer" = [])),
    request_body = CreateApiKey,
    responses((status = 201, body = CreatedApiKey), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    Gate(p, ..): Admin,
    audit: Audit,
    ValidJson(req): ValidJson<CreateApiKey>,
) -> ApiResult<Response> {
    let secret = tokens::random_secret();
    let expires = req
        .expires_in_days
        .map(|d| clock::now() + time::Duration::days(i64::from(d)));
    let key = ApiKey {
        id: clock::new_id(),
        company_id: p.company_id.clone(),
        user_id: p.user_id.clone(),
        name: campus::http::non_blank("name", &req.name)?,
        hint: secret[secret.len().saturating_sub(4)..].to_string(),
        secret_hash: tokens::sha256_hex(&secret),
        created_at: clock::now_rfc3339(),
        expires_at: expires.map(clock::rfc3339),
        expires_epoch: expires.map(|e| e.unix_timestamp()),
        last_used_at: None,
        last_used_epoch: 0,
    };
    let tx = state.db.tx().put(&key, Cond::absent());
    let token = ApiKeyClaim::token(&key.company_id, &key.user_id, &key.id, &secret);
    let id = key.id.clone();
    let answer = created(
        &id,
        CreatedApiKey {
            key: key.into(),
            secret: token,
        },
    );
    Ok(audit.commit(&state.db, tx, answer).await?)
}

/// The caller's API keys (admin), without their secrets.
#[utoipa::path(get, path = "/api/users/me/api-keys", tag = "users", security(("bearer" = [])),
    params(ListQuery),
    responses((status = 200, body = ListResponse<ApiKeyView>), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    Gate(p, ..): Admin,
    QueryParams(q): QueryParams<ListQuery>,
) -> ApiResult<Json<ListResponse<ApiKeyView>>> {
    let page = state
        .db
        .page(
            &lists::api_keys(&p.company_id, &p.user_id),
            q.at(),
            Filter::default(),
        )
        .await?;
    Ok(Json(ListResponse {
        items: page.items.into_iter().map(ApiKeyView::from).collect(),
        next_cursor: page.next_cursor,
    }))
}

/// Revoke one of the caller's API keys (admin); it stops working at once.
#[utoipa::path(delete, path = "/api/users/me/api-keys/{id}", tag = "users", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 204, description = "Revoked"), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn delete(
    State(state): State<AppState>,
    Gate(p, ..): Admin,
    Path(id): Path<String>,
    audit: Audit,
) -> ApiResult<StatusCode> {
    let tx = state.db.tx().delete(
        &keys::api_key(&p.company_id, &p.user_id, &id),
        Cond::present(),
    );
    audit
        .commit(&state.db, tx, StatusCode::NO_CONTENT)
        .await
        .map_err(|e| e.or(ApiError::NotFound))
}

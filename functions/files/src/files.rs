use std::time::Duration;

use axum::{
    Json,
    extract::{Path, State},
    http::StatusCode,
};
use campus::{
    ApiError, ApiResult, AppState,
    audit::Audit,
    auth::{AuthUser, Principal},
    db::{Cond, Filter, keys, lists},
    error::ErrorBody,
    http::{ListQuery, ListResponse, QueryParams},
    model::{FilePurpose, FileRecord, FileStatus, Role},
    uploads,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

/// How long a download URL works.
const DOWNLOAD_TTL: Duration = Duration::from_secs(5 * 60);

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FileView {
    #[serde(flatten)]
    pub file: FileRecord,
    /// A download valid for 5 minutes, when the file is ready.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub download_url: Option<String>,
}

async fn view(state: &AppState, file: FileRecord) -> ApiResult<FileView> {
    let download_url = if file.status == FileStatus::Ready {
        Some(
            state
                .storage
                .presigned_get(
                    &file.object_key(),
                    &file.content_type,
                    &file.filename,
                    DOWNLOAD_TTL,
                )
                .await?,
        )
    } else {
        None
    };
    Ok(FileView { file, download_url })
}

/// The file, if `p` owns it or is a manager; 404 otherwise (another's file is as
/// good as absent).
async fn mine(state: &AppState, p: &Principal, id: &str) -> ApiResult<FileRecord> {
    let file: FileRecord = state.db.find(&keys::file(&p.company_id, id)).await?;
    if file.owner_id == p.user_id || p.at_least(Role::Manager) {
        Ok(file)
    } else {
        Err(ApiError::NotFound)
    }
}

#[derive(Debug, Deserialize, Validate, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct FileFilters {
    /// Managers: only this user's files (their own list is always theirs only).
    #[validate(length(min = 1, max = 64))]
    pub owner_id: Option<String>,
    pub purpose: Option<FilePurpose>,
    pub status: Option<FileStatus>,
    /// `limit` and `cursor`.
    #[serde(flatten)]
    #[param(ignore)]
    #[validate(nested)]
    pub page: ListQuery,
}

/// Files, newest first: one's own, or for managers the company's.
#[utoipa::path(get, path = "/api/files", tag = "files", security(("bearer" = [])),
    params(FileFilters, ListQuery),
    responses((status = 200, body = ListResponse<FileRecord>), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    AuthUser(p): AuthUser,
    QueryParams(f): QueryParams<FileFilters>,
) -> ApiResult<Json<ListResponse<FileRecord>>> {
    let mut filter = Filter::default().newest_first();
    if let Some(purpose) = f.purpose {
        filter = filter.eq(FileRecord::PURPOSE, purpose);
    }
    if let Some(status) = f.status {
        filter = filter.eq(FileRecord::STATUS, status);
    }
    let owner = match &f.owner_id {
        Some(o) if p.at_least(Role::Manager) => Some(o.as_str()),
        _ if p.at_least(Role::Manager) => None,
        _ => Some(p.user_id.as_str()),
    };
    let page = match owner {
        Some(owner) => {
            state
                .db
                .page(
                    &lists::user_files(&p.company_id, owner),
                    f.page.at(),
                    filter,
                )
                .await?
        }
        None => {
            state
                .db
                .page(&lists::files(&p.company_id), f.page.at(), filter)
                .await?
        }
    };
    Ok(Json(page.into()))
}

/// One file (its owner, or a manager), with a short-lived `downloadUrl` when ready.
#[utoipa::path(get, path = "/api/files/{id}", tag = "files", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = FileView), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    AuthUser(p): AuthUser,
    Path(id): Path<String>,
) -> ApiResult<Json<FileView>> {
    let file = mine(&state, &p, &id).await?;
    Ok(Json(view(&state, file).await?))
}

/// The upload has finished (its owner says): the check runs now, as the bucket's
/// event would run it, and the file is answered as it came out. Asked again, the
/// same answer. 409 while nothing has been uploaded.
#[utoipa::path(post, path = "/api/files/{id}/complete", tag = "files", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = FileView), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "Nothing uploaded yet", body = ErrorBody)))]
pub async fn complete(
    State(state): State<AppState>,
    AuthUser(p): AuthUser,
    Path(id): Path<String>,
    audit: Audit,
) -> ApiResult<Json<FileView>> {
    let file: FileRecord = state.db.find(&keys::file(&p.company_id, &id)).await?;
    if file.owner_id != p.user_id {
        return Err(ApiError::NotFound);
    }
    match uploads::check(&state, file, Some(&audit)).await? {
        None => Err(ApiError::Conflict(
            "Nothing has been uploaded for this file yet".into(),
        )),
        Some(file) => Ok(Json(view(&state, file).await?)),
    }
}

/// Delete a file (its owner, or a manager): its record, then its object.
#[utoipa::path(delete, path = "/api/files/{id}", tag = "files", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 204, description = "Deleted"), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn delete(
    State(state): State<AppState>,
    AuthUser(p): AuthUser,
    Path(id): Path<String>,
    audit: Audit,
) -> ApiResult<StatusCode> {
    let file = mine(&state, &p, &id).await?;
    let tx = state
        .db
        .tx()
        .delete(&keys::file(&p.company_id, &id), Cond::present());
    let answer = audit
        .commit(&state.db, tx, StatusCode::NO_CONTENT)
        .await
        .map_err(|e| e.or(ApiError::NotFound))?;
    state.storage.delete(&file.object_key()).await?;
    Ok(answer)
}

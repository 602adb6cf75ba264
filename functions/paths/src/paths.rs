//! Writing and reading learning paths.

use axum::{
    Json,
    extract::{Path, State},
    http::StatusCode,
    response::Response,
};
use campus::{
    ApiError, ApiResult, AppState,
    audit::Audit,
    auth::{AuthUser, Gate, Instructor, Principal},
    clock,
    db::{Cond, Filter, PageAt, keys, lists},
    error::ErrorBody,
    http::{ListQuery, ListResponse, QueryParams, ValidJson, created, non_blank},
    model::{Course, CourseStatus, LearningPath, PathStep, Role},
    versioned::{expect_version, save},
};
use serde::Deserialize;
use utoipa::IntoParams;
use validator::Validate;

use crate::body::PathBody;

#[derive(Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PathQuery {
    /// Instructor+: `draft` lists drafts, `published` published paths; absent: all.
    /// Everyone else sees published paths only.
    pub status: Option<CourseStatus>,
    #[serde(flatten)]
    #[param(ignore)]
    #[validate(nested)]
    pub page: ListQuery,
}

/// The company's learning paths: published ones, and drafts for instructors and up.
#[utoipa::path(get, path = "/api/paths", tag = "paths", security(("bearer" = [])),
    params(PathQuery, ListQuery),
    responses((status = 200, body = ListResponse<LearningPath>), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    AuthUser(p): AuthUser,
    QueryParams(q): QueryParams<PathQuery>,
) -> ApiResult<Json<ListResponse<LearningPath>>> {
    let status = match (q.status, p.at_least(Role::Instructor)) {
        (Some(CourseStatus::Draft), false) => {
            return Err(ApiError::Forbidden("Only instructors and up see drafts"));
        }
        (s, true) => s,
        (_, false) => Some(CourseStatus::Published),
    };
    let filter = match status {
        Some(s) => Filter::new().eq(LearningPath::STATUS, s),
        None => Filter::new(),
    };
    let page = state
        .db
        .page(
            &lists::paths(&p.company_id),
            PageAt {
                limit: q.page.limit(),
                cursor: q.page.cursor.as_deref(),
            },
            filter,
        )
        .await?;
    Ok(Json(ListResponse {
        items: page.items,
        next_cursor: page.next_cursor,
    }))
}

/// The steps of `b`, checked, with every course they name in the company (one
/// batch read).
async fn checked_steps(state: &AppState, p: &Principal, b: &PathBody) -> ApiResult<Vec<PathStep>> {
    let steps = b.steps()?;
    let ids: Vec<&str> = steps.iter().map(|s| s.course_id.as_str()).collect();
    let found: Vec<Course> = campus::progress::courses(&state.db, &p.company_id, &ids).await?;
    if let Some(i) = steps
        .iter()
        .position(|s| !found.iter().any(|c| c.id == s.course_id))
    {
        return Err(ApiError::field(
            &format!("steps[{i}].courseId"),
            "no such course",
        ));
    }
    Ok(steps)
}

/// Create a learning path (instructor+).
#[utoipa::path(post, path = "/api/paths", tag = "paths", security(("bearer" = [])),
    request_body = PathBody,
    responses((status = 201, body = LearningPath), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    Gate(p, ..): Instructor,
    audit: Audit,
    ValidJson(b): ValidJson<PathBody>,
) -> ApiResult<Response> {
    let steps = checked_steps(&state, &p, &b).await?;
    let now = clock::now_rfc3339();
    let path = LearningPath {
        id: clock::new_id(),
        company_id: p.company_id.clone(),
        title: non_blank("title", &b.title)?,
        description: b.description,
        status: b.status,
        steps,
        created_by: p.user_id.clone(),
        created_at: now.clone(),
        updated_at: now,
        version: 1,
    };
    let tx = state.db.tx().put(&path, Cond::absent());
    Ok(audit
        .commit(&state.db, tx, created(&path.id.clone(), path))
        .await?)
}

/// One learning path: a draft only to instructors and up.
#[utoipa::path(get, path = "/api/paths/{id}", tag = "paths", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = LearningPath), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    AuthUser(p): AuthUser,
    Path(id): Path<String>,
) -> ApiResult<Json<LearningPath>> {
    Ok(Json(visible(&state, &p, &id).await?))
}

/// The path, if the caller may see it (404 for a learner asking for a draft).
pub async fn visible(state: &AppState, p: &Principal, id: &str) -> ApiResult<LearningPath> {
    let path: LearningPath = state.db.find(&keys::path(&p.company_id, id)).await?;
    if path.status == CourseStatus::Draft && !p.at_least(Role::Instructor) {
        return Err(ApiError::NotFound);
    }
    Ok(path)
}

/// Replace a learning path (instructor+); `version` guards against lost updates.
/// Learners it is assigned to are locked as it now reads: a step added later is
/// theirs when the path is assigned again.
#[utoipa::path(put, path = "/api/paths/{id}", tag = "paths", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = PathBody,
    responses((status = 200, body = LearningPath), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, description = "Stale version", body = ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    Gate(p, ..): Instructor,
    Path(id): Path<String>,
    audit: Audit,
    ValidJson(b): ValidJson<PathBody>,
) -> ApiResult<Json<LearningPath>> {
    let mut path: LearningPath = state.db.find(&keys::path(&p.company_id, &id)).await?;
    expect_version(b.version, path.version)?;
    path.steps = checked_steps(&state, &p, &b).await?;
    path.title = non_blank("title", &b.title)?;
    path.description = b.description;
    path.status = b.status;
    save(&state.db, &mut path, &audit).await?;
    Ok(Json(path))
}

/// Delete a learning path and its assignments to learners (instructor+). The
/// courses it assigned stay assigned, unlocked.
#[utoipa::path(delete, path = "/api/paths/{id}", tag = "paths", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 204, description = "Deleted"), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn delete(
    State(state): State<AppState>,
    Gate(p, ..): Instructor,
    Path(id): Path<String>,
    audit: Audit,
) -> ApiResult<StatusCode> {
    // The path goes first, with its audit entry: from then on nothing is locked by
    // it (locks read the path). Its assignments follow.
    audit
        .delete(&state.db, &keys::path(&p.company_id, &id))
        .await?;
    let gone = state
        .db
        .keys_in_index(&keys::path_assignees(&p.company_id, &id))
        .await?;
    state.db.delete_many(&gone).await?;
    Ok(StatusCode::NO_CONTENT)
}

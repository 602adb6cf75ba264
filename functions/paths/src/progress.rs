//! A learner's progress along a learning path.

use axum::{
    Json,
    extract::{Path, State},
};
use campus::{
    ApiError, ApiResult, AppState,
    auth::AuthUser,
    db::{entity_of, keys},
    error::ErrorBody,
    http::QueryParams,
    model::{CourseStatus, LearningPath, PathAssignment, Role, User},
    paths::{self, PathProgress},
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

#[derive(Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub struct ProgressQuery {
    /// Manager+: whose progress (default: the caller's).
    #[validate(length(min = 1, max = 64))]
    pub user_id: Option<String>,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PathProgressView {
    #[serde(flatten)]
    pub progress: PathProgress,
    /// The path is assigned to this user (its locks hold only then).
    pub assigned: bool,
    pub assigned_at: Option<String>,
    pub due_date: Option<String>,
}

/// A learner's progress along a path: per step its status, percent and whether it is
/// locked (a prerequisite not complete); the path's percent is the mean of its
/// steps'. Your own, or anyone's in the company for managers and up (`?userId=`).
#[utoipa::path(get, path = "/api/paths/{id}/progress", tag = "paths", security(("bearer" = [])),
    params(("id" = String, Path), ProgressQuery),
    responses((status = 200, body = PathProgressView), (status = 400, body = ErrorBody),
        (status = 403, description = "Another user's progress, below manager", body = ErrorBody),
        (status = 404, description = "No such path or user", body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    AuthUser(p): AuthUser,
    Path(id): Path<String>,
    QueryParams(q): QueryParams<ProgressQuery>,
) -> ApiResult<Json<PathProgressView>> {
    let user_id = q.user_id.unwrap_or_else(|| p.user_id.clone());
    if user_id != p.user_id && !p.at_least(Role::Manager) {
        return Err(ApiError::Forbidden(
            "Only managers and up see another user's progress",
        ));
    }
    let got = state
        .db
        .get_many(&[
            keys::path(&p.company_id, &id),
            keys::path_assignment(&p.company_id, &user_id, &id),
            keys::user(&p.company_id, &user_id),
        ])
        .await?;
    let path: LearningPath = entity_of(&got)?.ok_or(ApiError::NotFound)?;
    if path.status == CourseStatus::Draft && !p.at_least(Role::Instructor) {
        return Err(ApiError::NotFound);
    }
    if entity_of::<User>(&got)?.is_none() {
        return Err(ApiError::NotFound);
    }
    let held: Option<PathAssignment> = entity_of(&got)?;
    let standing = paths::standing_in(&state.db, &p.company_id, &user_id, vec![path]).await?;
    let progress = standing.progress(&standing.paths[0], &user_id);
    Ok(Json(PathProgressView {
        progress,
        assigned: held.is_some(),
        assigned_at: held.as_ref().map(|h| h.assigned_at.clone()),
        due_date: held.and_then(|h| h.due_date),
    }))
}

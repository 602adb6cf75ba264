//! Assigning a learning path: each of its courses, idempotently, with one
//! notification and mail per new assignee.

use axum::{
    Json,
    extract::{Path, State},
};
use campus::{
    ApiError, ApiResult, AppState,
    assigning::Assigning,
    auth::{Gate, Manager},
    db::keys,
    error::ErrorBody,
    http::ValidJson,
    model::{CourseStatus, LearningPath},
    people::{self, user_ids_rule},
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

#[derive(Deserialize, Validate, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AssignPath {
    #[validate(custom(function = "user_ids_rule"))]
    pub user_ids: Option<Vec<String>>,
    #[validate(length(min = 1, max = 64))]
    pub team_id: Option<String>,
    #[validate(length(min = 1, max = 64))]
    pub department_id: Option<String>,
    /// RFC 3339 time, or a date (`2026-12-31`: due at its end, UTC). Not in the past.
    /// Every course of the path is due then.
    pub due_date: Option<String>,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PathAssigned {
    pub path_id: String,
    pub due_date: Option<String>,
    /// Newly assigned (each notified and mailed once for the whole path).
    pub assigned: Vec<String>,
    /// Had the path already; left as they were.
    pub already_assigned: Vec<String>,
}

/// Assign a published learning path to users, a team or a department (manager+):
/// each of its courses is assigned (a course someone has already is kept, with its
/// progress, and joins the path). Assigning again changes nothing. Someone who has
/// completed every course already gets the path's certificate at once.
#[utoipa::path(post, path = "/api/paths/{id}/assign", tag = "paths", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = AssignPath,
    responses((status = 200, body = PathAssigned), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, description = "No such path", body = ErrorBody),
        (status = 409, description = "The path, or one of its courses, is a draft or gone", body = ErrorBody)))]
pub async fn assign(
    State(state): State<AppState>,
    Gate(p, ..): Manager,
    Path(id): Path<String>,
    ValidJson(b): ValidJson<AssignPath>,
) -> ApiResult<Json<PathAssigned>> {
    let due_date = campus::assigning::due_date(b.due_date.as_deref())?;
    let path: LearningPath = state.db.find(&keys::path(&p.company_id, &id)).await?;
    if path.status != CourseStatus::Published {
        return Err(ApiError::Conflict(
            "Only published learning paths can be assigned".into(),
        ));
    }
    let ids: Vec<&str> = path.steps.iter().map(|s| s.course_id.as_str()).collect();
    let found = campus::progress::courses(&state.db, &p.company_id, &ids).await?;
    // In step order, each published.
    let mut courses = Vec::with_capacity(ids.len());
    for id in ids {
        match found.iter().find(|c| c.id == id) {
            Some(c) if c.status == CourseStatus::Published => courses.push(c.clone()),
            Some(c) => {
                return Err(ApiError::Conflict(format!(
                    "The path's course \"{}\" ({id}) is a draft: publish it first",
                    c.title
                )));
            }
            None => {
                return Err(ApiError::Conflict(format!(
                    "The path's course {id} was deleted: edit the path first"
                )));
            }
        }
    }
    let users = people::resolve(
        &state.db,
        &p.company_id,
        &people::Named::some(
            b.user_ids.as_deref(),
            b.team_id.as_deref(),
            b.department_id.as_deref(),
        ),
    )
    .await?;
    let out = Assigning {
        state: &state,
        by: &p,
        courses: &courses,
        path: Some(&path),
        due_date: due_date.clone(),
    }
    .to(&users)
    .await?;
    Ok(Json(PathAssigned {
        path_id: path.id,
        due_date,
        assigned: out.assigned,
        already_assigned: out.already,
    }))
}

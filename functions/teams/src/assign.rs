//! The manager's `/api/team` writes: assigning courses and taking assignments back.

use axum::{
    Json,
    extract::{Path, State},
    http::StatusCode,
};
use campus::{
    ApiError, ApiResult, AppState,
    audit::Audit,
    auth::{Gate, Manager},
    db::keys,
    error::ErrorBody,
    http::ValidJson,
    model::{Course, CourseStatus},
    people::{self, user_ids_rule},
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

#[derive(Deserialize, Validate, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AssignCourse {
    #[validate(length(min = 1, max = 64))]
    pub course_id: String,
    #[validate(custom(function = "user_ids_rule"))]
    pub user_ids: Option<Vec<String>>,
    #[validate(length(min = 1, max = 64))]
    pub team_id: Option<String>,
    #[validate(length(min = 1, max = 64))]
    pub department_id: Option<String>,
    /// RFC 3339 time, or a date (`2026-12-31`: due at its end, UTC). Not in the past.
    pub due_date: Option<String>,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Assigned {
    pub course_id: String,
    pub due_date: Option<String>,
    /// Newly assigned (each notified and mailed).
    pub assigned: Vec<String>,
    /// Had the course already; left as they were.
    pub already_assigned: Vec<String>,
}

/// Assign a published course to users, a team or a department (manager+). Assigning
/// again changes nothing; each new assignee is notified in-app and mailed.
#[utoipa::path(post, path = "/api/team/assign-course", tag = "team", security(("bearer" = [])),
    request_body = AssignCourse,
    responses((status = 200, body = Assigned), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, description = "No such course", body = ErrorBody), (status = 409, description = "The course is a draft", body = ErrorBody)))]
pub async fn assign_course(
    State(state): State<AppState>,
    Gate(p, ..): Manager,
    ValidJson(b): ValidJson<AssignCourse>,
) -> ApiResult<Json<Assigned>> {
    let due_date = campus::assigning::due_date(b.due_date.as_deref())?;
    let course: Course = state
        .db
        .find(&keys::course(&p.company_id, &b.course_id))
        .await?;
    if course.status != CourseStatus::Published {
        return Err(ApiError::Conflict(
            "Only published courses can be assigned".into(),
        ));
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

    let out = campus::assigning::Assigning {
        state: &state,
        by: &p,
        courses: std::slice::from_ref(&course),
        path: None,
        due_date: due_date.clone(),
    }
    .to(&users)
    .await?;
    Ok(Json(Assigned {
        course_id: course.id,
        due_date,
        assigned: out.assigned,
        already_assigned: out.already,
    }))
}

/// Take a course assignment back (manager+).
#[utoipa::path(delete, path = "/api/team/members/{userId}/courses/{courseId}", tag = "team", security(("bearer" = [])),
    params(("userId" = String, Path), ("courseId" = String, Path)),
    responses((status = 204, description = "Removed"), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn unassign(
    State(state): State<AppState>,
    Gate(p, ..): Manager,
    Path((user_id, course_id)): Path<(String, String)>,
    audit: Audit,
) -> ApiResult<StatusCode> {
    audit
        .delete(
            &state.db,
            &keys::assignment(&p.company_id, &user_id, &course_id),
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

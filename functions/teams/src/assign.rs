//! The manager's `/api/team` writes: assigning courses and taking assignments back.

use std::collections::BTreeSet;

use axum::{
    Json,
    extract::{Path, State},
    http::StatusCode,
};
use campus::{
    ApiError, ApiResult, AppState,
    audit::Audit,
    auth::{Gate, Manager, Principal},
    clock,
    db::{Cond, Filter, WriteError, entities_of, entity_of, keys},
    error::ErrorBody,
    http::ValidJson,
    model::{
        Assignment, Course, CourseStatus, Department, Mail, Notification, Team, TeamMember, User,
    },
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::{Validate, ValidationError};

/// Users per transaction: three items each (assignment, notification, mail).
const PER_TX: usize = 33;
/// Assignees one request may name or reach.
const MAX_ASSIGNEES: usize = 1000;

fn ids(ids: &[String]) -> Result<(), ValidationError> {
    if ids.len() > MAX_ASSIGNEES || ids.iter().any(|i| i.is_empty() || i.len() > 64) {
        return Err(ValidationError::new("userIds")
            .with_message(format!("1 to {MAX_ASSIGNEES} ids of 1 to 64 characters").into()));
    }
    Ok(())
}

#[derive(Deserialize, Validate, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AssignCourse {
    #[validate(length(min = 1, max = 64))]
    pub course_id: String,
    #[validate(custom(function = "ids"))]
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

/// Everyone the request names: by id, by team, by department; each must be in the
/// caller's company (keys carry it).
async fn assignees(state: &AppState, p: &Principal, b: &AssignCourse) -> ApiResult<Vec<User>> {
    let mut wanted: BTreeSet<String> = b.user_ids.iter().flatten().cloned().collect();
    if let Some(team_id) = &b.team_id {
        let items = state
            .db
            .all_in(&keys::team_partition(&p.company_id, team_id))
            .await?;
        if entity_of::<Team>(&items, "team")?.is_none() {
            return Err(ApiError::field("teamId", "no such team"));
        }
        wanted.extend(
            entities_of::<TeamMember>(&items, "team_member")?
                .into_iter()
                .map(|m| m.user_id),
        );
    }
    let mut users = Vec::new();
    if let Some(dept) = &b.department_id {
        if state
            .db
            .get::<Department>(&keys::department(&p.company_id, dept))
            .await?
            .is_none()
        {
            return Err(ApiError::field("departmentId", "no such department"));
        }
        let mut cursor = None;
        loop {
            let page = state
                .db
                .query::<User>(
                    &keys::company_partition(&p.company_id),
                    keys::USER_PREFIX,
                    100,
                    cursor.as_deref(),
                    Filter::default().eq("departmentId", dept)?,
                )
                .await?;
            users.extend(page.items.into_iter().filter(|u| !wanted.contains(&u.id)));
            match page.next_cursor {
                Some(c) => cursor = Some(c),
                None => break,
            }
        }
    }
    let named: Vec<String> = wanted.into_iter().collect();
    for chunk in named.chunks(100) {
        let found: Vec<User> = entities_of(
            &state
                .db
                .get_many(
                    &chunk
                        .iter()
                        .map(|id| keys::user(&p.company_id, id))
                        .collect::<Vec<_>>(),
                )
                .await?,
            "user",
        )?;
        if let Some(missing) = chunk.iter().find(|id| !found.iter().any(|u| &u.id == *id)) {
            return Err(ApiError::field(
                "userIds",
                &format!("no such user: {missing}"),
            ));
        }
        users.extend(found);
    }
    if users.is_empty() {
        return Err(ApiError::field(
            "userIds",
            "name at least one user, a team with members, or a department with users",
        ));
    }
    if users.len() > MAX_ASSIGNEES {
        return Err(ApiError::field(
            "userIds",
            &format!("at most {MAX_ASSIGNEES} assignees per request"),
        ));
    }
    Ok(users)
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
    let due_date = b
        .due_date
        .as_deref()
        .map(|d| clock::due_date("dueDate", d).map(clock::rfc3339))
        .transpose()?;
    let course: Course = state
        .db
        .find(&keys::course(&p.company_id, &b.course_id))
        .await?;
    if course.status != CourseStatus::Published {
        return Err(ApiError::Conflict(
            "Only published courses can be assigned".into(),
        ));
    }
    let users = assignees(&state, &p, &b).await?;

    let mut assigned = Vec::new();
    let mut already = Vec::new();
    for chunk in users.chunks(PER_TX) {
        // Who has it already: those are left alone (idempotent), the rest written.
        let existing: Vec<Assignment> = entities_of(
            &state
                .db
                .get_many_consistent(
                    &chunk
                        .iter()
                        .map(|u| keys::assignment(&p.company_id, &u.id, &course.id))
                        .collect::<Vec<_>>(),
                )
                .await?,
            "assignment",
        )?;
        let fresh: Vec<&User> = chunk
            .iter()
            .filter(|u| !existing.iter().any(|a| a.user_id == u.id))
            .collect();
        already.extend(existing.into_iter().map(|a| a.user_id));
        if fresh.is_empty() {
            continue;
        }
        let mut tx = state.db.tx();
        for u in &fresh {
            let (a, n, m) = records(&state, &p, &course, u, due_date.clone());
            tx = tx
                .put(&a, Cond::absent())
                .put(&n, Cond::absent())
                .put(&m, Cond::absent());
        }
        match state.db.commit(tx).await {
            Ok(()) => assigned.extend(fresh.iter().map(|u| u.id.clone())),
            // Someone assigned one of them meanwhile: settle this chunk one by one.
            Err(WriteError::Condition(_)) => {
                for u in fresh {
                    let (a, n, m) = records(&state, &p, &course, u, due_date.clone());
                    let tx = state
                        .db
                        .tx()
                        .put(&a, Cond::absent())
                        .put(&n, Cond::absent())
                        .put(&m, Cond::absent());
                    match state.db.commit(tx).await {
                        Ok(()) => assigned.push(u.id.clone()),
                        Err(WriteError::Condition(_)) => already.push(u.id.clone()),
                        Err(WriteError::Api(e)) => return Err(e),
                    }
                }
            }
            Err(WriteError::Api(e)) => return Err(e),
        }
    }
    Ok(Json(Assigned {
        course_id: course.id,
        due_date,
        assigned,
        already_assigned: already,
    }))
}

/// The assignment with its in-app notification and queued mail.
fn records(
    state: &AppState,
    p: &Principal,
    course: &Course,
    u: &User,
    due_date: Option<String>,
) -> (Assignment, Notification, Mail) {
    let link = format!("{}/courses/{}", state.config.frontend_url, course.id);
    let assignment = Assignment::new(
        &p.company_id,
        &u.id,
        &course.id,
        &p.user_id,
        due_date.clone(),
    );
    let body = match &due_date {
        Some(d) => format!("{} is assigned to you, due {d}.", course.title),
        None => format!("{} is assigned to you.", course.title),
    };
    let note = Notification::new(
        &p.company_id,
        &u.id,
        "course_assigned",
        "New course assigned".into(),
        body,
        Some(link.clone()),
    );
    let mail = Mail::new(
        &p.company_id,
        "course_assigned",
        &u.email,
        serde_json::json!({"name": u.name, "courseTitle": course.title, "dueDate": due_date, "url": link}),
    );
    (assignment, note, mail)
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
    state
        .db
        .delete_audited(
            &keys::assignment(&p.company_id, &user_id, &course_id),
            &audit,
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

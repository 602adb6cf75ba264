//! The manager's `/api/team` writes: assigning courses and taking assignments back.

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
    db::{Cond, Key, StoreError, Tx, entities_of, keys},
    error::ErrorBody,
    http::ValidJson,
    model::{Assignment, Course, CourseStatus, NotificationPreferences, User},
    notify, people,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::{Validate, ValidationError};

/// Users per transaction: up to three items each (assignment, notification, mail);
/// their assignments and preferences are one batch read (100 keys).
const PER_TX: usize = 33;
const MAX_ASSIGNEES: usize = people::MAX_PEOPLE;

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
    let users = people::resolve(
        &state.db,
        &p.company_id,
        &people::Named {
            user_ids: b.user_ids.as_deref().unwrap_or_default(),
            team_id: b.team_id.as_deref(),
            department_id: b.department_id.as_deref(),
            all: false,
        },
    )
    .await?;

    let mut assigned = Vec::new();
    let mut already = Vec::new();
    let assigning = Assigning {
        state: &state,
        p: &p,
        course: &course,
        due_date: due_date.clone(),
    };
    for chunk in users.chunks(PER_TX) {
        // Who has it already: those are left alone (idempotent), the rest written,
        // notified as their preferences (read in the same batch) allow.
        let wanted: Vec<Key> = chunk
            .iter()
            .flat_map(|u| {
                [
                    keys::assignment(&p.company_id, &u.id, &course.id),
                    notify::preferences_key(u),
                ]
            })
            .collect();
        let got = state.db.get_many_consistent(&wanted).await?;
        let existing: Vec<Assignment> = entities_of(&got)?;
        let prefs = notify::preferences_in(&got)?;
        let fresh: Vec<&User> = chunk
            .iter()
            .filter(|u| !existing.iter().any(|a| a.user_id == u.id))
            .collect();
        // A learner's own enrolment becomes the manager's assignment (a priced
        // course's lessons open to it), its progress kept.
        for a in existing.iter().filter(|a| a.assigned_by == "self") {
            campus::progress::adopt_enrolment(
                &state.db,
                &a.company_id,
                &a.user_id,
                &a.course_id,
                &p.user_id,
            )
            .await?;
        }
        already.extend(existing.into_iter().map(|a| a.user_id));
        if fresh.is_empty() {
            continue;
        }
        let mut tx = state.db.tx();
        let mut pushes = notify::Pushes::default();
        for u in &fresh {
            tx = assigning.records(tx, u, &prefs, &mut pushes);
        }
        match state.db.commit(tx).await {
            Ok(()) => {
                assigned.extend(fresh.iter().map(|u| u.id.clone()));
                pushes.send(&state).await;
            }
            // Someone assigned one of them meanwhile: settle this chunk one by one.
            Err(StoreError::Refused(_)) => {
                for u in fresh {
                    let mut pushes = notify::Pushes::default();
                    let tx = assigning.records(state.db.tx(), u, &prefs, &mut pushes);
                    match state.db.commit(tx).await {
                        Ok(()) => {
                            assigned.push(u.id.clone());
                            pushes.send(&state).await;
                        }
                        Err(StoreError::Refused(_)) => already.push(u.id.clone()),
                        Err(e) => return Err(e.into()),
                    }
                }
            }
            Err(e) => return Err(e.into()),
        }
    }
    Ok(Json(Assigned {
        course_id: course.id,
        due_date,
        assigned,
        already_assigned: already,
    }))
}

/// What every assignment of one request shares.
struct Assigning<'a> {
    state: &'a AppState,
    p: &'a Principal,
    course: &'a Course,
    due_date: Option<String>,
}

impl Assigning<'_> {
    /// Adds the assignment, with its notification and mail as the user's preferences
    /// allow, to `tx`.
    fn records(
        &self,
        tx: Tx,
        u: &User,
        prefs: &[NotificationPreferences],
        pushes: &mut notify::Pushes,
    ) -> Tx {
        let (course, due_date) = (self.course, &self.due_date);
        let link = format!("{}/courses/{}", self.state.config.frontend_url, course.id);
        let assignment = Assignment::new(
            &self.p.company_id,
            &u.id,
            &course.id,
            &self.p.user_id,
            due_date.clone(),
        );
        let body = match due_date {
            Some(d) => format!("{} is assigned to you, due {d}.", course.title),
            None => format!("{} is assigned to you.", course.title),
        };
        let msg = notify::Message {
            kind: "course_assigned",
            title: "New course assigned".into(),
            body,
            link: Some(link.clone()),
            template: "course_assigned",
            data: serde_json::json!({"courseTitle": course.title, "dueDate": due_date, "url": link}),
        };
        let tx = tx.put(&assignment, Cond::absent());
        notify::add_to(tx, &msg, u, notify::preferences_of(prefs, &u.id), pushes)
    }
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

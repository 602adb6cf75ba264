use std::collections::BTreeSet;

use axum::response::Response;
use axum::{Json, extract::State, http::StatusCode};
use campus::http::naming;
use campus::{
    ApiResult, AppState,
    audit::Audit,
    auth::{Gate, Manager},
    calendar, clock,
    db::{Cond, keys, lists},
    error::ErrorBody,
    http::{ValidJson, non_blank},
    model::{Assignment, Audience, CalendarEvent, Course, EventType, EventView},
};
use serde::{Deserialize, Serialize};
use time::{Duration, Time};
use utoipa::ToSchema;
use validator::Validate;

use crate::body::span;

// `Serialize` only because validator's `nested` on a list asks for it.
#[derive(Serialize, Deserialize, Validate, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SessionBody {
    #[validate(length(min = 1, max = 200))]
    pub title: String,
    #[validate(length(max = 5000))]
    pub description: Option<String>,
    pub starts_at: String,
    pub ends_at: String,
    #[validate(length(max = 300))]
    pub location: Option<String>,
}

#[derive(Deserialize, Validate, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CourseEventsBody {
    #[validate(length(min = 1, max = 64))]
    pub course_id: String,
    /// RFC 3339 time, or a date (due at its end, UTC). Not in the past.
    pub due_date: String,
    /// Sessions to plan for the same people (at most 20).
    #[validate(length(max = 20), nested)]
    pub sessions: Option<Vec<SessionBody>>,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CourseEvents {
    /// The course's one deadline event (created, or moved when it existed).
    pub deadline: EventView,
    pub sessions: Vec<EventView>,
    /// How many of the course's assignees were invited.
    pub assignees: u32,
}

/// The course's assignees' ids, and those plus the caller.
async fn invited(
    state: &AppState,
    company_id: &str,
    course_id: &str,
    me: &str,
) -> ApiResult<(u32, Vec<String>)> {
    let rows: Vec<Assignment> = state
        .db
        .all(&lists::course_assignees(company_id, course_id))
        .await?;
    let mut ids: BTreeSet<String> = rows.into_iter().map(|a| a.user_id).collect();
    let assignees = ids.len() as u32;
    ids.insert(me.to_string());
    Ok((assignees, ids.into_iter().collect()))
}

/// Plan a course's deadline (and sessions) for the people assigned to it
/// (manager+). The events are private to those people and the caller, who all
/// attend. A course has one deadline event: posting again moves it and invites
/// whoever was assigned since; sessions are added each time.
#[utoipa::path(post, path = "/api/calendar/course-events", tag = "calendar", security(("bearer" = [])),
    request_body = CourseEventsBody,
    responses((status = 201, body = CourseEvents), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, description = "No such course", body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn course_events(
    State(state): State<AppState>,
    Gate(p, ..): Manager,
    audit: Audit,
    ValidJson(b): ValidJson<CourseEventsBody>,
) -> ApiResult<Response> {
    let due = clock::due_date("dueDate", &b.due_date)?;
    let mut sessions = Vec::new();
    for (i, s) in b.sessions.iter().flatten().enumerate() {
        let (starts_at, ends_at) = span(&format!("sessions[{i}]."), &s.starts_at, &s.ends_at)?;
        sessions.push((s, starts_at, ends_at));
    }
    let deadline_key = keys::event(&p.company_id, &CalendarEvent::deadline_id(&b.course_id));
    let course_key = keys::course(&p.company_id, &b.course_id);
    let (course, existing) = tokio::try_join!(
        state.db.find::<Course>(&course_key),
        state.db.get::<CalendarEvent>(&deadline_key),
    )?;
    let (assignees, attendees) = invited(&state, &p.company_id, &course.id, &p.user_id).await?;
    let now = clock::now_rfc3339();
    // The deadline spans its day up to the due time (an hour when due at midnight).
    let day_start = due.replace_time(Time::MIDNIGHT);
    let starts = if day_start < due {
        day_start
    } else {
        due - Duration::hours(1)
    };
    let event = |id: String, kind, title: String| CalendarEvent {
        id,
        company_id: p.company_id.clone(),
        title,
        description: None,
        starts_at: String::new(),
        ends_at: String::new(),
        location: None,
        kind,
        course_id: Some(course.id.clone()),
        audience: Audience::Private,
        team_id: None,
        created_by: p.user_id.clone(),
        attendees: attendees.clone(),
        created_at: now.clone(),
        updated_at: now.clone(),
        version: 1,
    };
    let mut deadline = event(
        CalendarEvent::deadline_id(&course.id),
        EventType::Deadline,
        format!("Due: {}", course.title),
    );
    deadline.starts_at = clock::rfc3339(starts);
    deadline.ends_at = clock::rfc3339(due);
    let cond = match &existing {
        Some(old) => {
            deadline.created_at = old.created_at.clone();
            deadline.created_by = old.created_by.clone();
            deadline.version = old.version + 1;
            Cond::version(old.version)
        }
        None => Cond::absent(),
    };
    let mut planned = Vec::new();
    for (i, (s, starts_at, ends_at)) in sessions.into_iter().enumerate() {
        let mut e = event(
            clock::new_id(),
            EventType::Session,
            non_blank(&format!("sessions[{i}].title"), &s.title)?,
        );
        e.description = s.description.clone();
        e.location = s.location.clone();
        e.starts_at = starts_at;
        e.ends_at = ends_at;
        planned.push(e);
    }
    let mut tx = state.db.tx().put(&deadline, cond);
    for e in &planned {
        tx = tx.put(e, Cond::absent());
    }
    let answer = (
        StatusCode::CREATED,
        Json(CourseEvents {
            assignees,
            deadline: EventView::of(deadline.clone(), &p.user_id),
            sessions: planned
                .iter()
                .map(|e| EventView::of(e.clone(), &p.user_id))
                .collect(),
        }),
    );
    let answer = audit
        .commit(&state.db, tx, naming(&deadline.id, answer))
        .await?;
    let kind = if existing.is_some() {
        "event.updated"
    } else {
        "event.created"
    };
    let mut changes = vec![(kind, &deadline)];
    changes.extend(planned.iter().map(|e| ("event.created", e)));
    calendar::publish_all(&state, &changes).await;
    Ok(answer)
}

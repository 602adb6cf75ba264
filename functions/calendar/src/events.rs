use axum::{
    Json,
    extract::{Path, State},
    http::StatusCode,
    response::Response,
};
use campus::{
    ApiError, ApiResult, AppState,
    audit::Audit,
    auth::{AuthUser, Principal},
    calendar, clock,
    db::{Cond, keys},
    error::ErrorBody,
    http::{ListQuery, ListResponse, QueryParams, ValidJson, created},
    model::{Audience, CalendarEvent, EventType, EventView},
    versioned::{expect_version, save_keeping},
};
use serde::Deserialize;
use time::Duration;
use utoipa::IntoParams;
use validator::Validate;

use crate::body::{self, EventBody};

/// The longest window one list reads.
const MAX_RANGE_DAYS: i64 = 366;

#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RangeQuery {
    /// RFC 3339 time or date (its start, UTC); default now.
    #[validate(length(max = 40))]
    pub from: Option<String>,
    /// RFC 3339 time or date (its end, UTC); default 30 days after `from`; at most
    /// 366 days after it.
    #[validate(length(max = 40))]
    pub to: Option<String>,
    /// Only events of this type.
    #[serde(rename = "type")]
    #[param(rename = "type", value_type = Option<EventType>)]
    pub kind: Option<EventType>,
    /// `limit` and `cursor`.
    #[serde(flatten)]
    #[param(ignore)]
    #[validate(nested)]
    pub page: ListQuery,
}

/// Events the caller sees that overlap `from..to`, by start: company events, their
/// teams' events, and private events they created or attend.
#[utoipa::path(get, path = "/api/calendar/events", tag = "calendar", security(("bearer" = [])),
    params(RangeQuery, ListQuery),
    responses((status = 200, body = ListResponse<EventView>), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    AuthUser(p): AuthUser,
    QueryParams(q): QueryParams<RangeQuery>,
) -> ApiResult<Json<ListResponse<EventView>>> {
    let from = match &q.from {
        Some(f) => clock::moment("from", f, "00:00:00")?,
        None => clock::now(),
    };
    let to = match &q.to {
        Some(t) => clock::moment("to", t, "23:59:59")?,
        None => from + Duration::days(30),
    };
    if to < from {
        return Err(ApiError::field("to", "must not be before from"));
    }
    if to - from > Duration::days(MAX_RANGE_DAYS) {
        return Err(ApiError::field(
            "to",
            &format!("at most {MAX_RANGE_DAYS} days after from"),
        ));
    }
    let events = calendar::visible_between(&state.db, &p, from, to).await?;
    let views = events
        .into_iter()
        .filter(|e| q.kind.is_none_or(|k| e.kind == k))
        .map(|e| EventView::of(e, &p.user_id))
        .collect();
    Ok(Json(ListResponse::after(
        views,
        |v| format!("{}#{}", v.starts_at, v.id),
        q.page.limit(),
        q.page.cursor.as_deref(),
    )?))
}

/// An event the caller can see, or 404 (another company's, or a private one).
pub async fn visible(state: &AppState, p: &Principal, id: &str) -> ApiResult<CalendarEvent> {
    let key = keys::event(&p.company_id, id);
    let (event, teams) = tokio::try_join!(
        async { Ok(state.db.find::<CalendarEvent>(&key).await?) },
        calendar::my_teams(&state.db, p),
    )?;
    if !calendar::visible_to(&event, p, &teams) {
        return Err(ApiError::NotFound);
    }
    Ok(event)
}

/// An event with its attendees.
#[utoipa::path(get, path = "/api/calendar/events/{eventId}", tag = "calendar", security(("bearer" = [])),
    params(("eventId" = String, Path)),
    responses((status = 200, body = EventView), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    AuthUser(p): AuthUser,
    Path(id): Path<String>,
) -> ApiResult<Json<EventView>> {
    let event = visible(&state, &p, &id).await?;
    Ok(Json(EventView::of(event, &p.user_id)))
}

/// Plan an event; the creator attends it. A team event needs the caller in the team
/// (admins: any team).
#[utoipa::path(post, path = "/api/calendar/events", tag = "calendar", security(("bearer" = [])),
    request_body = EventBody,
    responses((status = 201, body = EventView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, description = "A team the caller is not in", body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    AuthUser(p): AuthUser,
    audit: Audit,
    ValidJson(b): ValidJson<EventBody>,
) -> ApiResult<Response> {
    let now = clock::now_rfc3339();
    let mut event = CalendarEvent {
        id: clock::new_id(),
        company_id: p.company_id.clone(),
        title: String::new(),
        description: None,
        starts_at: String::new(),
        ends_at: String::new(),
        location: None,
        kind: EventType::Session,
        course_id: None,
        audience: Audience::Company,
        team_id: None,
        created_by: p.user_id.clone(),
        attendees: vec![p.user_id.clone()],
        created_at: now.clone(),
        updated_at: now,
        version: 1,
    };
    body::apply(&state, &p, &mut event, b).await?;
    let tx = state.db.tx().put(&event, Cond::absent());
    let answer = created(&event.id, EventView::of(event.clone(), &p.user_id));
    let answer = audit.commit(&state.db, tx, answer).await?;
    calendar::publish(&state, "event.created", &event).await;
    Ok(answer)
}

/// Change an event (its creator, managers and above). Attendance is left as it is.
#[utoipa::path(put, path = "/api/calendar/events/{eventId}", tag = "calendar", security(("bearer" = [])),
    params(("eventId" = String, Path)), request_body = EventBody,
    responses((status = 200, body = EventView), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    AuthUser(p): AuthUser,
    Path(id): Path<String>,
    audit: Audit,
    ValidJson(b): ValidJson<EventBody>,
) -> ApiResult<Json<EventView>> {
    let mut event = visible(&state, &p, &id).await?;
    if !calendar::editable_by(&event, &p) {
        return Err(ApiError::Forbidden(
            "Only the event's creator and managers change it",
        ));
    }
    expect_version(b.version, event.version)?;
    body::apply(&state, &p, &mut event, b).await?;
    // Attendance changes without a version (see `attend`): the edit leaves it be.
    save_keeping(&state.db, &mut event, &[CalendarEvent::ATTENDEES], &audit).await?;
    calendar::publish(&state, "event.updated", &event).await;
    Ok(Json(EventView::of(event, &p.user_id)))
}

/// Cancel an event (its creator, managers and above).
#[utoipa::path(delete, path = "/api/calendar/events/{eventId}", tag = "calendar", security(("bearer" = [])),
    params(("eventId" = String, Path)),
    responses((status = 204, description = "Deleted"), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn delete(
    State(state): State<AppState>,
    AuthUser(p): AuthUser,
    Path(id): Path<String>,
    audit: Audit,
) -> ApiResult<StatusCode> {
    let event = visible(&state, &p, &id).await?;
    if !calendar::editable_by(&event, &p) {
        return Err(ApiError::Forbidden(
            "Only the event's creator and managers cancel it",
        ));
    }
    audit
        .delete(&state.db, &keys::event(&p.company_id, &id))
        .await?;
    calendar::publish(&state, "event.deleted", &event).await;
    Ok(StatusCode::NO_CONTENT)
}

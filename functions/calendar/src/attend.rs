use axum::{
    Json,
    extract::{Path, State},
};
use campus::{
    ApiError, ApiResult, AppState,
    audit::Audit,
    auth::AuthUser,
    calendar, clock,
    db::{Cond, Update, keys},
    error::ErrorBody,
    model::{CalendarEvent, EventView},
};

use crate::events::visible;

/// `ADD` or `DELETE` of the caller's id in the attendee set: idempotent, and it
/// commutes with every other join, leave and edit.
async fn change(
    state: &AppState,
    p: &campus::auth::Principal,
    id: &str,
    audit: &Audit,
    join: bool,
) -> ApiResult<Json<EventView>> {
    let mut event = visible(state, p, id).await?;
    if join && event.ends_at <= clock::now_rfc3339() {
        return Err(ApiError::Conflict("The event is over".into()));
    }
    let tx = state.db.tx().update(
        &keys::event(&p.company_id, id),
        if join {
            Update::new().add_members(CalendarEvent::ATTENDEES, vec![p.user_id.clone()])
        } else {
            Update::new().remove_members(CalendarEvent::ATTENDEES, vec![p.user_id.clone()])
        },
        Cond::present(),
    );
    event.attendees.retain(|a| a != &p.user_id);
    if join {
        event.attendees.push(p.user_id.clone());
    }
    let answer = Json(EventView::of(event.clone(), &p.user_id));
    // Deleted between the read and the write: 404.
    let answer = audit
        .commit(&state.db, tx, answer)
        .await
        .map_err(|e| e.or(ApiError::NotFound))?;
    calendar::publish(state, "event.updated", &event).await;
    Ok(answer)
}

/// Attend an event the caller can see (again: no change). An event that is over
/// cannot be joined.
#[utoipa::path(post, path = "/api/calendar/events/{eventId}/attend", tag = "calendar", security(("bearer" = [])),
    params(("eventId" = String, Path)),
    responses((status = 200, body = EventView), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "The event is over", body = ErrorBody)))]
pub async fn join(
    State(state): State<AppState>,
    AuthUser(p): AuthUser,
    Path(id): Path<String>,
    audit: Audit,
) -> ApiResult<Json<EventView>> {
    change(&state, &p, &id, &audit, true).await
}

/// Stop attending (not attending: no change). Whoever leaves a private event no
/// longer sees it, unless they created it.
#[utoipa::path(delete, path = "/api/calendar/events/{eventId}/attend", tag = "calendar", security(("bearer" = [])),
    params(("eventId" = String, Path)),
    responses((status = 200, body = EventView), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn leave(
    State(state): State<AppState>,
    AuthUser(p): AuthUser,
    Path(id): Path<String>,
    audit: Audit,
) -> ApiResult<Json<EventView>> {
    change(&state, &p, &id, &audit, false).await
}

use std::collections::BTreeMap;

use axum::{Json, extract::State};
use campus::{
    ApiResult, AppState,
    auth::AuthUser,
    calendar, clock,
    db::lists,
    error::ErrorBody,
    http::QueryParams,
    model::{Assignment, EventType, EventView, ProgressView},
    progress,
};
use serde::{Deserialize, Serialize};
use time::{Date, Duration, OffsetDateTime, Time};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DaysQuery {
    /// How far ahead: 1 to 90 days, default 7.
    #[validate(range(min = 1, max = 90))]
    pub days: Option<u32>,
}

#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum UpcomingKind {
    Event,
    /// The due date of one of the caller's unfinished courses.
    CourseDeadline,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UpcomingItem {
    pub kind: UpcomingKind,
    /// When: the event's start, or the course's due date.
    pub at: String,
    pub title: String,
    /// For `event`.
    pub event: Option<EventView>,
    /// For `course_deadline`: the caller's progress in the course.
    pub progress: Option<ProgressView>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Upcoming {
    pub from: String,
    pub to: String,
    /// Soonest first.
    pub items: Vec<UpcomingItem>,
}

/// What is ahead for the caller: events they can see (each says whether they
/// attend) and the due dates of their unfinished courses, merged by time.
#[utoipa::path(get, path = "/api/calendar/upcoming", tag = "calendar", security(("bearer" = [])),
    params(DaysQuery),
    responses((status = 200, body = Upcoming), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn upcoming(
    State(state): State<AppState>,
    AuthUser(p): AuthUser,
    QueryParams(q): QueryParams<DaysQuery>,
) -> ApiResult<Json<Upcoming>> {
    let days = i64::from(q.days.unwrap_or(7));
    let now = clock::now();
    let (from, to) = (
        clock::rfc3339(now),
        clock::rfc3339(now + Duration::days(days)),
    );
    let (events, assignments) = tokio::try_join!(calendar::upcoming(&state.db, &p, days), async {
        Ok(state
            .db
            .all(&lists::assignments(&p.company_id, &p.user_id))
            .await?)
    },)?;
    let due: Vec<Assignment> = assignments
        .into_iter()
        .filter(|a| {
            !a.is_completed()
                && a.due_date
                    .as_deref()
                    .is_some_and(|d| d >= from.as_str() && d <= to.as_str())
        })
        .collect();
    let mut items: Vec<UpcomingItem> = events
        .into_iter()
        .map(|e| UpcomingItem {
            kind: UpcomingKind::Event,
            at: e.starts_at.clone(),
            title: e.title.clone(),
            event: Some(e),
            progress: None,
        })
        .collect();
    for v in progress::views(&state.db, &p.company_id, &due).await? {
        items.push(UpcomingItem {
            kind: UpcomingKind::CourseDeadline,
            at: v.due_date.clone().unwrap_or_default(),
            title: v.course_title.clone(),
            event: None,
            progress: Some(v),
        });
    }
    items.sort_by(|a, b| a.at.cmp(&b.at));
    Ok(Json(Upcoming { from, to, items }))
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PeriodStats {
    /// Start, inclusive (UTC).
    pub from: String,
    /// End, exclusive (UTC).
    pub to: String,
    /// Visible events starting in the period.
    pub total: u32,
    /// Of those, the ones the caller attends.
    pub attending: u32,
    /// Every type, zero included.
    pub by_type: BTreeMap<String, u32>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CalendarStats {
    /// This ISO week (Monday to Monday, UTC).
    pub week: PeriodStats,
    /// This calendar month (UTC).
    pub month: PeriodStats,
}

fn midnight(d: Date) -> OffsetDateTime {
    d.with_time(Time::MIDNIGHT).assume_utc()
}

/// This week's and this month's bounds, UTC.
fn periods(now: OffsetDateTime) -> [(OffsetDateTime, OffsetDateTime); 2] {
    let today = now.date();
    let monday = today - Duration::days(i64::from(today.weekday().number_days_from_monday()));
    let first = today.replace_day(1).unwrap_or(today);
    let next_month = first + Duration::days(32);
    let next_first = next_month.replace_day(1).unwrap_or(next_month);
    [
        (midnight(monday), midnight(monday + Duration::days(7))),
        (midnight(first), midnight(next_first)),
    ]
}

fn count(events: &[EventView], from: OffsetDateTime, to: OffsetDateTime) -> PeriodStats {
    let (from, to) = (clock::rfc3339(from), clock::rfc3339(to));
    let mut by_type: BTreeMap<String, u32> = EventType::ALL
        .iter()
        .map(|t| (t.as_str().to_string(), 0))
        .collect();
    let (mut total, mut attending) = (0, 0);
    for e in events
        .iter()
        .filter(|e| e.starts_at >= from && e.starts_at < to)
    {
        total += 1;
        attending += u32::from(e.attending);
        *by_type.entry(e.kind.as_str().to_string()).or_default() += 1;
    }
    PeriodStats {
        from,
        to,
        total,
        attending,
        by_type,
    }
}

/// How many events the caller can see start this week and this month, by type.
#[utoipa::path(get, path = "/api/calendar/stats", tag = "calendar", security(("bearer" = [])),
    responses((status = 200, body = CalendarStats), (status = 401, body = ErrorBody)))]
pub async fn stats(
    State(state): State<AppState>,
    AuthUser(p): AuthUser,
) -> ApiResult<Json<CalendarStats>> {
    let [week, month] = periods(clock::now());
    let from = week.0.min(month.0);
    let to = week.1.max(month.1);
    let events: Vec<EventView> = calendar::visible_between(&state.db, &p, from, to)
        .await?
        .into_iter()
        .map(|e| EventView::of(e, &p.user_id))
        .collect();
    Ok(Json(CalendarStats {
        week: count(&events, week.0, week.1),
        month: count(&events, month.0, month.1),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weeks_start_on_monday_and_months_on_the_first() {
        // A Saturday at the end of a year.
        let now = clock::parse_rfc3339("2026-12-26T15:00:00Z").unwrap();
        let [week, month] = periods(now);
        assert_eq!(clock::rfc3339(week.0), "2026-12-21T00:00:00Z");
        assert_eq!(clock::rfc3339(week.1), "2026-12-28T00:00:00Z");
        assert_eq!(clock::rfc3339(month.0), "2026-12-01T00:00:00Z");
        assert_eq!(clock::rfc3339(month.1), "2027-01-01T00:00:00Z");
    }
}

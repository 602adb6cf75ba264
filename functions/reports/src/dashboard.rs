use axum::{Json, extract::State};
use campus::{
    ApiResult, AppState,
    auth::{AuthUser, Principal},
    calendar, clock,
    db::{Filter, PageAt, keys, lists},
    error::ErrorBody,
    model::{CompanyStats, DailyStats, EventView, Notification, ProgressView},
    plans::Entitled,
    progress, reporting,
};
use serde::Serialize;
use time::Duration;
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CompanyDashboard {
    pub users: u32,
    pub active_users_7d: u32,
    pub active_users_30d: u32,
    pub assignments: u32,
    pub completed_assignments: u32,
    pub overdue_assignments: u32,
    /// Completed over assigned, 0 to 1.
    pub completion_rate: f64,
    pub completions_30d: u64,
    pub lessons_completed_30d: u64,
    /// Since the company began.
    pub certificates_issued: u64,
    pub certificates_issued_30d: u64,
    /// Prompt library uses (counted once the prompt library records them).
    pub prompt_uses_30d: u64,
}

/// The company at a glance (manager+).
#[utoipa::path(get, path = "/api/reports/dashboard", tag = "reports", security(("bearer" = [])),
    responses((status = 200, body = CompanyDashboard), (status = 402, description = "Needs the core plan", body = ErrorBody),
        (status = 403, body = ErrorBody)))]
pub async fn company(
    State(state): State<AppState>,
    Entitled(p, ..): crate::ReportsManager,
) -> ApiResult<Json<CompanyDashboard>> {
    let now = clock::now();
    let (today, from) = (
        clock::rfc3339(now)[..10].to_string(),
        clock::rfc3339(now - Duration::days(29))[..10].to_string(),
    );
    let (stats_key, daily) = (
        keys::company_stats(&p.company_id),
        lists::daily_stats(&p.company_id).between(&from, &today),
    );
    let (users, rows, totals, days) = tokio::try_join!(
        reporting::company_users(&state.db, &p.company_id),
        reporting::rows(&state.db, &p.company_id),
        async { Ok(state.db.get::<CompanyStats>(&stats_key).await?) },
        async { Ok(state.db.all(&daily).await?) },
    )?;
    let a = reporting::analytics(&users, &rows);
    let sum = |f: fn(&DailyStats) -> u64| days.iter().map(f).sum::<u64>();
    Ok(Json(CompanyDashboard {
        users: a.members,
        active_users_7d: a.active_learners_7d,
        active_users_30d: a.active_learners_30d,
        assignments: a.assignments,
        completed_assignments: a.completed,
        overdue_assignments: a.overdue,
        completion_rate: a.completion_rate,
        completions_30d: sum(|d| d.completions),
        lessons_completed_30d: sum(|d| d.lessons_completed),
        certificates_issued: totals.unwrap_or_default().certificates_issued,
        certificates_issued_30d: sum(|d| d.certificates_issued),
        prompt_uses_30d: sum(|d| d.prompt_uses),
    }))
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MyDashboard {
    pub assigned: u32,
    pub in_progress: u32,
    pub completed: u32,
    pub overdue: u32,
    pub certificates: u32,
    pub unread_notifications: u32,
    /// Not completed, due within 14 days or overdue; soonest first.
    pub upcoming_deadlines: Vec<ProgressView>,
    /// Recently active courses, not completed; most recent first (at most 5).
    pub continue_learning: Vec<ProgressView>,
    /// Calendar events the caller can see in the next 7 days; soonest first (at most 10).
    pub upcoming_events: Vec<EventView>,
}

/// The caller's own dashboard.
#[utoipa::path(get, path = "/api/dashboard", tag = "reports", security(("bearer" = [])),
    responses((status = 200, body = MyDashboard), (status = 401, body = ErrorBody)))]
pub async fn mine(
    State(state): State<AppState>,
    AuthUser(p): AuthUser,
) -> ApiResult<Json<MyDashboard>> {
    let (assignments, certs, unread, mut events) = tokio::try_join!(
        async {
            Ok(state
                .db
                .all(&lists::assignments(&p.company_id, &p.user_id))
                .await?)
        },
        async {
            Ok(state
                .db
                .all(&lists::user_certificates(&p.company_id, &p.user_id))
                .await?)
        },
        unread_count(&state, &p),
        calendar::upcoming(&state.db, &p, 7),
    )?;
    events.truncate(10);
    let views = progress::views(&state.db, &p.company_id, &assignments).await?;
    let horizon = clock::rfc3339(clock::now() + Duration::days(14));
    let mut deadlines: Vec<ProgressView> = views
        .iter()
        .filter(|v| {
            v.status != "completed" && v.due_date.as_deref().is_some_and(|d| d <= horizon.as_str())
        })
        .cloned()
        .collect();
    deadlines.sort_by(|a, b| a.due_date.cmp(&b.due_date));
    let mut recent: Vec<ProgressView> = views
        .iter()
        .filter(|v| v.status == "in_progress")
        .cloned()
        .collect();
    recent.sort_by(|a, b| b.last_activity_at.cmp(&a.last_activity_at));
    recent.truncate(5);
    let count = |s: &str| views.iter().filter(|v| v.status == s).count() as u32;
    Ok(Json(MyDashboard {
        assigned: views.len() as u32,
        in_progress: count("in_progress"),
        completed: count("completed"),
        overdue: views.iter().filter(|v| v.overdue).count() as u32,
        certificates: certs.len() as u32,
        unread_notifications: unread,
        upcoming_deadlines: deadlines,
        continue_learning: recent,
        upcoming_events: events,
    }))
}

async fn unread_count(state: &AppState, p: &Principal) -> ApiResult<u32> {
    // Only counted: each item read as a bare map, not as a notification.
    let unread = lists::notifications(&p.company_id, &p.user_id).rows::<serde_json::Value>();
    let mut n = 0;
    let mut cursor = None;
    loop {
        let page = state
            .db
            .page(
                &unread,
                PageAt {
                    limit: 100,
                    cursor: cursor.as_deref(),
                },
                Filter::new().eq(Notification::READ, false),
            )
            .await?;
        n += page.items.len() as u32;
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => return Ok(n),
        }
    }
}

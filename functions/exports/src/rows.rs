//! The rows of each export type, read with the Queries the type's own lists use.

use std::collections::BTreeSet;

use campus::{
    ApiResult, AppState,
    auth::Principal,
    clock,
    db::lists,
    model::{AnalyticsCounter, Assignment, AssignmentRow, Course, InventoryItem, Prompt, Role},
    reporting::{self, UserRow},
};
use serde::Serialize;

/// Entries read for an audit export at most (as `/api/audit-logs?export=true`).
const MAX_AUDIT: usize = 10_000;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CourseRow {
    pub id: String,
    pub title: String,
    pub status: String,
    pub difficulty: String,
    pub duration_weeks: u32,
    pub module_count: u32,
    pub lesson_count: u32,
    pub tags: String,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PromptRow {
    pub id: String,
    pub title: String,
    pub status: String,
    pub category_id: String,
    pub tags: String,
    pub author_id: String,
    pub version: u64,
    pub updated_at: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InventoryRow {
    pub id: String,
    pub name: String,
    pub sku: String,
    pub category: String,
    pub quantity: i64,
    pub location: Option<String>,
    pub low_stock_threshold: Option<i64>,
    pub updated_at: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditRow {
    pub at: String,
    pub actor_id: String,
    pub actor_role: String,
    pub action: String,
    pub resource_type: String,
    pub resource_id: Option<String>,
    pub outcome: String,
    pub status: u16,
    pub ip: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AnalyticsRow {
    pub day: String,
    pub name: String,
    pub count: u64,
    pub unique_users: usize,
    pub sessions: usize,
}

fn text<T: Serialize>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

pub async fn users(state: &AppState, p: &Principal) -> ApiResult<Vec<UserRow>> {
    Ok(reporting::company_users(&state.db, &p.company_id)
        .await?
        .into_iter()
        .map(UserRow::from)
        .collect())
}

pub async fn courses(state: &AppState, p: &Principal) -> ApiResult<Vec<CourseRow>> {
    let all: Vec<Course> = state.db.all(&lists::courses(&p.company_id)).await?;
    Ok(all
        .into_iter()
        .map(|c| CourseRow {
            status: c.status.as_str().to_string(),
            difficulty: text(&c.difficulty),
            tags: c.tags.join(", "),
            id: c.id,
            title: c.title,
            duration_weeks: c.duration_weeks,
            module_count: c.module_count,
            lesson_count: c.lesson_count,
            created_at: c.created_at,
            updated_at: c.updated_at,
        })
        .collect())
}

/// Everyone's assignments for managers; one's own otherwise.
pub async fn progress(state: &AppState, p: &Principal) -> ApiResult<Vec<AssignmentRow>> {
    if p.at_least(Role::Manager) {
        return reporting::rows(&state.db, &p.company_id).await;
    }
    let mine: Vec<Assignment> = state
        .db
        .all(&lists::assignments(&p.company_id, &p.user_id))
        .await?;
    Ok(mine.iter().map(AssignmentRow::from).collect())
}

/// Every prompt for managers; one's own otherwise.
pub async fn prompts(state: &AppState, p: &Principal) -> ApiResult<Vec<PromptRow>> {
    let all: Vec<Prompt> = state.db.all(&lists::prompts(&p.company_id)).await?;
    let manager = p.at_least(Role::Manager);
    Ok(all
        .into_iter()
        .filter(|x| manager || x.author_id == p.user_id)
        .map(|x| PromptRow {
            status: text(&x.status),
            tags: x.tags.join(", "),
            id: x.id,
            title: x.title,
            category_id: x.category_id,
            author_id: x.author_id,
            version: x.version,
            updated_at: x.updated_at,
        })
        .collect())
}

pub async fn inventory(state: &AppState, p: &Principal) -> ApiResult<Vec<InventoryRow>> {
    let all: Vec<InventoryItem> = state.db.all(&lists::inventory_items(&p.company_id)).await?;
    Ok(all
        .into_iter()
        .map(|i| InventoryRow {
            id: i.id,
            name: i.name,
            sku: i.sku,
            category: i.category,
            quantity: i.quantity,
            location: i.location,
            low_stock_threshold: i.low_stock_threshold,
            updated_at: i.updated_at,
        })
        .collect())
}

/// The newest entries first, at most 10,000 (the retention keeps the rest bounded).
pub async fn audit_logs(state: &AppState, p: &Principal) -> ApiResult<Vec<AuditRow>> {
    let (entries, _) = state
        .db
        .up_to(
            &lists::audit_trail(&p.company_id),
            campus::db::Filter::new().newest_first(),
            MAX_AUDIT,
        )
        .await?;
    Ok(entries
        .into_iter()
        .map(|e| AuditRow {
            at: e.at,
            actor_id: e.actor_id,
            actor_role: e.actor_role,
            action: e.action,
            resource_type: e.resource_type,
            resource_id: e.resource_id,
            outcome: e.outcome,
            status: e.status,
            ip: e.ip,
        })
        .collect())
}

/// Per day and event name over `from..=to` (default the last 30 days).
pub async fn analytics(
    state: &AppState,
    p: &Principal,
    from: Option<&str>,
    to: Option<&str>,
) -> ApiResult<Vec<AnalyticsRow>> {
    let (from, to) = clock::day_range(from, to, 366)?;
    let counters: Vec<AnalyticsCounter> = state
        .db
        .all(&lists::analytics(&p.company_id).between(&from, &format!("{to}~")))
        .await?;
    Ok(counters
        .into_iter()
        .map(|c| AnalyticsRow {
            unique_users: c.users.iter().collect::<BTreeSet<_>>().len(),
            sessions: c.sessions.len(),
            day: c.day,
            name: c.name,
            count: c.count,
        })
        .collect())
}

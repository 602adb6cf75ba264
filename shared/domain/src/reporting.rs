//! The people a manager oversees and their assignment rows, and what the manager's
//! views and the reports compute from them. Rows come from `gsi2` (one narrow Query
//! of the whole company), people from the company's user partition or team partitions.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use time::Duration;
use utoipa::ToSchema;

use crate::{
    ApiError, ApiResult,
    auth::Principal,
    clock,
    db::{Db, entities_of, entity_of, keys, lists},
    model::{AssignmentRow, Role, Team, TeamMember, TeamRole, User, UserStatus},
};

/// Every user of a company.
pub async fn company_users(db: &Db, company_id: &str) -> ApiResult<Vec<User>> {
    Ok(db.all(&lists::users(company_id)).await?)
}

async fn users_by_id(db: &Db, company_id: &str, ids: &[String]) -> ApiResult<Vec<User>> {
    let mut users = Vec::new();
    for chunk in ids.chunks(100) {
        let keys: Vec<_> = chunk.iter().map(|id| keys::user(company_id, id)).collect();
        users.extend(entities_of::<User>(&db.get_many(&keys).await?)?);
    }
    Ok(users)
}

/// The members of one team; unless `any_manager`, the caller must lead it or be an
/// admin (the manager's own views; company reports are open to every manager).
pub async fn team_users(
    db: &Db,
    p: &Principal,
    team_id: &str,
    any_manager: bool,
) -> ApiResult<(Team, Vec<User>)> {
    let items = db
        .all_in(&keys::team_partition(&p.company_id, team_id))
        .await?;
    let team: Team = entity_of(&items)?.ok_or(ApiError::NotFound)?;
    let members: Vec<TeamMember> = entities_of(&items)?;
    let leads = members
        .iter()
        .any(|m| m.user_id == p.user_id && m.role == TeamRole::Lead);
    let allowed = leads || p.at_least(Role::Admin) || (any_manager && p.at_least(Role::Manager));
    if !allowed {
        return Err(ApiError::Forbidden(
            "Only the team's leads and admins see it",
        ));
    }
    let ids: Vec<String> = members.into_iter().map(|m| m.user_id).collect();
    Ok((team, users_by_id(db, &p.company_id, &ids).await?))
}

/// Whom the caller oversees: admins the whole company, others the members of the
/// teams they lead (themselves included).
pub async fn overseen(db: &Db, p: &Principal) -> ApiResult<Vec<User>> {
    if p.at_least(Role::Admin) {
        return company_users(db, &p.company_id).await;
    }
    let mine: Vec<TeamMember> = db
        .all(&lists::user_teams(&p.company_id, &p.user_id))
        .await?;
    let mut ids = Vec::new();
    for m in mine.into_iter().filter(|m| m.role == TeamRole::Lead) {
        let items = db
            .all_in(&keys::team_partition(&p.company_id, &m.team_id))
            .await?;
        ids.extend(
            entities_of::<TeamMember>(&items)?
                .into_iter()
                .map(|m| m.user_id),
        );
    }
    ids.sort();
    ids.dedup();
    users_by_id(db, &p.company_id, &ids).await
}

/// Whether the caller oversees one user ([`overseen`] without reading everyone):
/// the teams the caller leads, then the user's memberships in those teams.
pub async fn oversees(db: &Db, p: &Principal, user_id: &str) -> ApiResult<bool> {
    if p.at_least(Role::Admin) || p.user_id == user_id {
        return Ok(true);
    }
    let mine: Vec<TeamMember> = db
        .all(&lists::user_teams(&p.company_id, &p.user_id))
        .await?;
    let theirs: Vec<_> = mine
        .iter()
        .filter(|m| m.role == TeamRole::Lead)
        .map(|m| keys::team_member(&p.company_id, &m.team_id, user_id))
        .collect();
    for chunk in theirs.chunks(100) {
        if !db.get_many(chunk).await?.is_empty() {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Every assignment row of the company (one paginated Query of `gsi2`).
pub async fn rows(db: &Db, company_id: &str) -> ApiResult<Vec<AssignmentRow>> {
    Ok(db.all(&lists::company_assignments(company_id)).await?)
}

/// The rows of these users, by user id.
pub fn rows_by_user<'a>(
    rows: &'a [AssignmentRow],
    users: &[User],
) -> BTreeMap<&'a str, Vec<&'a AssignmentRow>> {
    let wanted: BTreeSet<&str> = users.iter().map(|u| u.id.as_str()).collect();
    let mut by: BTreeMap<&str, Vec<&AssignmentRow>> = BTreeMap::new();
    for r in rows {
        if wanted.contains(r.user_id.as_str()) {
            by.entry(r.user_id.as_str()).or_default().push(r);
        }
    }
    by
}

/// One person's assignments in numbers.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Summary {
    pub assigned: u32,
    pub not_started: u32,
    pub in_progress: u32,
    pub completed: u32,
    pub overdue: u32,
    /// Mean percent over the assignments (0 with none).
    pub average_percent: u32,
    pub last_activity_at: Option<String>,
}

pub fn summarize(rows: &[&AssignmentRow], now: &str) -> Summary {
    let mut s = Summary {
        assigned: rows.len() as u32,
        ..Summary::default()
    };
    let mut percent_sum = 0u32;
    for r in rows {
        match r.status.as_str() {
            "completed" => s.completed += 1,
            "in_progress" => s.in_progress += 1,
            _ => s.not_started += 1,
        }
        if r.is_overdue(now) {
            s.overdue += 1;
        }
        percent_sum += r.percent;
        if r.last_activity_at > s.last_activity_at {
            s.last_activity_at = r.last_activity_at.clone();
        }
    }
    if !rows.is_empty() {
        s.average_percent = percent_sum / rows.len() as u32;
    }
    s
}

/// A group's progress in numbers.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Analytics {
    pub members: u32,
    pub assignments: u32,
    pub completed: u32,
    pub in_progress: u32,
    pub not_started: u32,
    pub overdue: u32,
    /// Completed assignments over all assignments, 0 to 1 (0 with none).
    pub completion_rate: f64,
    /// Mean percent over all assignments.
    pub average_progress: u32,
    /// Members with any progress recorded in the last 7 and 30 days.
    pub active_learners_7d: u32,
    pub active_learners_30d: u32,
}

pub fn analytics(users: &[User], rows: &[AssignmentRow]) -> Analytics {
    let now = clock::now();
    let now_s = clock::rfc3339(now);
    let by = rows_by_user(rows, users);
    let all: Vec<&AssignmentRow> = by.values().flatten().copied().collect();
    let s = summarize(&all, &now_s);
    let active_since = |days: i64| {
        let since = clock::rfc3339(now - Duration::days(days));
        by.values()
            .filter(|rs| {
                rs.iter().any(|r| {
                    r.last_activity_at
                        .as_deref()
                        .is_some_and(|a| a >= since.as_str())
                })
            })
            .count() as u32
    };
    Analytics {
        members: users.len() as u32,
        assignments: s.assigned,
        completed: s.completed,
        in_progress: s.in_progress,
        not_started: s.not_started,
        overdue: s.overdue,
        completion_rate: if s.assigned == 0 {
            0.0
        } else {
            f64::from(s.completed) / f64::from(s.assigned)
        },
        average_progress: s.average_percent,
        active_learners_7d: active_since(7),
        active_learners_30d: active_since(30),
    }
}

/// A person with their assignments in numbers.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MemberSummary {
    pub user: User,
    pub summary: Summary,
}

pub fn member_summaries(users: &[User], rows: &[AssignmentRow]) -> Vec<MemberSummary> {
    let now = clock::now_rfc3339();
    let by = rows_by_user(rows, users);
    users
        .iter()
        .map(|u| MemberSummary {
            summary: summarize(
                by.get(u.id.as_str()).map(Vec::as_slice).unwrap_or_default(),
                &now,
            ),
            user: u.clone(),
        })
        .collect()
}

/// One user as a report or export row.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserRow {
    pub id: String,
    pub name: String,
    pub email: String,
    pub role: Role,
    pub department_id: Option<String>,
    pub status: UserStatus,
    pub created_at: String,
}

impl From<User> for UserRow {
    fn from(u: User) -> Self {
        Self {
            role: u.role,
            status: u.status,
            id: u.id,
            name: u.name,
            email: u.email,
            department_id: u.department_id,
            created_at: u.created_at,
        }
    }
}

//! The manager's read views of `/api/team`: the people they oversee (members of the
//! teams they lead; admins: everyone) and their progress.

use axum::{
    Json,
    extract::{Path, State},
};
use campus::{
    ApiError, ApiResult, AppState,
    auth::{Gate, Manager, Principal},
    clock,
    db::{keys, lists},
    error::ErrorBody,
    http::{ListQuery, ListResponse, QueryParams},
    model::{Assignment, AssignmentRow, ProgressView, User},
    progress,
    reporting::{self, Analytics, MemberSummary, Summary},
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

#[derive(Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub struct TeamQuery {
    /// Only this team (one you lead, or any for admins).
    #[validate(length(min = 1, max = 64))]
    pub team_id: Option<String>,
    /// `/api/team/progress` only: only this course.
    #[validate(length(min = 1, max = 64))]
    pub course_id: Option<String>,
    /// `limit` and `cursor`.
    #[serde(flatten)]
    #[param(ignore)]
    #[validate(nested)]
    pub page: ListQuery,
}

/// The people in view: one team, or everyone the caller oversees.
async fn people(state: &AppState, p: &Principal, team_id: Option<&str>) -> ApiResult<Vec<User>> {
    match team_id {
        Some(t) => Ok(reporting::team_users(&state.db, p, t, false).await?.1),
        None => reporting::overseen(&state.db, p).await,
    }
}

/// A user the caller oversees, or 403 (404 if not in the company at all).
pub async fn overseen_user(state: &AppState, p: &Principal, user_id: &str) -> ApiResult<User> {
    let user: User = state.db.find(&keys::user(&p.company_id, user_id)).await?;
    if !reporting::oversees(&state.db, p, &user.id).await? {
        return Err(ApiError::Forbidden(
            "Only yourself and members of teams you lead (admins: anyone)",
        ));
    }
    Ok(user)
}

/// Members of the teams the caller leads (admins: the whole company), each with a
/// progress summary; ordered by user id.
#[utoipa::path(get, path = "/api/team/members", tag = "team", security(("bearer" = [])),
    params(TeamQuery, ListQuery),
    responses((status = 200, body = ListResponse<MemberSummary>), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, description = "No such team", body = ErrorBody)))]
pub async fn members(
    State(state): State<AppState>,
    Gate(p, ..): Manager,
    QueryParams(q): QueryParams<TeamQuery>,
) -> ApiResult<Json<ListResponse<MemberSummary>>> {
    let (users, rows) = tokio::try_join!(
        people(&state, &p, q.team_id.as_deref()),
        reporting::rows(&state.db, &p.company_id)
    )?;
    Ok(Json(ListResponse::after(
        reporting::member_summaries(&users, &rows),
        |m| m.user.id.clone(),
        q.page.limit(),
        q.page.cursor.as_deref(),
    )?))
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MemberDetail {
    pub user: User,
    pub summary: Summary,
    /// Every course assigned to the member.
    pub progress: Vec<ProgressView>,
}

/// One member the caller oversees, with progress per course.
#[utoipa::path(get, path = "/api/team/members/{userId}", tag = "team", security(("bearer" = [])),
    params(("userId" = String, Path)),
    responses((status = 200, body = MemberDetail), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn member(
    State(state): State<AppState>,
    Gate(p, ..): Manager,
    Path(user_id): Path<String>,
) -> ApiResult<Json<MemberDetail>> {
    let user = overseen_user(&state, &p, &user_id).await?;
    let assignments: Vec<Assignment> = state
        .db
        .all(&lists::assignments(&p.company_id, &user.id))
        .await?;
    let progress = progress::views(&state.db, &p.company_id, &assignments).await?;
    let now = clock::now_rfc3339();
    let rows: Vec<AssignmentRow> = assignments.iter().map(AssignmentRow::from).collect();
    let summary = reporting::summarize(&rows.iter().collect::<Vec<_>>(), &now);
    Ok(Json(MemberDetail {
        user,
        summary,
        progress,
    }))
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProgressRow {
    pub user_id: String,
    pub user_name: String,
    #[serde(flatten)]
    pub progress: ProgressView,
}

/// Per member and course: status, percent, due date, overdue; ordered by user, then
/// course.
#[utoipa::path(get, path = "/api/team/progress", tag = "team", security(("bearer" = [])),
    params(TeamQuery, ListQuery),
    responses((status = 200, body = ListResponse<ProgressRow>), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, description = "No such team", body = ErrorBody)))]
pub async fn team_progress(
    State(state): State<AppState>,
    Gate(p, ..): Manager,
    QueryParams(q): QueryParams<TeamQuery>,
) -> ApiResult<Json<ListResponse<ProgressRow>>> {
    let (users, rows) = tokio::try_join!(
        people(&state, &p, q.team_id.as_deref()),
        reporting::rows(&state.db, &p.company_id)
    )?;
    let by = reporting::rows_by_user(&rows, &users);
    let wanted: Vec<&AssignmentRow> = by
        .values()
        .flatten()
        .copied()
        .filter(|r| q.course_id.as_ref().is_none_or(|c| *c == r.course_id))
        .collect();
    let ids: Vec<&str> = wanted.iter().map(|r| r.course_id.as_str()).collect();
    let courses = progress::courses(&state.db, &p.company_id, &ids).await?;
    let now = clock::now_rfc3339();
    let items = wanted
        .into_iter()
        .filter_map(|r| {
            let course = courses.iter().find(|c| c.id == r.course_id)?;
            let user = users.iter().find(|u| u.id == r.user_id)?;
            Some(ProgressRow {
                user_id: user.id.clone(),
                user_name: user.name.clone(),
                progress: ProgressView::of_row(r, course, &now),
            })
        })
        .collect();
    Ok(Json(ListResponse::after(
        items,
        |r| format!("{}#{}", r.user_id, r.progress.course_id),
        q.page.limit(),
        q.page.cursor.as_deref(),
    )?))
}

/// Completion rate, average progress, overdue assignments and active learners (7 and
/// 30 days) of the people the caller oversees, or of one team.
#[utoipa::path(get, path = "/api/team/analytics", tag = "team", security(("bearer" = [])),
    params(TeamQuery, ListQuery),
    responses((status = 200, body = Analytics), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn analytics(
    State(state): State<AppState>,
    Gate(p, ..): Manager,
    QueryParams(q): QueryParams<TeamQuery>,
) -> ApiResult<Json<Analytics>> {
    let (users, rows) = tokio::try_join!(
        people(&state, &p, q.team_id.as_deref()),
        reporting::rows(&state.db, &p.company_id)
    )?;
    Ok(Json(reporting::analytics(&users, &rows)))
}

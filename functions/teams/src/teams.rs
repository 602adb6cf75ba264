use axum::{
    Json,
    extract::{Path, State},
    http::StatusCode,
    response::Response,
};
use campus::{
    ApiError, ApiResult, AppState,
    audit::Audit,
    auth::{AuthUser, Gate, Manager},
    clock,
    db::{Cond, Filter, entities_of, keys, lists},
    error::ErrorBody,
    http::non_blank,
    http::{ListQuery, ListResponse, QueryParams, ValidJson, created},
    model::{Role, Team, TeamMember, TeamRole},
    versioned::{expect_version, save},
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use crate::access;

#[derive(Deserialize, Validate, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TeamBody {
    #[validate(length(min = 1, max = 100))]
    pub name: String,
    #[validate(length(max = 1000))]
    pub description: Option<String>,
    /// On update: the version read.
    pub version: Option<u64>,
}

/// Teams: every team of the company for admins, the caller's own teams for others.
#[utoipa::path(get, path = "/api/teams", tag = "teams", security(("bearer" = [])),
    params(ListQuery),
    responses((status = 200, body = ListResponse<Team>), (status = 401, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    AuthUser(p): AuthUser,
    QueryParams(q): QueryParams<ListQuery>,
) -> ApiResult<Json<ListResponse<Team>>> {
    if p.at_least(Role::Admin) {
        let page = state
            .db
            .page(&lists::teams(&p.company_id), q.at(), Filter::default())
            .await?;
        return Ok(Json(page.into()));
    }
    let page = state
        .db
        .page(
            &lists::user_teams(&p.company_id, &p.user_id),
            q.at(),
            Filter::default(),
        )
        .await?;
    let team_keys: Vec<_> = page
        .items
        .iter()
        .map(|m| keys::team(&p.company_id, &m.team_id))
        .collect();
    let mut teams: Vec<Team> = entities_of(&state.db.get_many(&team_keys).await?)?;
    teams.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(Json(ListResponse {
        items: teams,
        next_cursor: page.next_cursor,
    }))
}

/// Create a team (manager+); the creator becomes its lead.
#[utoipa::path(post, path = "/api/teams", tag = "teams", security(("bearer" = [])),
    request_body = TeamBody,
    responses((status = 201, body = Team), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    Gate(p, ..): Manager,
    audit: Audit,
    ValidJson(b): ValidJson<TeamBody>,
) -> ApiResult<Response> {
    let now = clock::now_rfc3339();
    let team = Team {
        id: clock::new_id(),
        company_id: p.company_id.clone(),
        name: non_blank("name", &b.name)?,
        description: b.description,
        created_by: p.user_id.clone(),
        member_count: 1,
        created_at: now.clone(),
        updated_at: now.clone(),
        version: 1,
    };
    let lead = TeamMember {
        company_id: p.company_id.clone(),
        team_id: team.id.clone(),
        user_id: p.user_id.clone(),
        role: TeamRole::Lead,
        added_at: now,
    };
    let tx = state
        .db
        .tx()
        .put(&team, Cond::absent())
        .put(&lead, Cond::absent());
    Ok(audit
        .commit(&state.db, tx, created(&team.id.clone(), team))
        .await?)
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TeamDetail {
    #[serde(flatten)]
    pub team: Team,
    pub members: Vec<TeamMember>,
}

/// A team with its members (its members and admins).
#[utoipa::path(get, path = "/api/teams/{id}", tag = "teams", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = TeamDetail), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    AuthUser(p): AuthUser,
    Path(id): Path<String>,
) -> ApiResult<Json<TeamDetail>> {
    let items = state
        .db
        .all_in(&keys::team_partition(&p.company_id, &id))
        .await?;
    let team: Team = campus::db::entity_of(&items)?.ok_or(ApiError::NotFound)?;
    let members: Vec<TeamMember> = entities_of(&items)?;
    let me = members.iter().find(|m| m.user_id == p.user_id).cloned();
    access::can_read(&p, &me)?;
    Ok(Json(TeamDetail { team, members }))
}

/// Rename or describe a team (its leads and admins).
#[utoipa::path(put, path = "/api/teams/{id}", tag = "teams", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = TeamBody,
    responses((status = 200, body = Team), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    AuthUser(p): AuthUser,
    Path(id): Path<String>,
    audit: Audit,
    ValidJson(b): ValidJson<TeamBody>,
) -> ApiResult<Json<Team>> {
    let (mut team, me) = access::load(&state, &p, &id).await?;
    access::can_write(&p, &me)?;
    expect_version(b.version, team.version)?;
    team.name = non_blank("name", &b.name)?;
    team.description = b.description;
    save(&state.db, &mut team, &audit).await?;
    Ok(Json(team))
}

/// Delete a team and its memberships (its leads and admins).
#[utoipa::path(delete, path = "/api/teams/{id}", tag = "teams", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 204, description = "Deleted"), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn delete(
    State(state): State<AppState>,
    AuthUser(p): AuthUser,
    Path(id): Path<String>,
    audit: Audit,
) -> ApiResult<StatusCode> {
    let (_, me) = access::load(&state, &p, &id).await?;
    access::can_write(&p, &me)?;
    // The record first (with its audit entry): the team is gone for every reader;
    // its memberships follow, and a left-over one is never shown (lists join on it).
    audit
        .delete(&state.db, &keys::team(&p.company_id, &id))
        .await?;
    state
        .db
        .delete_partition(&keys::team_partition(&p.company_id, &id))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

use axum::{
    Json,
    extract::{Path, State},
    http::StatusCode,
    response::Response,
};
use campus::{
    ApiError, ApiResult, AppState,
    audit::Audit,
    auth::AuthUser,
    clock,
    db::{Cond, Field, Guard, StoreError, Update, keys},
    error::ErrorBody,
    http::{ValidJson, created},
    model::{Team, TeamMember, TeamRole, User},
};
use serde::Deserialize;
use utoipa::ToSchema;
use validator::Validate;

use crate::access;

#[derive(Deserialize, Validate, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AddMember {
    #[validate(length(min = 1, max = 64))]
    pub user_id: String,
    #[serde(default = "member")]
    pub role: TeamRole,
}

fn member() -> TeamRole {
    TeamRole::Member
}

#[derive(Deserialize, Validate, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MemberRole {
    pub role: TeamRole,
}

/// The team's member count moved by `by`.
fn counter(by: i64) -> Update {
    Update::new()
        .add(Team::MEMBER_COUNT, by)
        .set(Field::UPDATED_AT, clock::now_rfc3339())
}

/// Add a colleague to the team (its leads and admins).
#[utoipa::path(post, path = "/api/teams/{id}/members", tag = "teams", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = AddMember,
    responses((status = 201, body = TeamMember), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, description = "Already a member", body = ErrorBody)))]
pub async fn add(
    State(state): State<AppState>,
    AuthUser(p): AuthUser,
    Path(id): Path<String>,
    audit: Audit,
    ValidJson(b): ValidJson<AddMember>,
) -> ApiResult<Response> {
    let (_, me) = access::load(&state, &p, &id).await?;
    access::can_write(&p, &me)?;
    // Only a user of the caller's own company can join: the key carries the company.
    if state
        .db
        .get::<User>(&keys::user(&p.company_id, &b.user_id))
        .await?
        .is_none()
    {
        return Err(ApiError::field("userId", "no such user"));
    }
    let m = TeamMember {
        company_id: p.company_id.clone(),
        team_id: id.clone(),
        user_id: b.user_id.clone(),
        role: b.role,
        added_at: clock::now_rfc3339(),
    };
    let tx = state.db.tx().put(&m, Cond::absent()).update(
        &keys::team(&p.company_id, &id),
        counter(1),
        Cond::present(),
    );
    match audit.commit(&state.db, tx, created(&b.user_id, m)).await {
        Ok(answer) => Ok(answer),
        Err(StoreError::Refused(Guard::ABSENT)) => {
            Err(ApiError::Conflict("Already a member of this team".into()))
        }
        Err(StoreError::Refused(_)) => Err(ApiError::NotFound),
        Err(e) => Err(e.into()),
    }
}

/// Make a member a lead, or a lead a member (its leads and admins).
#[utoipa::path(put, path = "/api/teams/{id}/members/{userId}", tag = "teams", security(("bearer" = [])),
    params(("id" = String, Path), ("userId" = String, Path)), request_body = MemberRole,
    responses((status = 200, body = TeamMember), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    AuthUser(p): AuthUser,
    Path((id, user_id)): Path<(String, String)>,
    audit: Audit,
    ValidJson(b): ValidJson<MemberRole>,
) -> ApiResult<Json<TeamMember>> {
    let (_, me) = access::load(&state, &p, &id).await?;
    access::can_write(&p, &me)?;
    let mut m: TeamMember = state
        .db
        .find(&keys::team_member(&p.company_id, &id, &user_id))
        .await?;
    m.role = b.role;
    let tx = state.db.tx().put(&m, Cond::present());
    audit
        .commit(&state.db, tx, Json(m))
        .await
        .map_err(|e| e.or(ApiError::NotFound))
}

/// Remove a member (its leads and admins).
#[utoipa::path(delete, path = "/api/teams/{id}/members/{userId}", tag = "teams", security(("bearer" = [])),
    params(("id" = String, Path), ("userId" = String, Path)),
    responses((status = 204, description = "Removed"), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn remove(
    State(state): State<AppState>,
    AuthUser(p): AuthUser,
    Path((id, user_id)): Path<(String, String)>,
    audit: Audit,
) -> ApiResult<StatusCode> {
    let (_, me) = access::load(&state, &p, &id).await?;
    access::can_write(&p, &me)?;
    let tx = state
        .db
        .tx()
        .delete(
            &keys::team_member(&p.company_id, &id, &user_id),
            Cond::present(),
        )
        .update(
            &keys::team(&p.company_id, &id),
            counter(-1),
            Cond::present(),
        );
    audit
        .commit(&state.db, tx, StatusCode::NO_CONTENT)
        .await
        .map_err(|e| e.or(ApiError::NotFound))
}

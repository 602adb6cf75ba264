//! Who may do what with a team: members read, leads and admins write.

use campus::{
    ApiError, ApiResult, AppState,
    auth::Principal,
    db::{entity_of, keys},
    model::{Role, Team, TeamMember, TeamRole},
};

/// The team and the caller's membership, read together.
pub async fn load(
    state: &AppState,
    p: &Principal,
    team_id: &str,
) -> ApiResult<(Team, Option<TeamMember>)> {
    let items = state
        .db
        .get_many_consistent(&[
            keys::team(&p.company_id, team_id),
            keys::team_member(&p.company_id, team_id, &p.user_id),
        ])
        .await?;
    let team: Team = entity_of(&items)?.ok_or(ApiError::NotFound)?;
    Ok((team, entity_of(&items)?))
}

pub fn can_read(p: &Principal, me: &Option<TeamMember>) -> ApiResult<()> {
    if me.is_some() || p.at_least(Role::Admin) {
        Ok(())
    } else {
        Err(ApiError::Forbidden("Only the team's members may see it"))
    }
}

pub fn can_write(p: &Principal, me: &Option<TeamMember>) -> ApiResult<()> {
    if me.as_ref().is_some_and(|m| m.role == TeamRole::Lead) || p.at_least(Role::Admin) {
        Ok(())
    } else {
        Err(ApiError::Forbidden(
            "Only the team's leads and admins may change it",
        ))
    }
}

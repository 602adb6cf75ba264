use axum::{extract::State, response::Response};
use campus::{
    ApiError, ApiResult, AppState,
    auth::{ClientOrigin, password, sessions, tokens::sha256_hex},
    clock,
    db::{Cond, Field, Guard, StoreError, Tx, Update, entity_of, keys},
    error::ErrorBody,
    http::{ValidJson, created},
    model::{
        Company, CompanyStatus, Invite, InviteStatus, InviteToken, Login, Mail, Role, Team,
        TeamMember, TeamRole, User, UserStatus, invite_token_company,
    },
    plans,
};
use serde::Deserialize;
use utoipa::ToSchema;
use validator::Validate;

use crate::AuthResponse;

#[derive(Deserialize, Validate, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RegisterRequest {
    #[validate(email(message = "must be a valid email address"), length(max = 254))]
    pub email: String,
    #[validate(length(max = 1024))]
    pub password: String,
    #[validate(length(min = 1, max = 100))]
    pub name: String,
    #[validate(length(min = 1, max = 100))]
    pub company_name: Option<String>,
    #[validate(length(min = 1, max = 200))]
    pub invite_token: Option<String>,
}

/// Sign up: a new company with the caller as its admin, or, with an invite token,
/// a place in the inviting company with the invite's role.
#[utoipa::path(post, path = "/api/auth/register", tag = "auth",
    request_body = RegisterRequest,
    responses(
        (status = 201, description = "Registered and signed in", body = AuthResponse),
        (status = 400, description = "Invalid fields, weak password, bad invite", body = ErrorBody),
        (status = 402, description = "The inviting company has no free seat on its plan", body = ErrorBody),
        (status = 409, description = "The email is already registered", body = ErrorBody),
    ))]
pub async fn register(
    State(state): State<AppState>,
    ClientOrigin(origin): ClientOrigin,
    ValidJson(req): ValidJson<RegisterRequest>,
) -> ApiResult<Response> {
    let email = req.email.trim().to_lowercase();
    let name = req.name.trim().to_string();
    if name.is_empty() {
        return Err(ApiError::field("name", "must not be blank"));
    }
    if let Some(problem) = password::policy_problem(&req.password, &email) {
        return Err(ApiError::field("password", problem));
    }
    let now = clock::now_rfc3339();
    let (company, role, invite) = match &req.invite_token {
        Some(token) => {
            let (company, pointer) = find_invite(&state, token, &email).await?;
            if company.status == CompanyStatus::Suspended {
                return Err(ApiError::CompanySuspended);
            }
            plans::check_seat(&company)?;
            (company, pointer.role, Some(pointer))
        }
        None => {
            let company_name = req
                .company_name
                .as_deref()
                .map(str::trim)
                .filter(|n| !n.is_empty())
                .map(str::to_string)
                .unwrap_or_else(|| format!("{name}'s company"));
            let company = Company::founded(company_name, &now);
            (company, Role::Admin, None)
        }
    };
    let hash = password::hash(req.password).await?;
    let user = User {
        id: clock::new_id(),
        email: email.clone(),
        name,
        role,
        company_id: company.id.clone(),
        department_id: None,
        avatar_url: None,
        bio: None,
        status: UserStatus::Active,
        // An invite's token came by mail to this address; a bare registration
        // proves nothing of the address.
        email_verified: invite.is_some(),
        created_at: now.clone(),
        updated_at: now.clone(),
        version: 1,
    };
    let login = Login::of(&user, Some(hash));
    let session = sessions::new_session(&state, &user, &origin);
    let welcome = Mail::new(
        &company.id,
        "welcome",
        &email,
        serde_json::json!({"name": user.name, "companyName": company.name, "loginUrl": format!("{}/login", state.config.frontend_url)}),
    );

    // The login item's key is the email: its condition is what makes emails unique.
    let build = |team: Option<&str>| {
        let mut tx = state
            .db
            .tx()
            .put(&login, Login::unique())
            .put(&user, Cond::absent());
        match &invite {
            // Single use: only a still-pending invite is accepted (and then kept,
            // without its expiry), and its token goes with it. The newcomer takes a
            // seat of the company's plan, if one is free, and joins the invite's team.
            Some(pointer) => {
                tx = tx
                    .update(
                        &keys::invite(&pointer.company_id, &pointer.invite_id),
                        Update::new()
                            .set(Invite::STATUS, InviteStatus::Accepted)
                            .set(Invite::ACCEPTED_AT, &now)
                            .remove(Field::TTL),
                        Invite::STATUS.eq(InviteStatus::Pending),
                    )
                    .delete(&keys::invite_token(&pointer.token_hash), Cond::present());
                tx = plans::take_seat(tx, &pointer.company_id);
                if let Some(team) = team {
                    tx = join_team(tx, &user, team, &now);
                }
            }
            None => tx = tx.put(&company, Cond::absent()),
        }
        tx.put(&session, Cond::absent())
            .put(&welcome, Cond::absent())
    };
    let team = invite.as_ref().and_then(|p| p.team_id.as_deref());
    let mut written = state.db.commit(build(team)).await;
    if let Err(StoreError::Refused(INVITED_TEAM)) = written {
        // The team was deleted after the invite: the company is still theirs to join.
        written = state.db.commit(build(None)).await;
    }
    match written {
        Ok(()) => {}
        Err(StoreError::Refused(Login::UNIQUE_EMAIL)) => {
            return Err(ApiError::Conflict(
                "An account with this email already exists".into(),
            ));
        }
        Err(StoreError::Refused(plans::SEAT_FREE)) => {
            return Err(plans::no_free_seat());
        }
        Err(StoreError::Refused(_)) => {
            return Err(ApiError::field("inviteToken", "is invalid or has expired"));
        }
        Err(e) => return Err(e.into()),
    }
    let tokens = sessions::tokens(&state, &user, &session)?;
    Ok(created(
        &user.id.clone(),
        AuthResponse::new(user, company, tokens),
    ))
}

/// What refuses joining an invite's team that is gone.
const INVITED_TEAM: Guard = Guard::named("InvitedTeamExists");

/// Adds the newcomer to a team: their membership and the team's count, the team
/// still there.
fn join_team(tx: Tx, user: &User, team: &str, now: &str) -> Tx {
    let member = TeamMember {
        company_id: user.company_id.clone(),
        team_id: team.to_string(),
        user_id: user.id.clone(),
        role: TeamRole::Member,
        added_at: now.to_string(),
    };
    tx.put(&member, Cond::absent()).update(
        &keys::team(&user.company_id, team),
        Update::new()
            .add(Team::MEMBER_COUNT, 1)
            .set(Field::UPDATED_AT, now),
        Cond::present().named(INVITED_TEAM),
    )
}

/// The invite's pointer and its company, read together.
async fn find_invite(
    state: &AppState,
    token: &str,
    email: &str,
) -> ApiResult<(Company, InviteToken)> {
    let invalid = || ApiError::field("inviteToken", "is invalid or has expired");
    let company_id = invite_token_company(token).ok_or_else(invalid)?;
    let items = state
        .db
        .get_many_consistent(&[
            keys::invite_token(&sha256_hex(token)),
            keys::company(company_id),
        ])
        .await?;
    let pointer: InviteToken = entity_of(&items)?.ok_or_else(invalid)?;
    let company: Company = entity_of(&items)?.ok_or_else(invalid)?;
    if pointer.company_id != company.id || pointer.expires_epoch <= clock::now().unix_timestamp() {
        return Err(invalid());
    }
    if pointer.email != email {
        return Err(ApiError::field(
            "email",
            "does not match the invited address",
        ));
    }
    Ok((company, pointer))
}

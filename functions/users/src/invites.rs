use axum::{
    Json,
    extract::{Path, State},
    http::StatusCode,
    response::Response,
};
use campus::{
    ApiError, ApiResult, AppState,
    audit::Audit,
    auth::{Gate, Manager, tokens},
    clock,
    db::{Cond, Filter, Guard, StoreError, entity_of, keys, lists},
    error::ErrorBody,
    http::{ListQuery, ListResponse, QueryParams, ValidJson, created},
    model::{Company, Invite, InviteStatus, InviteToken, InviteView, Login, Mail, Role, Team},
    plans,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

#[derive(Deserialize, Validate, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateInvite {
    #[validate(email(message = "must be a valid email address"), length(max = 254))]
    pub email: String,
    pub role: Role,
    /// A team of the company: the newcomer joins it as a member on registering.
    #[validate(length(min = 1, max = 64))]
    pub team_id: Option<String>,
}

/// The answer to creating an invite: the only time its token is shown.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreatedInvite {
    pub id: String,
    pub email: String,
    pub role: Role,
    pub team_id: Option<String>,
    pub expires_at: String,
    pub token: String,
    pub invite_url: String,
}

/// Invite someone by email (manager+, up to the inviter's own role). Valid 7 days,
/// single use; the link is mailed and also returned to share by hand.
#[utoipa::path(post, path = "/api/company/invites", tag = "company", security(("bearer" = [])),
    request_body = CreateInvite,
    responses((status = 201, body = CreatedInvite), (status = 400, body = ErrorBody),
        (status = 402, description = "Every seat of the plan is taken", body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 409, description = "The email already has an account", body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    Gate(p, ..): Manager,
    audit: Audit,
    ValidJson(req): ValidJson<CreateInvite>,
) -> ApiResult<Response> {
    crate::users::assignable(&p, req.role)?;
    let email = req.email.trim().to_lowercase();
    let mut wanted = vec![keys::login(&email), keys::company(&p.company_id)];
    // A team is looked up by the inviter's company: another company's is no team here.
    if let Some(team) = &req.team_id {
        wanted.push(keys::team(&p.company_id, team));
    }
    let items = state.db.get_many(&wanted).await?;
    if req.team_id.is_some() && entity_of::<Team>(&items)?.is_none() {
        return Err(no_such_team());
    }
    if entity_of::<Login>(&items)?.is_some() {
        return Err(ApiError::Conflict(
            "An account with this email already exists".into(),
        ));
    }
    // Early word for the inviter; registering is what takes the seat, atomically.
    let company: Company = entity_of(&items)?.ok_or(ApiError::NotFound)?;
    plans::check_seat(&company)?;
    let token = format!("{}.{}", p.company_id, tokens::random_secret());
    let token_hash = tokens::sha256_hex(&token);
    let expires = clock::now()
        + time::Duration::try_from(state.config.invite_ttl).unwrap_or(time::Duration::days(7));
    let invite = Invite {
        id: clock::new_id(),
        company_id: p.company_id.clone(),
        email: email.clone(),
        role: req.role,
        team_id: req.team_id,
        status: InviteStatus::Pending,
        invited_by: p.user_id.clone(),
        expires_at: clock::rfc3339(expires),
        expires_epoch: expires.unix_timestamp(),
        token_hash: token_hash.clone(),
        created_at: clock::now_rfc3339(),
        accepted_at: None,
    };
    let pointer = InviteToken {
        token_hash,
        company_id: p.company_id.clone(),
        invite_id: invite.id.clone(),
        email: invite.email.clone(),
        role: invite.role,
        expires_epoch: invite.expires_epoch,
        team_id: invite.team_id.clone(),
    };
    let invite_url = format!("{}/register?invite={token}", state.config.frontend_url);
    let mail = Mail::new(
        &p.company_id,
        "invite",
        &email,
        serde_json::json!({"role": invite.role, "inviteUrl": invite_url, "expiresAt": invite.expires_at}),
    );
    let tx = state
        .db
        .tx()
        .put(&invite, Cond::absent())
        .put(&pointer, Cond::absent())
        .put(&mail, Cond::absent());
    let tx = match &invite.team_id {
        Some(team) => tx.check(
            &keys::team(&p.company_id, team),
            Cond::present().named(TEAM_EXISTS),
        ),
        None => tx,
    };
    let body = CreatedInvite {
        id: invite.id.clone(),
        email,
        role: invite.role,
        team_id: invite.team_id,
        expires_at: invite.expires_at,
        token,
        invite_url,
    };
    match audit.commit(&state.db, tx, created(&invite.id, body)).await {
        Err(StoreError::Refused(TEAM_EXISTS)) => Err(no_such_team()),
        other => Ok(other?),
    }
}

/// What refuses an invite into a team deleted while it was being made.
const TEAM_EXISTS: Guard = Guard::named("TeamExists");

fn no_such_team() -> ApiError {
    ApiError::field("teamId", "is not a team of this company")
}

/// The company's invites, pending and accepted (manager+).
#[utoipa::path(get, path = "/api/company/invites", tag = "company", security(("bearer" = [])),
    params(ListQuery),
    responses((status = 200, body = ListResponse<InviteView>), (status = 403, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    Gate(p, ..): Manager,
    QueryParams(q): QueryParams<ListQuery>,
) -> ApiResult<Json<ListResponse<InviteView>>> {
    let page = state
        .db
        .page(&lists::invites(&p.company_id), q.at(), Filter::default())
        .await?;
    Ok(Json(ListResponse {
        items: page.items.into_iter().map(InviteView::from).collect(),
        next_cursor: page.next_cursor,
    }))
}

/// Withdraw an invite (manager+); its token stops working at once.
#[utoipa::path(delete, path = "/api/company/invites/{id}", tag = "company", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 204, description = "Withdrawn"), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn delete(
    State(state): State<AppState>,
    Gate(p, ..): Manager,
    Path(id): Path<String>,
    audit: Audit,
) -> ApiResult<StatusCode> {
    let invite: Invite = state.db.find(&keys::invite(&p.company_id, &id)).await?;
    let tx = state
        .db
        .tx()
        .delete(&keys::invite(&p.company_id, &id), Cond::present())
        .delete(&keys::invite_token(&invite.token_hash), None);
    audit
        .commit(&state.db, tx, StatusCode::NO_CONTENT)
        .await
        .map_err(|e| e.or(ApiError::NotFound))
}

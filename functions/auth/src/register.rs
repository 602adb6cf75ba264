use axum::response::Response;
use campus::{
    ApiError, ApiResult, AppState,
    auth::{
        password,
        sessions::{self, Origin},
        tokens::sha256_hex,
    },
    clock,
    db::{Cond, WriteError, keys, to_value},
    error::ErrorBody,
    http::{ValidJson, created},
    model::{Company, Invite, InviteStatus, InviteToken, Login, Mail, Role, User, UserStatus},
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
        (status = 409, description = "The email is already registered", body = ErrorBody),
    ))]
pub async fn register(
    state: axum::extract::State<AppState>,
    origin: Origin,
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
    let invite = match &req.invite_token {
        Some(token) => Some(find_invite(&state, token, &email).await?),
        None => None,
    };
    let hash = password::hash(req.password).await?;
    let now = clock::now_rfc3339();

    let (company, role) = match &invite {
        Some((invite, _)) => {
            let company: Company = state
                .db
                .get(&keys::company(&invite.company_id))
                .await?
                .ok_or_else(|| ApiError::field("inviteToken", "is invalid or has expired"))?;
            (company, invite.role)
        }
        None => {
            let company_name = req
                .company_name
                .as_deref()
                .map(str::trim)
                .filter(|n| !n.is_empty())
                .map(str::to_string)
                .unwrap_or_else(|| format!("{name}'s company"));
            let company = Company {
                id: clock::new_id(),
                name: company_name,
                plan: "free".into(),
                seats: 5,
                created_at: now.clone(),
                updated_at: now.clone(),
                version: 1,
            };
            (company, Role::Admin)
        }
    };
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
        created_at: now.clone(),
        updated_at: now.clone(),
        version: 1,
    };
    let login = Login {
        email: email.clone(),
        user_id: user.id.clone(),
        company_id: company.id.clone(),
        password_hash: Some(hash),
        failed_attempts: 0,
        failed_since: 0,
        locked_until: 0,
        version: 1,
    };
    let session = sessions::new_session(&state, &user, &origin);
    let welcome = Mail::new(
        &company.id,
        "welcome",
        &email,
        serde_json::json!({"name": user.name, "companyName": company.name, "loginUrl": format!("{}/login", state.config.frontend_url)}),
    );

    // The login item's key is the email: its condition is what makes emails unique.
    let mut tx = state
        .db
        .tx()
        .put(&login, Cond::absent())
        .put(&user, Cond::absent());
    match &invite {
        Some((invite, pointer)) => {
            let accepted = Invite {
                status: InviteStatus::Accepted,
                accepted_at: Some(now.clone()),
                ..invite.clone()
            };
            // Single use: only a still-pending invite may be accepted, and its token goes.
            tx = tx
                .put(
                    &accepted,
                    Cond::expr(
                        "#status = :pending",
                        vec![(":pending".into(), to_value(InviteStatus::Pending)?)],
                    ),
                )
                .delete(&keys::invite_token(&pointer.token_hash), Cond::present());
        }
        None => tx = tx.put(&company, Cond::absent()),
    }
    let tx = sessions::with_session(tx, &session).put(&welcome, Cond::absent());
    match state.db.commit(tx).await {
        Ok(()) => {}
        Err(WriteError::Condition(Some(0))) => {
            return Err(ApiError::Conflict(
                "An account with this email already exists".into(),
            ));
        }
        Err(WriteError::Condition(_)) => {
            return Err(ApiError::Conflict(
                "The invite has already been used".into(),
            ));
        }
        Err(WriteError::Api(e)) => return Err(e),
    }
    let tokens = sessions::tokens(&state, &user, &session)?;
    Ok(created(
        &user.id.clone(),
        AuthResponse::new(user, company, tokens),
    ))
}

async fn find_invite(
    state: &AppState,
    token: &str,
    email: &str,
) -> ApiResult<(Invite, InviteToken)> {
    let invalid = || ApiError::field("inviteToken", "is invalid or has expired");
    let pointer: InviteToken = state
        .db
        .get_consistent(&keys::invite_token(&sha256_hex(token)))
        .await?
        .ok_or_else(invalid)?;
    let invite: Invite = state
        .db
        .get_consistent(&keys::invite(&pointer.company_id, &pointer.invite_id))
        .await?
        .ok_or_else(invalid)?;
    if invite.status != InviteStatus::Pending
        || invite.expires_epoch <= clock::now().unix_timestamp()
    {
        return Err(invalid());
    }
    if invite.email != email {
        return Err(ApiError::field(
            "email",
            "does not match the invited address",
        ));
    }
    Ok((invite, pointer))
}

//! Forgotten, reset and changed passwords.

use axum::response::Response;
use axum::{extract::State, http::StatusCode};
use campus::http::naming;
use campus::{
    ApiError, ApiResult, AppState,
    audit::Audit,
    auth::{
        AuthUser, lockout,
        password::{self, Verdict},
        sessions, tokens,
    },
    clock,
    db::{Cond, Field, Update, entity_of, keys},
    error::ErrorBody,
    http::ValidJson,
    model::{Lockout, Login, Mail, PasswordToken, User, UserStatus},
};
use serde::Deserialize;
use utoipa::ToSchema;
use validator::Validate;

#[derive(Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ForgotRequest {
    #[validate(length(min = 1, max = 254))]
    pub email: String,
}

/// Ask for a reset link. Always 202, and never sooner than a fixed time, whether or
/// not the address has an account, so neither the answer nor its speed tells anybody
/// which addresses exist; if it does (and is not disabled), a link that works once,
/// for an hour, is mailed. A reset or a change ends every link mailed before it.
#[utoipa::path(post, path = "/api/auth/password/forgot", tag = "auth",
    request_body = ForgotRequest,
    responses((status = 202, description = "Accepted; mailed if the account exists"), (status = 400, body = ErrorBody)))]
pub async fn forgot(
    State(state): State<AppState>,
    ValidJson(req): ValidJson<ForgotRequest>,
) -> ApiResult<StatusCode> {
    let floor = clock::NoSooner::start(FORGOT_FLOOR);
    let mailed = mail_reset_link(&state, req.email.trim().to_lowercase()).await;
    floor.wait().await;
    mailed.map(|()| StatusCode::ACCEPTED)
}

/// Longer than the work of a real address (two reads and one transaction).
const FORGOT_FLOOR: std::time::Duration = std::time::Duration::from_millis(300);

async fn mail_reset_link(state: &AppState, email: String) -> ApiResult<()> {
    let Some(login) = state.db.get::<Login>(&keys::login(&email)).await? else {
        return Ok(());
    };
    let user: Option<User> = state
        .db
        .get(&keys::user(&login.company_id, &login.user_id))
        .await?;
    let Some(user) = user.filter(|u| u.status != UserStatus::Disabled) else {
        return Ok(());
    };
    let secret = tokens::random_secret();
    let token = PasswordToken {
        token_hash: tokens::sha256_hex(&secret),
        company_id: user.company_id.clone(),
        user_id: user.id.clone(),
        purpose: "reset".into(),
        expires_epoch: clock::epoch_after(state.config.password_reset_ttl),
        generation: login.password_generation,
    };
    let mail = Mail::new(
        &user.company_id,
        "password_reset",
        &email,
        serde_json::json!({
            "name": user.name,
            "url": format!("{}/reset-password?token={secret}", state.config.frontend_url),
            "minutes": state.config.password_reset_ttl.as_secs() / 60,
        }),
    );
    let tx = state
        .db
        .tx()
        .put(&token, Cond::absent())
        .put(&mail, Cond::absent());
    state.db.commit(tx).await?;
    Ok(())
}

#[derive(Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResetRequest {
    /// From the mailed link (a reset, or the set-password link of a user an admin
    /// created).
    #[validate(length(min = 1, max = 256))]
    pub token: String,
    #[validate(length(min = 1, max = 1024))]
    pub password: String,
}

fn bad_token() -> ApiError {
    ApiError::field("token", "is invalid, used or expired")
}

/// Set a new password with a mailed token. The token works once; every session of
/// the user is revoked. A user created by an admin becomes active.
#[utoipa::path(post, path = "/api/auth/password/reset", tag = "auth",
    request_body = ResetRequest,
    responses((status = 204, description = "Password set; all sessions revoked"), (status = 400, body = ErrorBody)))]
pub async fn reset(
    State(state): State<AppState>,
    ValidJson(req): ValidJson<ResetRequest>,
) -> ApiResult<StatusCode> {
    let key = keys::password_token(&tokens::sha256_hex(req.token.trim()));
    let token: PasswordToken = state.db.get_consistent(&key).await?.ok_or_else(bad_token)?;
    let mut user: User = state
        .db
        .get(&keys::user(&token.company_id, &token.user_id))
        .await?
        .ok_or_else(bad_token)?;
    if user.status == UserStatus::Disabled {
        return Err(bad_token());
    }
    if let Some(problem) = password::policy_problem(&req.password, &user.email) {
        return Err(ApiError::field("password", problem));
    }
    let hash = password::hash(req.password).await?;
    // Deleting the token under `attribute_exists` is what makes it single-use: of two
    // concurrent resets, one transaction fails as a whole. The generation condition
    // is what ends older links: every reset and change raises it. A reset also
    // lifts a lockout.
    let mut tx = state
        .db
        .tx()
        .delete(&key, Cond::present())
        .update(
            &keys::login(&user.email),
            Update::new()
                .set(Login::PASSWORD_HASH, &hash)
                .add(Field::VERSION, 1)
                .add(Login::PASSWORD_GENERATION, 1),
            Login::USER_ID
                .eq(&user.id)
                .and(Login::at_generation(token.generation)),
        )
        .delete(&lockout::key(&user.email), None);
    // The link came by mail: the address is theirs.
    if user.status == UserStatus::Invited || !user.email_verified {
        let read = user.version;
        if user.status == UserStatus::Invited {
            user.status = UserStatus::Active;
        }
        user.email_verified = true;
        user.version += 1;
        user.updated_at = clock::now_rfc3339();
        tx = tx.put(&user, Cond::version(read));
    }
    state.db.commit(tx).await.map_err(|e| e.or(bad_token()))?;
    sessions::revoke_all(&state, &user.company_id, &user.id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, Validate, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ChangeRequest {
    #[validate(length(min = 1, max = 1024))]
    pub current_password: String,
    #[validate(length(min = 1, max = 1024))]
    pub new_password: String,
}

/// Change the caller's password. Every other session of theirs is revoked; this one
/// stays signed in.
#[utoipa::path(post, path = "/api/auth/password/change", tag = "auth", security(("bearer" = [])),
    request_body = ChangeRequest,
    responses((status = 204, description = "Changed"), (status = 400, description = "Wrong current password, or a weak new one", body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 429, description = "RATE_LIMITED, or ACCOUNT_LOCKED after five wrong passwords (sign-in or here) within 15 minutes; with Retry-After", body = ErrorBody)))]
pub async fn change(
    State(state): State<AppState>,
    AuthUser(p): AuthUser,
    audit: Audit,
    ValidJson(req): ValidJson<ChangeRequest>,
) -> ApiResult<Response> {
    let user: User = state
        .db
        .find(&keys::user(&p.company_id, &p.user_id))
        .await?;
    // A wrong current password counts toward the account's lockout like a failed
    // sign-in: a stolen session is no way round it.
    let now = clock::now().unix_timestamp();
    let items = state
        .db
        .get_many_consistent(&[keys::login(&user.email), lockout::key(&user.email)])
        .await?;
    let lock: Option<Lockout> = entity_of(&items)?;
    lockout::check(lock.as_ref(), now)?;
    let login: Login = entity_of(&items)?.ok_or(ApiError::NotFound)?;
    let verdict =
        password::verify(req.current_password.clone(), login.password_hash.clone()).await?;
    if verdict == Verdict::Wrong {
        lockout::record_failure(&state, &user.email, lock, now).await?;
        return Err(ApiError::field(
            "currentPassword",
            "is not the current password",
        ));
    }
    if req.new_password == req.current_password {
        return Err(ApiError::field(
            "newPassword",
            "must differ from the current password",
        ));
    }
    if let Some(problem) = password::policy_problem(&req.new_password, &user.email) {
        return Err(ApiError::field("newPassword", problem));
    }
    let mut login = login;
    let read = login.version;
    login.password_hash = Some(password::hash(req.new_password).await?);
    login.password_generation += 1;
    login.version += 1;
    let tx = state.db.tx().put(&login, Cond::version(read));
    let answer = naming(&p.user_id, StatusCode::NO_CONTENT);
    let answer = audit.commit(&state.db, tx, answer).await?;
    sessions::revoke_all_but(&state, &p.company_id, &p.user_id, Some(&p.session_id)).await?;
    Ok(answer)
}

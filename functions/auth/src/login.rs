use axum::{Json, extract::State};
use campus::{
    ApiError, ApiResult, AppState,
    auth::{
        ClientOrigin, lockout,
        password::{self, Verdict},
        sessions,
    },
    clock,
    db::{Cond, entity_of, keys},
    error::ErrorBody,
    http::ValidJson,
    model::{Company, CompanyStatus, Lockout, Login, User, UserStatus},
    rate_limit,
};
use serde::Deserialize;
use utoipa::ToSchema;
use validator::Validate;

use crate::AuthResponse;

/// The window of an address's failed sign-ins.
const WINDOW_SECS: i64 = 15 * 60;

#[derive(Deserialize, Validate, ToSchema)]
pub struct LoginRequest {
    #[validate(length(min = 1, max = 254))]
    pub email: String,
    #[validate(length(min = 1, max = 1024))]
    pub password: String,
}

/// Sign in with email and password. A wrong email and a wrong password answer the
/// same, in about the same time; five failures within 15 minutes lock the account,
/// and too many failures from one address refuse sign-in from it for a while.
#[utoipa::path(post, path = "/api/auth/login", tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Signed in", body = AuthResponse),
        (status = 401, description = "INVALID_CREDENTIALS", body = ErrorBody),
        (status = 429, description = "ACCOUNT_LOCKED, or RATE_LIMITED after too many failures from one address; with Retry-After", body = ErrorBody),
    ))]
pub async fn login(
    State(state): State<AppState>,
    ClientOrigin(origin): ClientOrigin,
    ValidJson(req): ValidJson<LoginRequest>,
) -> ApiResult<Json<AuthResponse>> {
    let email = req.email.trim().to_lowercase();
    let now = clock::now().unix_timestamp();
    // The address's failures are counted when there is a limit and an address.
    let by_ip = ip_failures(&state).zip(origin.ip.as_deref());
    // The account, its lockout and the address's failures, in one round trip.
    let mut wanted = vec![keys::login(&email), lockout::key(&email)];
    if let Some((limit, ip)) = &by_ip {
        wanted.push(limit.key(ip, now));
    }
    let items = state.db.get_many_consistent(&wanted).await?;
    if let Some((limit, _)) = &by_ip {
        limit.check(rate_limit::hits_of(&items)?, now)?;
    }
    let lock: Option<Lockout> = entity_of(&items)?;
    lockout::check(lock.as_ref(), now)?;
    let login: Option<Login> = entity_of(&items)?;
    let verdict = password::verify(
        req.password.clone(),
        login.as_ref().and_then(|l| l.password_hash.clone()),
    )
    .await?;
    // A wrong password and an unknown address cost the same writes and answer the
    // same, lockout included.
    let login = match login {
        Some(l) if verdict != Verdict::Wrong => l,
        _ => {
            if let Some((limit, ip)) = &by_ip {
                limit.count(&state.db, ip, now).await?;
            }
            lockout::record_failure(&state, &email, lock, now).await?;
            return Err(ApiError::InvalidCredentials);
        }
    };

    let items = state
        .db
        .get_many(&[
            keys::user(&login.company_id, &login.user_id),
            keys::company(&login.company_id),
        ])
        .await?;
    let user: User = entity_of(&items)?.ok_or(ApiError::InvalidCredentials)?;
    let company: Company = entity_of(&items)?.ok_or(ApiError::InvalidCredentials)?;
    if user.status == UserStatus::Disabled {
        return Err(ApiError::Forbidden("This account is disabled"));
    }
    if company.status == CompanyStatus::Suspended {
        return Err(ApiError::CompanySuspended);
    }
    lockout::clear(&state, lock).await;
    if verdict == Verdict::OkNeedsRehash {
        let mut login = login;
        let read = login.version;
        login.password_hash = Some(password::hash(req.password).await?);
        login.version += 1;
        // Losing this race only means the rehash waits for the next sign-in.
        let _ = state.db.put(&login, Cond::version(read)).await;
    }
    let tokens = sessions::start(&state, &user, &origin).await?;
    Ok(Json(AuthResponse::new(user, company, tokens)))
}

/// Failed sign-ins counted per address: what stops one address guessing across many
/// accounts, which the per-account lockout cannot see.
fn ip_failures(state: &AppState) -> Option<rate_limit::Limit<'static>> {
    let limit = state.config.rate_limits.signin_failures_per_ip;
    (limit > 0).then_some(rate_limit::Limit {
        bucket: "signin-failures",
        limit,
        window_secs: WINDOW_SECS,
    })
}

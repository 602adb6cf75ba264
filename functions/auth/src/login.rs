use axum::{Json, extract::State};
use campus::{
    ApiError, ApiResult, AppState,
    auth::{
        password::{self, Verdict},
        sessions::{self, Origin},
    },
    clock,
    db::{Cond, entity_of, keys},
    error::ErrorBody,
    http::ValidJson,
    model::{Company, Login, User, UserStatus},
    rate_limit,
};
use serde::Deserialize;
use utoipa::ToSchema;
use validator::Validate;

use crate::AuthResponse;

/// Failures counted per account within this window...
const WINDOW_SECS: i64 = 15 * 60;
/// ...before the account is locked for this long.
const LOCK_SECS: i64 = 15 * 60;
const MAX_FAILURES: u32 = 5;

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
    origin: Origin,
    ValidJson(req): ValidJson<LoginRequest>,
) -> ApiResult<Json<AuthResponse>> {
    let email = req.email.trim().to_lowercase();
    let now = clock::now().unix_timestamp();
    // The address's failures are counted when there is a limit and an address.
    let by_ip = ip_failures(&state).zip(origin.ip.as_deref());
    // The account and the address's failures, in one round trip.
    let mut wanted = vec![keys::login(&email)];
    if let Some((limit, ip)) = &by_ip {
        wanted.push(limit.key(ip, now));
    }
    let items = state.db.get_many_consistent(&wanted).await?;
    if let Some((limit, _)) = &by_ip {
        limit.check(rate_limit::hits_of(&items)?, now)?;
    }
    let login: Option<Login> = entity_of(&items, "login")?;
    if let Some(l) = login.as_ref().filter(|l| l.locked_until > now) {
        return Err(ApiError::AccountLocked {
            retry_after: (l.locked_until - now) as u64,
        });
    }
    let verdict = password::verify(
        req.password.clone(),
        login.as_ref().and_then(|l| l.password_hash.clone()),
    )
    .await?;
    if (verdict == Verdict::Wrong || login.is_none())
        && let Some((limit, ip)) = &by_ip
    {
        limit.count(&state.db, ip, now).await?;
    }
    let Some(mut login) = login else {
        return Err(ApiError::InvalidCredentials);
    };
    if verdict == Verdict::Wrong {
        record_failure(&state, login, now).await?;
        return Err(ApiError::InvalidCredentials);
    }

    let items = state
        .db
        .get_many(&[
            keys::user(&login.company_id, &login.user_id),
            keys::company(&login.company_id),
        ])
        .await?;
    let user: User = entity_of(&items, "user")?.ok_or(ApiError::InvalidCredentials)?;
    let company: Company = entity_of(&items, "company")?.ok_or(ApiError::InvalidCredentials)?;
    if user.status == UserStatus::Disabled {
        return Err(ApiError::Forbidden("This account is disabled"));
    }

    if verdict == Verdict::OkNeedsRehash || login.failed_attempts > 0 {
        if verdict == Verdict::OkNeedsRehash {
            login.password_hash = Some(password::hash(req.password).await?);
        }
        let read = login.version;
        login.failed_attempts = 0;
        login.failed_since = 0;
        login.version += 1;
        // Losing this race only means the counters or rehash wait for the next sign-in.
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

async fn record_failure(state: &AppState, mut login: Login, now: i64) -> ApiResult<()> {
    let read = login.version;
    if now - login.failed_since > WINDOW_SECS {
        login.failed_attempts = 0;
        login.failed_since = now;
    }
    login.failed_attempts += 1;
    if login.failed_attempts >= MAX_FAILURES {
        login.locked_until = now + LOCK_SECS;
        login.failed_attempts = 0;
        login.failed_since = 0;
    }
    login.version += 1;
    // Two failures racing: one of them is counted; the attacker gains one try at most.
    match state.db.put(&login, Cond::version(read)).await {
        Ok(()) | Err(campus::db::WriteError::Condition(_)) => Ok(()),
        Err(e) => Err(e.into()),
    }
}

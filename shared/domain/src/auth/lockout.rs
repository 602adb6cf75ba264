//! The account lockout of the contract (five failed password checks within 15
//! minutes lock the address for 15 minutes), counted per email address whether or
//! not it has an account, and by every check of a password: sign-in and password
//! change alike.

use crate::{
    ApiError, ApiResult, AppState,
    db::{Cond, Settled, keys},
    model::Lockout,
};

/// Failures counted within this window...
const WINDOW_SECS: i64 = 15 * 60;
/// ...before the address is locked for this long.
const LOCK_SECS: i64 = 15 * 60;
const MAX_FAILURES: u32 = 5;

/// The key to read beside the login.
pub fn key(email: &str) -> keys::Key {
    keys::lockout(email)
}

/// 429 `ACCOUNT_LOCKED` while `lockout` says so.
pub fn check(lockout: Option<&Lockout>, now: i64) -> ApiResult<()> {
    match lockout.filter(|l| l.locked_until > now) {
        Some(l) => Err(ApiError::AccountLocked {
            retry_after: (l.locked_until - now) as u64,
        }),
        None => Ok(()),
    }
}

/// Counts one failed check for `email` (as read: `lockout`), locking it at the limit.
pub async fn record_failure(
    state: &AppState,
    email: &str,
    lockout: Option<Lockout>,
    now: i64,
) -> ApiResult<()> {
    let (mut l, cond) = match lockout {
        Some(l) => {
            let read = l.version;
            (l, Cond::version(read))
        }
        None => (
            Lockout {
                email: email.to_string(),
                failed_attempts: 0,
                failed_since: now,
                locked_until: 0,
                expires_epoch: 0,
                version: 0,
            },
            // Read as absent may be expired but not yet swept: replaced then too.
            Cond::absent_or_expired(now),
        ),
    };
    if now - l.failed_since > WINDOW_SECS {
        l.failed_attempts = 0;
        l.failed_since = now;
    }
    l.failed_attempts += 1;
    if l.failed_attempts >= MAX_FAILURES {
        l.locked_until = now + LOCK_SECS;
        l.failed_attempts = 0;
        l.failed_since = now;
    }
    l.expires_epoch = l.locked_until.max(l.failed_since + WINDOW_SECS) + 60;
    l.version += 1;
    // Two failures racing: one of them is counted; the attacker gains one try at most.
    Ok(state.db.put(&l, cond).await.settled()?)
}

/// Forgets the failures after a correct password (losing a race only leaves them
/// to lapse).
pub async fn clear(state: &AppState, lockout: Option<Lockout>) {
    let Some(l) = lockout else { return };
    if let Err(e) = state
        .db
        .delete(&keys::lockout(&l.email), Cond::version(l.version))
        .await
        .settled()
    {
        tracing::warn!(error = ?e, "lockout not cleared");
    }
}

//! Password hashing: argon2id with OWASP's parameters, run off the async threads.
//! bcrypt hashes imported from older systems still verify, and are replaced on login.

use std::sync::{Arc, LazyLock, Mutex, mpsc::Sender};

use argon2::{Algorithm, Argon2, Params, PasswordHash, PasswordHasher, PasswordVerifier, Version};

use crate::error::ApiError;

// OWASP: m = 19 MiB, t = 2, p = 1.
fn argon2() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).expect("constant argon2 parameters are valid");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Verified against when an email is unknown, so both answers take about as long.
static DUMMY_HASH: LazyLock<String> = LazyLock::new(|| {
    argon2()
        .hash_password(b"campus-timing-equaliser")
        .map(|h| h.to_string())
        .unwrap_or_default()
});

/// Where hashing runs: one thread per core, started on first use, fed in turn.
///
/// Each hash takes 19 MiB and a core's whole time, so more at once finish no sooner
/// and only add memory. On tokio's blocking pool every hash could land on a new
/// thread, and glibc gives each thread its own heap arena that keeps the 19 MiB
/// afterwards: a burst of sign-ins on one process (the local gateway serves every
/// function in one) left it 500 MB larger for good. A few long-lived threads keep a
/// few arenas. In Lambda a process serves one request at a time: one thread is used.
static HASHERS: LazyLock<Sender<Job>> = LazyLock::new(|| {
    let (jobs, queue) = std::sync::mpsc::channel::<Job>();
    let queue = Arc::new(Mutex::new(queue));
    for n in 0..std::thread::available_parallelism().map_or(1, |n| n.get()) {
        let queue = queue.clone();
        let started = std::thread::Builder::new()
            .name(format!("password-hasher-{n}"))
            .spawn(move || {
                loop {
                    let job = match queue.lock() {
                        Ok(q) => q.recv(),
                        Err(_) => return,
                    };
                    let Ok(job) = job else { return };
                    // A job that panics fails its own request (its answer channel
                    // drops), not the thread.
                    let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
                }
            });
        if let Err(e) = started {
            tracing::error!(error = %e, "a password hashing thread could not start");
        }
    }
    jobs
});

type Job = Box<dyn FnOnce() + Send>;

/// Runs `work` on a hashing thread.
async fn off_thread<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    let (answer, answered) = tokio::sync::oneshot::channel();
    HASHERS
        .send(Box::new(move || {
            let _ = answer.send(work());
        }))
        .map_err(ApiError::internal)?;
    answered.await.map_err(ApiError::internal)?
}

pub async fn hash(password: String) -> Result<String, ApiError> {
    off_thread(move || {
        argon2()
            .hash_password(password.as_bytes())
            .map(|h| h.to_string())
            .map_err(ApiError::internal)
    })
    .await
}

/// What checking a password found.
#[derive(Debug, PartialEq, Eq)]
pub enum Verdict {
    Ok,
    /// Right password, but stored with an old scheme: store a fresh argon2id hash.
    OkNeedsRehash,
    Wrong,
}

pub async fn verify(password: String, stored: Option<String>) -> Result<Verdict, ApiError> {
    off_thread(move || {
        let Some(stored) = stored else {
            let _ = check_argon2(&password, &DUMMY_HASH);
            return Ok(Verdict::Wrong);
        };
        if stored.starts_with("$2") {
            return Ok(match bcrypt::verify(&password, &stored) {
                Ok(true) => Verdict::OkNeedsRehash,
                _ => Verdict::Wrong,
            });
        }
        Ok(if check_argon2(&password, &stored) {
            Verdict::Ok
        } else {
            Verdict::Wrong
        })
    })
    .await
}

fn check_argon2(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored)
        .is_ok_and(|h| argon2().verify_password(password.as_bytes(), &h).is_ok())
}

/// The contract's password rule: at least 10 characters, more than one class of
/// character, and not the email (nor its local part). Returns what is wrong.
pub fn policy_problem(password: &str, email: &str) -> Option<&'static str> {
    let chars = password.chars().count();
    if chars < 10 {
        return Some("must be at least 10 characters");
    }
    if chars > 128 {
        return Some("must be at most 128 characters");
    }
    let classes = [
        password.chars().any(|c| c.is_lowercase()),
        password.chars().any(|c| c.is_uppercase()),
        password.chars().any(|c| c.is_ascii_digit()),
        password.chars().any(|c| !c.is_alphanumeric()),
    ];
    if classes.iter().filter(|&&b| b).count() < 2 {
        return Some("must mix at least two kinds of characters (lower, upper, digits, symbols)");
    }
    let lower = password.to_lowercase();
    let email = email.trim().to_lowercase();
    let local = email.split('@').next().unwrap_or_default();
    if lower == email || (!local.is_empty() && lower == local) {
        return Some("must not be your email address");
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy() {
        assert!(policy_problem("short1A", "a@b.c").is_some());
        assert!(policy_problem("aaaaaaaaaaaa", "a@b.c").is_some());
        assert!(policy_problem("alice@example.com", "alice@example.com").is_some());
        assert!(policy_problem("Alice@Example.com", "alice@example.com").is_some());
        assert!(policy_problem("correct horse 9", "a@b.c").is_none());
    }

    #[tokio::test]
    async fn argon2_round_trip() {
        let h = hash("correct horse 9".into()).await.unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert_eq!(
            verify("correct horse 9".into(), Some(h.clone()))
                .await
                .unwrap(),
            Verdict::Ok
        );
        assert_eq!(
            verify("wrong horse 9".into(), Some(h)).await.unwrap(),
            Verdict::Wrong
        );
        assert_eq!(verify("x".into(), None).await.unwrap(), Verdict::Wrong);
    }

    #[tokio::test]
    async fn bcrypt_imports_verify_and_ask_for_rehash() {
        let old = bcrypt::hash("legacy pass 1", 4).unwrap();
        assert_eq!(
            verify("legacy pass 1".into(), Some(old.clone()))
                .await
                .unwrap(),
            Verdict::OkNeedsRehash
        );
        assert_eq!(
            verify("legacy pass 2".into(), Some(old)).await.unwrap(),
            Verdict::Wrong
        );
    }
}

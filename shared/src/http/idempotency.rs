//! `Idempotency-Key` on every POST: a repeat by the same caller within 24 hours with
//! the same request answers the first (successful) answer without doing it again;
//! the same key with another request answers 409, and so does a repeat while the
//! first still runs. Without the header nothing is stored.
//!
//! Answers can hold secrets (tokens, Stripe client secrets), so a kept answer is
//! sealed (AES-256-GCM) under a key derived from the server's secret, the caller and
//! the client's key; the record's id is a hash of that key. The table alone opens
//! nothing.

use aws_lc_rs::{
    aead, digest, hmac,
    rand::{SecureRandom, SystemRandom},
};
use axum::{
    body::{Body, to_bytes},
    extract::{Request, State},
    http::{HeaderName, HeaderValue, Method, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};
use base64::{Engine, engine::general_purpose::STANDARD};
use serde::{Deserialize, Serialize};

use super::caller::Caller;
use crate::{
    ApiError, ApiResult, AppState,
    auth::tokens::hex,
    clock,
    db::{Cond, StoreError, keys},
    model::IdempotencyRecord,
};

pub const HEADER: HeaderName = HeaderName::from_static("idempotency-key");
/// Set on an answer that repeats a first one.
pub const REPLAYED: HeaderName = HeaderName::from_static("idempotent-replayed");
const KEEP_SECS: i64 = 24 * 3600;
/// Longer than any function's timeout: a record still pending after it was left by
/// a request that died, and the next repeat runs the request again.
const LOCK_SECS: i64 = 60;
/// An item holds 400 KB; a larger answer is not kept (and the request not guarded).
const MAX_KEPT_BYTES: usize = 256 * 1024;

/// The answer as kept.
#[derive(Serialize, Deserialize)]
struct Kept {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

pub async fn middleware(State(state): State<AppState>, req: Request, next: Next) -> Response {
    // Webhooks are deduplicated by their events' ids, not by this header.
    if req.method() != Method::POST || !super::is_limited(req.uri().path()) {
        return next.run(req).await;
    }
    let Some(raw) = req.headers().get(&HEADER) else {
        return next.run(req).await;
    };
    let Some(key) = raw
        .to_str()
        .ok()
        .filter(|k| !k.is_empty() && k.len() <= 255)
        .map(str::to_string)
    else {
        return ApiError::field("Idempotency-Key", "must be 1 to 255 visible characters")
            .into_response();
    };
    let (caller, req) = Caller::resolve(&state, req).await;
    let Some(caller) = caller else {
        return next.run(req).await;
    };
    guarded(&state, req, next, &caller, &key)
        .await
        .unwrap_or_else(IntoResponse::into_response)
}

async fn guarded(
    state: &AppState,
    req: Request,
    next: Next,
    caller: &Caller,
    key: &str,
) -> ApiResult<Response> {
    let (mut parts, body) = req.into_parts();
    let bytes = to_bytes(body, state.config.max_body_bytes)
        .await
        .map_err(|_| ApiError::PayloadTooLarge)?;
    let seal = Seal::derive(state.root_secret(), caller, key);
    let mut fp = digest::Context::new(&digest::SHA256);
    fp.update(parts.method.as_str().as_bytes());
    fp.update(b"\n");
    fp.update(parts.uri.to_string().as_bytes());
    fp.update(b"\n");
    fp.update(&bytes);
    let now = clock::now().unix_timestamp();
    let mut record = IdempotencyRecord {
        id: seal.id(),
        fingerprint: hex(fp.finish().as_ref()),
        locked_until: now + LOCK_SECS,
        sealed: None,
        expires_epoch: now + KEEP_SECS,
    };
    // The first request claims the key; so does one after an expired record or a
    // pending one whose request died.
    let claim = Cond::absent_or_expired(now).or(IdempotencyRecord::SEALED
        .missing()
        .and(IdempotencyRecord::LOCKED_UNTIL.lt(now)));
    match state.db.put(&record, claim).await {
        Ok(()) => {}
        Err(StoreError::Refused(_)) => {
            // A kept answer is the caller's only while their credential still holds
            // (a signed-out session replays nothing).
            if !matches!(caller, Caller::Address(_)) {
                crate::auth::extract::authenticate(&mut parts, state, |_| Vec::new()).await?;
            }
            return replay(state, &record, &seal).await;
        }
        Err(e) => return Err(e.into()),
    }

    let res = next
        .run(Request::from_parts(parts, Body::from(bytes)))
        .await;
    let (res_parts, body) = res.into_parts();
    let body = to_bytes(body, usize::MAX)
        .await
        .map_err(|e| ApiError::Internal(format!("reading the answer: {e}")))?;
    let status = res_parts.status;
    // Only a success is kept: an error changed nothing (every write is atomic), so
    // the key is freed for a corrected retry.
    let kept = (status.is_success() && body.len() <= MAX_KEPT_BYTES).then(|| Kept {
        status: status.as_u16(),
        headers: [
            header::CONTENT_TYPE,
            header::LOCATION,
            header::CONTENT_DISPOSITION,
        ]
        .iter()
        .filter_map(|h| {
            let v = res_parts.headers.get(h)?.to_str().ok()?;
            Some((h.to_string(), v.to_string()))
        })
        .collect(),
        body: STANDARD.encode(&body),
    });
    let outcome = match kept {
        Some(k) => {
            record.sealed = Some(seal.seal(&serde_json::to_vec(&k).map_err(ApiError::internal)?)?);
            state.db.put(&record, None).await
        }
        None => state.db.delete(&keys::idempotency(&record.id), None).await,
    };
    if let Err(e) = outcome {
        tracing::warn!(error = ?e, "idempotency record not completed");
    }
    Ok(Response::from_parts(res_parts, Body::from(body)))
}

async fn replay(state: &AppState, record: &IdempotencyRecord, seal: &Seal) -> ApiResult<Response> {
    let in_flight = || {
        ApiError::Conflict(
            "A request with this Idempotency-Key is still being processed; retry shortly".into(),
        )
    };
    let seen: IdempotencyRecord = state
        .db
        .get_consistent(&keys::idempotency(&record.id))
        .await?
        .ok_or_else(in_flight)?;
    if seen.fingerprint != record.fingerprint {
        return Err(ApiError::Conflict(
            "This Idempotency-Key was used with another request".into(),
        ));
    }
    let sealed = seen.sealed.ok_or_else(in_flight)?;
    let kept: Kept = serde_json::from_slice(&seal.open(&sealed)?).map_err(ApiError::internal)?;
    let body = STANDARD.decode(kept.body).map_err(ApiError::internal)?;
    let mut res = Response::new(Body::from(body));
    *res.status_mut() = StatusCode::from_u16(kept.status).map_err(ApiError::internal)?;
    for (name, value) in kept.headers {
        if let (Ok(n), Ok(v)) = (HeaderName::try_from(name), HeaderValue::try_from(value)) {
            res.headers_mut().insert(n, v);
        }
    }
    res.headers_mut()
        .insert(REPLAYED, HeaderValue::from_static("true"));
    Ok(res)
}

/// The key that seals one caller's answer under one `Idempotency-Key`.
struct Seal([u8; 32]);

impl Seal {
    fn derive(server_secret: &str, caller: &Caller, key: &str) -> Self {
        let k = hmac::Key::new(hmac::HMAC_SHA256, server_secret.as_bytes());
        let tag = hmac::sign(
            &k,
            format!("campus-idempotency\0{}\0{key}", caller.scope()).as_bytes(),
        );
        let mut out = [0u8; 32];
        out.copy_from_slice(tag.as_ref());
        Self(out)
    }

    /// The record's id: a hash of the sealing key, which it does not reveal.
    fn id(&self) -> String {
        hex(digest::digest(&digest::SHA256, &self.0).as_ref())
    }

    fn key(&self) -> ApiResult<aead::LessSafeKey> {
        aead::UnboundKey::new(&aead::AES_256_GCM, &self.0)
            .map(aead::LessSafeKey::new)
            .map_err(|_| ApiError::Internal("AES key".into()))
    }

    fn seal(&self, plain: &[u8]) -> ApiResult<String> {
        let mut nonce = [0u8; aead::NONCE_LEN];
        SystemRandom::new()
            .fill(&mut nonce)
            .map_err(|_| ApiError::Internal("random nonce".into()))?;
        let mut buf = plain.to_vec();
        self.key()?
            .seal_in_place_append_tag(
                aead::Nonce::assume_unique_for_key(nonce),
                aead::Aad::empty(),
                &mut buf,
            )
            .map_err(|_| ApiError::Internal("sealing".into()))?;
        let mut out = nonce.to_vec();
        out.extend(buf);
        Ok(STANDARD.encode(out))
    }

    fn open(&self, sealed: &str) -> ApiResult<Vec<u8>> {
        let raw = STANDARD.decode(sealed).map_err(ApiError::internal)?;
        if raw.len() < aead::NONCE_LEN {
            return Err(ApiError::Internal("sealed answer too short".into()));
        }
        let (nonce, sealed) = raw.split_at(aead::NONCE_LEN);
        let nonce = aead::Nonce::try_assume_unique_for_key(nonce)
            .map_err(|_| ApiError::Internal("nonce".into()))?;
        let mut buf = sealed.to_vec();
        let plain = self
            .key()?
            .open_in_place(nonce, aead::Aad::empty(), &mut buf)
            .map_err(|_| ApiError::Internal("opening a kept answer".into()))?;
        Ok(plain.to_vec())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_answer_opens_only_with_its_callers_key() {
        let user = |id: &str| {
            Caller::User(crate::auth::Principal {
                user_id: id.into(),
                company_id: "c".into(),
                role: crate::model::Role::Admin,
                session_id: "s".into(),
                api_key_id: None,
            })
        };
        let (ada, bob) = (user("ada"), user("bob"));
        let seal = Seal::derive("server-secret", &ada, "k-1");
        let sealed = seal.seal(b"{\"token\":\"secret\"}").unwrap();
        assert!(!String::from_utf8_lossy(&STANDARD.decode(&sealed).unwrap()).contains("secret"));
        assert_eq!(seal.open(&sealed).unwrap(), b"{\"token\":\"secret\"}");
        assert!(
            Seal::derive("server-secret", &bob, "k-1")
                .open(&sealed)
                .is_err()
        );
        assert!(
            Seal::derive("server-secret", &ada, "k-2")
                .open(&sealed)
                .is_err()
        );
        assert_ne!(seal.id(), Seal::derive("server-secret", &bob, "k-1").id());
    }
}

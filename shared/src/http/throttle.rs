//! The request rate limits of the contract: each request counts in exactly one
//! bucket (uploads, team endpoints, any other signed-in request per user; anything
//! else per IP), and every counted answer says where its window stands.

use axum::{
    extract::{Request, State},
    http::Method,
    middleware::Next,
    response::{IntoResponse, Response},
};

use super::caller::Caller;
use crate::{
    ApiError, AppState,
    rate_limit::{Counted, Limit, Window},
};

const MINUTE: i64 = 60;

/// Whether requests to `path` are counted at all. Health is what monitors poll and
/// must not depend on the table; webhooks are signed by their sender, who retries on
/// its own schedule.
pub fn is_limited(path: &str) -> bool {
    path != "/api/health" && !path.starts_with("/api/webhooks/")
}

/// Which limit a request by `caller` counts against, and for whom.
fn classify(state: &AppState, req: &Request, caller: &Caller) -> Option<(Limit<'static>, String)> {
    let path = req.uri().path();
    // A deep health check costs three AWS calls: counted like any public request.
    // Any query counts it: the handler decodes `%64eep` as `deep`.
    let deep_health = path == "/api/health" && req.uri().query().is_some_and(|q| !q.is_empty());
    if !is_limited(path) && !deep_health {
        return None;
    }
    let limits = &state.config.rate_limits;
    let per_minute = |bucket, limit| Limit {
        bucket,
        limit,
        window_secs: MINUTE,
    };
    let limit = match caller {
        Caller::Address(_) => per_minute("public", limits.public),
        _ if req.method() == Method::POST && path == "/api/upload" => {
            per_minute("upload", limits.upload)
        }
        // Everything stored about the caller: many reads, rarely wanted.
        _ if path == "/api/users/me/export" => per_minute("export", limits.export),
        _ if path.starts_with("/api/team/") || path.starts_with("/api/teams") => {
            per_minute("team", limits.team)
        }
        _ => per_minute("user", limits.user),
    };
    let subject = caller.counted_as();
    (limit.limit > 0).then_some((limit, subject))
}

pub async fn middleware(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let (caller, mut req) = Caller::resolve(&state, req).await;
    // Without an address (only in-process callers) there is nobody to count.
    let Some(caller) = caller else {
        return next.run(req).await;
    };
    let limited = classify(&state, &req, &caller);
    // Worked out once, for what runs after: the idempotency keys, and the auth
    // extractor (which then need not verify the token again).
    req.extensions_mut().insert(caller);
    let Some((limit, subject)) = limited else {
        return next.run(req).await;
    };
    let now = crate::clock::now().unix_timestamp();
    match limit.hit(&state.db, &subject, now).await {
        Ok(Counted::Within(window)) => with_headers(next.run(req).await, &window),
        Ok(Counted::Over(window)) => {
            tracing::warn!(bucket = limit.bucket, "rate limited");
            let err = ApiError::RateLimited {
                retry_after: window.retry_after(now),
            };
            with_headers(err.into_response(), &window)
        }
        // A limiter that cannot count lets the request through: refusing everyone
        // while the table has trouble would turn a hiccup into an outage.
        Err(e) => {
            tracing::warn!(error = ?e, "rate limit not counted");
            next.run(req).await
        }
    }
}

fn with_headers(mut res: Response, window: &Window) -> Response {
    write_headers(window, res.headers_mut());
    res
}

/// The `X-RateLimit-*` headers describing a window.
fn write_headers(w: &Window, h: &mut axum::http::HeaderMap) {
    use axum::http::HeaderValue;
    h.insert("x-ratelimit-limit", HeaderValue::from(w.limit));
    h.insert("x-ratelimit-remaining", HeaderValue::from(w.remaining));
    h.insert("x-ratelimit-reset", HeaderValue::from(w.reset));
}

use std::{
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::{Duration, Instant},
};

use axum::{
    Router,
    extract::{DefaultBodyLimit, MatchedPath, Request, State},
    http::{HeaderName, HeaderValue, Method, header},
    middleware::{self, Next},
    response::{IntoResponse, Response},
};
use tower_http::{
    catch_panic::CatchPanicLayer,
    compression::{
        CompressionLayer,
        predicate::{NotForContentType, Predicate, SizeAbove},
    },
    cors::{AllowOrigin, CorsLayer},
};

use crate::{
    error::{ApiError, REQUEST_ID, Rendered},
    state::AppState,
};

pub const REQUEST_ID_HEADER: HeaderName = HeaderName::from_static("x-request-id");

/// Wraps a function's routes in the stack every Campus answer goes through: request
/// id, contract error bodies for everything (unknown routes, wrong methods, oversized
/// bodies, panics included), security headers, CORS for the configured origins, the
/// body limit, the rate limits, idempotency keys, the audit trail, ETags on the JSON
/// answers to GETs, and compression.
pub fn stack(routes: Router<AppState>, state: AppState) -> Router {
    let cfg = &state.config;
    let origins: Vec<HeaderValue> = cfg
        .cors_origins
        .iter()
        .filter_map(|o| HeaderValue::from_str(o).ok())
        .collect();
    let cors = CorsLayer::new()
        .allow_origin(AllowOrigin::list(origins))
        .allow_methods([
            Method::GET,
            Method::POST,
            Method::PUT,
            Method::PATCH,
            Method::DELETE,
        ])
        .allow_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            REQUEST_ID_HEADER,
            HeaderName::from_static("idempotency-key"),
        ])
        .expose_headers([
            REQUEST_ID_HEADER,
            header::RETRY_AFTER,
            HeaderName::from_static("x-ratelimit-limit"),
            HeaderName::from_static("x-ratelimit-remaining"),
            HeaderName::from_static("x-ratelimit-reset"),
            super::idempotency::REPLAYED,
        ])
        .max_age(Duration::from_secs(600));
    routes
        .fallback(|| async { ApiError::NotFound })
        .layer(middleware::from_fn_with_state(
            state.clone(),
            crate::audit::middleware,
        ))
        // Outside the audit trail: a repeat that is answered from the first answer
        // changed nothing.
        .layer(middleware::from_fn_with_state(
            state.clone(),
            super::idempotency::middleware,
        ))
        .layer(DefaultBodyLimit::max(cfg.max_body_bytes))
        .layer(CatchPanicLayer::custom(|_| {
            ApiError::Internal("handler panicked".into()).into_response()
        }))
        // Inside CORS, so a preflight is not counted; outside the audit trail, so a
        // flood is refused before it writes anything.
        .layer(middleware::from_fn_with_state(
            state.clone(),
            super::throttle::middleware,
        ))
        // API Gateway's HTTP APIs do not compress, so the function does. Below the
        // ETag: the tag is of the bytes sent, so a gzip and a plain answer do not
        // share one strong tag.
        .layer(compression())
        // Outside the handlers and the rate limit: it sees each GET's final answer.
        .layer(middleware::from_fn(super::etag::middleware))
        .layer(cors)
        .layer(middleware::from_fn_with_state(
            RequestLog::new(&state),
            request_context,
        ))
        .with_state(state)
}

/// What each request's log line and metrics say about the function that answered.
#[derive(Clone)]
struct RequestLog {
    function: Arc<str>,
    /// Until this function's first answer: that answer paid the cold start.
    cold: Arc<AtomicBool>,
}

impl RequestLog {
    fn new(state: &AppState) -> Self {
        Self {
            function: crate::lambda::function_name(state).into(),
            cold: Arc::new(AtomicBool::new(true)),
        }
    }
}

/// gzip for answers over 1 KiB when the client's `Accept-Encoding` allows it; a PDF
/// or an image is compressed already. Not br: its encoder added 0.45 MB to every
/// zipped package (3.01 → 3.47 MB for `system`) for answers a few percent smaller.
fn compression() -> CompressionLayer<impl Predicate> {
    CompressionLayer::new().compress_when(
        SizeAbove::new(1024)
            .and(NotForContentType::IMAGES)
            .and(NotForContentType::const_new("application/pdf")),
    )
}

fn request_id(req: &Request) -> String {
    req.headers()
        .get(&REQUEST_ID_HEADER)
        .and_then(|v| v.to_str().ok())
        // A caller's id is kept only if it is short and plain, since it is logged.
        .filter(|v| {
            !v.is_empty()
                && v.len() <= 128
                && v.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(&b))
        })
        .map(str::to_string)
        .unwrap_or_else(crate::clock::new_id)
}

async fn request_context(State(log): State<RequestLog>, mut req: Request, next: Next) -> Response {
    let started = Instant::now();
    let id = request_id(&req);
    // The template as well as the path: metrics and per-route queries group by it.
    // Shared, not copied: the template is an `Arc<str>` inside.
    let matched = req.extensions().get::<MatchedPath>().cloned();
    if let Ok(v) = HeaderValue::from_str(&id) {
        req.headers_mut().insert(REQUEST_ID_HEADER, v);
    }
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let (mut res, calls) = crate::db::metrics::counted(REQUEST_ID.scope(id.clone(), async move {
        let res = next.run(req).await;
        // Whatever answered with an error outside our handlers (routing, body
        // limits, extractor rejections) still gets the contract's body.
        if res.status().as_u16() >= 400
            && res.extensions().get::<Rendered>().is_none()
            && let Some(err) = ApiError::from_status(res.status())
        {
            let allow = res.headers().get(header::ALLOW).cloned();
            let mut fresh = err.into_response();
            if let Some(a) = allow {
                fresh.headers_mut().insert(header::ALLOW, a);
            }
            return fresh;
        }
        res
    }))
    .await;
    res.extensions_mut().insert(calls);
    let route = matched.as_ref().map_or("-", MatchedPath::as_str);
    let status = res.status().as_u16();
    let cold_start = log.cold.swap(false, Ordering::Relaxed);
    let latency = started.elapsed();
    tracing::info!(
        request_id = %id,
        function = %log.function,
        %method,
        route = route,
        path = %path,
        status,
        latency_ms = latency.as_secs_f64() * 1000.0,
        dynamodb_calls = calls.calls,
        dynamodb_read_units = calls.read_units,
        dynamodb_write_units = calls.write_units,
        cold_start,
        "request"
    );
    crate::metrics::record(
        || format!("{method} {route}"),
        crate::metrics::Outcome {
            error: status >= 500,
            refused: (400..500).contains(&status),
            cold_start,
            latency,
        },
    );
    let h = res.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&id) {
        h.insert(REQUEST_ID_HEADER, v);
    }
    for (name, value) in [
        ("x-content-type-options", "nosniff"),
        ("x-frame-options", "DENY"),
        ("referrer-policy", "no-referrer"),
        (
            "content-security-policy",
            "default-src 'none'; frame-ancestors 'none'",
        ),
        (
            "strict-transport-security",
            "max-age=63072000; includeSubDomains",
        ),
        ("cache-control", "no-store"),
    ] {
        h.entry(name).or_insert(HeaderValue::from_static(value));
    }
    res
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use axum::{body::Body, routing::get};
    use tower::ServiceExt;

    use super::*;

    #[derive(Clone, Default)]
    struct Lines(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Lines {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[tokio::test(flavor = "current_thread")]
    async fn each_request_logs_its_route_latency_function_and_cold_start() {
        let settings = std::collections::HashMap::from([
            ("TABLE_NAME", "t".to_string()),
            ("BUCKET_NAME", "b".to_string()),
            ("JWT_SECRET", "x".repeat(32)),
            // Nothing listens there: the rate limiter's write fails at once, and is
            // only logged.
            ("AWS_ENDPOINT_URL", "http://127.0.0.1:9".to_string()),
            ("AWS_MAX_ATTEMPTS", "1".to_string()),
        ]);
        let cfg =
            crate::config::Config::from_source(&move |k: &str| settings.get(k).cloned()).unwrap();
        let state = AppState::new(cfg).for_function("courses");
        let app = stack(
            Router::new().route("/api/things/{id}", get(|| async { "ok" })),
            state,
        );
        let lines = Lines::default();
        let writer = lines.clone();
        let subscriber = tracing_subscriber::fmt()
            .json()
            .flatten_event(true)
            .with_writer(move || writer.clone())
            .finish();
        let _guard = tracing::subscriber::set_default(subscriber);
        for _ in 0..2 {
            let req = Request::get("/api/things/42").body(Body::empty()).unwrap();
            let res = app.clone().oneshot(req).await.unwrap();
            assert_eq!(res.status(), 200);
        }
        let text = String::from_utf8(lines.0.lock().unwrap().clone()).unwrap();
        let requests: Vec<serde_json::Value> = text
            .lines()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .filter(|f| f["message"] == "request")
            .collect();
        assert_eq!(requests.len(), 2, "{text}");
        for (line, cold) in requests.iter().zip([true, false]) {
            assert_eq!(line["function"], "courses");
            assert_eq!(line["route"], "/api/things/{id}");
            assert_eq!(line["path"], "/api/things/42");
            assert_eq!(line["status"], 200);
            assert_eq!(line["cold_start"], cold);
            assert!(
                line["latency_ms"].as_f64().is_some_and(|ms| ms > 0.0),
                "{line}"
            );
            assert!(line["dynamodb_calls"].is_u64(), "{line}");
            assert!(line["dynamodb_read_units"].is_f64(), "{line}");
            assert!(line["dynamodb_write_units"].is_f64(), "{line}");
        }
    }
}

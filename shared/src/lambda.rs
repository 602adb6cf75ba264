//! The Lambda entry: what every function's `main` calls.

use axum::{
    Router,
    extract::Request,
    http::Uri,
    middleware::{self, Next},
    response::Response,
};
use lambda_http::{RequestExt, request::RequestContext};

use crate::{audit::ClientIp, secrets, state::AppState};

pub use lambda_http::Error;

/// Structured JSON logs. What is logged: `RUST_LOG` (a level, or directives such as
/// `info,campus_store=debug`), else Lambda's `AWS_LAMBDA_LOG_LEVEL` (the function's
/// application log level), else `LOG_LEVEL`; `info` when none is set.
pub fn init_tracing() {
    use tracing_subscriber::{filter::Targets, layer::SubscriberExt, util::SubscriberInitExt};
    let env = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
    let filter = env("RUST_LOG")
        .and_then(|d| d.parse::<Targets>().ok())
        .or_else(|| {
            // Lambda's names: TRACE, DEBUG, INFO, WARN, ERROR, FATAL.
            let level = env("AWS_LAMBDA_LOG_LEVEL").or_else(|| env("LOG_LEVEL"))?;
            let level = match level.to_ascii_lowercase().as_str() {
                "fatal" => "error".to_string(),
                other => other.to_string(),
            };
            level.parse::<Targets>().ok()
        })
        .unwrap_or_else(|| Targets::new().with_default(tracing::Level::INFO));
    // Fields at the top level of each line, where Logs Insights finds them by name
    // (`filter request_id = …`, `stats pct(latency_ms, 99) by route`).
    let _ = tracing_subscriber::fmt()
        .json()
        .flatten_event(true)
        .with_target(false)
        .with_current_span(false)
        .finish()
        .with(filter)
        .try_init();
}

/// The name a function's logs and metrics go by: Lambda's name for it, or locally
/// (one process serving them all) the binary name its clients were made for.
pub fn function_name(state: &AppState) -> String {
    state
        .aws
        .function()
        .map(str::to_string)
        .or_else(|| std::env::var("AWS_LAMBDA_FUNCTION_NAME").ok())
        .unwrap_or_else(|| "local".into())
}

/// Reads the config, builds the clients once (warming their connection during init),
/// and serves `routes` (a function's router) to API Gateway.
pub async fn run(routes: fn(AppState) -> Router) -> Result<(), Error> {
    let state = start().await?;
    lambda_http::run(app(routes(state))).await
}

/// glibc's malloc raises its mmap threshold to the largest block freed, so after the
/// first sign-in every 19 MiB password hash came from a thread's heap arena, which
/// kept it: `make bench` measured the auth function at 295 MB after a thousand
/// sign-ins. The fixed default threshold hands such blocks back when freed.
pub fn fixed_mmap_threshold() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes allocator parameters; any value is valid to pass.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 128 * 1024);
    }
}

/// Logs, the config (its secrets read from Secrets Manager), the clients with a warm
/// connection: what every cold start does.
pub async fn start() -> Result<AppState, Error> {
    let started = std::time::Instant::now();
    let ms = || started.elapsed().as_secs_f64() * 1000.0;
    fixed_mmap_threshold();
    init_tracing();
    let logs_ms = ms();
    let config = secrets::from_environment().await.map_err(|e| {
        tracing::error!(error = %e, "bad configuration");
        e
    })?;
    let config_ms = ms();
    let state = AppState::new(config);
    if let Ok(name) = std::env::var("AWS_LAMBDA_FUNCTION_NAME") {
        crate::metrics::init(&name);
    }
    // What a slow cold start is made of (ms since `main` began), once per process.
    tracing::info!(logs_ms, config_ms, clients_ms = ms(), "init");
    // The connection to DynamoDB opens beside the first `/next`, not before it: a
    // route without I/O never waits for it, and the first read finds it open (or
    // opens its own; the two do not conflict).
    warm_beside(state.clone());
    Ok(state)
}

/// Opens the DynamoDB connection on a task of its own (a plain function, so the
/// task's future is not part of every `main`'s).
fn warm_beside(state: AppState) {
    tokio::spawn(async move { state.warm().await });
}

/// The same for a function that is not HTTP (stream, schedule, WebSocket events):
/// `handler` gets each event's JSON and answers JSON.
pub async fn run_events<F, Fut, T, E>(handler: F) -> Result<(), Error>
where
    F: Fn(AppState, serde_json::Value) -> Fut,
    Fut: std::future::Future<Output = Result<T, E>>,
    T: serde::Serialize,
    E: std::fmt::Debug,
{
    run_events_with(|state| state, handler).await
}

/// [`run_events`] for a handler that keeps more than the state between events (the
/// mailer's SES client): `make` builds it once, at init.
pub async fn run_events_with<S, M, F, Fut, T, E>(make: M, handler: F) -> Result<(), Error>
where
    S: Clone,
    M: FnOnce(AppState) -> S,
    F: Fn(S, serde_json::Value) -> Fut,
    Fut: std::future::Future<Output = Result<T, E>>,
    T: serde::Serialize,
    E: std::fmt::Debug,
{
    let state = start().await?;
    let function = function_name(&state);
    let state = make(state);
    let handler = &handler;
    let cold = std::sync::atomic::AtomicBool::new(true);
    let (function, cold) = (&function, &cold);
    lambda_http::lambda_runtime::run(lambda_http::service_fn(
        |event: lambda_http::LambdaEvent<serde_json::Value>| {
            let state = state.clone();
            async move {
                let started = std::time::Instant::now();
                let (out, tally) = crate::db::metrics::counted(handler(state, event.payload)).await;
                // A batch that reports a failed record (ReportBatchItemFailures) failed
                // as much as one that returned an error.
                let failed = match &out {
                    Ok(v) => serde_json::to_value(v).is_ok_and(|v| {
                        v["batchItemFailures"]
                            .as_array()
                            .is_some_and(|f| !f.is_empty())
                    }),
                    Err(_) => true,
                };
                let cold_start = cold.swap(false, std::sync::atomic::Ordering::Relaxed);
                let latency = started.elapsed();
                tracing::info!(
                    request_id = %event.context.request_id,
                    function = %function,
                    ok = !failed,
                    latency_ms = latency.as_secs_f64() * 1000.0,
                    dynamodb_calls = tally.calls,
                    dynamodb_read_units = tally.read_units,
                    dynamodb_write_units = tally.write_units,
                    cold_start,
                    "event"
                );
                crate::metrics::record(
                    || "event".to_string(),
                    crate::metrics::Outcome {
                        error: failed,
                        refused: false,
                        cold_start,
                        latency,
                    },
                );
                out.map_err(|e| Error::from(format!("{e:?}")))
            }
        },
    ))
    .await
}

/// A table record as its function gets it, in the one shape handlers read
/// (`{"Records": [...]}`): straight from the stream (the search indexer's event source),
/// or one record as the stream pipe puts it on the event bus (`detail`), which is how
/// the mailer and the ws function hear of new mail and new connections.
pub fn as_stream_batch(event: serde_json::Value) -> serde_json::Value {
    match event {
        serde_json::Value::Object(mut m)
            if !m.contains_key("Records")
                && m.get("source").and_then(|s| s.as_str()) == Some(STREAM_SOURCE) =>
        {
            let record = m.remove("detail").unwrap_or_default();
            serde_json::json!({ "Records": [record] })
        }
        other => other,
    }
}

/// The `source` the stream pipe gives its events (`template.yaml`, `StreamPipe`).
pub const STREAM_SOURCE: &str = "campus.table";

/// A function's router as Lambda serves it (what tests feed `events/` through).
pub fn app(router: Router) -> Router {
    // Outside the function's router: a layer on it would run after routing, too late
    // to take the stage off the path.
    Router::new()
        .fallback_service(router)
        .layer(middleware::from_fn(from_api_gateway))
}

/// Undoes what API Gateway adds: a named stage is a prefix of the path lambda_http
/// hands us (`/prod/api/...`), and the caller's address lives in the request context.
/// lambda_http's `AWS_LAMBDA_HTTP_IGNORE_STAGE_IN_PATH` is not the same: it only
/// stops lambda_http from adding the stage to a `rawPath` without it, while a named
/// stage's `rawPath` carries it already (`events/system/health-deep-prod-stage.json`).
async fn from_api_gateway(mut req: Request, next: Next) -> Response {
    let (stage, ip) = match req.request_context_ref() {
        Some(RequestContext::ApiGatewayV2(ctx)) => (ctx.stage.clone(), ctx.http.source_ip.clone()),
        _ => (None, None),
    };
    if let Some(ip) = ip {
        req.extensions_mut().insert(ClientIp(ip));
    }
    if let Some(stage) = stage.filter(|s| s != "$default") {
        let prefix = format!("/{stage}");
        let path = req.uri().path();
        if let Some(rest) = path.strip_prefix(&prefix).filter(|r| r.starts_with('/')) {
            let pq = match req.uri().query() {
                Some(q) => format!("{rest}?{q}"),
                None => rest.to_string(),
            };
            if let Ok(uri) = pq.parse::<Uri>() {
                *req.uri_mut() = uri;
            }
        }
    }
    next.run(req).await
}

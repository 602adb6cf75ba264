//! The Lambda entry: what every function's `main` calls.

use axum::{
    Router,
    extract::Request,
    http::Uri,
    middleware::{self, Next},
    response::Response,
};
use lambda_http::{RequestExt, request::RequestContext};

use crate::{audit::ClientIp, config::Config, state::AppState};

pub use lambda_http::Error;

/// Structured JSON logs; level from `LOG_LEVEL` (default `info`).
pub fn init_tracing() {
    let level = std::env::var("LOG_LEVEL")
        .ok()
        .and_then(|l| l.parse::<tracing::Level>().ok())
        .unwrap_or(tracing::Level::INFO);
    let _ = tracing_subscriber::fmt()
        .json()
        .with_max_level(level)
        .with_target(false)
        .with_current_span(false)
        .try_init();
}

/// Reads the config, builds the clients once (warming their connection during init),
/// and serves `routes` (a function's router) to API Gateway.
pub async fn run(routes: fn(AppState) -> Router) -> Result<(), Error> {
    let state = start().await?;
    lambda_http::run(app(routes(state))).await
}

/// Logs, the config, the clients with a warm connection: what every cold start does.
pub async fn start() -> Result<AppState, Error> {
    init_tracing();
    let config = Config::from_env().map_err(|e| {
        tracing::error!(error = %e, "bad configuration");
        e
    })?;
    let state = AppState::new(config);
    state.warm().await;
    Ok(state)
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
    let state = start().await?;
    let handler = &handler;
    lambda_http::lambda_runtime::run(lambda_http::service_fn(
        |event: lambda_http::LambdaEvent<serde_json::Value>| {
            let state = state.clone();
            async move {
                handler(state, event.payload)
                    .await
                    .map_err(|e| Error::from(format!("{e:?}")))
            }
        },
    ))
    .await
}

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

//! The least a Rust HTTP Lambda can do: axum's router under lambda_http, answering
//! `GET /api/version` as the system function does, and nothing else (no config, no
//! clients, no logs). `make bench` spawns it beside Campus's functions, built with
//! the same release profile, and reports each function's cold start as a ratio to it.

use axum::{Json, Router, routing::get};

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    let app = Router::new().route(
        "/api/version",
        get(|| async { Json(serde_json::json!({"version": env!("CARGO_PKG_VERSION")})) }),
    );
    lambda_http::run(app).await
}

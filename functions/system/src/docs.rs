use axum::{http::header, response::IntoResponse};

/// The OpenAPI document is generated from every function's handlers by
/// `make openapi` (a test fails when the committed copy is stale), so this function
/// serves it without linking every other function's code.
const OPENAPI: &str = include_str!("../../../docs/openapi.json");

/// This document: OpenAPI 3.1 for every endpoint of the API.
#[utoipa::path(get, path = "/api/docs", tag = "system",
    responses((status = 200, description = "OpenAPI 3.1 JSON", content_type = "application/json", body = Object)))]
pub async fn docs() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "application/json"),
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        OPENAPI,
    )
}

//! Conditional GETs. A JSON answer to a GET carries a strong `ETag` (a hash of its
//! body) and `Cache-Control: private, no-cache`: a client may keep it and ask again
//! with `If-None-Match`, and the same tag answers 304 with no body. The handler
//! still runs (the tag is of what it answers now), so a 304 saves the transfer and
//! the client's parsing, not the reads.

use aws_lc_rs::digest;
use axum::{
    body::{Body, to_bytes},
    extract::Request,
    http::{HeaderValue, Method, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};

use crate::ApiError;

pub async fn middleware(req: Request, next: Next) -> Response {
    if req.method() != Method::GET {
        return next.run(req).await;
    }
    let asked = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let res = next.run(req).await;
    let json = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("application/json"));
    if res.status() != StatusCode::OK || !json {
        return res;
    }
    let (mut parts, body) = res.into_parts();
    let Ok(bytes) = to_bytes(body, usize::MAX).await else {
        return ApiError::Internal("reading the answer".into()).into_response();
    };
    let tag = tag_of(&bytes);
    if let Ok(v) = HeaderValue::from_str(&tag) {
        parts.headers.insert(header::ETAG, v);
    }
    // A document that says how long it keeps (the OpenAPI one) keeps its words.
    parts
        .headers
        .entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("private, no-cache"));
    if asked.is_some_and(|a| matches(&a, &tag)) {
        parts.status = StatusCode::NOT_MODIFIED;
        parts.headers.remove(header::CONTENT_TYPE);
        parts.headers.remove(header::CONTENT_LENGTH);
        parts.headers.remove(header::CONTENT_ENCODING);
        return Response::from_parts(parts, Body::empty());
    }
    Response::from_parts(parts, Body::from(bytes))
}

/// `"…"`: the first 128 bits of the body's SHA-256.
fn tag_of(body: &[u8]) -> String {
    let d = digest::digest(&digest::SHA256, body);
    format!("\"{}\"", URL_SAFE_NO_PAD.encode(&d.as_ref()[..16]))
}

/// `If-None-Match` uses the weak comparison: `W/` is ignored, `*` matches anything.
fn matches(if_none_match: &str, tag: &str) -> bool {
    if_none_match
        .split(',')
        .map(str::trim)
        .any(|t| t == "*" || t.strip_prefix("W/").unwrap_or(t) == tag)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_compare_weakly_and_in_lists() {
        let tag = tag_of(b"{}");
        assert!(matches(&tag, &tag));
        assert!(matches(&format!("W/{tag}"), &tag));
        assert!(matches(&format!("\"other\", {tag}"), &tag));
        assert!(matches("*", &tag));
        assert!(!matches("\"other\"", &tag));
        assert_ne!(tag_of(b"{}"), tag_of(b"[]"));
    }
}

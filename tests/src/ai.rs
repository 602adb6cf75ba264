//! A local stand-in for an OpenAI-compatible chat completions API (no provider runs
//! on these machines). It answers from what it was sent, so tests can see what the
//! tutor was given; a question saying `flaky` is refused once (429) before it is
//! answered, one saying `broken` always fails (500).

use std::{
    collections::HashMap,
    sync::{Mutex, OnceLock},
};

use axum::{
    Json, Router, http::HeaderMap, http::StatusCode, response::IntoResponse, routing::post,
};
use serde_json::{Value, json};

pub const API_KEY: &str = "test-ai-key";

fn attempts() -> &'static Mutex<HashMap<String, usize>> {
    static A: OnceLock<Mutex<HashMap<String, usize>>> = OnceLock::new();
    A.get_or_init(Mutex::default)
}

/// How many times the provider was asked `question`.
pub fn asked(question: &str) -> usize {
    attempts()
        .lock()
        .unwrap()
        .get(question)
        .copied()
        .unwrap_or(0)
}

async fn complete(headers: HeaderMap, Json(body): Json<Value>) -> axum::response::Response {
    if headers.get("authorization").and_then(|v| v.to_str().ok())
        != Some(&format!("Bearer {API_KEY}"))
    {
        return (
            StatusCode::UNAUTHORIZED,
            Json(json!({"error": {"message": "bad key"}})),
        )
            .into_response();
    }
    let messages = body["messages"].as_array().cloned().unwrap_or_default();
    let question = messages
        .last()
        .and_then(|m| m["content"].as_str())
        .unwrap_or_default()
        .to_string();
    let n = {
        let mut a = attempts().lock().unwrap();
        let n = a.entry(question.clone()).or_default();
        *n += 1;
        *n
    };
    if question.contains("broken") || (question.contains("flaky") && n == 1) {
        let status = if question.contains("broken") {
            StatusCode::INTERNAL_SERVER_ERROR
        } else {
            StatusCode::TOO_MANY_REQUESTS
        };
        return (status, Json(json!({"error": {"message": "try later"}}))).into_response();
    }
    let system = messages[0]["content"].as_str().unwrap_or_default();
    let about = system
        .split("taking the course \"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .map(|c| format!(" About {c}."))
        .unwrap_or_default();
    // The system prompt, the earlier turns, the question.
    let earlier = messages.len().saturating_sub(2);
    let reply = format!("You asked: {question}. I saw {earlier} earlier messages.{about}");
    Json(json!({
        "id": "chatcmpl-test", "object": "chat.completion", "model": body["model"],
        "choices": [{"index": 0, "message": {"role": "assistant", "content": reply}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}
    }))
    .into_response()
}

pub fn router() -> Router {
    Router::new().route("/v1/chat/completions", post(complete))
}

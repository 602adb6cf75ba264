//! The provider: an OpenAI-compatible `POST {base}/chat/completions`.

use std::{
    sync::{Arc, OnceLock},
    time::Duration,
};

use campus::{ApiError, ApiResult, config::AiConfig};
use serde::{Deserialize, Serialize};

#[derive(Clone)]
pub struct Tutor {
    /// Built on the first question: its TLS set-up reads the system's roots, which
    /// a cold start that only lists history need not pay for.
    http: Arc<OnceLock<reqwest::Client>>,
    url: Option<String>,
    key: Option<String>,
    model: String,
    timeout: Duration,
    attempts: u32,
}

#[derive(Debug, Clone, Serialize)]
pub struct Turn {
    pub role: &'static str,
    pub content: String,
}

#[derive(Serialize)]
struct Request<'a> {
    model: &'a str,
    messages: &'a [Turn],
}

#[derive(Deserialize)]
struct Completion {
    choices: Vec<Choice>,
}

#[derive(Deserialize)]
struct Choice {
    message: Message,
}

#[derive(Deserialize)]
struct Message {
    content: Option<String>,
}

/// The first retry's wait; each further one doubles it.
const BACKOFF: Duration = Duration::from_millis(200);
/// A provider's `Retry-After` is honoured up to this.
const MAX_WAIT: Duration = Duration::from_secs(5);

fn unavailable() -> ApiError {
    ApiError::Unavailable { retry_after: 10 }
}

impl Tutor {
    pub fn new(cfg: &AiConfig) -> Self {
        Self {
            http: Arc::default(),
            url: cfg
                .base_url
                .as_ref()
                .map(|b| format!("{}/chat/completions", b.trim_end_matches('/'))),
            key: cfg.api_key.as_ref().map(|k| k.expose().to_string()),
            model: cfg.model.clone(),
            timeout: cfg.timeout,
            attempts: cfg.max_attempts.max(1),
        }
    }

    /// 503 when no provider is configured.
    pub fn configured(&self) -> ApiResult<()> {
        if self.url.is_some() {
            Ok(())
        } else {
            Err(unavailable())
        }
    }

    /// The provider's reply to `turns`. Rate limits (429), the provider's own
    /// failures (5xx) and timeouts are retried with a doubling wait; what is still
    /// failing after the last attempt, or a refusal of our request, is a 503.
    pub async fn reply(&self, turns: &[Turn]) -> ApiResult<String> {
        let url = self.url.as_deref().ok_or_else(unavailable)?;
        let body = Request {
            model: &self.model,
            messages: turns,
        };
        let mut wait = BACKOFF;
        for attempt in 1..=self.attempts {
            let http = self.http.get_or_init(reqwest::Client::new);
            let mut req = http.post(url).timeout(self.timeout).json(&body);
            if let Some(k) = &self.key {
                req = req.bearer_auth(k);
            }
            let retry_after = match req.send().await {
                Ok(res) if res.status().is_success() => {
                    let c: Completion = res.json().await.map_err(|e| {
                        tracing::warn!(error = %e, "the AI provider answered no completion");
                        unavailable()
                    })?;
                    return c
                        .choices
                        .into_iter()
                        .find_map(|c| c.message.content)
                        .filter(|c| !c.trim().is_empty())
                        .ok_or_else(unavailable);
                }
                Ok(res) if res.status().as_u16() == 429 || res.status().is_server_error() => {
                    tracing::warn!(
                        status = res.status().as_u16(),
                        attempt,
                        "the AI provider failed"
                    );
                    res.headers()
                        .get("retry-after")
                        .and_then(|v| v.to_str().ok())
                        .and_then(|v| v.parse::<u64>().ok())
                        .map(Duration::from_secs)
                }
                Ok(res) => {
                    tracing::error!(
                        status = res.status().as_u16(),
                        "the AI provider refused the request: check AI_API_KEY and AI_MODEL"
                    );
                    return Err(unavailable());
                }
                Err(e) => {
                    tracing::warn!(error = %e, attempt, "the AI provider unreachable");
                    None
                }
            };
            if attempt < self.attempts {
                tokio::time::sleep(retry_after.unwrap_or(wait).min(MAX_WAIT)).await;
                wait *= 2;
            }
        }
        Err(unavailable())
    }
}

//! A local Lambda Runtime API: what a function process talks to instead of Lambda.
//! It hands out queued events on `/next` and records when each answer arrives.

use std::{
    collections::HashMap,
    net::SocketAddr,
    sync::{Arc, Mutex},
    time::Instant,
};

use axum::{
    Router,
    body::Bytes,
    extract::{Path, State},
    http::{HeaderMap, HeaderValue, StatusCode},
    response::IntoResponse,
    routing::{get, post},
};
use tokio::sync::{mpsc, oneshot};

/// What came back for one invocation.
#[derive(Debug)]
pub struct Outcome {
    /// When `/next` handed the event over.
    pub handed_at: Instant,
    /// When the answer was posted.
    pub answered_at: Instant,
    pub body: Bytes,
    pub error: bool,
}

struct Pending {
    id: String,
    event: String,
    done: oneshot::Sender<Outcome>,
}

#[derive(Clone)]
pub struct RuntimeApi {
    queue: mpsc::UnboundedSender<Pending>,
    inner: Arc<Inner>,
    pub addr: SocketAddr,
}

struct Inner {
    incoming: tokio::sync::Mutex<mpsc::UnboundedReceiver<Pending>>,
    in_flight: Mutex<HashMap<String, (Instant, oneshot::Sender<Outcome>)>>,
    counter: Mutex<u64>,
}

impl RuntimeApi {
    pub async fn start() -> Self {
        let (queue, incoming) = mpsc::unbounded_channel();
        let inner = Arc::new(Inner {
            incoming: tokio::sync::Mutex::new(incoming),
            in_flight: Mutex::new(HashMap::new()),
            counter: Mutex::new(0),
        });
        let app = Router::new()
            .route("/2018-06-01/runtime/invocation/next", get(next))
            .route(
                "/2018-06-01/runtime/invocation/{id}/response",
                post(response),
            )
            .route("/2018-06-01/runtime/invocation/{id}/error", post(error))
            .route("/2018-06-01/runtime/init/error", post(init_error))
            .with_state(inner.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the runtime API");
        let addr = listener.local_addr().expect("runtime API address");
        tokio::spawn(async move { axum::serve(listener, app).await });
        Self { queue, inner, addr }
    }

    /// Queues one event and waits for the function's answer.
    pub async fn invoke(&self, event: &str) -> Outcome {
        let id = {
            let mut c = self.inner.counter.lock().expect("counter");
            *c += 1;
            format!("bench-{c:08}")
        };
        let (done, answer) = oneshot::channel();
        let _ = self.queue.send(Pending {
            id,
            event: event.to_string(),
            done,
        });
        answer
            .await
            .expect("the function answered before the bench gave up")
    }
}

async fn next(State(inner): State<Arc<Inner>>) -> impl IntoResponse {
    let pending = inner.incoming.lock().await.recv().await;
    let Some(p) = pending else {
        return (StatusCode::GONE, HeaderMap::new(), String::new());
    };
    let mut headers = HeaderMap::new();
    let deadline = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() + 30_000)
        .unwrap_or_default();
    for (k, v) in [
        ("lambda-runtime-aws-request-id", p.id.clone()),
        ("lambda-runtime-deadline-ms", deadline.to_string()),
        (
            "lambda-runtime-invoked-function-arn",
            "arn:aws:lambda:us-east-1:123456789012:function:bench".to_string(),
        ),
        (
            "lambda-runtime-trace-id",
            "Root=1-00000000-000000000000000000000000;Sampled=0".to_string(),
        ),
    ] {
        if let Ok(v) = HeaderValue::from_str(&v) {
            headers.insert(k, v);
        }
    }
    inner
        .in_flight
        .lock()
        .expect("in flight")
        .insert(p.id, (Instant::now(), p.done));
    (StatusCode::OK, headers, p.event)
}

fn finish(inner: &Inner, id: &str, body: Bytes, error: bool) -> StatusCode {
    let answered_at = Instant::now();
    match inner.in_flight.lock().expect("in flight").remove(id) {
        Some((handed_at, done)) => {
            let _ = done.send(Outcome {
                handed_at,
                answered_at,
                body,
                error,
            });
            StatusCode::ACCEPTED
        }
        None => StatusCode::BAD_REQUEST,
    }
}

async fn response(
    State(inner): State<Arc<Inner>>,
    Path(id): Path<String>,
    body: Bytes,
) -> StatusCode {
    finish(&inner, &id, body, false)
}

async fn error(State(inner): State<Arc<Inner>>, Path(id): Path<String>, body: Bytes) -> StatusCode {
    finish(&inner, &id, body, true)
}

async fn init_error(body: Bytes) -> StatusCode {
    eprintln!("function init error: {}", String::from_utf8_lossy(&body));
    StatusCode::ACCEPTED
}

//! A fault-injecting proxy in front of the real local emulator: requests pass
//! through to it, or fail the way AWS fails (a 500 `InternalServerError`), or hang,
//! or find nobody listening (the emulator stopped), or are done but answered too late
//! for the caller (a lost answer). The API under test is pointed at the proxy; what
//! it talks to behind it is still the real emulator. It counts what it forwards.

use std::{
    collections::HashMap,
    net::SocketAddr,
    sync::{Arc, Mutex, OnceLock},
    time::Duration,
};

use axum::{
    Router,
    body::{Body, to_bytes},
    extract::{Request, State},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Pass,
    /// Every request answers 500, as an AWS service in trouble does.
    Fail,
    /// Every request waits far longer than any timeout of the API.
    Hang,
    /// This many more requests pass, then every one fails.
    FailAfter(usize),
    /// The next `times` requests of DynamoDB's `action` reach the emulator, but their
    /// answers are held back `ms` milliseconds: the caller gives up on an attempt
    /// whose write went in.
    AnswerLate {
        action: &'static str,
        times: usize,
        ms: u64,
    },
}

pub struct FaultProxy {
    pub url: String,
    addr: SocketAddr,
    mode: Arc<Mutex<Mode>>,
    forwarded: Arc<Mutex<HashMap<String, usize>>>,
    runtime: tokio::runtime::Handle,
    server: Mutex<Option<tokio::task::JoinHandle<()>>>,
}

static PROXY: OnceLock<FaultProxy> = OnceLock::new();

/// The proxy for this test binary, in front of the emulator `make test` started.
pub fn proxy() -> &'static FaultProxy {
    PROXY.get_or_init(|| {
        let (tx, rx) = std::sync::mpsc::channel();
        // Its own runtime: each #[tokio::test] has one that ends with it.
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .expect("runtime");
            tx.send(rt.handle().clone()).expect("send handle");
            rt.block_on(std::future::pending::<()>());
        });
        let runtime = rx.recv().expect("the proxy's runtime started");
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = listener.local_addr().expect("addr");
        let proxy = FaultProxy {
            url: format!("http://{addr}"),
            addr,
            mode: Arc::new(Mutex::new(Mode::Pass)),
            forwarded: Arc::default(),
            runtime,
            server: Mutex::new(None),
        };
        proxy.serve(listener);
        proxy
    })
}

#[derive(Clone)]
struct Upstream {
    base: String,
    client: reqwest::Client,
    mode: Arc<Mutex<Mode>>,
    forwarded: Arc<Mutex<HashMap<String, usize>>>,
}

impl FaultProxy {
    pub fn set(&self, mode: Mode) {
        *self.mode.lock().expect("mode") = mode;
    }

    /// How many requests of DynamoDB's `action` (e.g. `TransactWriteItems`) reached
    /// the emulator so far.
    pub fn forwarded(&self, action: &str) -> usize {
        self.forwarded
            .lock()
            .expect("counts")
            .get(action)
            .copied()
            .unwrap_or_default()
    }

    /// Closes the port and every open connection, as a stopped emulator would.
    pub fn stop(&self) {
        if let Some(server) = self.server.lock().expect("server").take() {
            server.abort();
        }
        // Until the aborted task has dropped its listener, the port still accepts.
        for _ in 0..100 {
            if std::net::TcpStream::connect(self.addr).is_err() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("the proxy kept listening");
    }

    /// Listens again on the same port.
    pub fn start(&self) {
        let listener = std::net::TcpListener::bind(self.addr).expect("rebind the proxy's port");
        self.serve(listener);
    }

    fn serve(&self, listener: std::net::TcpListener) {
        listener.set_nonblocking(true).expect("non-blocking");
        let upstream = Upstream {
            base: crate::endpoint(),
            client: reqwest::Client::new(),
            mode: self.mode.clone(),
            forwarded: self.forwarded.clone(),
        };
        let _guard = self.runtime.enter();
        let listener = tokio::net::TcpListener::from_std(listener).expect("listener");
        let app = Router::new().fallback(forward).with_state(upstream);
        let task = self.runtime.spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        *self.server.lock().expect("server") = Some(task);
    }
}

/// DynamoDB's action a request names (`X-Amz-Target: DynamoDB_20120810.Query`).
fn dynamodb_action(headers: &HeaderMap) -> Option<&str> {
    headers
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .filter(|t| t.starts_with("DynamoDB_"))
        .and_then(|t| t.split('.').nth(1))
}

async fn forward(State(up): State<Upstream>, req: Request) -> Response {
    let action = dynamodb_action(req.headers()).map(str::to_string);
    let mut late = None;
    let fail = {
        let mut mode = up.mode.lock().expect("mode");
        match *mode {
            Mode::Pass => None,
            Mode::Fail => Some(Mode::Fail),
            Mode::Hang => Some(Mode::Hang),
            Mode::FailAfter(0) => Some(Mode::Fail),
            Mode::FailAfter(n) => {
                *mode = Mode::FailAfter(n - 1);
                None
            }
            Mode::AnswerLate {
                action: a,
                times,
                ms,
            } => {
                if times > 0 && action.as_deref() == Some(a) {
                    *mode = Mode::AnswerLate {
                        action: a,
                        times: times - 1,
                        ms,
                    };
                    late = Some(Duration::from_millis(ms));
                }
                None
            }
        }
    };
    match fail {
        Some(Mode::Hang) => {
            tokio::time::sleep(Duration::from_secs(120)).await;
            return StatusCode::GATEWAY_TIMEOUT.into_response();
        }
        Some(_) => return injected_error(req.headers()),
        None => {}
    }
    let (parts, body) = req.into_parts();
    let Ok(body) = to_bytes(body, usize::MAX).await else {
        return StatusCode::BAD_REQUEST.into_response();
    };
    let url = format!(
        "{}{}",
        up.base,
        parts
            .uri
            .path_and_query()
            .map(|p| p.as_str())
            .unwrap_or("/")
    );
    let mut out = up.client.request(parts.method, url).body(body);
    for (name, value) in &parts.headers {
        if name != http::header::HOST {
            out = out.header(name, value);
        }
    }
    if let Some(a) = action {
        *up.forwarded.lock().expect("counts").entry(a).or_default() += 1;
    }
    let answer = out.send().await;
    if let Some(wait) = late {
        tokio::time::sleep(wait).await;
    }
    match answer {
        Ok(res) => {
            let mut answer = Response::builder().status(res.status());
            for (name, value) in res.headers() {
                // The body is re-sent whole: its framing is the proxy's own.
                if !["transfer-encoding", "content-length", "connection"].contains(&name.as_str()) {
                    answer = answer.header(name, value);
                }
            }
            let bytes = res.bytes().await.unwrap_or_default();
            answer
                .body(Body::from(bytes))
                .unwrap_or_else(|_| StatusCode::BAD_GATEWAY.into_response())
        }
        Err(_) => StatusCode::BAD_GATEWAY.into_response(),
    }
}

/// What DynamoDB (JSON) or S3 (XML) answers when it has an internal error.
fn injected_error(headers: &HeaderMap) -> Response {
    let dynamodb = headers
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("DynamoDB"));
    if dynamodb {
        (
            StatusCode::INTERNAL_SERVER_ERROR,
            [("content-type", "application/x-amz-json-1.0")],
            r#"{"__type":"com.amazonaws.dynamodb.v20120810#InternalServerError","message":"injected fault"}"#,
        )
            .into_response()
    } else {
        (
            StatusCode::INTERNAL_SERVER_ERROR,
            [("content-type", "application/xml")],
            "<Error><Code>InternalError</Code><Message>injected fault</Message></Error>",
        )
            .into_response()
    }
}

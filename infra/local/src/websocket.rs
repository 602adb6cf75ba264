//! The WebSocket API, locally: `GET /ws?token=` (what API Gateway's WebSocket API
//! does in AWS: `$connect` checks the token, the connection is stored, `initial`
//! follows) and the API Gateway Management API (`POST /@connections/{id}`), which
//! `campus::realtime` pushes through here exactly as it does in AWS.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

use axum::{
    Router,
    body::Bytes,
    extract::{
        Path, Query, State,
        ws::{Message, WebSocket, WebSocketUpgrade},
    },
    http::{HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    routing::{get, post},
};
use campus::{AppState, auth, clock, realtime};
use serde::Deserialize;
use tokio::sync::mpsc;

/// The sockets open on this process, by connection id.
#[derive(Clone, Default)]
struct Hub(Arc<Mutex<HashMap<String, mpsc::UnboundedSender<String>>>>);

impl Hub {
    fn add(&self, id: &str, tx: mpsc::UnboundedSender<String>) {
        if let Ok(mut m) = self.0.lock() {
            m.insert(id.to_string(), tx);
        }
    }
    fn remove(&self, id: &str) {
        if let Ok(mut m) = self.0.lock() {
            m.remove(id);
        }
    }
    /// Hands a message to the socket; false when it is gone.
    fn send(&self, id: &str, text: String) -> bool {
        self.0
            .lock()
            .ok()
            .and_then(|m| m.get(id).map(|tx| tx.send(text).is_ok()))
            .unwrap_or(false)
    }
}

#[derive(Clone)]
struct Ws {
    state: AppState,
    hub: Hub,
}

/// The routes to mount beside the gateway.
pub fn routes(state: AppState) -> Router {
    Router::new()
        .route("/ws", get(connect))
        .route("/@connections/{id}", post(post_to_connection).delete(close))
        .with_state(Ws {
            state,
            hub: Hub::default(),
        })
}

#[derive(Deserialize)]
struct TokenQuery {
    token: Option<String>,
}

async fn connect(
    State(ws): State<Ws>,
    Query(q): Query<TokenQuery>,
    upgrade: WebSocketUpgrade,
) -> Response {
    // `$connect`: a bad token is refused before the upgrade, as API Gateway does.
    let principal =
        match auth::principal_of(&ws.state, q.token.as_deref().unwrap_or_default()).await {
            Ok(p) => p,
            Err(e) => return e.into_response(),
        };
    let id = clock::new_id();
    let conn = match realtime::connected(&ws.state, &principal, &id).await {
        Ok(c) => c,
        Err(e) => return e.into_response(),
    };
    upgrade.on_upgrade(move |socket| serve(ws, conn, socket))
}

async fn serve(ws: Ws, conn: campus::model::Connection, mut socket: WebSocket) {
    let id = conn.connection_id.clone();
    let (tx, mut rx) = mpsc::unbounded_channel();
    ws.hub.add(&id, tx);
    // What the table's stream triggers in AWS once `$connect` has returned.
    if let Err(e) = campus_ws::initial::send(&ws.state, &conn).await {
        tracing::warn!(connection = %id, error = ?e, "initial message not sent");
    }
    loop {
        tokio::select! {
            out = rx.recv() => match out {
                Some(text) => {
                    if socket.send(Message::Text(text.into())).await.is_err() {
                        break;
                    }
                }
                None => break,
            },
            incoming = socket.recv() => match incoming {
                // `$default`: nothing a client sends is needed.
                Some(Ok(Message::Close(_))) | Some(Err(_)) | None => break,
                Some(Ok(_)) => {}
            },
        }
    }
    ws.hub.remove(&id);
    // `$disconnect`.
    if let Err(e) = realtime::disconnected(&ws.state, &id).await {
        tracing::warn!(connection = %id, error = ?e, "disconnect not recorded");
    }
}

/// `POST /@connections/{id}`: 200, or 410 `GoneException` as API Gateway answers.
async fn post_to_connection(State(ws): State<Ws>, Path(id): Path<String>, body: Bytes) -> Response {
    let text = String::from_utf8_lossy(&body).into_owned();
    if ws.hub.send(&id, text) {
        StatusCode::OK.into_response()
    } else {
        gone()
    }
}

async fn close(State(ws): State<Ws>, Path(id): Path<String>) -> Response {
    ws.hub.remove(&id);
    StatusCode::NO_CONTENT.into_response()
}

fn gone() -> Response {
    let mut res = (
        StatusCode::GONE,
        axum::Json(serde_json::json!({"message": "The connection is gone"})),
    )
        .into_response();
    res.headers_mut().insert(
        "x-amzn-errortype",
        HeaderValue::from_static("GoneException"),
    );
    res
}

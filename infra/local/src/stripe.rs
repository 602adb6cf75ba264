//! Stripe, locally. localstripe (PyPI) serves customers, PaymentIntents and refunds
//! statefully; it has no Prices, no Checkout and only the old plan-based
//! subscriptions. This stand-in serves those parts the way Stripe does (form bodies
//! in, Stripe-shaped JSON out, and the events Stripe would send, signed, to the
//! webhook) and hands every other call to localstripe. `make run` and the tests
//! point `STRIPE_API_BASE` here.
//!
//! A payer's visit to the Checkout page is `POST /checkout/{sessionId}/pay`.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

use axum::{
    Json, Router,
    body::Bytes,
    extract::{Path, Query, Request, State},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    routing::{get, post},
};
use serde_json::{Value, json};

/// The prices the stand-in sells, by lookup key: (plan, monthly amount in cents).
const PRICES: [(&str, i64); 3] = [("basic", 1_900), ("core", 4_900), ("pro", 9_900)];

#[derive(Clone)]
pub struct StandIn {
    /// Where this stand-in is reached (its Checkout page links).
    pub base: String,
    /// localstripe, for everything not served here.
    pub upstream: Option<String>,
    /// The webhook Stripe's events go to, and its signing secret.
    pub webhook: Option<(String, String)>,
    data: Arc<Mutex<Data>>,
    http: reqwest::Client,
}

#[derive(Default)]
struct Data {
    sessions: HashMap<String, Value>,
    subscriptions: HashMap<String, Value>,
}

impl StandIn {
    pub fn new(base: String, upstream: Option<String>, webhook: Option<(String, String)>) -> Self {
        Self {
            base,
            upstream,
            webhook,
            data: Arc::default(),
            http: reqwest::Client::new(),
        }
    }

    pub fn router(self) -> Router {
        Router::new()
            .route("/v1/prices", get(prices))
            .route("/v1/checkout/sessions", post(create_session))
            .route("/v1/checkout/sessions/{id}", get(session))
            .route("/checkout/{id}/pay", post(pay))
            .route(
                "/v1/subscriptions/{id}",
                get(subscription)
                    .post(update_subscription)
                    .delete(cancel_subscription),
            )
            .fallback(proxy)
            .with_state(self)
    }

    /// Sends `object` as a `kind` event to the webhook, signed, as Stripe does:
    /// after answering, from elsewhere.
    fn emit(&self, kind: &str, object: Value) {
        let Some((url, secret)) = self.webhook.clone() else {
            return;
        };
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let event = json!({
            "id": format!("evt_{}", ulid::Ulid::generate()),
            "object": "event",
            "api_version": "2025-09-30.clover",
            "created": now,
            "livemode": false,
            "pending_webhooks": 1,
            "type": kind,
            "data": {"object": object},
        });
        let body = event.to_string().into_bytes();
        let signature = campus::stripe_signature::sign(&body, &secret, now);
        let http = self.http.clone();
        let kind = kind.to_string();
        tokio::spawn(async move {
            let sent = http
                .post(&url)
                .header("content-type", "application/json")
                .header("stripe-signature", signature)
                .body(body)
                .send()
                .await;
            match sent {
                Ok(r) if r.status().is_success() => {}
                Ok(r) => {
                    tracing::warn!(%kind, status = r.status().as_u16(), "webhook refused a Stripe event")
                }
                Err(e) => tracing::warn!(%kind, error = %e, "webhook unreachable"),
            }
        });
    }
}

/// A Stripe form body (`a[b][0][c]=v`) as flat pairs.
fn form(body: &[u8]) -> HashMap<String, String> {
    form_urlencoded::parse(body).into_owned().collect()
}

/// `prefix[key]=v` pairs as a map (`metadata[companyId]`).
fn map_of(f: &HashMap<String, String>, prefix: &str) -> Value {
    let m: serde_json::Map<String, Value> = f
        .iter()
        .filter_map(|(k, v)| {
            let key = k
                .strip_prefix(prefix)?
                .strip_prefix('[')?
                .strip_suffix(']')?;
            (!key.contains('[')).then(|| (key.to_string(), json!(v)))
        })
        .collect();
    Value::Object(m)
}

fn error(status: StatusCode, message: &str) -> Response {
    (
        status,
        Json(json!({"error": {"type": "invalid_request_error", "message": message}})),
    )
        .into_response()
}

fn price(lookup_key: &str) -> Option<Value> {
    let plan = lookup_key.strip_prefix("campus_")?;
    let (_, amount) = PRICES.iter().find(|(p, _)| *p == plan)?;
    Some(json!({
        "id": format!("price_campus_{plan}"), "object": "price", "active": true,
        "currency": "eur", "lookup_key": lookup_key, "unit_amount": amount,
        "recurring": {"interval": "month", "interval_count": 1}, "type": "recurring",
        "livemode": false, "metadata": {}, "product": format!("prod_campus_{plan}"),
    }))
}

fn price_by_id(id: &str) -> Option<Value> {
    price(&format!("campus_{}", id.strip_prefix("price_campus_")?))
}

async fn prices(Query(q): Query<Vec<(String, String)>>) -> Response {
    let wanted: Vec<&str> = q
        .iter()
        .filter(|(k, _)| k.starts_with("lookup_keys"))
        .map(|(_, v)| v.as_str())
        .collect();
    let data: Vec<Value> = PRICES
        .iter()
        .map(|(p, _)| format!("campus_{p}"))
        .filter(|k| wanted.is_empty() || wanted.contains(&k.as_str()))
        .filter_map(|k| price(&k))
        .collect();
    Json(json!({"object": "list", "data": data, "has_more": false, "url": "/v1/prices"}))
        .into_response()
}

async fn create_session(State(s): State<StandIn>, body: Bytes) -> Response {
    let f = form(&body);
    if f.get("mode").map(String::as_str) != Some("subscription") {
        return error(
            StatusCode::BAD_REQUEST,
            "only subscription mode is served here",
        );
    }
    let Some(price) = f.get("line_items[0][price]").and_then(|p| price_by_id(p)) else {
        return error(StatusCode::BAD_REQUEST, "No such price");
    };
    let id = format!("cs_test_{}", ulid::Ulid::generate());
    let session = json!({
        "id": id, "object": "checkout.session", "mode": "subscription", "status": "open",
        "payment_status": "unpaid", "customer": f.get("customer"),
        "client_reference_id": f.get("client_reference_id"),
        "metadata": map_of(&f, "metadata"),
        "success_url": f.get("success_url"), "cancel_url": f.get("cancel_url"),
        "url": format!("{}/checkout/{id}", s.base), "subscription": null,
        "amount_total": price["unit_amount"], "currency": "eur", "livemode": false,
        "created": time::OffsetDateTime::now_utc().unix_timestamp(),
        // Kept for the subscription the payment makes; not part of Stripe's answer.
        "_price": price, "_subscription_metadata": map_of(&f, "subscription_data[metadata]"),
    });
    s.data
        .lock()
        .expect("stand-in state")
        .sessions
        .insert(id.clone(), session.clone());
    Json(public(session)).into_response()
}

/// An object without the stand-in's own `_` fields.
fn public(mut v: Value) -> Value {
    if let Some(o) = v.as_object_mut() {
        o.retain(|k, _| !k.starts_with('_'));
    }
    v
}

async fn session(State(s): State<StandIn>, Path(id): Path<String>) -> Response {
    match s.data.lock().expect("stand-in state").sessions.get(&id) {
        Some(v) => Json(public(v.clone())).into_response(),
        None => error(StatusCode::NOT_FOUND, "No such checkout.session"),
    }
}

/// The payer pays on the Checkout page: the subscription starts, and Stripe tells
/// the webhook (`customer.subscription.created`, `checkout.session.completed`,
/// `invoice.paid`).
async fn pay(State(s): State<StandIn>, Path(id): Path<String>) -> Response {
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let (session, sub) = {
        let mut data = s.data.lock().expect("stand-in state");
        let Some(session) = data.sessions.get_mut(&id) else {
            return error(StatusCode::NOT_FOUND, "No such checkout.session");
        };
        if session["status"] == "complete" {
            return error(StatusCode::CONFLICT, "This session is complete already");
        }
        let sub_id = format!("sub_{}", ulid::Ulid::generate());
        let sub = json!({
            "id": sub_id, "object": "subscription", "status": "active",
            "customer": session["customer"], "cancel_at_period_end": false,
            "metadata": session["_subscription_metadata"], "created": now, "currency": "eur",
            "items": {"object": "list", "data": [{
                "id": format!("si_{}", ulid::Ulid::generate()), "object": "subscription_item",
                "price": session["_price"], "quantity": 1,
                "current_period_start": now, "current_period_end": now + 30 * 86_400,
            }]},
        });
        session["status"] = json!("complete");
        session["payment_status"] = json!("paid");
        session["subscription"] = json!(sub_id);
        let session = public(session.clone());
        data.subscriptions.insert(sub_id, sub.clone());
        (session, sub)
    };
    s.emit("customer.subscription.created", sub.clone());
    s.emit("checkout.session.completed", session.clone());
    let amount = sub["items"]["data"][0]["price"]["unit_amount"].clone();
    s.emit(
        "invoice.paid",
        json!({
            "id": format!("in_{}", ulid::Ulid::generate()), "object": "invoice",
            "customer": sub["customer"], "subscription": sub["id"], "status": "paid",
            "amount_due": amount, "amount_paid": amount, "currency": "eur", "created": now,
            "number": format!("LOCAL-{now}"), "hosted_invoice_url": format!("{}/invoices/{now}", s.base),
            "parent": {"type": "subscription_details", "subscription_details": {"metadata": sub["metadata"], "subscription": sub["id"]}},
        }),
    );
    Json(json!({"paid": true, "session": session, "redirect": session["success_url"]}))
        .into_response()
}

async fn subscription(State(s): State<StandIn>, Path(id): Path<String>) -> Response {
    match s
        .data
        .lock()
        .expect("stand-in state")
        .subscriptions
        .get(&id)
    {
        Some(v) => Json(v.clone()).into_response(),
        None => error(StatusCode::NOT_FOUND, "No such subscription"),
    }
}

/// A plan change (`items[0][price]` with `proration_behavior`) or a cancellation at
/// the period's end, then `customer.subscription.updated`.
async fn update_subscription(
    State(s): State<StandIn>,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let f = form(&body);
    let updated = {
        let mut data = s.data.lock().expect("stand-in state");
        let Some(sub) = data.subscriptions.get_mut(&id) else {
            return error(StatusCode::NOT_FOUND, "No such subscription");
        };
        if let Some(p) = f.get("items[0][price]") {
            let Some(price) = price_by_id(p) else {
                return error(StatusCode::BAD_REQUEST, "No such price");
            };
            if f.get("items[0][id]")
                != sub["items"]["data"][0]["id"]
                    .as_str()
                    .map(str::to_string)
                    .as_ref()
            {
                return error(StatusCode::BAD_REQUEST, "No such subscription item");
            }
            match f.get("proration_behavior").map(String::as_str) {
                None | Some("create_prorations" | "always_invoice" | "none") => {}
                Some(_) => return error(StatusCode::BAD_REQUEST, "Invalid proration_behavior"),
            }
            sub["items"]["data"][0]["price"] = price;
        }
        if let Some(c) = f.get("cancel_at_period_end") {
            sub["cancel_at_period_end"] = json!(c == "true");
        }
        let meta = map_of(&f, "metadata");
        if meta.as_object().is_some_and(|m| !m.is_empty()) {
            sub["metadata"] = meta;
        }
        sub.clone()
    };
    s.emit("customer.subscription.updated", updated.clone());
    Json(updated).into_response()
}

async fn cancel_subscription(State(s): State<StandIn>, Path(id): Path<String>) -> Response {
    let ended = {
        let mut data = s.data.lock().expect("stand-in state");
        let Some(sub) = data.subscriptions.get_mut(&id) else {
            return error(StatusCode::NOT_FOUND, "No such subscription");
        };
        sub["status"] = json!("canceled");
        sub.clone()
    };
    s.emit("customer.subscription.deleted", ended.clone());
    Json(ended).into_response()
}

/// Everything else goes to localstripe as it came.
async fn proxy(State(s): State<StandIn>, req: Request) -> Response {
    let Some(upstream) = &s.upstream else {
        return error(StatusCode::NOT_FOUND, "Unrecognized request URL");
    };
    let (parts, body) = req.into_parts();
    let Ok(body) = axum::body::to_bytes(body, 1 << 20).await else {
        return error(StatusCode::PAYLOAD_TOO_LARGE, "Request too large");
    };
    let url = format!(
        "{}{}",
        upstream.trim_end_matches('/'),
        parts
            .uri
            .path_and_query()
            .map(|p| p.as_str())
            .unwrap_or("/")
    );
    let method = reqwest::Method::from_bytes(parts.method.as_str().as_bytes())
        .unwrap_or(reqwest::Method::GET);
    let mut out = s.http.request(method, url).body(body);
    for name in [
        "authorization",
        "content-type",
        "idempotency-key",
        "stripe-version",
    ] {
        if let Some(v) = parts.headers.get(name).and_then(|v| v.to_str().ok()) {
            out = out.header(name, v);
        }
    }
    match out.send().await {
        Ok(r) => {
            let status =
                StatusCode::from_u16(r.status().as_u16()).unwrap_or(StatusCode::BAD_GATEWAY);
            let mut headers = HeaderMap::new();
            headers.insert("content-type", "application/json".parse().expect("header"));
            let bytes = r.bytes().await.unwrap_or_default();
            (status, headers, bytes).into_response()
        }
        Err(e) => error(
            StatusCode::BAD_GATEWAY,
            &format!("localstripe unreachable: {e}"),
        ),
    }
}

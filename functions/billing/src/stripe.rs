//! The calls this function makes to Stripe. Each request is built with async-stripe's
//! request builder (`async-stripe-client-core`: the form encoding Stripe reads, the
//! API version it pins) from our own few parameters, and sent with the HTTP client
//! the auth and chat functions use. async-stripe's own client and typed requests are
//! not linked: its error type carries a whole payment intent, payment method, setup
//! intent and payment source, and their decoders, with its typed requests' encoders,
//! were about half of this function's package (bench: 11.9 MB before, see README).
//! Answers are read into the few fields used here, so a Stripe API version (or a local
//! Stripe server) that adds or leaves out other fields does not break a call.

use std::{
    collections::HashMap,
    sync::{Arc, OnceLock},
    time::Duration,
};

use campus::{
    ApiError, ApiResult,
    config::{Secret, StripeConfig},
    plans::Plan,
};
use serde::{Deserialize, Serialize, de::DeserializeOwned};
use stripe_client_core::{IdempotencyKey, RequestBuilder, StripeMethod};
use tokio::sync::OnceCell;

#[derive(Clone)]
pub struct Stripe {
    key: Secret,
    /// Up to `/v1`, ending in `/`.
    base: String,
    timeout: Duration,
    /// Built at the first call: a request that never reaches Stripe (most of this
    /// function's) pays nothing for its TLS set-up.
    http: Arc<OnceLock<reqwest::Client>>,
    prices: [String; 3],
    /// Lookup keys resolved to price ids, once per process.
    resolved: Arc<OnceCell<HashMap<String, String>>>,
}

#[derive(Debug, Deserialize)]
pub struct Id {
    pub id: String,
}

#[derive(Debug, Deserialize)]
pub struct CheckoutSession {
    pub id: String,
    pub url: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct Subscription {
    pub id: String,
    pub items: List<Id>,
}

#[derive(Debug, Deserialize)]
pub struct List<T> {
    pub data: Vec<T>,
}

#[derive(Debug, Deserialize)]
pub struct Price {
    pub id: String,
    pub lookup_key: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct PaymentIntent {
    pub id: String,
    pub client_secret: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct Refund {
    pub id: String,
    pub amount: i64,
    pub status: Option<String>,
}

/// Stripe's error body: only its message is read.
#[derive(Deserialize)]
struct Refusal {
    error: RefusalDetail,
}

#[derive(Deserialize)]
struct RefusalDetail {
    message: Option<String>,
}

/// What Stripe's refusal (`status`, its body) means for our client.
fn refused(status: u16, body: &[u8]) -> ApiError {
    let message = serde_json::from_slice::<Refusal>(body)
        .ok()
        .and_then(|r| r.error.message)
        .unwrap_or_default();
    match status {
        402 => ApiError::PaymentRequired(format!("Stripe declined: {message}")),
        400 | 404 | 409 => {
            tracing::warn!(status, %message, "Stripe refused a request");
            ApiError::Conflict(format!("Stripe refused the request: {message}"))
        }
        401 | 403 => {
            tracing::error!(status, "Stripe refused our key: check STRIPE_SECRET_KEY");
            ApiError::Unavailable { retry_after: 60 }
        }
        _ => {
            tracing::warn!(status, %message, "Stripe failed");
            ApiError::Unavailable { retry_after: 5 }
        }
    }
}

fn unreachable(e: reqwest::Error) -> ApiError {
    // Without the URL: it can carry a customer's or subscription's id.
    tracing::warn!(error = %e.without_url(), "Stripe unreachable");
    ApiError::Unavailable { retry_after: 5 }
}

impl Stripe {
    /// `None` when no key is configured (billing then answers 503).
    pub fn new(cfg: &StripeConfig) -> Option<Self> {
        Some(Self {
            key: cfg.secret_key.clone()?,
            base: format!("{}/v1", cfg.api_base.trim_end_matches('/')),
            timeout: cfg.timeout,
            http: Arc::new(OnceLock::new()),
            prices: cfg.prices.clone(),
            resolved: Arc::new(OnceCell::new()),
        })
    }

    /// Sends `req` once (with `key` as its idempotency key: a retry of the same call,
    /// by our client or the next invocation, cannot do it twice) and reads the answer
    /// as `T`.
    async fn send<T: DeserializeOwned>(
        &self,
        req: RequestBuilder,
        key: Option<&str>,
    ) -> ApiResult<T> {
        let http = self.http.get_or_init(|| {
            reqwest::Client::builder()
                .timeout(self.timeout)
                .user_agent(concat!("campus/", env!("CARGO_PKG_VERSION")))
                .build()
                .unwrap_or_else(|e| {
                    // Still sends, bounded by the function's own timeout.
                    tracing::error!(error = %e, "Stripe's HTTP client not built as configured");
                    reqwest::Client::new()
                })
        });
        let method = match req.method {
            StripeMethod::Get => reqwest::Method::GET,
            StripeMethod::Post => reqwest::Method::POST,
            StripeMethod::Delete => reqwest::Method::DELETE,
        };
        let mut url = format!("{}{}", self.base, req.path);
        if let Some(query) = &req.query {
            url = format!("{url}?{query}");
        }
        let mut call = http
            .request(method, url)
            .bearer_auth(self.key.expose())
            .header("stripe-version", stripe_client_core::VERSION.as_str());
        if let Some(k) = key {
            let k = IdempotencyKey::new(k).map_err(ApiError::internal)?;
            call = call.header("idempotency-key", k.as_str());
        }
        if let Some(body) = req.body {
            call = call
                .header("content-type", "application/x-www-form-urlencoded")
                .body(body);
        }
        let res = call.send().await.map_err(unreachable)?;
        let status = res.status().as_u16();
        let body = res.bytes().await.map_err(unreachable)?;
        if !(200..300).contains(&status) {
            return Err(refused(status, &body));
        }
        serde_json::from_slice(&body).map_err(|e| ApiError::Internal(format!("Stripe answer: {e}")))
    }

    /// The price billed for `plan`: configured as a price id, or a lookup key
    /// resolved (all of them in one call) through the Prices API.
    pub async fn price(&self, plan: Plan) -> ApiResult<String> {
        let configured = match plan {
            Plan::Basic => &self.prices[0],
            Plan::Core => &self.prices[1],
            Plan::Pro => &self.prices[2],
            Plan::Free => return Err(ApiError::field("plan", "free is not sold")),
        };
        if configured.starts_with("price_") {
            return Ok(configured.clone());
        }
        let resolved = self
            .resolved
            .get_or_try_init(|| async {
                let keys: Vec<String> = self
                    .prices
                    .iter()
                    .filter(|p| !p.starts_with("price_"))
                    .cloned()
                    .collect();
                let query = PriceQuery {
                    lookup_keys: keys,
                    active: true,
                };
                let req = RequestBuilder::new(StripeMethod::Get, "/prices").query(&query);
                let list: List<Price> = self.send(req, None).await?;
                Ok::<_, ApiError>(
                    list.data
                        .into_iter()
                        .filter_map(|p| Some((p.lookup_key?, p.id)))
                        .collect::<HashMap<_, _>>(),
                )
            })
            .await?;
        resolved.get(configured).cloned().ok_or_else(|| {
            tracing::error!(lookup_key = %configured, "no active Stripe price has this lookup key");
            ApiError::Unavailable { retry_after: 60 }
        })
    }

    pub async fn create_customer(
        &self,
        company_id: &str,
        name: &str,
        email: &str,
    ) -> ApiResult<Id> {
        let form = NewCustomer {
            name,
            email,
            metadata: HashMap::from([("companyId", company_id)]),
        };
        let req = RequestBuilder::new(StripeMethod::Post, "/customers").form(&form);
        // Two first checkouts at once make one customer.
        self.send(req, Some(&format!("campus-customer-{company_id}")))
            .await
    }

    #[allow(clippy::too_many_arguments)]
    pub async fn checkout(
        &self,
        customer: &str,
        company_id: &str,
        plan: Plan,
        price: &str,
        success_url: &str,
        cancel_url: &str,
        key: &str,
    ) -> ApiResult<CheckoutSession> {
        let metadata = HashMap::from([("companyId", company_id), ("plan", plan.as_str())]);
        let form = NewCheckout {
            mode: "subscription",
            customer,
            client_reference_id: company_id,
            line_items: [LineItem { price, quantity: 1 }],
            subscription_data: SubscriptionData {
                metadata: metadata.clone(),
            },
            metadata,
            success_url,
            cancel_url,
        };
        let req = RequestBuilder::new(StripeMethod::Post, "/checkout/sessions").form(&form);
        self.send(req, Some(key)).await
    }

    pub async fn subscription(&self, id: &str) -> ApiResult<Subscription> {
        let req = RequestBuilder::new(StripeMethod::Get, format!("/subscriptions/{id}"));
        self.send(req, None).await
    }

    /// Moves the subscription's one item to `price`, prorating the difference.
    pub async fn change_plan(
        &self,
        sub: &Subscription,
        company_id: &str,
        plan: Plan,
        price: &str,
        key: &str,
    ) -> ApiResult<Id> {
        let item_id = sub
            .items
            .data
            .first()
            .map(|i| i.id.clone())
            .ok_or_else(|| ApiError::Conflict("The subscription has no item to change".into()))?;
        let form = PlanChange {
            items: [ItemPrice {
                id: &item_id,
                price,
            }],
            proration_behavior: "create_prorations",
            metadata: HashMap::from([("companyId", company_id), ("plan", plan.as_str())]),
        };
        let req = RequestBuilder::new(StripeMethod::Post, format!("/subscriptions/{}", sub.id))
            .form(&form);
        self.send(req, Some(key)).await
    }

    pub async fn cancel_at_period_end(&self, id: &str, at_period_end: bool) -> ApiResult<Id> {
        let path = format!("/subscriptions/{id}");
        let req = if at_period_end {
            RequestBuilder::new(StripeMethod::Post, path).form(&AtPeriodEnd {
                cancel_at_period_end: true,
            })
        } else {
            RequestBuilder::new(StripeMethod::Delete, path)
        };
        self.send(req, None).await
    }

    pub async fn payment_intent(
        &self,
        amount_cents: i64,
        currency: &str,
        description: &str,
        metadata: HashMap<String, String>,
        key: &str,
    ) -> ApiResult<PaymentIntent> {
        // The description rides in metadata: localstripe refuses the `description`
        // parameter, and our payment record keeps it anyway.
        let mut metadata = metadata;
        metadata.insert("description".into(), description.into());
        let form = NewPaymentIntent {
            amount: amount_cents,
            currency,
            metadata,
        };
        let req = RequestBuilder::new(StripeMethod::Post, "/payment_intents").form(&form);
        self.send(req, Some(key)).await
    }

    pub async fn refund(
        &self,
        payment_intent: &str,
        amount_cents: Option<i64>,
        key: &str,
    ) -> ApiResult<Refund> {
        let form = NewRefund {
            payment_intent,
            amount: amount_cents,
        };
        let req = RequestBuilder::new(StripeMethod::Post, "/refunds").form(&form);
        self.send(req, Some(key)).await
    }
}

// The form bodies, as Stripe's API names them (encoded by async-stripe with
// `serde_qs`: `line_items[0][price]`, `metadata[plan]`).

#[derive(Serialize)]
struct PriceQuery {
    lookup_keys: Vec<String>,
    active: bool,
}

#[derive(Serialize)]
struct NewCustomer<'a> {
    name: &'a str,
    email: &'a str,
    metadata: HashMap<&'a str, &'a str>,
}

#[derive(Serialize)]
struct NewCheckout<'a> {
    mode: &'static str,
    customer: &'a str,
    client_reference_id: &'a str,
    line_items: [LineItem<'a>; 1],
    subscription_data: SubscriptionData<'a>,
    metadata: HashMap<&'a str, &'a str>,
    success_url: &'a str,
    cancel_url: &'a str,
}

#[derive(Serialize)]
struct LineItem<'a> {
    price: &'a str,
    quantity: u32,
}

#[derive(Serialize)]
struct SubscriptionData<'a> {
    metadata: HashMap<&'a str, &'a str>,
}

#[derive(Serialize)]
struct PlanChange<'a> {
    items: [ItemPrice<'a>; 1],
    proration_behavior: &'static str,
    metadata: HashMap<&'a str, &'a str>,
}

#[derive(Serialize)]
struct ItemPrice<'a> {
    id: &'a str,
    price: &'a str,
}

#[derive(Serialize)]
struct AtPeriodEnd {
    cancel_at_period_end: bool,
}

#[derive(Serialize)]
struct NewPaymentIntent<'a> {
    amount: i64,
    currency: &'a str,
    metadata: HashMap<String, String>,
}

#[derive(Serialize)]
struct NewRefund<'a> {
    payment_intent: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    amount: Option<i64>,
}

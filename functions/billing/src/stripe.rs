//! The calls this function makes to Stripe. Requests are built with async-stripe's
//! typed parameters; answers are read into the few fields used here, so a Stripe
//! API version (or a local Stripe server) that adds or leaves out other fields does
//! not break a call.

use std::{collections::HashMap, sync::Arc};

use campus::{ApiError, ApiResult, config::StripeConfig, plans::Plan};
use serde::{Deserialize, de::DeserializeOwned};
use stripe::{Client, ClientBuilder, StripeError};
use stripe_client_core::{IdempotencyKey, RequestStrategy, StripeRequest};
use tokio::sync::OnceCell;

#[derive(Clone)]
pub struct Stripe {
    client: Client,
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

/// What Stripe's answer means for our client.
fn stripe_error(e: StripeError) -> ApiError {
    match e {
        StripeError::Stripe(err, status) => {
            let message = err.message.clone().unwrap_or_default();
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
        StripeError::JSONDeserialize(m) => ApiError::Internal(format!("Stripe answer: {m}")),
        other => {
            tracing::warn!(error = %other, "Stripe unreachable");
            ApiError::Unavailable { retry_after: 5 }
        }
    }
}

impl Stripe {
    /// `None` when no key is configured (billing then answers 503).
    pub fn new(cfg: &StripeConfig) -> Option<Self> {
        let key = cfg.secret_key.as_ref()?;
        let base = format!("{}/", cfg.api_base.trim_end_matches('/'));
        let client = ClientBuilder::new(key.expose())
            .url(base)
            .timeout(cfg.timeout)
            .app_info("campus", Some(env!("CARGO_PKG_VERSION").into()), None)
            .build()
            .map_err(|e| tracing::error!(error = %e, "Stripe client not built"))
            .ok()?;
        Some(Self {
            client,
            prices: cfg.prices.clone(),
            resolved: Arc::new(OnceCell::new()),
        })
    }

    /// Sends `req` (with `key` as its idempotency key: a retry of the same call
    /// cannot do it twice) and reads the answer as `T`.
    async fn send<T: DeserializeOwned>(
        &self,
        req: &impl StripeRequest,
        key: Option<&str>,
    ) -> ApiResult<T> {
        let mut call = req.build().customize::<miniserde::json::Value>();
        if let Some(k) = key {
            let k = IdempotencyKey::new(k).map_err(ApiError::internal)?;
            call = call.request_strategy(RequestStrategy::Idempotent(k));
        }
        let value = call.send(&self.client).await.map_err(stripe_error)?;
        serde_json::from_str(&miniserde::json::to_string(&value))
            .map_err(|e| ApiError::Internal(format!("Stripe answer: {e}")))
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
                let list: List<Price> = self
                    .send(
                        &stripe_product::price::ListPrice::new()
                            .lookup_keys(keys)
                            .active(true),
                        None,
                    )
                    .await?;
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
        let req = stripe_core::customer::CreateCustomer::new()
            .name(name)
            .email(email)
            .metadata(HashMap::from([(
                "companyId".to_string(),
                company_id.to_string(),
            )]));
        // Two first checkouts at once make one customer.
        self.send(&req, Some(&format!("campus-customer-{company_id}")))
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
        use stripe_checkout::checkout_session::{
            CreateCheckoutSession, CreateCheckoutSessionLineItems,
            CreateCheckoutSessionSubscriptionData,
        };
        let metadata = HashMap::from([
            ("companyId".to_string(), company_id.to_string()),
            ("plan".to_string(), plan.as_str().to_string()),
        ]);
        let mut item = CreateCheckoutSessionLineItems::new();
        item.price = Some(price.to_string());
        item.quantity = Some(1);
        let mut sub = CreateCheckoutSessionSubscriptionData::new();
        sub.metadata = Some(metadata.clone());
        let req = CreateCheckoutSession::new()
            .mode(stripe_shared::CheckoutSessionMode::Subscription)
            .customer(customer)
            .client_reference_id(company_id)
            .line_items(vec![item])
            .subscription_data(sub)
            .metadata(metadata)
            .success_url(success_url)
            .cancel_url(cancel_url);
        self.send(&req, Some(key)).await
    }

    pub async fn subscription(&self, id: &str) -> ApiResult<Subscription> {
        self.send(
            &stripe_billing::subscription::RetrieveSubscription::new(id),
            None,
        )
        .await
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
        use stripe_billing::subscription::{
            UpdateSubscription, UpdateSubscriptionItems, UpdateSubscriptionProrationBehavior,
        };
        let item_id = sub
            .items
            .data
            .first()
            .map(|i| i.id.clone())
            .ok_or_else(|| ApiError::Conflict("The subscription has no item to change".into()))?;
        let mut item = UpdateSubscriptionItems::new();
        item.id = Some(item_id);
        item.price = Some(price.to_string());
        let req = UpdateSubscription::new(sub.id.as_str())
            .items(vec![item])
            .proration_behavior(UpdateSubscriptionProrationBehavior::CreateProrations)
            .metadata(HashMap::from([
                ("companyId".to_string(), company_id.to_string()),
                ("plan".to_string(), plan.as_str().to_string()),
            ]));
        self.send(&req, Some(key)).await
    }

    pub async fn cancel_at_period_end(&self, id: &str, at_period_end: bool) -> ApiResult<Id> {
        use stripe_billing::subscription::{CancelSubscription, UpdateSubscription};
        if at_period_end {
            let req = UpdateSubscription::new(id).cancel_at_period_end(true);
            self.send(&req, None).await
        } else {
            self.send(&CancelSubscription::new(id), None).await
        }
    }

    pub async fn payment_intent(
        &self,
        amount_cents: i64,
        currency: &str,
        description: &str,
        metadata: HashMap<String, String>,
        key: &str,
    ) -> ApiResult<PaymentIntent> {
        let currency: stripe_types::Currency = currency
            .parse()
            .map_err(|_| ApiError::field("currency", "is not an ISO 4217 currency"))?;
        // The description rides in metadata: localstripe refuses the `description`
        // parameter, and our payment record keeps it anyway.
        let mut metadata = metadata;
        metadata.insert("description".into(), description.into());
        let req = stripe_core::payment_intent::CreatePaymentIntent::new(amount_cents, currency)
            .metadata(metadata);
        self.send(&req, Some(key)).await
    }

    pub async fn refund(
        &self,
        payment_intent: &str,
        amount_cents: Option<i64>,
        key: &str,
    ) -> ApiResult<Refund> {
        let mut req = stripe_core::refund::CreateRefund::new().payment_intent(payment_intent);
        if let Some(a) = amount_cents {
            req = req.amount(a);
        }
        self.send(&req, Some(key)).await
    }
}

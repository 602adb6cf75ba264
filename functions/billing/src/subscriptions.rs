use axum::{
    Extension, Json,
    extract::{Path, State},
    http::{HeaderMap, StatusCode},
    response::Response,
};
use campus::{
    ApiError, ApiResult, AppState,
    auth::{Admin, AuthUser, Gate},
    db::{entity_of, keys},
    error::ErrorBody,
    http::{ValidJson, created},
    model::{BillingAccount, Company, User},
    plans::{Feature, Plan},
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use crate::{BillingState, customer};

/// The company's plan and what it allows.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SubscriptionView {
    /// The Stripe subscription (what `PUT /api/subscriptions/{id}` names); absent on
    /// the free plan.
    pub id: Option<String>,
    pub plan: Plan,
    /// `none` without a subscription, else Stripe's status (`active`, `trialing`,
    /// `past_due`, `canceled`, `unpaid`, `incomplete`, ...).
    pub status: String,
    pub seats: u32,
    pub seats_used: u32,
    pub current_period_end: Option<String>,
    pub cancel_at_period_end: bool,
    /// What the plan unlocks beyond the free one.
    pub features: Vec<Feature>,
}

/// The company's subscription (any signed-in user).
#[utoipa::path(get, path = "/api/subscriptions", tag = "billing", security(("bearer" = [])),
    responses((status = 200, body = SubscriptionView), (status = 401, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    AuthUser(p): AuthUser,
) -> ApiResult<Json<SubscriptionView>> {
    let items = state
        .db
        .get_many(&[keys::company(&p.company_id), keys::billing(&p.company_id)])
        .await?;
    let company: Company = entity_of(&items)?.ok_or(ApiError::NotFound)?;
    let billing: BillingAccount = entity_of(&items)?.unwrap_or_default();
    Ok(Json(SubscriptionView {
        id: billing.subscription_id,
        plan: company.plan,
        status: billing.status,
        seats: company.seats,
        seats_used: company.seats_used,
        current_period_end: billing.current_period_end,
        cancel_at_period_end: billing.cancel_at_period_end,
        features: company.plan.features().to_vec(),
    }))
}

/// How a request names itself to Stripe: the client's `Idempotency-Key` when it
/// sent one (a retry of the same request then does nothing twice), else this
/// request's id.
fn request_key(headers: &HeaderMap, scope: &str) -> String {
    let client = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .filter(|k| !k.is_empty() && k.len() <= 100);
    match client {
        Some(k) => format!("campus-{scope}-{k}"),
        None => format!("campus-{scope}-{}", campus::error::current_request_id()),
    }
}

/// A paid plan a client asked for.
fn paid_plan(plan: Plan) -> ApiResult<Plan> {
    if plan.is_paid() {
        Ok(plan)
    } else {
        Err(ApiError::field(
            "plan",
            "must be basic, core or pro (cancel to return to free)",
        ))
    }
}

/// Where Stripe may send the payer back: only to the frontend (no open redirect).
fn frontend_url(state: &AppState, field: &str, url: &str) -> ApiResult<String> {
    let cfg = &state.config;
    let allowed = std::iter::once(cfg.frontend_url.as_str())
        .chain(cfg.cors_origins.iter().map(String::as_str))
        .any(|origin| {
            url.strip_prefix(origin.trim_end_matches('/'))
                .is_some_and(|rest| rest.is_empty() || rest.starts_with(['/', '?', '#']))
        });
    if allowed {
        Ok(url.to_string())
    } else {
        Err(ApiError::field(field, "must be a URL of the frontend"))
    }
}

#[derive(Deserialize, Validate, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CheckoutRequest {
    pub plan: Plan,
    /// Where Stripe sends the payer after paying (a frontend URL).
    #[validate(url, length(max = 2048))]
    pub success_url: String,
    /// Where Stripe sends the payer who gives up (a frontend URL).
    #[validate(url, length(max = 2048))]
    pub cancel_url: String,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CheckoutStarted {
    /// Stripe Checkout's page: send the payer there.
    pub checkout_url: String,
    pub session_id: String,
}

/// Start buying a plan (admin): a Stripe Checkout session for the plan's price, on
/// the company's Stripe customer (made on the first purchase). The session and the
/// subscription it creates carry `metadata: {companyId, plan}`; the plan takes
/// effect when Stripe reports the payment to the webhook. A company with a live
/// subscription changes plan with `PUT /api/subscriptions/{id}` instead (409).
#[utoipa::path(post, path = "/api/subscriptions", tag = "billing", security(("bearer" = [])),
    request_body = CheckoutRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "Repeats of a request with the same key make one Checkout session")),
    responses((status = 201, body = CheckoutStarted), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 409, description = "A subscription is live already", body = ErrorBody),
        (status = 503, description = "Stripe is unreachable or not configured", body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    Extension(billing): Extension<BillingState>,
    Gate(p, ..): Admin,
    headers: HeaderMap,
    ValidJson(req): ValidJson<CheckoutRequest>,
) -> ApiResult<Response> {
    let plan = paid_plan(req.plan)?;
    let success_url = frontend_url(&state, "successUrl", &req.success_url)?;
    let cancel_url = frontend_url(&state, "cancelUrl", &req.cancel_url)?;
    let stripe = billing.stripe()?;
    // The caller too: a first purchase names them (their email) on the Stripe customer.
    let items = state
        .db
        .get_many(&[
            keys::company(&p.company_id),
            keys::billing(&p.company_id),
            keys::user(&p.company_id, &p.user_id),
        ])
        .await?;
    let company: Company = entity_of(&items)?.ok_or(ApiError::NotFound)?;
    let account: BillingAccount = entity_of(&items)?.unwrap_or_default();
    let caller: Option<User> = entity_of(&items)?;
    if account.is_live() {
        return Err(ApiError::Conflict(
            "The company has a live subscription; change its plan with PUT /api/subscriptions/{id}"
                .into(),
        ));
    }
    let customer = match account.stripe_customer_id {
        Some(c) => c,
        None => {
            let email = caller.map(|u| u.email).unwrap_or_default();
            customer::ensure(&state, stripe, &company, &email).await?
        }
    };
    let price = stripe.price(plan).await?;
    let session = stripe
        .checkout(
            &customer,
            &company.id,
            plan,
            &price,
            &success_url,
            &cancel_url,
            &request_key(&headers, &format!("checkout-{}-{plan}", company.id)),
        )
        .await?;
    let checkout_url = session
        .url
        .ok_or_else(|| ApiError::Internal("Stripe answered a session without a URL".into()))?;
    Ok(created(
        &session.id.clone(),
        CheckoutStarted {
            checkout_url,
            session_id: session.id,
        },
    ))
}

#[derive(Deserialize, Validate, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ChangePlan {
    pub plan: Plan,
}

/// What was asked of Stripe; the company's plan follows when Stripe confirms it to
/// the webhook (seconds).
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ChangeRequested {
    pub id: String,
    /// The plan now.
    pub plan: Plan,
    /// The plan asked for (`changePlan`), or none (`cancel`).
    pub requested_plan: Option<Plan>,
    pub cancel_at_period_end: bool,
}

/// The company's live subscription, or 409.
async fn live_subscription(state: &AppState, company_id: &str) -> ApiResult<BillingAccount> {
    let account: BillingAccount = state
        .db
        .get(&keys::billing(company_id))
        .await?
        .unwrap_or_default();
    if !account.is_live() {
        return Err(ApiError::Conflict(
            "The company has no live subscription; start one with POST /api/subscriptions".into(),
        ));
    }
    Ok(account)
}

/// Change plan (admin), prorated by Stripe: the price of the subscription's item is
/// replaced and the difference charged or credited on the next invoice. Answers 202:
/// the plan changes when Stripe confirms it.
#[utoipa::path(put, path = "/api/subscriptions/{id}", tag = "billing", security(("bearer" = [])),
    params(("id" = String, Path, description = "The subscription id (`GET /api/subscriptions`)"),
        ("Idempotency-Key" = Option<String>, Header)),
    request_body = ChangePlan,
    responses((status = 202, body = ChangeRequested), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, description = "No live subscription, or already on that plan", body = ErrorBody),
        (status = 503, body = ErrorBody)))]
pub async fn change(
    State(state): State<AppState>,
    Extension(billing): Extension<BillingState>,
    Gate(p, ..): Admin,
    Path(id): Path<String>,
    headers: HeaderMap,
    ValidJson(req): ValidJson<ChangePlan>,
) -> ApiResult<(StatusCode, Json<ChangeRequested>)> {
    let plan = paid_plan(req.plan)?;
    let stripe = billing.stripe()?;
    let account = live_subscription(&state, &p.company_id).await?;
    if account.subscription_id.as_deref() != Some(id.as_str()) {
        return Err(ApiError::NotFound);
    }
    if account.plan == plan {
        return Err(ApiError::Conflict(format!(
            "The company is on {plan} already"
        )));
    }
    let sub = stripe.subscription(&id).await?;
    let price = stripe.price(plan).await?;
    stripe
        .change_plan(
            &sub,
            &p.company_id,
            plan,
            &price,
            &request_key(&headers, &format!("change-{id}-{plan}")),
        )
        .await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(ChangeRequested {
            id,
            plan: account.plan,
            requested_plan: Some(plan),
            cancel_at_period_end: account.cancel_at_period_end,
        }),
    ))
}

#[derive(Deserialize, Validate, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CancelRequest {
    /// `true`: the plan lasts until the paid period ends (default); `false`: it ends now.
    #[serde(default = "yes")]
    pub at_period_end: bool,
}

fn yes() -> bool {
    true
}

/// Cancel the subscription (admin): at the end of the paid period, or now. Answers
/// 202; the company returns to free when Stripe ends the subscription.
#[utoipa::path(post, path = "/api/subscriptions/cancel", tag = "billing", security(("bearer" = [])),
    request_body = CancelRequest,
    responses((status = 202, body = ChangeRequested), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 409, description = "No live subscription", body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn cancel(
    State(state): State<AppState>,
    Extension(billing): Extension<BillingState>,
    Gate(p, ..): Admin,
    ValidJson(req): ValidJson<CancelRequest>,
) -> ApiResult<(StatusCode, Json<ChangeRequested>)> {
    let stripe = billing.stripe()?;
    let account = live_subscription(&state, &p.company_id).await?;
    let id = account.subscription_id.clone().unwrap_or_default();
    stripe.cancel_at_period_end(&id, req.at_period_end).await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(ChangeRequested {
            id,
            plan: account.plan,
            requested_plan: None,
            cancel_at_period_end: req.at_period_end,
        }),
    ))
}

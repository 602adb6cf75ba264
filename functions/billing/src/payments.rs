use std::collections::HashMap;

use axum::{
    Extension, Json,
    extract::{Path, State},
    http::StatusCode,
    response::Response,
};
use campus::{
    ApiError, ApiResult, AppState,
    audit::Audit,
    auth::{Admin, AuthUser, Gate},
    clock,
    db::{Cond, Filter, keys, lists},
    error::ErrorBody,
    http::{ListQuery, ListResponse, QueryParams, ValidJson, created, non_blank},
    model::{Course, CourseStatus, Payment, PaymentKind, PaymentStatus, StripePaymentIntent},
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use crate::BillingState;

/// The company's payments and subscription invoices, newest first (admin), as
/// Stripe's events recorded them.
#[utoipa::path(get, path = "/api/payments", tag = "billing", security(("bearer" = [])),
    params(ListQuery),
    responses((status = 200, body = ListResponse<Payment>), (status = 403, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    Gate(p, ..): Admin,
    QueryParams(q): QueryParams<ListQuery>,
) -> ApiResult<Json<ListResponse<Payment>>> {
    let page = state
        .db
        .page(
            &lists::payments(&p.company_id),
            q.at(),
            Filter::default().newest_first(),
        )
        .await?;
    Ok(Json(page.into()))
}

#[derive(Deserialize, Serialize, Validate, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PaymentRequest {
    /// Buy this priced, published course; or give the three fields below.
    #[validate(length(min = 1, max = 64))]
    pub course_id: Option<String>,
    /// In the currency's minor unit: 50 (Stripe's least) to 99,999,999.
    #[validate(range(min = 50, max = 99_999_999))]
    pub amount_cents: Option<i64>,
    /// ISO 4217, e.g. `eur`.
    #[validate(length(equal = 3))]
    pub currency: Option<String>,
    #[validate(length(min = 1, max = 200))]
    pub description: Option<String>,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PaymentStarted {
    pub payment_id: String,
    /// For Stripe.js to confirm the payment in the browser.
    pub client_secret: String,
}

/// What is to be paid, checked.
struct Charge {
    kind: PaymentKind,
    course_id: Option<String>,
    amount_cents: i64,
    currency: String,
    description: String,
}

async fn what(state: &AppState, company_id: &str, req: PaymentRequest) -> ApiResult<Charge> {
    match (
        req.course_id,
        req.amount_cents,
        req.currency,
        req.description,
    ) {
        (Some(course_id), None, None, None) => {
            let course: Course = state.db.find(&keys::course(company_id, &course_id)).await?;
            let (Some(price), Some(currency)) =
                (course.price_cents.filter(|p| *p > 0), course.currency)
            else {
                return Err(ApiError::field(
                    "courseId",
                    "names a course without a price",
                ));
            };
            if course.status != CourseStatus::Published {
                return Err(ApiError::field(
                    "courseId",
                    "names a course that is not published",
                ));
            }
            Ok(Charge {
                kind: PaymentKind::Course,
                course_id: Some(course.id),
                amount_cents: i64::try_from(price).map_err(ApiError::internal)?,
                currency: currency.to_lowercase(),
                description: format!("Course: {}", course.title),
            })
        }
        (None, Some(amount_cents), Some(currency), Some(description)) => {
            let currency = currency.to_lowercase();
            if !currency.bytes().all(|b| b.is_ascii_lowercase()) {
                return Err(ApiError::field("currency", "must be an ISO 4217 code"));
            }
            Ok(Charge {
                kind: PaymentKind::Custom,
                course_id: None,
                amount_cents,
                currency,
                description: non_blank("description", &description)?,
            })
        }
        _ => Err(ApiError::field(
            "courseId",
            "give either courseId, or amountCents, currency and description",
        )),
    }
}

/// Start a one-off payment (any user): a priced course, or an amount. Answers the
/// PaymentIntent's client secret for Stripe.js; the payment is recorded `pending`
/// and becomes `succeeded` when Stripe reports it to the webhook. Send an
/// `Idempotency-Key` (as on every POST): a repeat within 24 hours answers the same
/// payment and charges once; the same key with another body answers 409.
#[utoipa::path(post, path = "/api/payments", tag = "billing", security(("bearer" = [])),
    request_body = PaymentRequest,
    responses((status = 201, body = PaymentStarted), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 404, description = "No such course", body = ErrorBody),
        (status = 409, description = "The Idempotency-Key was used with another body", body = ErrorBody),
        (status = 503, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    Extension(billing): Extension<BillingState>,
    AuthUser(p): AuthUser,
    audit: Audit,
    ValidJson(req): ValidJson<PaymentRequest>,
) -> ApiResult<Response> {
    let charge = what(&state, &p.company_id, req).await?;
    let stripe = billing.stripe()?;
    let id = clock::new_id();
    let metadata = HashMap::from([
        ("companyId".to_string(), p.company_id.clone()),
        ("paymentId".to_string(), id.clone()),
        ("userId".to_string(), p.user_id.clone()),
    ]);
    // Stripe's own idempotency key: a retry of this call cannot charge twice.
    let intent = stripe
        .payment_intent(
            charge.amount_cents,
            &charge.currency,
            &charge.description,
            metadata,
            &format!("campus-payment-{}-{id}", p.company_id),
        )
        .await?;
    let client_secret = intent
        .client_secret
        .ok_or_else(|| ApiError::Internal("Stripe answered no client secret".into()))?;
    let now = clock::now_rfc3339();
    let payment = Payment {
        id,
        company_id: p.company_id.clone(),
        kind: charge.kind,
        user_id: Some(p.user_id.clone()),
        course_id: charge.course_id,
        description: charge.description,
        amount_cents: charge.amount_cents,
        currency: charge.currency,
        status: PaymentStatus::Pending,
        refunded_cents: 0,
        stripe_payment_intent_id: Some(intent.id.clone()),
        stripe_invoice_id: None,
        invoice_url: None,
        event_created: 0,
        created_at: now.clone(),
        updated_at: now,
    };
    let pointer = StripePaymentIntent {
        payment_intent_id: intent.id.clone(),
        company_id: p.company_id.clone(),
        payment_id: payment.id.clone(),
    };
    let tx = state
        .db
        .tx()
        .put(&pointer, Cond::absent())
        .put(&payment, Cond::absent());
    Ok(audit
        .commit(
            &state.db,
            tx,
            created(
                &payment.id.clone(),
                PaymentStarted {
                    payment_id: payment.id,
                    client_secret,
                },
            ),
        )
        .await?)
}

#[derive(Deserialize, Validate, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RefundRequest {
    /// Part of what is left to refund; default all of it.
    #[validate(range(min = 1))]
    pub amount_cents: Option<i64>,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RefundStarted {
    pub refund_id: String,
    pub amount_cents: i64,
    /// Stripe's refund status (`succeeded`, `pending`, ...). The payment shows it once
    /// Stripe reports the refunded charge to the webhook.
    pub status: Option<String>,
}

/// Refund a succeeded payment, wholly or in part (admin). Answers 202; the payment's
/// `refundedCents` and status follow Stripe's `charge.refunded`.
#[utoipa::path(post, path = "/api/payments/{id}/refund", tag = "billing", security(("bearer" = [])),
    params(("id" = String, Path)),
    request_body = RefundRequest,
    responses((status = 202, body = RefundStarted), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, description = "Not refundable (not paid, or refunded already)", body = ErrorBody),
        (status = 503, body = ErrorBody)))]
pub async fn refund(
    State(state): State<AppState>,
    Extension(billing): Extension<BillingState>,
    Gate(p, ..): Admin,
    Path(id): Path<String>,
    ValidJson(req): ValidJson<RefundRequest>,
) -> ApiResult<(StatusCode, Json<RefundStarted>)> {
    let payment: Payment = state.db.find(&keys::payment(&p.company_id, &id)).await?;
    let refundable = payment.amount_cents - payment.refunded_cents;
    let Some(intent) = payment.stripe_payment_intent_id.as_deref().filter(|_| {
        matches!(
            payment.status,
            PaymentStatus::Succeeded | PaymentStatus::PartiallyRefunded
        ) && refundable > 0
    }) else {
        return Err(ApiError::Conflict(
            "Only a paid, not wholly refunded payment can be refunded".into(),
        ));
    };
    let amount = req.amount_cents.unwrap_or(refundable);
    if amount > refundable {
        return Err(ApiError::field(
            "amountCents",
            &format!("must be at most {refundable}, what is left to refund"),
        ));
    }
    let stripe = billing.stripe()?;
    // Names the payment and what was refunded before: a retry refunds once.
    let key = format!(
        "campus-refund-{}-{}-{amount}",
        payment.id, payment.refunded_cents
    );
    let r = stripe.refund(intent, Some(amount), &key).await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(RefundStarted {
            refund_id: r.id,
            amount_cents: r.amount,
            status: r.status,
        }),
    ))
}

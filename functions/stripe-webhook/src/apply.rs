//! Each handled event as writes: one transaction holding the event's mark (under
//! `attribute_not_exists`: a second delivery fails there and changes nothing) and the
//! state it changes, each record conditioned on holding no newer event's state.

use campus::{
    ApiError, ApiResult, AppState, clock,
    db::{Cond, Field, Guard, StoreError, Tx, Update, keys},
    model::{
        Assignment, BillingAccount, Company, Payment, PaymentKind, PaymentStatus, StripeCustomer,
        StripeEventMark, StripePaymentIntent, subscription_live,
    },
    plans::Plan,
};
use serde::de::DeserializeOwned;

use crate::shapes::{Charge, CheckoutSession, Event, Invoice, PaymentIntent, Subscription};

/// Kept past Stripe's three days of retries.
const MARK_TTL_SECS: u64 = 30 * 86_400;

/// What refuses an event delivered a second time.
const FIRST_DELIVERY: Guard = Guard::named("FirstDelivery");

/// What an event does: writes to add after its mark, or why it does nothing.
enum Change {
    Write(Box<dyn FnOnce(Tx) -> ApiResult<Tx> + Send>),
    Skip(&'static str),
}

pub async fn event(state: &AppState, event: &Event) -> ApiResult<&'static str> {
    let change = match event.kind.as_str() {
        "checkout.session.completed" => checkout(state, event, object(event)?).await?,
        "customer.subscription.created"
        | "customer.subscription.updated"
        | "customer.subscription.deleted" => subscription(state, event, object(event)?).await?,
        "invoice.paid" | "invoice.payment_failed" => invoice(state, event, object(event)?).await?,
        "payment_intent.succeeded" => payment_succeeded(state, event, object(event)?).await?,
        "charge.refunded" => refunded(state, event, object(event)?).await?,
        _ => return Ok("ignored"),
    };
    match change {
        Change::Skip(reason) => {
            tracing::warn!(event_id = %event.id, event_type = %event.kind, reason, "Stripe event not applied");
            mark_only(state, event, reason).await
        }
        Change::Write(writes) => {
            let tx = state.db.tx().put(
                &mark(event, "applied"),
                Cond::absent().named(FIRST_DELIVERY),
            );
            match state.db.commit(writes(tx)?).await {
                Ok(()) => Ok("applied"),
                Err(StoreError::Refused(FIRST_DELIVERY)) => Ok("duplicate"),
                // A record holds a newer event's state: keep it, remember this one.
                Err(StoreError::Refused(_)) => mark_only(state, event, "stale").await,
                Err(e) => Err(e.into()),
            }
        }
    }
}

fn object<T: DeserializeOwned>(event: &Event) -> ApiResult<T> {
    serde_json::from_value(event.data.object.clone()).map_err(|e| {
        ApiError::field(
            "data.object",
            &format!("is not what a {} event carries: {e}", event.kind),
        )
    })
}

fn mark(event: &Event, outcome: &str) -> StripeEventMark {
    StripeEventMark {
        id: event.id.clone(),
        kind: event.kind.clone(),
        created: event.created,
        outcome: outcome.into(),
        received_at: clock::now_rfc3339(),
        expires_epoch: clock::epoch_after(std::time::Duration::from_secs(MARK_TTL_SECS)),
    }
}

async fn mark_only(
    state: &AppState,
    event: &Event,
    outcome: &'static str,
) -> ApiResult<&'static str> {
    match state.db.put(&mark(event, outcome), Cond::absent()).await {
        Ok(()) => Ok(outcome),
        Err(StoreError::Refused(_)) => Ok("duplicate"),
        Err(e) => Err(e.into()),
    }
}

/// Holds no newer event's state: what every record's write is conditioned on.
fn not_newer(event_created: Field, created: i64) -> Cond {
    event_created.missing().or(event_created.le(created))
}

/// The company an event is about: its `metadata.companyId`, else its Stripe
/// customer's; `None` when that company does not exist (here).
async fn company_of(
    state: &AppState,
    company_id: Option<&str>,
    customer_id: Option<&str>,
) -> ApiResult<Option<String>> {
    let id = match (company_id, customer_id) {
        (Some(id), _) => id.to_string(),
        (None, Some(cus)) => match state
            .db
            .get::<StripeCustomer>(&keys::stripe_customer(cus))
            .await
        {
            Ok(Some(p)) => p.company_id,
            Ok(None) | Err(StoreError::NotFound) => return Ok(None),
            Err(e) => return Err(e.into()),
        },
        (None, None) => return Ok(None),
    };
    match state.db.get::<Company>(&keys::company(&id)).await {
        Ok(Some(_)) => Ok(Some(id)),
        Ok(None) | Err(StoreError::NotFound) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// A subscription's state as one event tells it.
struct SubscriptionState {
    company_id: String,
    customer_id: Option<String>,
    subscription_id: String,
    plan: Plan,
    status: String,
    /// `None` where the event does not tell (a completed Checkout session): what
    /// the subscription's own events stored stays.
    period_end: Option<i64>,
    cancel_at_period_end: Option<bool>,
}

fn write_subscription(s: SubscriptionState, created: i64) -> Change {
    Change::Write(Box::new(move |tx: Tx| {
        let now = clock::now_rfc3339();
        let plan = if subscription_live(&s.status) {
            s.plan
        } else {
            Plan::Free
        };
        let period_end = s
            .period_end
            .and_then(|e| time::OffsetDateTime::from_unix_timestamp(e).ok())
            .map(clock::rfc3339);
        let mut fields = Update::new()
            .set(BillingAccount::COMPANY_ID, &s.company_id)
            .set(BillingAccount::SUBSCRIPTION_ID, &s.subscription_id)
            .set(BillingAccount::PLAN, plan)
            .set(BillingAccount::STATUS, &s.status)
            .set(BillingAccount::EVENT_CREATED, created)
            .set(Field::UPDATED_AT, &now);
        if let Some(end) = &period_end {
            fields = fields.set(BillingAccount::CURRENT_PERIOD_END, end);
        }
        if let Some(cancel) = s.cancel_at_period_end {
            fields = fields.set(BillingAccount::CANCEL_AT_PERIOD_END, cancel);
        }
        if let Some(cus) = &s.customer_id {
            fields = fields.set(BillingAccount::STRIPE_CUSTOMER_ID, cus);
        }
        let mut cond = not_newer(BillingAccount::EVENT_CREATED, created);
        // An ended subscription that is no longer the company's current one (it
        // subscribed anew since) must not end the current one.
        if !subscription_live(&s.status) {
            cond = cond.and(
                BillingAccount::SUBSCRIPTION_ID
                    .missing()
                    .or(BillingAccount::SUBSCRIPTION_ID.eq(&s.subscription_id)),
            );
        }
        let mut tx = tx.upsert::<BillingAccount>(&keys::billing(&s.company_id), fields, cond);
        // What gates and seat limits read; the version bump makes a concurrent
        // rename of the company fail rather than write back the old plan.
        tx = tx.update(
            &keys::company(&s.company_id),
            Update::new()
                .set(Company::PLAN, plan)
                .set(Company::SEATS, plan.seats())
                .set(Field::UPDATED_AT, &now)
                .add(Field::VERSION, 1),
            Cond::present(),
        );
        if let Some(cus) = s.customer_id {
            tx = tx.put(
                &StripeCustomer {
                    customer_id: cus,
                    company_id: s.company_id.clone(),
                },
                None,
            );
        }
        Ok(tx)
    }))
}

async fn checkout(state: &AppState, event: &Event, session: CheckoutSession) -> ApiResult<Change> {
    if session.mode.as_deref() != Some("subscription") {
        return Ok(Change::Skip("ignored"));
    }
    let customer = session.customer.as_ref().map(|c| c.id().to_string());
    let Some(company_id) = company_of(
        state,
        session.metadata.get("companyId").map(String::as_str),
        customer.as_deref(),
    )
    .await?
    else {
        return Ok(Change::Skip("unknown_company"));
    };
    let (Some(plan), Some(subscription)) = (
        session.metadata.get("plan").and_then(|p| Plan::parse(p)),
        session.subscription.as_ref(),
    ) else {
        return Ok(Change::Skip("unknown_plan"));
    };
    let paid = matches!(
        session.payment_status.as_deref(),
        Some("paid" | "no_payment_required")
    );
    tracing::info!(session = %session.id, company = %company_id, %plan, "checkout completed");
    Ok(write_subscription(
        SubscriptionState {
            company_id,
            customer_id: customer,
            subscription_id: subscription.id().to_string(),
            plan,
            status: if paid { "active" } else { "incomplete" }.into(),
            period_end: None,
            cancel_at_period_end: None,
        },
        event.created,
    ))
}

async fn subscription(state: &AppState, event: &Event, sub: Subscription) -> ApiResult<Change> {
    let customer = sub.customer.id().to_string();
    let Some(company_id) = company_of(
        state,
        sub.metadata.get("companyId").map(String::as_str),
        Some(&customer),
    )
    .await?
    else {
        return Ok(Change::Skip("unknown_company"));
    };
    let Some(plan) = sub.plan(&state.config.stripe.prices) else {
        return Ok(Change::Skip("unknown_plan"));
    };
    let status = if event.kind == "customer.subscription.deleted" {
        "canceled".to_string()
    } else {
        sub.status.clone()
    };
    Ok(write_subscription(
        SubscriptionState {
            company_id,
            customer_id: Some(customer),
            subscription_id: sub.id.clone(),
            plan,
            status,
            period_end: sub.period_end(),
            cancel_at_period_end: Some(sub.cancel_at_period_end),
        },
        event.created,
    ))
}

/// An invoice's payment record keeps one id for all of the invoice's events: a
/// ULID from the invoice's creation time (so the list stays in time order) and the
/// invoice id's hash.
fn invoice_payment_id(invoice: &Invoice) -> String {
    let hash = campus::auth::tokens::sha256_hex(&invoice.id);
    let random = u128::from_str_radix(&hash[..20], 16).unwrap_or_default();
    let ms = u64::try_from(invoice.created.max(0)).unwrap_or_default() * 1000;
    ulid::Ulid::from_parts(ms, random).to_string()
}

async fn invoice(state: &AppState, event: &Event, invoice: Invoice) -> ApiResult<Change> {
    let Some(company_id) = company_of(
        state,
        invoice.company_id(),
        invoice.customer.as_ref().map(|c| c.id()),
    )
    .await?
    else {
        return Ok(Change::Skip("unknown_company"));
    };
    let paid = event.kind == "invoice.paid";
    let created = event.created;
    let at = time::OffsetDateTime::from_unix_timestamp(invoice.created)
        .map(clock::rfc3339)
        .unwrap_or_else(|_| clock::now_rfc3339());
    let payment = Payment {
        id: invoice_payment_id(&invoice),
        company_id,
        kind: PaymentKind::Invoice,
        user_id: None,
        course_id: None,
        description: match &invoice.number {
            Some(n) => format!("Invoice {n}"),
            None => "Subscription invoice".into(),
        },
        amount_cents: if paid {
            invoice.amount_paid
        } else {
            invoice.amount_due
        },
        currency: invoice.currency.clone(),
        status: if paid {
            PaymentStatus::Succeeded
        } else {
            PaymentStatus::Failed
        },
        refunded_cents: 0,
        stripe_payment_intent_id: None,
        stripe_invoice_id: Some(invoice.id.clone()),
        invoice_url: invoice.hosted_invoice_url.clone(),
        event_created: created,
        created_at: at,
        updated_at: clock::now_rfc3339(),
    };
    Ok(Change::Write(Box::new(move |tx: Tx| {
        Ok(tx.put_except(&payment, &[], not_newer(Payment::EVENT_CREATED, created)))
    })))
}

/// The payment a PaymentIntent pays: through the pointer written with it, else
/// through its metadata.
async fn payment_of(
    state: &AppState,
    payment_intent: &str,
    metadata: Option<&crate::shapes::Metadata>,
) -> ApiResult<Option<Payment>> {
    let pointer = state
        .db
        .get::<StripePaymentIntent>(&keys::stripe_payment_intent(payment_intent))
        .await?;
    let ids = match pointer {
        Some(p) => (p.company_id, p.payment_id),
        None => match metadata.and_then(|m| Some((m.get("companyId")?, m.get("paymentId")?))) {
            Some((c, p)) => (c.clone(), p.clone()),
            None => return Ok(None),
        },
    };
    match state
        .db
        .get::<Payment>(&keys::payment(&ids.0, &ids.1))
        .await
    {
        Ok(found) => Ok(found),
        Err(StoreError::NotFound) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

fn update_payment(company_id: String, payment_id: String, fields: Update, created: i64) -> Change {
    Change::Write(Box::new(move |tx: Tx| {
        let fields = fields
            .set(Payment::EVENT_CREATED, created)
            .set(Field::UPDATED_AT, clock::now_rfc3339());
        Ok(tx.upsert::<Payment>(
            &keys::payment(&company_id, &payment_id),
            fields,
            Cond::present().and(not_newer(Payment::EVENT_CREATED, created)),
        ))
    }))
}

async fn payment_succeeded(
    state: &AppState,
    event: &Event,
    pi: PaymentIntent,
) -> ApiResult<Change> {
    let Some(payment) = payment_of(state, &pi.id, Some(&pi.metadata)).await? else {
        return Ok(Change::Skip("unknown_payment"));
    };
    if let (PaymentKind::Course, Some(user), Some(course)) =
        (payment.kind, &payment.user_id, &payment.course_id)
    {
        enrol(state, &payment.company_id, user, course).await?;
    }
    Ok(update_payment(
        payment.company_id,
        payment.id,
        Update::new().set(Payment::STATUS, PaymentStatus::Succeeded),
        event.created,
    ))
}

async fn refunded(state: &AppState, event: &Event, charge: Charge) -> ApiResult<Change> {
    let Some(pi) = charge.payment_intent.as_ref() else {
        return Ok(Change::Skip("unknown_payment"));
    };
    let Some(payment) = payment_of(state, pi.id(), None).await? else {
        return Ok(Change::Skip("unknown_payment"));
    };
    tracing::info!(charge = %charge.id, refunded = charge.amount_refunded, "charge refunded");
    let status = if charge.refunded {
        PaymentStatus::Refunded
    } else {
        PaymentStatus::PartiallyRefunded
    };
    Ok(update_payment(
        payment.company_id,
        payment.id,
        Update::new()
            .set(Payment::STATUS, status)
            .set(Payment::REFUNDED_CENTS, charge.amount_refunded),
        event.created,
    ))
}

/// A bought course is the buyer's: enrolled as self-enrolment would, unless already
/// assigned. Written before the event's transaction and idempotent, so a crash in
/// between is mended by Stripe's retry.
async fn enrol(
    state: &AppState,
    company_id: &str,
    user_id: &str,
    course_id: &str,
) -> ApiResult<()> {
    let assignment = Assignment::new(company_id, user_id, course_id, "purchase", None);
    match state.db.put(&assignment, Cond::absent()).await {
        Ok(()) => Ok(()),
        // Enrolled already: a self-enrolment becomes the purchase (its lessons open).
        Err(StoreError::Refused(_)) => {
            campus::progress::adopt_enrolment(&state.db, company_id, user_id, course_id, "purchase")
                .await
        }
        Err(e) => Err(e.into()),
    }
}

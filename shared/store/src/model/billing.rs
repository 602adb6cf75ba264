//! What billing keeps: a company's Stripe customer and subscription state, the
//! payments and invoices recorded from Stripe's events, the pointers from Stripe's
//! ids back to a company, and the marks of events already applied.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::{
    db::{Entity, Keys, keys},
    model::Plan,
};

/// A company's billing state. Written only through update expressions (the billing
/// function sets the customer, the webhook the rest), so neither undoes the other;
/// an item that has only a customer yet reads as the free plan.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct BillingAccount {
    pub company_id: String,
    pub stripe_customer_id: Option<String>,
    pub subscription_id: Option<String>,
    pub plan: Plan,
    /// `none` without a subscription, else Stripe's subscription status (`active`,
    /// `trialing`, `past_due`, `canceled`, `unpaid`, `incomplete`, ...).
    pub status: String,
    pub current_period_end: Option<String>,
    pub cancel_at_period_end: bool,
    /// `created` (epoch seconds) of the newest Stripe event applied; an older event
    /// arriving late changes nothing.
    pub event_created: i64,
    pub updated_at: String,
}

impl Default for BillingAccount {
    fn default() -> Self {
        Self {
            company_id: String::new(),
            stripe_customer_id: None,
            subscription_id: None,
            plan: Plan::Free,
            status: "none".into(),
            current_period_end: None,
            cancel_at_period_end: false,
            event_created: 0,
            updated_at: String::new(),
        }
    }
}

/// Stripe subscription statuses in which the company has what it pays for
/// (`past_due`: Stripe is still retrying the payment).
pub fn subscription_live(status: &str) -> bool {
    matches!(status, "active" | "trialing" | "past_due")
}

impl BillingAccount {
    pub fn is_live(&self) -> bool {
        subscription_live(&self.status) && self.subscription_id.is_some()
    }
}

impl Entity for BillingAccount {
    const NAME: &'static str = "billing";

    fn keys(&self) -> Keys {
        Keys::new(keys::billing(&self.company_id), Self::NAME)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PaymentKind {
    /// A one-off purchase of a priced course.
    Course,
    /// A one-off payment of a given amount.
    Custom,
    /// A subscription invoice (recorded from `invoice.*` events).
    Invoice,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PaymentStatus {
    /// Created; the client has not paid yet.
    Pending,
    Succeeded,
    Failed,
    PartiallyRefunded,
    Refunded,
}

/// A payment or invoice, as Stripe's events tell it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Payment {
    pub id: String,
    pub company_id: String,
    pub kind: PaymentKind,
    /// Who paid (absent for invoices).
    pub user_id: Option<String>,
    pub course_id: Option<String>,
    pub description: String,
    /// In the currency's minor unit.
    pub amount_cents: i64,
    /// ISO 4217, lower case as Stripe writes it.
    pub currency: String,
    pub status: PaymentStatus,
    pub refunded_cents: i64,
    pub stripe_payment_intent_id: Option<String>,
    pub stripe_invoice_id: Option<String>,
    /// Stripe's hosted page of an invoice.
    pub invoice_url: Option<String>,
    /// `created` (epoch seconds) of the newest Stripe event applied to it.
    #[serde(default)]
    pub event_created: i64,
    pub created_at: String,
    pub updated_at: String,
}

impl Entity for Payment {
    const NAME: &'static str = "payment";

    fn keys(&self) -> Keys {
        Keys::new(keys::payment(&self.company_id, &self.id), Self::NAME)
    }
}

/// From a Stripe customer to its company.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StripeCustomer {
    pub customer_id: String,
    pub company_id: String,
}

impl Entity for StripeCustomer {
    const NAME: &'static str = "stripe_customer";

    fn keys(&self) -> Keys {
        Keys::new(keys::stripe_customer(&self.customer_id), Self::NAME)
    }
}

/// From a Stripe PaymentIntent to its payment.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StripePaymentIntent {
    pub payment_intent_id: String,
    pub company_id: String,
    pub payment_id: String,
}

impl Entity for StripePaymentIntent {
    const NAME: &'static str = "stripe_payment_intent";

    fn keys(&self) -> Keys {
        Keys::new(
            keys::stripe_payment_intent(&self.payment_intent_id),
            Self::NAME,
        )
    }
}

/// A Stripe event that was applied (or deliberately ignored); kept past Stripe's
/// three days of retries, then dropped by TTL.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StripeEventMark {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub created: i64,
    /// `applied`, or why it changed nothing (`stale`, `unknown_company`, ...).
    pub outcome: String,
    pub received_at: String,
    pub expires_epoch: i64,
}

impl Entity for StripeEventMark {
    const NAME: &'static str = "stripe_event";

    fn keys(&self) -> Keys {
        Keys::new(keys::stripe_event(&self.id), Self::NAME).ttl(self.expires_epoch)
    }
}

//! The parts of Stripe's objects this webhook reads, and nothing more: fields added
//! or moved in another API version do not break it. Where Stripe has moved a field
//! (a subscription's period end onto its items; an invoice's subscription under
//! `parent`), both places are read.

use std::collections::HashMap;

use campus::plans::Plan;
use serde::Deserialize;

#[derive(Debug, Deserialize)]
pub struct Event {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    /// Epoch seconds: what orders events.
    pub created: i64,
    pub data: EventData,
}

#[derive(Debug, Deserialize)]
pub struct EventData {
    pub object: serde_json::Value,
}

/// An id, or the object it names when the event was expanded.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum Ref {
    Id(String),
    Object { id: String },
}

impl Ref {
    pub fn id(&self) -> &str {
        match self {
            Ref::Id(id) | Ref::Object { id } => id,
        }
    }
}

pub type Metadata = HashMap<String, String>;

#[derive(Debug, Deserialize)]
pub struct CheckoutSession {
    pub id: String,
    pub customer: Option<Ref>,
    pub subscription: Option<Ref>,
    #[serde(default)]
    pub metadata: Metadata,
    pub mode: Option<String>,
    pub payment_status: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct Subscription {
    pub id: String,
    pub customer: Ref,
    pub status: String,
    #[serde(default)]
    pub metadata: Metadata,
    #[serde(default)]
    pub cancel_at_period_end: bool,
    pub current_period_end: Option<i64>,
    pub items: Option<List<SubscriptionItem>>,
}

#[derive(Debug, Deserialize)]
pub struct List<T> {
    pub data: Vec<T>,
}

#[derive(Debug, Deserialize)]
pub struct SubscriptionItem {
    pub price: Option<Price>,
    pub current_period_end: Option<i64>,
}

#[derive(Debug, Deserialize)]
pub struct Price {
    pub id: Option<String>,
    pub lookup_key: Option<String>,
}

impl Subscription {
    /// The plan the subscription bills: its price (by id or lookup key, as
    /// configured per plan), else its `metadata.plan`.
    pub fn plan(&self, prices: &[String; 3]) -> Option<Plan> {
        const PAID: [Plan; 3] = [Plan::Basic, Plan::Core, Plan::Pro];
        let by_price = self
            .items
            .iter()
            .flat_map(|l| l.data.iter())
            .filter_map(|i| i.price.as_ref())
            .find_map(|price| {
                prices.iter().position(|configured| {
                    price.id.as_deref() == Some(configured)
                        || price.lookup_key.as_deref() == Some(configured)
                })
            })
            .map(|i| PAID[i]);
        by_price.or_else(|| self.metadata.get("plan").and_then(|p| Plan::parse(p)))
    }

    pub fn period_end(&self) -> Option<i64> {
        self.current_period_end.or_else(|| {
            self.items
                .iter()
                .flat_map(|l| l.data.iter())
                .find_map(|i| i.current_period_end)
        })
    }
}

#[derive(Debug, Deserialize)]
pub struct Invoice {
    pub id: String,
    pub customer: Option<Ref>,
    pub number: Option<String>,
    #[serde(default)]
    pub amount_due: i64,
    #[serde(default)]
    pub amount_paid: i64,
    pub currency: String,
    pub created: i64,
    pub hosted_invoice_url: Option<String>,
    pub parent: Option<InvoiceParent>,
    pub subscription_details: Option<SubscriptionDetails>,
}

#[derive(Debug, Deserialize)]
pub struct InvoiceParent {
    pub subscription_details: Option<SubscriptionDetails>,
}

#[derive(Debug, Deserialize)]
pub struct SubscriptionDetails {
    #[serde(default)]
    pub metadata: Metadata,
}

impl Invoice {
    /// `metadata.companyId` of the invoice's subscription, where the event carries it.
    pub fn company_id(&self) -> Option<&str> {
        self.parent
            .as_ref()
            .and_then(|p| p.subscription_details.as_ref())
            .or(self.subscription_details.as_ref())
            .and_then(|d| d.metadata.get("companyId"))
            .map(String::as_str)
    }
}

#[derive(Debug, Deserialize)]
pub struct PaymentIntent {
    pub id: String,
    #[serde(default)]
    pub metadata: Metadata,
}

#[derive(Debug, Deserialize)]
pub struct Charge {
    pub id: String,
    pub payment_intent: Option<Ref>,
    #[serde(default)]
    pub amount_refunded: i64,
    #[serde(default)]
    pub refunded: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_subscription_of_either_api_version() {
        let prices = [
            "campus_basic".to_string(),
            "price_core".into(),
            "campus_pro".into(),
        ];
        let old: Subscription = serde_json::from_value(serde_json::json!({
            "id": "sub_1", "customer": "cus_1", "status": "active",
            "current_period_end": 1_800_000_000,
            "metadata": {"plan": "basic"},
            "items": {"data": [{"price": {"id": "price_core", "lookup_key": null}}]}
        }))
        .unwrap();
        assert_eq!(old.plan(&prices), Some(Plan::Core), "the price billed wins");
        assert_eq!(old.period_end(), Some(1_800_000_000));
        let new: Subscription = serde_json::from_value(serde_json::json!({
            "id": "sub_1", "customer": {"id": "cus_1", "object": "customer"}, "status": "active",
            "metadata": {"plan": "core"},
            "items": {"data": [{"price": {"id": "price_x", "lookup_key": "campus_pro"}, "current_period_end": 1_900_000_000}]}
        }))
        .unwrap();
        assert_eq!(new.customer.id(), "cus_1");
        assert_eq!(new.plan(&prices), Some(Plan::Pro));
        assert_eq!(new.period_end(), Some(1_900_000_000));
        let unknown_price: Subscription = serde_json::from_value(serde_json::json!({
            "id": "sub_1", "customer": "cus_1", "status": "active", "metadata": {"plan": "core"},
            "items": {"data": [{"price": {"id": "price_other"}}]}
        }))
        .unwrap();
        assert_eq!(unknown_price.plan(&prices), Some(Plan::Core));
    }

    #[test]
    fn an_invoice_names_its_company_where_either_api_version_puts_it() {
        let new: Invoice = serde_json::from_value(serde_json::json!({
            "id": "in_1", "currency": "eur", "created": 1,
            "parent": {"subscription_details": {"metadata": {"companyId": "c1"}}}
        }))
        .unwrap();
        assert_eq!(new.company_id(), Some("c1"));
        let old: Invoice = serde_json::from_value(serde_json::json!({
            "id": "in_1", "currency": "eur", "created": 1, "customer": "cus_1",
            "subscription_details": {"metadata": {"companyId": "c2"}}
        }))
        .unwrap();
        assert_eq!(old.company_id(), Some("c2"));
        let none: Invoice = serde_json::from_value(
            serde_json::json!({"id": "in_1", "currency": "eur", "created": 1}),
        )
        .unwrap();
        assert_eq!(none.company_id(), None);
    }
}

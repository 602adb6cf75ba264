//! The company's Stripe customer: made once, on the first purchase.

use campus::{
    ApiResult, AppState,
    auth::Principal,
    db::{AttributeValue, Cond, WriteError, keys, to_value},
    model::{BillingAccount, Company, StripeCustomer, User},
};

use crate::stripe::Stripe;

/// The company's Stripe customer id, made now if it has none. Stripe's idempotency
/// key (per company) makes two concurrent first purchases one customer; the
/// conditioned write keeps the first id stored.
pub async fn ensure(
    state: &AppState,
    stripe: &Stripe,
    company: &Company,
    p: &Principal,
) -> ApiResult<String> {
    let admin: Option<User> = state.db.get(&keys::user(&company.id, &p.user_id)).await?;
    let email = admin.map(|u| u.email).unwrap_or_default();
    let customer = stripe
        .create_customer(&company.id, &company.name, &email)
        .await?;
    let tx = state
        .db
        .tx()
        .update(
            &keys::billing(&company.id),
            "SET #entity = :entity, #companyId = :companyId, #stripeCustomerId = :customer",
            vec![
                (":entity".into(), to_value("billing")?),
                (":companyId".into(), to_value(&company.id)?),
                (":customer".into(), AttributeValue::S(customer.id.clone())),
            ],
            Cond::expr("attribute_not_exists(#stripeCustomerId)", vec![]),
        )
        .put(
            &StripeCustomer {
                customer_id: customer.id.clone(),
                company_id: company.id.clone(),
            },
            None,
        );
    match state.db.commit(tx).await {
        Ok(()) => Ok(customer.id),
        Err(WriteError::Condition(_)) => {
            let stored: BillingAccount = state
                .db
                .get_consistent(&keys::billing(&company.id))
                .await?
                .unwrap_or_default();
            Ok(stored.stripe_customer_id.unwrap_or(customer.id))
        }
        Err(WriteError::Api(e)) => Err(e),
    }
}

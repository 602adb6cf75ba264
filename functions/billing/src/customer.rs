//! The company's Stripe customer: made once, on the first purchase.

use campus::{
    ApiResult, AppState,
    db::{StoreError, Update, keys},
    model::{BillingAccount, Company, StripeCustomer},
};

use crate::stripe::Stripe;

/// The company's Stripe customer id, made now if it has none. Stripe's idempotency
/// key (per company) makes two concurrent first purchases one customer; the
/// conditioned write keeps the first id stored.
pub async fn ensure(
    state: &AppState,
    stripe: &Stripe,
    company: &Company,
    email: &str,
) -> ApiResult<String> {
    let customer = stripe
        .create_customer(&company.id, &company.name, email)
        .await?;
    let tx = state
        .db
        .tx()
        .upsert::<BillingAccount>(
            &keys::billing(&company.id),
            Update::new()
                .set(BillingAccount::COMPANY_ID, &company.id)
                .set(BillingAccount::STRIPE_CUSTOMER_ID, &customer.id),
            BillingAccount::STRIPE_CUSTOMER_ID.missing(),
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
        Err(StoreError::Refused(_)) => {
            let stored: BillingAccount = state
                .db
                .get_consistent(&keys::billing(&company.id))
                .await?
                .unwrap_or_default();
            Ok(stored.stripe_customer_id.unwrap_or(customer.id))
        }
        Err(e) => Err(e.into()),
    }
}

//! `/api/subscriptions` and `/api/payments`: a company's plan, bought through Stripe
//! Checkout and changed or cancelled through Stripe, and one-off payments. What
//! Stripe reports back arrives at the webhook (`functions/stripe-webhook`), which is
//! the only writer of plans and payment outcomes; this function asks Stripe and
//! reads what the webhook recorded.

mod customer;
mod payments;
mod stripe;
mod subscriptions;

use axum::{Extension, Router};
use campus::AppState;

/// What this function adds to the shared state: its Stripe client, built once.
#[derive(Clone)]
pub struct BillingState {
    pub stripe: Option<stripe::Stripe>,
}

campus::api!(
    subscriptions::get,
    subscriptions::create,
    subscriptions::change,
    subscriptions::cancel,
    payments::list,
    payments::create,
    payments::refund,
);

pub fn router(state: AppState) -> Router {
    let billing = BillingState {
        stripe: stripe::Stripe::new(&state.config.stripe),
    };
    campus::http::stack(routes().layer(Extension(billing)), state)
}

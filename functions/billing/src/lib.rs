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
use campus::{ApiError, ApiResult, AppState};

/// What this function adds to the shared state: its Stripe client, built once.
#[derive(Clone)]
pub struct BillingState {
    stripe: Option<stripe::Stripe>,
}

impl BillingState {
    /// The configured Stripe client, or 503 when billing is not set up here.
    fn stripe(&self) -> ApiResult<&stripe::Stripe> {
        self.stripe.as_ref().ok_or_else(|| {
            tracing::error!("STRIPE_SECRET_KEY is not set; billing is unavailable");
            ApiError::Unavailable { retry_after: 300 }
        })
    }
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

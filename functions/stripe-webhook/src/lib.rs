//! `POST /api/webhooks/stripe`: Stripe tells us what happened to a company's
//! subscription and payments. Each event is verified (signature over the raw body,
//! 5 minutes' tolerance), applied at most once (a mark written in the same
//! transaction under `attribute_not_exists`), and never over newer state (each
//! record keeps the `created` of the newest event applied to it).

mod apply;
mod shapes;
mod webhook;

use axum::Router;
use campus::AppState;

campus::api!(webhook::receive);

pub fn router(state: AppState) -> Router {
    campus::http::stack(routes(), state)
}

//! `/api/inventory`: what a company keeps in stock. Everyone reads; managers write.
//! A quantity changes by a conditioned `ADD` (never below zero, whatever runs at
//! the same time) and every change is kept in the item's history.

mod adjust;
mod items;

use axum::Router;
use campus::AppState;

campus::api!(
    items::list,
    items::create,
    items::categories,
    items::get,
    items::update,
    items::delete,
    adjust::adjust,
    adjust::history,
);

pub fn router(state: AppState) -> Router {
    campus::http::stack(routes(), state)
}

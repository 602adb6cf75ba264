//! `/api/users`, `/api/settings`, `/api/company`: people, their settings and API keys,
//! their company.

mod api_keys;
mod company;
mod departments;
mod domains;
mod invites;
mod settings;
mod users;

use axum::Router;
use campus::AppState;

campus::api!(
    users::list,
    users::create,
    users::get,
    users::update,
    users::delete,
    users::export,
    api_keys::create,
    api_keys::list,
    api_keys::delete,
    settings::get,
    settings::put,
    company::get,
    company::put,
    domains::list,
    domains::create,
    domains::delete,
    departments::list,
    departments::create,
    departments::get,
    departments::update,
    departments::delete,
    invites::list,
    invites::create,
    invites::delete,
);

pub fn router(state: AppState) -> Router {
    campus::http::stack(routes(), state)
}

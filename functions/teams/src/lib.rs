//! `/api/teams`: teams and their members. (The manager's `/api/team` views come with
//! progress tracking.)

mod access;
mod members;
mod teams;

use axum::Router;
use campus::AppState;

campus::api!(
    teams::list,
    teams::create,
    teams::get,
    teams::update,
    teams::delete,
    members::add,
    members::update,
    members::remove,
);

pub fn router(state: AppState) -> Router {
    campus::http::stack(routes(), state)
}

//! `/api/teams`: teams and their members; `/api/team`: the manager's course
//! assignments. (The manager's progress views come with progress tracking.)

mod access;
mod assign;
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
    assign::assign_course,
    assign::unassign,
);

pub fn router(state: AppState) -> Router {
    campus::http::stack(routes(), state)
}

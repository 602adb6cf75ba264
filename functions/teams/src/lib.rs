//! `/api/teams`: teams and their members; `/api/team`: the manager's views of the
//! people they oversee, and course assignments.

mod access;
mod assign;
mod department;
mod members;
mod overview;
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
    overview::members,
    overview::member,
    overview::team_progress,
    overview::analytics,
    department::set_department,
);

pub fn router(state: AppState) -> Router {
    campus::http::stack(routes(), state)
}

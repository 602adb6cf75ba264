//! `/api/courses`: courses with their modules and lessons, the catalog, enrolment.

mod body;
mod courses;
mod detail;
mod lessons;
mod modules;
mod quiz;

use axum::Router;
use campus::AppState;

campus::api!(
    courses::list,
    courses::create,
    detail::get,
    courses::update,
    courses::delete,
    courses::enroll,
    modules::create,
    modules::get,
    modules::update,
    modules::delete,
    lessons::create,
    lessons::get,
    lessons::update,
    lessons::delete,
    quiz::get,
    quiz::put,
);

pub fn router(state: AppState) -> Router {
    campus::http::stack(routes(), state)
}

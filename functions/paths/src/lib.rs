//! `/api/paths`: learning paths. Instructors write them (ordered courses, each with
//! prerequisites among the earlier ones); managers assign them like courses; each
//! learner's progress shows which steps are still locked. The locks themselves are
//! kept where lessons are opened (course detail, progress events, quiz attempts):
//! `campus::paths`.

mod assign;
mod body;
mod paths;
mod progress;

use axum::Router;
use campus::AppState;

campus::api!(
    paths::list,
    paths::create,
    paths::get,
    paths::update,
    paths::delete,
    assign::assign,
    progress::get,
);

pub fn router(state: AppState) -> Router {
    campus::http::stack(routes(), state)
}

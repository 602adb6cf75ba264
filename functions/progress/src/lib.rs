//! `/api/progress`: learners record lesson events; progress, completion and the
//! certificate follow from them.

mod event;
mod quiz;
mod read;

use axum::Router;
use campus::AppState;

campus::api!(
    read::me,
    event::event,
    read::course,
    event::course_event,
    read::user,
    quiz::start,
    quiz::submit,
    quiz::list,
);

pub fn router(state: AppState) -> Router {
    campus::http::stack(routes(), state)
}

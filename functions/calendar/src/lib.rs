//! `/api/calendar`: events by audience (company, team, private), attendance,
//! what is upcoming for the caller, and course deadlines for a course's assignees.

mod attend;
mod body;
mod course_events;
mod events;
mod upcoming;

use axum::Router;
use campus::AppState;

campus::api!(
    events::list,
    events::get,
    events::create,
    events::update,
    events::delete,
    attend::join,
    attend::leave,
    upcoming::upcoming,
    upcoming::stats,
    course_events::course_events,
);

pub fn router(state: AppState) -> Router {
    campus::http::stack(routes(), state)
}

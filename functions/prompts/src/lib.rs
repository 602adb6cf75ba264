//! `/api/prompts`: the prompts a company shares. Everyone reads the approved ones and
//! their own; a participant's prompt or change waits for a manager's review; every
//! change is kept as a version; uses are counted per prompt, user and day on write.

mod categories;
mod library;
mod review;
mod usage;

use axum::Router;
use campus::AppState;

campus::api!(
    library::list,
    library::create,
    categories::list,
    categories::create,
    usage::analytics,
    review::requests,
    review::decide,
    library::get,
    library::update,
    library::delete,
    library::versions,
    usage::record,
);

pub fn router(state: AppState) -> Router {
    campus::http::stack(routes(), state)
}

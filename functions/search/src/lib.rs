//! `/api/search`: ranked search over the company's courses, lessons, prompts, users,
//! events and inventory, from the inverted index the `search-indexer` keeps in the
//! table, showing only what the caller may see (each hit checked against its item).

mod find;

use axum::Router;
use campus::AppState;

campus::api!(find::search);

pub fn router(state: AppState) -> Router {
    campus::http::stack(routes(), state)
}

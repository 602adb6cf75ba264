//! `/api/platform`: the platform operator (`super_admin`) lists and reads every
//! company and suspends or reinstates one. Operators are created by `make superadmin`
//! (locally) or a one-off invocation (in AWS), never through the API; each action is
//! audited in the trail of the company it touches.

mod companies;

use axum::Router;
use campus::AppState;

campus::api!(
    companies::list,
    companies::get,
    companies::suspend,
    companies::unsuspend
);

pub fn router(state: AppState) -> Router {
    campus::http::stack(routes(), state)
}

//! `/api/audit-logs`: the company's audit trail (admin). Entries are written by every
//! function's audit middleware (or in a handler's own transaction) and lapse by TTL
//! after `AUDIT_RETENTION_DAYS`; here they are listed, summarised and exported.

mod logs;

use axum::Router;
use campus::AppState;

campus::api!(logs::list);

pub fn router(state: AppState) -> Router {
    campus::http::stack(routes(), state)
}

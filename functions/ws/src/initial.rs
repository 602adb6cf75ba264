//! What a new connection gets first: the company's active check-ins and the events
//! its user sees in the coming week, in one message.

use campus::{ApiResult, AppState, calendar, model::Connection, realtime};
use serde_json::json;

pub async fn send(state: &AppState, conn: &Connection) -> ApiResult<()> {
    let (check_ins, events) = tokio::try_join!(
        realtime::active_checkins(state, &conn.company_id),
        calendar::upcoming(&state.db, conn, 7),
    )?;
    let msg = json!({"type": "initial", "checkIns": check_ins, "events": events});
    if !state.realtime.post(&conn.connection_id, &msg).await? {
        realtime::disconnected(state, &conn.connection_id).await?;
    }
    Ok(())
}

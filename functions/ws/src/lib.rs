//! The WebSocket API's function: `$connect` (the token in the query string is
//! verified, or the connection refused), `$disconnect`, `$default` (clients send
//! nothing the API needs), and, from the table's stream, each new connection's
//! `initial` message (API Gateway accepts posts only once `$connect` has returned).

pub mod initial;

use aws_lambda_events::event::{
    apigw::ApiGatewayWebsocketProxyRequest, dynamodb::Event as StreamEvent,
};
use campus::{ApiError, AppState, auth, db::image_is, model::Connection, realtime};
use serde_json::{Value, json};

/// One invocation: an API Gateway WebSocket event, or a stream batch.
pub async fn handle(state: &AppState, event: Value) -> Result<Value, ApiError> {
    let event = campus::lambda::as_stream_batch(event);
    if event.get("Records").is_some() {
        let batch: StreamEvent = serde_json::from_value(event).map_err(ApiError::internal)?;
        for record in batch.records {
            if record.event_name != "INSERT" || !image_is::<Connection>(&record.change.new_image) {
                continue;
            }
            let conn: Connection =
                serde_dynamo::from_item(record.change.new_image).map_err(ApiError::internal)?;
            if let Err(e) = initial::send(state, &conn).await {
                tracing::warn!(connection = %conn.connection_id, error = ?e, "initial message not sent");
            }
        }
        return Ok(json!({}));
    }
    let req: ApiGatewayWebsocketProxyRequest =
        serde_json::from_value(event).map_err(ApiError::internal)?;
    let ctx = req.request_context;
    let connection_id = ctx.connection_id.unwrap_or_default();
    let status = match ctx.route_key.as_deref() {
        Some("$connect") => {
            let token = req
                .query_string_parameters
                .first("token")
                .unwrap_or_default();
            match auth::principal_of(state, token).await {
                Ok(p) => {
                    realtime::connected(state, &p, &connection_id).await?;
                    200
                }
                // Our trouble (the table unreachable) is not the client's: no 401.
                Err(e @ (ApiError::Internal(_) | ApiError::Unavailable { .. })) => return Err(e),
                Err(_) => 401,
            }
        }
        Some("$disconnect") => {
            realtime::disconnected(state, &connection_id).await?;
            200
        }
        _ => 200,
    };
    Ok(json!({ "statusCode": status }))
}

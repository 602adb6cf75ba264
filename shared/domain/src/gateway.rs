//! The client of the API Gateway Management API, which pushes to and closes open
//! WebSockets. In AWS that is the WebSocket API's endpoint; locally `campus-local`
//! serves the same API beside `/ws`, so the code is the same in both.

use std::sync::{Arc, OnceLock};

use aws_sdk_apigatewaymanagement::{Client, error::SdkError, primitives::Blob};
use serde_json::Value;

use crate::{ApiError, ApiResult, aws::Aws};

#[derive(Clone)]
pub struct Realtime {
    aws: Aws,
    endpoint: Option<String>,
    client: Arc<OnceLock<Client>>,
}

impl Realtime {
    /// `endpoint`: the Management API's base URL; without one nothing is pushed.
    pub fn new(aws: Aws, endpoint: Option<String>) -> Self {
        Self {
            aws,
            endpoint,
            client: Arc::default(),
        }
    }

    fn client(&self) -> Option<&Client> {
        let endpoint = self.endpoint.as_deref()?;
        Some(
            self.client
                .get_or_init(|| self.aws.apigateway_management(endpoint)),
        )
    }

    /// Pushes one message to one connection; `Ok(false)` when it is gone (410).
    pub async fn post(&self, connection_id: &str, message: &Value) -> ApiResult<bool> {
        let Some(client) = self.client() else {
            return Ok(true);
        };
        let res = client
            .post_to_connection()
            .connection_id(connection_id)
            .data(Blob::new(message.to_string()))
            .send()
            .await;
        match res {
            Ok(_) => Ok(true),
            Err(SdkError::ServiceError(e)) if e.err().is_gone_exception() => Ok(false),
            Err(e) => {
                tracing::warn!(connection = connection_id, error = ?e, "push failed");
                Err(ApiError::Unavailable { retry_after: 1 })
            }
        }
    }

    /// Closes one connection from the server's side (gone already counts as closed).
    pub async fn close(&self, connection_id: &str) -> ApiResult<()> {
        let Some(client) = self.client() else {
            return Ok(());
        };
        match client
            .delete_connection()
            .connection_id(connection_id)
            .send()
            .await
        {
            Ok(_) => Ok(()),
            Err(SdkError::ServiceError(e)) if e.err().is_gone_exception() => Ok(()),
            Err(e) => {
                tracing::warn!(connection = connection_id, error = ?e, "close failed");
                Err(ApiError::Unavailable { retry_after: 1 })
            }
        }
    }
}

//! What every handler can reach: config, the table, token keys. Built once per process.

use std::sync::Arc;

use crate::{
    auth::{jwt::Jwt, tokens::RefreshKey},
    config::Config,
    db::{Db, keys},
};

#[derive(Clone)]
pub struct AppState {
    pub config: Arc<Config>,
    pub db: Db,
    pub jwt: Jwt,
    pub refresh_key: RefreshKey,
    /// For functions that build more clients than the table's (S3, SES).
    pub sdk: Option<aws_config::SdkConfig>,
}

impl AppState {
    pub async fn new(config: Config) -> Self {
        let sdk = crate::aws::sdk_config(&config).await;
        let db = Db::new(crate::aws::dynamodb(&sdk), config.table_name.clone());
        Self {
            sdk: Some(sdk),
            ..Self::with_db(config, db)
        }
    }

    pub fn with_db(config: Config, db: Db) -> Self {
        Self {
            jwt: Jwt::new(&config),
            refresh_key: RefreshKey::new(config.jwt_secret.expose()),
            config: Arc::new(config),
            db,
            sdk: None,
        }
    }

    /// Opens the connection to DynamoDB (TLS handshake included) during init, which
    /// Lambda does not bill and which would otherwise land on the first request.
    pub async fn warm(&self) {
        let probe = keys::company("warm-up");
        let _ = self.db.get::<serde_json::Value>(&probe).await;
    }
}

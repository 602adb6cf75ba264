//! What every handler can reach: config, the table, token keys. Built once per process.

use std::sync::Arc;

use crate::{
    auth::{jwt::Jwt, tokens::RefreshKey},
    aws::Aws,
    config::Config,
    db::{Db, keys},
    gateway::Realtime,
    storage::Storage,
};

#[derive(Clone)]
pub struct AppState {
    pub config: Arc<Config>,
    pub db: Db,
    pub jwt: Jwt,
    pub refresh_key: RefreshKey,
    /// For functions that build more clients than the table's (SES).
    pub aws: Aws,
    pub storage: Storage,
    pub realtime: Realtime,
}

impl AppState {
    pub fn new(config: Config) -> Self {
        Self::with_aws(Aws::new(&config), config)
    }

    /// This state's settings with clients acting as `function` (the local stack, which
    /// runs every function in one process, judges each one's AWS calls by its policy).
    pub fn for_function(&self, function: &'static str) -> Self {
        Self::with_aws(self.aws.for_function(function), (*self.config).clone())
    }

    fn with_aws(aws: Aws, config: Config) -> Self {
        Self {
            db: Db::new(
                aws.dynamodb(),
                config.table_name.clone(),
                config.jwt_secret.expose(),
            ),
            jwt: Jwt::new(&config),
            refresh_key: RefreshKey::new(config.jwt_secret.expose()),
            storage: Storage::new(aws.clone(), config.bucket_name.clone()),
            realtime: Realtime::new(aws.clone(), config.ws_management_url.clone()),
            config: Arc::new(config),
            aws,
        }
    }

    /// Opens the connection to DynamoDB (TLS handshake included) during init, which
    /// Lambda does not bill and which would otherwise land on the first request.
    pub async fn warm(&self) {
        let probe = keys::company("warm-up");
        let _ = self.db.get::<serde_json::Value>(&probe).await;
    }
}

//! What every handler can reach: config, the table, token keys. Built once per process.

use std::sync::Arc;

use crate::{
    auth::{jwt::Jwt, tokens::RefreshKey},
    aws::Aws,
    config::{self, Config, SECRET_SETTINGS, Secret},
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
    /// The root secret, or for a function not given one, a random one of its own.
    root_secret: Secret,
}

impl AppState {
    pub fn new(config: Config) -> Self {
        Self::with_aws(Aws::new(&config), config)
    }

    /// This state's settings with clients acting as `function` (the local stack, which
    /// runs every function in one process, judges each one's AWS calls by its policy).
    /// Secret settings `template.yaml` does not give the function are withheld.
    pub fn for_function(&self, function: &'static str) -> Self {
        let mut config = (*self.config).clone();
        for setting in SECRET_SETTINGS {
            if !config::given(function, setting) {
                config.withhold(setting);
            }
        }
        Self::with_aws(self.aws.for_function(function), config)
    }

    fn with_aws(aws: Aws, config: Config) -> Self {
        let root_secret = config.jwt_secret.clone().unwrap_or_else(own_secret);
        Self {
            db: Db::new(
                aws.dynamodb(),
                config.table_name.clone(),
                root_secret.expose(),
            ),
            jwt: Jwt::new(&config),
            refresh_key: RefreshKey::new(root_secret.expose()),
            root_secret,
            storage: Storage::new(aws.clone(), config.bucket_name.clone()),
            realtime: Realtime::new(aws.clone(), config.ws_management_url.clone()),
            config: Arc::new(config),
            aws,
        }
    }

    /// What cursor, refresh-token, idempotency and erasure keys derive from.
    pub fn root_secret(&self) -> &str {
        self.root_secret.expose()
    }

    /// Opens the connection to DynamoDB (TLS handshake included) during init, which
    /// Lambda does not bill and which would otherwise land on the first request.
    pub async fn warm(&self) {
        let probe = keys::company("warm-up");
        let _ = self.db.get::<serde_json::Value>(&probe).await;
    }
}

/// A secret only this process knows: what it signs, nobody else accepts, so a function
/// not given the root secret cannot be made to vouch for anything.
fn own_secret() -> Secret {
    let mut bytes = [0u8; 32];
    // aws-lc's generator fails only when the OS gives no entropy at all; a process
    // that cannot make a key must not start with a guessable one.
    aws_lc_rs::rand::fill(&mut bytes).expect("the OS's random source");
    Secret::new(bytes.iter().map(|b| format!("{b:02x}")).collect::<String>())
}

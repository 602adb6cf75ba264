use std::{
    collections::BTreeMap,
    sync::{Arc, OnceLock},
};

use axum::{
    Extension, Json,
    extract::State,
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use campus::{AppState, error::current_request_id, http::QueryParams};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

/// The dependencies a deep health check reaches. The S3 and SES clients are built on
/// the first deep check: plain health checks and cold starts do not pay for them.
#[derive(Clone)]
pub struct Checks {
    dynamodb: aws_sdk_dynamodb::Client,
    clients: Arc<OnceLock<(aws_sdk_s3::Client, aws_sdk_sesv2::Client)>>,
    aws: campus::aws::Aws,
    table: String,
    bucket: String,
    sender: String,
}

impl Checks {
    pub fn new(state: &AppState) -> Self {
        Self {
            dynamodb: state.db.client().clone(),
            clients: Arc::default(),
            aws: state.aws.clone(),
            table: state.config.table_name.clone(),
            bucket: state.config.bucket_name.clone(),
            sender: state.config.mail_from.clone(),
        }
    }

    async fn run(&self) -> BTreeMap<&'static str, String> {
        let (s3, ses) = self.clients.get_or_init(|| (self.aws.s3(), self.aws.ses()));
        let (d, s, e) = tokio::join!(
            self.dynamodb
                .describe_table()
                .table_name(&self.table)
                .send(),
            s3.head_bucket().bucket(&self.bucket).send(),
            campus::sender::verified_sender(ses, &self.sender),
        );
        let verdict = |ok: bool, what: &str| {
            if ok {
                "ok".to_string()
            } else {
                format!("failed: {what}")
            }
        };
        let ses = match e {
            Ok(true) => "ok".to_string(),
            Ok(false) => "failed: neither the sender nor its domain is verified".to_string(),
            Err(_) => "failed: SES unreachable".to_string(),
        };
        BTreeMap::from([
            ("dynamodb", verdict(d.is_ok(), "table unreachable")),
            ("s3", verdict(s.is_ok(), "bucket unreachable")),
            ("ses", ses),
        ])
    }
}

#[derive(Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HealthQuery {
    /// Also check DynamoDB, S3 and SES.
    pub deep: Option<bool>,
}

#[derive(Serialize, ToSchema)]
pub struct Health {
    #[schema(example = "ok")]
    pub status: &'static str,
    pub version: String,
    /// With `deep=true`: each dependency, `ok` or what failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checks: Option<BTreeMap<&'static str, String>>,
    /// With a failed check: the contract's error, naming it.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub error: Option<serde_json::Value>,
}

/// Liveness; with `?deep=true` also DynamoDB, S3 and SES (503 naming the failing check).
#[utoipa::path(get, path = "/api/health", tag = "system", params(HealthQuery),
    responses((status = 200, body = Health), (status = 503, description = "A dependency failed", body = Health)))]
pub async fn health(
    State(state): State<AppState>,
    Extension(checks): Extension<Checks>,
    QueryParams(q): QueryParams<HealthQuery>,
) -> Response {
    let version = state.config.version.clone();
    if q.deep != Some(true) {
        return Json(Health {
            status: "ok",
            version,
            checks: None,
            error: None,
        })
        .into_response();
    }
    let results = checks.run().await;
    let failed: BTreeMap<&str, &String> = results
        .iter()
        .filter(|(_, v)| *v != "ok")
        .map(|(k, v)| (*k, v))
        .collect();
    if failed.is_empty() {
        return Json(Health {
            status: "ok",
            version,
            checks: Some(results),
            error: None,
        })
        .into_response();
    }
    let names: Vec<&str> = failed.keys().copied().collect();
    let error = serde_json::json!({
        "code": "UNAVAILABLE",
        "message": format!("Unhealthy: {}", names.join(", ")),
        "details": failed,
        "requestId": current_request_id(),
    });
    let mut res = (
        StatusCode::SERVICE_UNAVAILABLE,
        Json(Health {
            status: "unavailable",
            version,
            checks: Some(results.clone()),
            error: Some(error),
        }),
    )
        .into_response();
    res.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from_static("30"));
    res.extensions_mut().insert(campus::error::Rendered);
    res
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Version {
    pub version: String,
    pub commit: String,
    pub built_at: String,
}

/// What is deployed.
#[utoipa::path(get, path = "/api/version", tag = "system", responses((status = 200, body = Version)))]
pub async fn version(State(state): State<AppState>) -> Json<Version> {
    let c = &state.config;
    Json(Version {
        version: c.version.clone(),
        commit: c.commit.clone(),
        built_at: c.built_at.clone(),
    })
}

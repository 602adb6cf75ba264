use axum::{Json, extract::State};
use campus::{
    ApiError, ApiResult, AppState,
    audit::Audit,
    auth::AuthUser,
    clock,
    db::{Field, Update, keys},
    error::ErrorBody,
    http::ValidJson,
    model::Settings,
};
use serde::Deserialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;
use validator::{Validate, ValidationError};

const MAX_KEYS: usize = 100;
const MAX_BYTES: usize = 32 * 1024;

/// A string → JSON map; a PUT replaces the whole map.
#[derive(Deserialize, ToSchema)]
#[serde(transparent)]
#[schema(value_type = Object)]
pub struct SettingsMap(pub Map<String, Value>);

impl Validate for SettingsMap {
    fn validate(&self) -> Result<(), validator::ValidationErrors> {
        let mut errs = validator::ValidationErrors::new();
        let size = serde_json::to_vec(&self.0)
            .map(|v| v.len())
            .unwrap_or(usize::MAX);
        if self.0.len() > MAX_KEYS {
            errs.add(
                "settings",
                ValidationError::new("too_many")
                    .with_message(format!("at most {MAX_KEYS} keys").into()),
            );
        } else if size > MAX_BYTES {
            errs.add(
                "settings",
                ValidationError::new("too_large")
                    .with_message(format!("at most {MAX_BYTES} bytes of JSON").into()),
            );
        } else if self.0.keys().any(|k| k.is_empty() || k.len() > 64) {
            errs.add(
                "settings",
                ValidationError::new("key").with_message("keys must be 1 to 64 characters".into()),
            );
        }
        if errs.is_empty() { Ok(()) } else { Err(errs) }
    }
}

/// The caller's settings.
#[utoipa::path(get, path = "/api/settings", tag = "settings", security(("bearer" = [])),
    responses((status = 200, body = Object), (status = 401, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    AuthUser(p): AuthUser,
) -> ApiResult<Json<Map<String, Value>>> {
    let stored: Option<Settings> = state
        .db
        .get(&keys::settings(&p.company_id, &p.user_id))
        .await?;
    Ok(Json(match stored {
        Some(s) => serde_json::from_str(&s.values_json).map_err(ApiError::internal)?,
        None => Map::new(),
    }))
}

/// Replace the caller's settings.
#[utoipa::path(put, path = "/api/settings", tag = "settings", security(("bearer" = [])),
    request_body = SettingsMap,
    responses((status = 200, body = Object), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn put(
    State(state): State<AppState>,
    AuthUser(p): AuthUser,
    audit: Audit,
    ValidJson(SettingsMap(map)): ValidJson<SettingsMap>,
) -> ApiResult<Json<Map<String, Value>>> {
    // A whole-map replace needs nothing from the stored item: one update (creating
    // it if absent) and the audit entry, in one transaction.
    let key = keys::settings(&p.company_id, &p.user_id);
    let tx = state.db.tx().upsert::<Settings>(
        &key,
        Update::new()
            .set(
                Settings::VALUES_JSON,
                Value::Object(map.clone()).to_string(),
            )
            .set(Field::UPDATED_AT, clock::now_rfc3339())
            .set(Settings::COMPANY_ID, &p.company_id)
            .set(Settings::USER_ID, &p.user_id)
            .add(Field::VERSION, 1),
        None,
    );
    Ok(audit.commit(&state.db, tx, Json(map)).await?)
}

//! Which notification types reach the caller, and by which channel.

use std::collections::BTreeMap;

use axum::{Json, extract::State};
use campus::{
    ApiError, ApiResult, AppState,
    audit::Audit,
    auth::{AuthUser, Principal},
    clock,
    db::keys,
    error::ErrorBody,
    http::{QueryParams, ValidJson},
    model::{Channels, NOTIFICATION_TYPES, NotificationPreferences},
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::{Validate, ValidationErrors};

/// Per type, its channels: `{"course_assigned": {"inApp": true, "email": false}, ...}`.
/// Answers list every type; a `PUT` may name only the types it changes.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(transparent)]
pub struct Preferences(pub BTreeMap<String, Channels>);

// Types are checked against the known ones in the handler, to name the bad one.
impl Validate for Preferences {
    fn validate(&self) -> Result<(), ValidationErrors> {
        Ok(())
    }
}

async fn stored(state: &AppState, p: &Principal) -> ApiResult<NotificationPreferences> {
    Ok(state
        .db
        .get(&keys::notification_preferences(&p.company_id, &p.user_id))
        .await?
        .unwrap_or_else(|| NotificationPreferences {
            company_id: p.company_id.clone(),
            user_id: p.user_id.clone(),
            ..Default::default()
        }))
}

pub async fn current(state: &AppState, p: &Principal) -> ApiResult<Preferences> {
    Ok(Preferences(stored(state, p).await?.all()))
}

/// The caller's preferences: every type with its channels (both on until changed).
#[utoipa::path(get, path = "/api/notifications/preferences", tag = "notifications", security(("bearer" = [])),
    responses((status = 200, body = Preferences), (status = 401, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    AuthUser(p): AuthUser,
) -> ApiResult<Json<Preferences>> {
    Ok(Json(current(&state, &p).await?))
}

async fn save(
    state: &AppState,
    p: &Principal,
    b: Preferences,
    audit: &Audit,
) -> ApiResult<Json<Preferences>> {
    if let Some(bad) =
        b.0.keys()
            .find(|t| !NOTIFICATION_TYPES.contains(&t.as_str()))
    {
        return Err(ApiError::field(
            bad,
            &format!(
                "is not a notification type; one of {}",
                NOTIFICATION_TYPES.join(", ")
            ),
        ));
    }
    let mut prefs = stored(state, p).await?;
    prefs.types.extend(b.0);
    prefs.updated_at = clock::now_rfc3339();
    let tx = state.db.tx().put(&prefs, None);
    let answer = Json(Preferences(prefs.all()));
    Ok(audit.commit(&state.db, tx, answer).await?)
}

/// Change the caller's preferences; types not named keep theirs. Every sender
/// honours them (security mail such as password resets excepted).
#[utoipa::path(put, path = "/api/notifications/preferences", tag = "notifications", security(("bearer" = [])),
    request_body = Preferences,
    responses((status = 200, body = Preferences), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn put(
    State(state): State<AppState>,
    AuthUser(p): AuthUser,
    audit: Audit,
    ValidJson(b): ValidJson<Preferences>,
) -> ApiResult<Json<Preferences>> {
    save(&state, &p, b, &audit).await
}

#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PreferencesFlag {
    /// Must be `true`.
    pub preferences: bool,
}

/// The same as `PUT /api/notifications/preferences`; `?preferences=true` is required.
#[utoipa::path(put, path = "/api/notifications", tag = "notifications", security(("bearer" = [])),
    params(PreferencesFlag), request_body = Preferences,
    responses((status = 200, body = Preferences), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn put_by_query(
    State(state): State<AppState>,
    AuthUser(p): AuthUser,
    audit: Audit,
    QueryParams(q): QueryParams<PreferencesFlag>,
    ValidJson(b): ValidJson<Preferences>,
) -> ApiResult<Json<Preferences>> {
    if !q.preferences {
        return Err(ApiError::field(
            "preferences",
            "must be true: this route changes the preferences",
        ));
    }
    save(&state, &p, b, &audit).await
}

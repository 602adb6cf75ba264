use axum::{
    Json,
    extract::{Path, State},
};
use campus::{
    ApiError, ApiResult, AppState,
    audit::Audit,
    auth::{Gate, Manager},
    db::keys,
    error::ErrorBody,
    http::ValidJson,
    model::{Department, User},
    versioned::{expect_version, save},
};
use serde::Deserialize;
use utoipa::ToSchema;
use validator::Validate;

use crate::overview::overseen_user;

#[derive(Deserialize, Validate, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SetDepartment {
    /// `null` takes the member out of any department.
    #[validate(length(min = 1, max = 64))]
    pub department_id: Option<String>,
    pub version: Option<u64>,
}

/// Move a member you oversee to a department (manager+).
#[utoipa::path(put, path = "/api/team/members/{userId}/department", tag = "team", security(("bearer" = [])),
    params(("userId" = String, Path)), request_body = SetDepartment,
    responses((status = 200, body = User), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, description = "Stale version", body = ErrorBody)))]
pub async fn set_department(
    State(state): State<AppState>,
    Gate(p, ..): Manager,
    Path(user_id): Path<String>,
    audit: Audit,
    ValidJson(b): ValidJson<SetDepartment>,
) -> ApiResult<Json<User>> {
    let mut user = overseen_user(&state, &p, &user_id).await?;
    if user.role > p.role {
        return Err(ApiError::Forbidden(
            "You may not change a user above your role",
        ));
    }
    expect_version(b.version, user.version)?;
    if let Some(d) = &b.department_id
        && state
            .db
            .get::<Department>(&keys::department(&p.company_id, d))
            .await?
            .is_none()
    {
        return Err(ApiError::field("departmentId", "no such department"));
    }
    user.department_id = b.department_id;
    save(&state.db, &mut user, &audit).await?;
    Ok(Json(user))
}

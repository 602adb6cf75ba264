use axum::{Json, extract::State};
use campus::{
    ApiResult, AppState,
    audit::Audit,
    auth::{Admin, AuthUser, Gate},
    db::keys,
    error::ErrorBody,
    http::ValidJson,
    http::non_blank,
    model::Company,
    versioned::{expect_version, save_keeping},
};
use serde::Deserialize;
use utoipa::ToSchema;
use validator::Validate;

/// The caller's company.
#[utoipa::path(get, path = "/api/company", tag = "company", security(("bearer" = [])),
    responses((status = 200, body = Company), (status = 401, body = ErrorBody)))]
pub async fn get(State(state): State<AppState>, AuthUser(p): AuthUser) -> ApiResult<Json<Company>> {
    Ok(Json(load(&state, &p.company_id).await?))
}

#[derive(Deserialize, Validate, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UpdateCompany {
    #[validate(length(min = 1, max = 100))]
    pub name: String,
    pub version: Option<u64>,
}

/// Rename the company (admin). Plan and seats change only through billing.
#[utoipa::path(put, path = "/api/company", tag = "company", security(("bearer" = [])),
    request_body = UpdateCompany,
    responses((status = 200, body = Company), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 409, description = "Stale version", body = ErrorBody)))]
pub async fn put(
    State(state): State<AppState>,
    Gate(p, ..): Admin,
    audit: Audit,
    ValidJson(req): ValidJson<UpdateCompany>,
) -> ApiResult<Json<Company>> {
    let mut company = load(&state, &p.company_id).await?;
    expect_version(req.version, company.version)?;
    company.name = non_blank("name", &req.name)?;
    save_keeping(&state.db, &mut company, KEPT, &audit).await?;
    Ok(Json(company))
}

/// What a rename never writes back: the seat count (counted by other writes
/// meanwhile) and what the platform operator decides.
const KEPT: &[campus::db::Field] = &[
    Company::SEATS_USED,
    Company::STATUS,
    Company::SUSPENDED_REASON,
    Company::SUSPENDED_AT,
];

async fn load(state: &AppState, company_id: &str) -> ApiResult<Company> {
    Ok(state.db.find(&keys::company(company_id)).await?)
}

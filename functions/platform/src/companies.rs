use axum::{
    Json,
    extract::{Path, State},
};
use campus::{
    ApiResult, AppState,
    audit::Audit,
    auth::{Gate, Operator},
    db::{Filter, lists},
    error::ErrorBody,
    http::{ListQuery, ListResponse, QueryParams, ValidJson, non_blank},
    model::CompanyStatus,
    platform::{self, CompanyDetail, CompanySummary},
};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

#[derive(Deserialize, Validate, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct CompanyFilters {
    /// `limit` and `cursor`.
    #[serde(flatten)]
    #[param(ignore)]
    #[validate(nested)]
    pub page: ListQuery,
    /// The start of the name (any case).
    #[validate(length(min = 1, max = 100))]
    pub q: Option<String>,
}

/// Every customer company, by name (super_admin).
#[utoipa::path(get, path = "/api/platform/companies", tag = "platform", security(("bearer" = [])),
    params(CompanyFilters, ListQuery),
    responses((status = 200, body = ListResponse<CompanySummary>), (status = 401, body = ErrorBody),
        (status = 403, description = "Not a platform operator", body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    Gate(..): Operator,
    QueryParams(f): QueryParams<CompanyFilters>,
) -> ApiResult<Json<ListResponse<CompanySummary>>> {
    let range = lists::companies_named(f.q.as_deref().unwrap_or_default());
    let page = state
        .db
        .page(&range, f.page.at(), Filter::default())
        .await?;
    Ok(Json(ListResponse {
        items: page.items.into_iter().map(CompanySummary::from).collect(),
        next_cursor: page.next_cursor,
    }))
}

/// One company with its counts (super_admin).
#[utoipa::path(get, path = "/api/platform/companies/{id}", tag = "platform", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = CompanyDetail), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    Gate(..): Operator,
    Path(id): Path<String>,
) -> ApiResult<Json<CompanyDetail>> {
    Ok(Json(platform::detail(&state, &id).await?))
}

#[derive(Deserialize, Validate, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Reason {
    /// Why: kept with the company and in its audit trail's request.
    #[validate(length(min = 1, max = 500))]
    pub reason: String,
}

/// Suspend a company (super_admin): its users get 403 `COMPANY_SUSPENDED` on every
/// request from now on and its WebSockets close; the Stripe webhook still applies.
#[utoipa::path(post, path = "/api/platform/companies/{id}/suspend", tag = "platform", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = Reason,
    responses((status = 200, body = CompanySummary), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn suspend(
    State(state): State<AppState>,
    Gate(..): Operator,
    audit: Audit,
    Path(id): Path<String>,
    ValidJson(req): ValidJson<Reason>,
) -> ApiResult<Json<CompanySummary>> {
    let reason = non_blank("reason", &req.reason)?;
    let answer = change(&state, &audit, &id, Some(&reason)).await?;
    platform::close_sockets(&state, &id).await;
    Ok(answer)
}

/// Reinstate a suspended company (super_admin).
#[utoipa::path(post, path = "/api/platform/companies/{id}/unsuspend", tag = "platform", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = Reason,
    responses((status = 200, body = CompanySummary), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn unsuspend(
    State(state): State<AppState>,
    Gate(..): Operator,
    audit: Audit,
    Path(id): Path<String>,
    ValidJson(req): ValidJson<Reason>,
) -> ApiResult<Json<CompanySummary>> {
    non_blank("reason", &req.reason)?;
    change(&state, &audit, &id, None).await
}

/// Writes the company's new status with its audit entry, filed in that company's
/// trail.
async fn change(
    state: &AppState,
    audit: &Audit,
    id: &str,
    suspended: Option<&str>,
) -> ApiResult<Json<CompanySummary>> {
    let mut company = platform::customer(state, id).await?;
    audit.under(id);
    let (key, update, cond) = platform::set_status(id, suspended);
    company.status = match suspended {
        Some(_) => CompanyStatus::Suspended,
        None => CompanyStatus::Active,
    };
    let tx = state.db.tx().update(&key, update, cond);
    Ok(audit
        .commit(&state.db, tx, Json(CompanySummary::from(company)))
        .await?)
}

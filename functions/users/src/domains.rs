use axum::{
    Json,
    extract::{Path, State},
    http::StatusCode,
    response::Response,
};
use campus::{
    ApiError, ApiResult, AppState,
    audit::Audit,
    auth::{Admin, Gate},
    clock,
    db::{Filter, StoreError, keys, lists},
    domains,
    error::ErrorBody,
    http::{ListQuery, ListResponse, QueryParams, ValidJson, created},
    model::{CompanyDomain, User},
};
use serde::Deserialize;
use utoipa::ToSchema;
use validator::Validate;

/// The domains this company has claimed for OAuth sign-in (admin).
#[utoipa::path(get, path = "/api/company/domains", tag = "company", security(("bearer" = [])),
    params(ListQuery),
    responses((status = 200, body = ListResponse<CompanyDomain>), (status = 403, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    Gate(p, ..): Admin,
    QueryParams(q): QueryParams<ListQuery>,
) -> ApiResult<Json<ListResponse<CompanyDomain>>> {
    let page = state
        .db
        .page(
            &lists::company_domains(&p.company_id),
            q.at(),
            Filter::default(),
        )
        .await?;
    Ok(Json(page.into()))
}

#[derive(Deserialize, Validate, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ClaimDomain {
    /// The admin's own email must be at it.
    #[validate(length(min = 3, max = 253))]
    pub domain: String,
}

/// Claim an email domain (admin): verified OAuth sign-ins at it join this company as
/// participants, a seat permitting. The admin's own email must be at the domain; a
/// domain belongs to one company (409); public mail domains are refused (400).
#[utoipa::path(post, path = "/api/company/domains", tag = "company", security(("bearer" = [])),
    request_body = ClaimDomain,
    responses((status = 201, body = CompanyDomain), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 409, description = "Another company (or this one) has claimed it", body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    Gate(p, ..): Admin,
    audit: Audit,
    ValidJson(req): ValidJson<ClaimDomain>,
) -> ApiResult<Response> {
    let domain = domains::parse(&req.domain)?;
    let me: User = state
        .db
        .find(&keys::user(&p.company_id, &p.user_id))
        .await?;
    if domains::of_email(&me.email).as_deref() != Some(domain.as_str()) {
        return Err(ApiError::field(
            "domain",
            "must be the domain of your own email address",
        ));
    }
    // Registration takes any address on trust; a claim speaks for everyone at the
    // domain, so the admin must have shown the address is theirs.
    if !me.email_verified {
        return Err(ApiError::Forbidden(
            "Verify your email address first: sign in once with Google, Microsoft or GitHub, or set a new password through the mailed reset link",
        ));
    }
    let claim = CompanyDomain {
        domain: domain.clone(),
        company_id: p.company_id.clone(),
        claimed_by: p.user_id.clone(),
        claimed_at: clock::now_rfc3339(),
    };
    let tx = domains::claim(state.db.tx(), &claim);
    match audit.commit(&state.db, tx, created(&domain, claim)).await {
        Err(StoreError::Refused(_)) => {
            Err(ApiError::Conflict(format!("{domain} is already claimed")))
        }
        other => Ok(other?),
    }
}

/// Give up a claimed domain (admin): sign-ins at it no longer join this company.
#[utoipa::path(delete, path = "/api/company/domains/{domain}", tag = "company", security(("bearer" = [])),
    params(("domain" = String, Path)),
    responses((status = 204, description = "Released"), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn delete(
    State(state): State<AppState>,
    Gate(p, ..): Admin,
    audit: Audit,
    Path(domain): Path<String>,
) -> ApiResult<StatusCode> {
    let domain = domain.trim().to_lowercase();
    let tx = domains::release(state.db.tx(), &p.company_id, &domain);
    match audit.commit(&state.db, tx, StatusCode::NO_CONTENT).await {
        Err(StoreError::Refused(_)) => Err(ApiError::NotFound),
        other => Ok(other?),
    }
}

use axum::{
    Json,
    extract::{Path, State},
    http::StatusCode,
    response::Response,
};
use campus::{
    ApiResult, AppState,
    audit::Audit,
    auth::{Admin, AuthUser, Gate},
    clock,
    db::{Cond, Filter, keys, lists},
    error::ErrorBody,
    http::non_blank,
    http::{ListQuery, ListResponse, QueryParams, ValidJson, created},
    model::Department,
    versioned::{expect_version, save},
};
use serde::Deserialize;
use utoipa::ToSchema;
use validator::Validate;

/// The company's departments.
#[utoipa::path(get, path = "/api/company/departments", tag = "company", security(("bearer" = [])),
    params(ListQuery),
    responses((status = 200, body = ListResponse<Department>), (status = 401, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    AuthUser(p): AuthUser,
    QueryParams(q): QueryParams<ListQuery>,
) -> ApiResult<Json<ListResponse<Department>>> {
    let page = state
        .db
        .page(
            &lists::departments(&p.company_id),
            q.at(),
            Filter::default(),
        )
        .await?;
    Ok(Json(page.into()))
}

#[derive(Deserialize, Validate, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DepartmentBody {
    #[validate(length(min = 1, max = 100))]
    pub name: String,
    #[validate(length(max = 1000))]
    pub description: Option<String>,
    /// On update: the version read.
    pub version: Option<u64>,
}

/// Add a department (admin).
#[utoipa::path(post, path = "/api/company/departments", tag = "company", security(("bearer" = [])),
    request_body = DepartmentBody,
    responses((status = 201, body = Department), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    Gate(p, ..): Admin,
    audit: Audit,
    ValidJson(req): ValidJson<DepartmentBody>,
) -> ApiResult<Response> {
    let now = clock::now_rfc3339();
    let d = Department {
        id: clock::new_id(),
        company_id: p.company_id,
        name: non_blank("name", &req.name)?,
        description: req.description,
        created_at: now.clone(),
        updated_at: now,
        version: 1,
    };
    let tx = state.db.tx().put(&d, Cond::absent());
    Ok(audit
        .commit(&state.db, tx, created(&d.id.clone(), d))
        .await?)
}

/// Rename or describe a department (admin).
/// One department.
#[utoipa::path(get, path = "/api/company/departments/{id}", tag = "company", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = Department), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    AuthUser(p): AuthUser,
    Path(id): Path<String>,
) -> ApiResult<Json<Department>> {
    Ok(Json(
        state.db.find(&keys::department(&p.company_id, &id)).await?,
    ))
}

#[utoipa::path(put, path = "/api/company/departments/{id}", tag = "company", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = DepartmentBody,
    responses((status = 200, body = Department), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    Gate(p, ..): Admin,
    Path(id): Path<String>,
    audit: Audit,
    ValidJson(req): ValidJson<DepartmentBody>,
) -> ApiResult<Json<Department>> {
    let mut d: Department = state.db.find(&keys::department(&p.company_id, &id)).await?;
    expect_version(req.version, d.version)?;
    d.name = non_blank("name", &req.name)?;
    d.description = req.description;
    save(&state.db, &mut d, &audit).await?;
    Ok(Json(d))
}

/// Remove a department (admin). Users in it keep a dangling `departmentId` until
/// reassigned; filters by it simply find them.
#[utoipa::path(delete, path = "/api/company/departments/{id}", tag = "company", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 204, description = "Deleted"), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn delete(
    State(state): State<AppState>,
    Gate(p, ..): Admin,
    Path(id): Path<String>,
    audit: Audit,
) -> ApiResult<StatusCode> {
    audit
        .delete(&state.db, &keys::department(&p.company_id, &id))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

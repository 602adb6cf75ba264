use axum::{Json, extract::State, response::Response};
use campus::{
    ApiError, ApiResult, AppState,
    audit::Audit,
    auth::{Admin, AuthUser, Gate},
    clock,
    db::{Cond, StoreError, lists},
    error::ErrorBody,
    http::{ListResponse, ValidJson, created, non_blank},
    model::{PromptCategory, PromptCategoryName},
};
use serde::Deserialize;
use utoipa::ToSchema;
use validator::Validate;

#[derive(Deserialize, Validate, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CategoryBody {
    /// Unique in the company, whatever its case.
    #[validate(length(min = 1, max = 60))]
    pub name: String,
    #[validate(length(max = 500))]
    pub description: Option<String>,
}

/// The company's prompt categories, by name (any user).
#[utoipa::path(get, path = "/api/prompts/categories", tag = "prompts", security(("bearer" = [])),
    responses((status = 200, body = ListResponse<PromptCategory>), (status = 401, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    AuthUser(p): AuthUser,
) -> ApiResult<Json<ListResponse<PromptCategory>>> {
    let mut all: Vec<PromptCategory> = state
        .db
        .all(&lists::prompt_categories(&p.company_id))
        .await?;
    all.sort_by_key(|c| c.name.to_lowercase());
    Ok(Json(ListResponse {
        items: all,
        next_cursor: None,
    }))
}

/// Add a category (admin). A name already in use, in any case, answers 409.
#[utoipa::path(post, path = "/api/prompts/categories", tag = "prompts", security(("bearer" = [])),
    request_body = CategoryBody,
    responses((status = 201, body = PromptCategory), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 409, description = "The name is taken", body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    Gate(p, ..): Admin,
    audit: Audit,
    ValidJson(b): ValidJson<CategoryBody>,
) -> ApiResult<Response> {
    let name = non_blank("name", &b.name)?;
    let category = PromptCategory {
        id: clock::new_id(),
        company_id: p.company_id.clone(),
        name: name.clone(),
        description: b
            .description
            .map(|d| d.trim().to_string())
            .filter(|d| !d.is_empty()),
        created_at: clock::now_rfc3339(),
    };
    let guard = PromptCategoryName {
        company_id: p.company_id.clone(),
        name,
        category_id: category.id.clone(),
    };
    let tx = state
        .db
        .tx()
        .put(&guard, Cond::absent())
        .put(&category, Cond::absent());
    match audit
        .commit(&state.db, tx, created(&category.id.clone(), category))
        .await
    {
        Ok(answer) => Ok(answer),
        Err(StoreError::Refused(_)) => {
            Err(ApiError::Conflict("A category of this name exists".into()))
        }
        Err(e) => Err(e.into()),
    }
}

use axum::{
    Json,
    extract::{Path, State},
    http::StatusCode,
    response::Response,
};
use campus::{
    ApiError, ApiResult, AppState,
    audit::Audit,
    auth::{AuthUser, Principal},
    clock,
    db::{Cond, Field, Filter, StoreError, Tx, entity_of, keys, lists},
    error::ErrorBody,
    http::{ListQuery, ListResponse, QueryParams, ValidJson, created, non_blank},
    model::{Prompt, PromptCategory, PromptStatus, PromptVersion, Role, Versioned},
    versioned::expect_version,
};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

#[derive(Deserialize, Validate, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PromptBody {
    #[validate(length(min = 1, max = 200))]
    pub title: String,
    #[validate(length(min = 1, max = 20000))]
    pub content: String,
    /// One of the company's categories (`GET /api/prompts/categories`).
    #[validate(length(min = 1, max = 64))]
    pub category_id: String,
    /// Up to 20, each 1 to 40 characters; kept lower-case, without repeats.
    #[serde(default)]
    #[validate(length(max = 20))]
    pub tags: Vec<String>,
    /// Names of the `{{placeholders}}` in the content: up to 20, each a letter or
    /// `_` followed by up to 39 letters, digits or `_`.
    #[validate(length(max = 20))]
    pub variables: Option<Vec<String>>,
    /// On update: the version read (a stale one answers 409).
    pub version: Option<u64>,
}

struct Fields {
    title: String,
    content: String,
    tags: Vec<String>,
    variables: Vec<String>,
}

fn fields(b: &PromptBody) -> ApiResult<Fields> {
    let mut tags: Vec<String> = Vec::new();
    for t in &b.tags {
        let t = non_blank("tags", t)?.to_lowercase();
        if t.chars().count() > 40 {
            return Err(ApiError::field(
                "tags",
                "each must be at most 40 characters",
            ));
        }
        if !tags.contains(&t) {
            tags.push(t);
        }
    }
    let mut variables: Vec<String> = Vec::new();
    for v in b.variables.iter().flatten() {
        let ok = v.len() <= 40
            && v.chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && v.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !ok {
            return Err(ApiError::field(
                "variables",
                "each must be a letter or _ followed by letters, digits or _ (at most 40)",
            ));
        }
        if !variables.contains(v) {
            variables.push(v.clone());
        }
    }
    Ok(Fields {
        title: non_blank("title", &b.title)?,
        content: non_blank("content", &b.content)?,
        tags,
        variables,
    })
}

/// Managers' prompts and changes are approved as they are made; everyone else's
/// wait for review.
fn status_for(p: &Principal) -> PromptStatus {
    if p.at_least(Role::Manager) {
        PromptStatus::Approved
    } else {
        PromptStatus::Pending
    }
}

fn no_category() -> ApiError {
    ApiError::field("categoryId", "no such category")
}

/// The prompt as `p` may see it: another's unapproved prompt is as good as absent.
pub async fn visible(state: &AppState, p: &Principal, id: &str) -> ApiResult<Prompt> {
    let prompt: Prompt = state.db.find(&keys::prompt(&p.company_id, id)).await?;
    if prompt.visible_to(&p.user_id, p.at_least(Role::Manager)) {
        Ok(prompt)
    } else {
        Err(ApiError::NotFound)
    }
}

/// A prompt written with its version, in one transaction.
fn write(tx: Tx, prompt: &Prompt, cond: Cond) -> Tx {
    tx.put(prompt, cond)
        .put(&PromptVersion::of(prompt), Cond::absent())
}

#[derive(Debug, Deserialize, Validate, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct PromptFilters {
    #[validate(length(min = 1, max = 64))]
    pub category_id: Option<String>,
    #[validate(length(min = 1, max = 40))]
    pub tag: Option<String>,
    /// Participants see their own prompts of any status and approved ones of
    /// others; managers see every prompt of the status asked for.
    pub status: Option<PromptStatus>,
    /// Part of a title, a tag or the content.
    #[validate(length(min = 1, max = 100))]
    pub q: Option<String>,
    /// `limit` and `cursor`.
    #[serde(flatten)]
    #[param(ignore)]
    #[validate(nested)]
    pub page: ListQuery,
}

/// Approved prompts and the caller's own, newest first, filtered.
#[utoipa::path(get, path = "/api/prompts", tag = "prompts", security(("bearer" = [])),
    params(PromptFilters, ListQuery),
    responses((status = 200, body = ListResponse<Prompt>), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    AuthUser(p): AuthUser,
    QueryParams(f): QueryParams<PromptFilters>,
) -> ApiResult<Json<ListResponse<Prompt>>> {
    let mut filter = Filter::default().newest_first();
    if let Some(c) = &f.category_id {
        filter = filter.eq(Prompt::CATEGORY_ID, c.trim());
    }
    if let Some(t) = &f.tag {
        filter = filter.contains(Prompt::TAGS, t.trim().to_lowercase());
    }
    if let Some(q) = &f.q {
        filter = filter.contains(Field::SEARCH, q.trim().to_lowercase());
    }
    if let Some(s) = f.status {
        filter = filter.eq(Prompt::STATUS, s);
    }
    // Managers asking for a status see all of it (they review); otherwise what
    // everyone sees: the approved prompts and one's own.
    if !(f.status.is_some() && p.at_least(Role::Manager)) {
        filter = filter.when(Prompt::seen_by(&p.user_id));
    }
    let page = state
        .db
        .page(&lists::prompts(&p.company_id), f.page.at(), filter)
        .await?;
    Ok(Json(page.into()))
}

/// Share a prompt: approved at once for managers, `pending` review otherwise.
#[utoipa::path(post, path = "/api/prompts", tag = "prompts", security(("bearer" = [])),
    request_body = PromptBody,
    responses((status = 201, body = Prompt), (status = 400, description = "Invalid, or no such category", body = ErrorBody),
        (status = 401, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    AuthUser(p): AuthUser,
    audit: Audit,
    ValidJson(b): ValidJson<PromptBody>,
) -> ApiResult<Response> {
    let f = fields(&b)?;
    let category: Option<PromptCategory> = state
        .db
        .get(&keys::prompt_category(&p.company_id, b.category_id.trim()))
        .await?;
    let category = category.ok_or_else(no_category)?;
    let now = clock::now_rfc3339();
    let prompt = Prompt {
        id: clock::new_id(),
        company_id: p.company_id.clone(),
        title: f.title,
        content: f.content,
        category_id: category.id,
        tags: f.tags,
        variables: f.variables,
        status: status_for(&p),
        author_id: p.user_id.clone(),
        updated_by: p.user_id.clone(),
        review_comment: None,
        reviewed_by: None,
        reviewed_at: None,
        created_at: now.clone(),
        updated_at: now,
        version: 1,
    };
    let tx = write(state.db.tx(), &prompt, Cond::absent());
    let answer = created(&prompt.id.clone(), prompt);
    Ok(audit.commit(&state.db, tx, answer).await?)
}

/// One prompt: approved, the caller's own, or any for managers.
#[utoipa::path(get, path = "/api/prompts/{id}", tag = "prompts", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = Prompt), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    AuthUser(p): AuthUser,
    Path(id): Path<String>,
) -> ApiResult<Json<Prompt>> {
    Ok(Json(visible(&state, &p, &id).await?))
}

/// Change a prompt (its author, or a manager): the change is kept as a new version;
/// a participant's change goes back to `pending`. A stale `version` answers 409.
#[utoipa::path(put, path = "/api/prompts/{id}", tag = "prompts", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = PromptBody,
    responses((status = 200, body = Prompt), (status = 400, body = ErrorBody), (status = 403, description = "Neither its author nor a manager", body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, description = "Stale version", body = ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    AuthUser(p): AuthUser,
    Path(id): Path<String>,
    audit: Audit,
    ValidJson(b): ValidJson<PromptBody>,
) -> ApiResult<Json<Prompt>> {
    let f = fields(&b)?;
    let got = state
        .db
        .get_many(&[
            keys::prompt(&p.company_id, &id),
            keys::prompt_category(&p.company_id, b.category_id.trim()),
        ])
        .await?;
    let mut prompt = may_change(&p, entity_of::<Prompt>(&got)?)?;
    let category: PromptCategory = entity_of(&got)?.ok_or_else(no_category)?;
    expect_version(b.version, prompt.version)?;
    let read = prompt.version;
    prompt.title = f.title;
    prompt.content = f.content;
    prompt.category_id = category.id;
    prompt.tags = f.tags;
    prompt.variables = f.variables;
    prompt.status = status_for(&p);
    prompt.updated_by = p.user_id.clone();
    prompt.bump(clock::now_rfc3339());
    let tx = write(state.db.tx(), &prompt, Cond::version(read));
    match audit.commit(&state.db, tx, Json(prompt)).await {
        Ok(answer) => Ok(answer),
        Err(StoreError::Refused(_)) => Err(ApiError::Conflict(
            "Changed meanwhile; read it again".into(),
        )),
        Err(e) => Err(e.into()),
    }
}

/// 404 for what the caller may not see, 403 for what they see but may not change.
fn may_change(p: &Principal, prompt: Option<Prompt>) -> ApiResult<Prompt> {
    let prompt = prompt.ok_or(ApiError::NotFound)?;
    let manager = p.at_least(Role::Manager);
    if !prompt.visible_to(&p.user_id, manager) {
        return Err(ApiError::NotFound);
    }
    if prompt.author_id != p.user_id && !manager {
        return Err(ApiError::Forbidden(
            "Only its author or a manager may change a prompt",
        ));
    }
    Ok(prompt)
}

/// Remove a prompt (its author, or a manager) with its versions; its counted uses
/// stay in the usage figures.
#[utoipa::path(delete, path = "/api/prompts/{id}", tag = "prompts", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 204, description = "Deleted"), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn delete(
    State(state): State<AppState>,
    AuthUser(p): AuthUser,
    Path(id): Path<String>,
    audit: Audit,
) -> ApiResult<StatusCode> {
    let key = keys::prompt(&p.company_id, &id);
    let prompt = may_change(&p, state.db.get(&key).await?)?;
    let tx = state.db.tx().delete(&key, Cond::version(prompt.version));
    let answer = audit
        .commit(&state.db, tx, StatusCode::NO_CONTENT)
        .await
        .map_err(|e| {
            e.or(ApiError::Conflict(
                "Changed meanwhile; read it again".into(),
            ))
        })?;
    state
        .db
        .delete_partition(&keys::prompt_versions(&p.company_id, &id))
        .await?;
    Ok(answer)
}

/// A prompt's versions, newest first (whoever may see the prompt).
#[utoipa::path(get, path = "/api/prompts/{id}/versions", tag = "prompts", security(("bearer" = [])),
    params(("id" = String, Path), ListQuery),
    responses((status = 200, body = ListResponse<PromptVersion>), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn versions(
    State(state): State<AppState>,
    AuthUser(p): AuthUser,
    Path(id): Path<String>,
    QueryParams(page): QueryParams<ListQuery>,
) -> ApiResult<Json<ListResponse<PromptVersion>>> {
    visible(&state, &p, &id).await?;
    let page = state
        .db
        .page(
            &lists::prompt_versions(&p.company_id, &id),
            page.at(),
            Filter::default().newest_first(),
        )
        .await?;
    Ok(Json(page.into()))
}

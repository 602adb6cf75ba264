use axum::{
    Json,
    extract::{Path, State},
};
use campus::{
    ApiError, ApiResult, AppState,
    audit::Audit,
    auth::{Gate, Manager},
    clock,
    db::{Cond, Filter, entity_of, keys, lists},
    error::ErrorBody,
    http::{ListQuery, ListResponse, QueryParams, ValidJson},
    model::{Prompt, PromptStatus, User},
    notify,
};
use serde::Deserialize;
use utoipa::ToSchema;
use validator::Validate;

/// Prompts waiting for review, oldest request first (manager+). A request's id is
/// its prompt's id.
#[utoipa::path(get, path = "/api/prompts/approvals/requests", tag = "prompts", security(("bearer" = [])),
    params(ListQuery),
    responses((status = 200, body = ListResponse<Prompt>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn requests(
    State(state): State<AppState>,
    Gate(p, ..): Manager,
    QueryParams(page): QueryParams<ListQuery>,
) -> ApiResult<Json<ListResponse<Prompt>>> {
    let page = state
        .db
        .page(
            &lists::pending_prompts(&p.company_id),
            page.at(),
            Filter::default(),
        )
        .await?;
    Ok(Json(page.into()))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Decision {
    Approved,
    Rejected,
}

#[derive(Deserialize, Validate, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DecisionBody {
    pub status: Decision,
    #[validate(length(max = 1000))]
    pub comment: Option<String>,
    /// The version reviewed: when given and the prompt has changed since, 409.
    pub version: Option<u64>,
}

/// Approve or reject a pending prompt (manager+). Its author is told, in the app and
/// by mail as their preferences allow. A prompt not pending answers 409.
#[utoipa::path(put, path = "/api/prompts/approvals/{id}", tag = "prompts", security(("bearer" = [])),
    params(("id" = String, Path, description = "The prompt's id")), request_body = DecisionBody,
    responses((status = 200, body = Prompt), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, description = "Not pending, or changed since the version reviewed", body = ErrorBody)))]
pub async fn decide(
    State(state): State<AppState>,
    Gate(p, ..): Manager,
    Path(id): Path<String>,
    audit: Audit,
    ValidJson(b): ValidJson<DecisionBody>,
) -> ApiResult<Json<Prompt>> {
    let mut prompt: Prompt = state.db.find(&keys::prompt(&p.company_id, &id)).await?;
    if prompt.status != PromptStatus::Pending {
        return Err(ApiError::Conflict(
            "This prompt is not waiting for review".into(),
        ));
    }
    campus::versioned::expect_version(b.version, prompt.version)?;
    let got = state
        .db
        .get_many(&[
            keys::user(&p.company_id, &prompt.author_id),
            keys::notification_preferences(&p.company_id, &prompt.author_id),
        ])
        .await?;
    let author: Option<User> = entity_of(&got)?;
    let read = prompt.version;
    let now = clock::now_rfc3339();
    prompt.status = match b.status {
        Decision::Approved => PromptStatus::Approved,
        Decision::Rejected => PromptStatus::Rejected,
    };
    prompt.review_comment = b
        .comment
        .map(|c| c.trim().to_string())
        .filter(|c| !c.is_empty());
    prompt.reviewed_by = Some(p.user_id.clone());
    prompt.reviewed_at = Some(now.clone());
    // A review changes no content: the version stays, so no new version is kept,
    // and the write is conditioned on the very state that was reviewed.
    let mut tx = state.db.tx().put(
        &prompt,
        Cond::version(read).and(Prompt::STATUS.eq(PromptStatus::Pending)),
    );
    let mut pushes = notify::Pushes::default();
    // An author since deleted has no one to tell.
    if let Some(author) = &author {
        let verdict = match b.status {
            Decision::Approved => "approved",
            Decision::Rejected => "rejected",
        };
        let body = match &prompt.review_comment {
            Some(c) => format!("\"{}\" was {verdict}: {c}", prompt.title),
            None => format!("\"{}\" was {verdict}.", prompt.title),
        };
        let title = format!("Your prompt was {verdict}");
        let link = format!("/prompts/{}", prompt.id);
        let msg = notify::Message {
            kind: "prompt_reviewed",
            title: title.clone(),
            body: body.clone(),
            link: Some(link.clone()),
            template: "notification",
            data: serde_json::json!({"title": title, "body": body, "link": link}),
        };
        let prefs = entity_of(&got)?;
        tx = notify::add_to(tx, &msg, author, prefs.as_ref(), &mut pushes);
    }
    let answer = audit
        .commit(&state.db, tx, Json(prompt))
        .await
        .map_err(|e| {
            e.or(ApiError::Conflict(
                "Changed or reviewed meanwhile; read it again".into(),
            ))
        })?;
    pushes.send(&state).await;
    Ok(answer)
}

use axum::{Extension, Json, extract::State, response::Response};
use campus::{
    ApiError, ApiResult, AppState,
    audit::Audit,
    auth::AuthUser,
    clock,
    db::{Cond, Filter, PageAt, keys, lists},
    error::ErrorBody,
    http::{ListQuery, ListResponse, QueryParams, ValidJson, naming, non_blank},
    model::{ChatMessage, ChatRole, Conversation, Course, Rating},
    plans::{AiChatFeature, Entitled},
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::tutor::{Turn, Tutor};

/// How many earlier messages of a conversation the tutor is shown.
const CONTEXT_MESSAGES: i32 = 20;

#[derive(Deserialize, Validate, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MessageBody {
    #[validate(length(min = 1, max = 4000))]
    pub message: String,
    /// Go on with one of your conversations; without it a new one starts.
    #[validate(length(min = 1, max = 64))]
    pub conversation_id: Option<String>,
    /// A course of the company the question is about (a new conversation's).
    #[validate(length(min = 1, max = 64))]
    pub course_id: Option<String>,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Reply {
    pub conversation_id: String,
    /// The reply's id (what feedback names).
    pub message_id: String,
    pub reply: String,
}

fn system_prompt(company: &str, course: Option<&Course>) -> String {
    let mut s = format!(
        "You are the learning tutor of {company}'s training platform. Answer clearly and briefly, \
         explain your reasoning, and say so when you are not sure."
    );
    if let Some(c) = course {
        s.push_str(&format!(
            " The learner is taking the course \"{}\": {}",
            c.title, c.description
        ));
    }
    s
}

/// Ask the tutor (the `pro` plan; 402 otherwise). The question and the reply are
/// kept in the conversation; the tutor sees the conversation's last 20 messages and,
/// for a course, its title and description. 503 `UNAVAILABLE` when no provider is
/// configured or it keeps failing (429 and 5xx are retried).
#[utoipa::path(post, path = "/api/chat/message", tag = "chat", security(("bearer" = [])),
    request_body = MessageBody,
    responses((status = 200, body = Reply), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 402, description = "Needs the pro plan", body = ErrorBody),
        (status = 404, description = "No such conversation or course", body = ErrorBody),
        (status = 503, description = "No AI provider, or it is failing", body = ErrorBody)))]
pub async fn message(
    State(state): State<AppState>,
    Extension(tutor): Extension<Tutor>,
    Entitled(p, company, ..): Entitled<AiChatFeature>,
    audit: Audit,
    ValidJson(b): ValidJson<MessageBody>,
) -> ApiResult<Response> {
    let question = non_blank("message", &b.message)?;
    tutor.configured()?;
    let now = clock::now_rfc3339();
    let (mut conversation, earlier) = match &b.conversation_id {
        Some(id) => {
            let c: Conversation = state
                .db
                .find(&keys::conversation(&p.company_id, &p.user_id, id))
                .await?;
            // The last messages, newest first, then in the order they were said.
            let mut last = state
                .db
                .page(
                    &lists::conversation_messages(&p.company_id, id),
                    PageAt::first(CONTEXT_MESSAGES),
                    Filter::default().newest_first(),
                )
                .await?
                .items;
            last.reverse();
            (c, last)
        }
        None => (
            Conversation {
                id: clock::new_id(),
                company_id: p.company_id.clone(),
                user_id: p.user_id.clone(),
                title: question.chars().take(80).collect(),
                course_id: b.course_id.clone(),
                created_at: now.clone(),
                updated_at: now.clone(),
            },
            vec![],
        ),
    };
    let course: Option<Course> = match &conversation.course_id {
        Some(id) => Some(state.db.find(&keys::course(&p.company_id, id)).await?),
        None => None,
    };
    let mut turns = vec![Turn {
        role: "system",
        content: system_prompt(&company.name, course.as_ref()),
    }];
    turns.extend(earlier.iter().map(|m| Turn {
        role: match m.role {
            ChatRole::User => "user",
            ChatRole::Assistant => "assistant",
        },
        content: m.content.clone(),
    }));
    turns.push(Turn {
        role: "user",
        content: question.clone(),
    });
    let reply = tutor.reply(&turns).await?;

    // ULIDs made in one millisecond are not ordered; the reply must sort after the
    // question (a conversation is listed by id), so its id is the next one.
    let asked_id = ulid::Ulid::generate();
    let answered_id = asked_id
        .increment()
        .unwrap_or_else(|_| ulid::Ulid::generate());
    let said = |id: ulid::Ulid, role, content: String| ChatMessage {
        id: id.to_string(),
        company_id: p.company_id.clone(),
        user_id: p.user_id.clone(),
        conversation_id: conversation.id.clone(),
        role,
        content,
        created_at: clock::now_rfc3339(),
        rating: None,
        comment: None,
    };
    let asked = said(asked_id, ChatRole::User, question);
    let answered = said(answered_id, ChatRole::Assistant, reply.clone());
    conversation.updated_at = clock::now_rfc3339();
    let tx = state
        .db
        .tx()
        .put(&conversation, None)
        .put(&asked, Cond::absent())
        .put(&answered, Cond::absent());
    let answer = Json(Reply {
        conversation_id: conversation.id.clone(),
        message_id: answered.id,
        reply,
    });
    Ok(audit
        .commit(&state.db, tx, naming(&conversation.id, answer))
        .await?)
}

#[derive(Debug, Deserialize, Validate, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct HistoryQuery {
    /// One conversation's messages, oldest first; without it, your conversations,
    /// newest first.
    #[validate(length(min = 1, max = 64))]
    pub conversation_id: Option<String>,
    #[serde(flatten)]
    #[param(ignore)]
    #[validate(nested)]
    pub page: ListQuery,
}

/// A conversation or one of its messages.
#[derive(Serialize, ToSchema)]
#[serde(untagged)]
pub enum HistoryItem {
    Conversation(Conversation),
    Message(ChatMessage),
}

/// Your conversations with the tutor, or one conversation's messages (any user:
/// reading stays open after a downgrade).
#[utoipa::path(get, path = "/api/chat/history", tag = "chat", security(("bearer" = [])),
    params(HistoryQuery, ListQuery),
    responses((status = 200, body = ListResponse<HistoryItem>), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 404, description = "Not one of your conversations", body = ErrorBody)))]
pub async fn history(
    State(state): State<AppState>,
    AuthUser(p): AuthUser,
    QueryParams(q): QueryParams<HistoryQuery>,
) -> ApiResult<Json<ListResponse<HistoryItem>>> {
    let (limit, cursor) = (q.page.limit(), q.page.cursor.as_deref());
    match &q.conversation_id {
        Some(id) => {
            let _: Conversation = state
                .db
                .find(&keys::conversation(&p.company_id, &p.user_id, id))
                .await?;
            let page = state
                .db
                .page(
                    &lists::conversation_messages(&p.company_id, id),
                    PageAt { limit, cursor },
                    Filter::default(),
                )
                .await?;
            Ok(Json(ListResponse {
                items: page.items.into_iter().map(HistoryItem::Message).collect(),
                next_cursor: page.next_cursor,
            }))
        }
        None => {
            let page = state
                .db
                .page(
                    &lists::conversations(&p.company_id, &p.user_id),
                    PageAt { limit, cursor },
                    Filter::default().newest_first(),
                )
                .await?;
            Ok(Json(ListResponse {
                items: page
                    .items
                    .into_iter()
                    .map(HistoryItem::Conversation)
                    .collect(),
                next_cursor: page.next_cursor,
            }))
        }
    }
}

#[derive(Deserialize, Validate, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FeedbackBody {
    #[validate(length(min = 1, max = 64))]
    pub message_id: String,
    pub rating: Rating,
    #[validate(length(max = 1000))]
    pub comment: Option<String>,
}

/// Rate one of the tutor's replies to you (again: the new rating replaces the old).
#[utoipa::path(post, path = "/api/chat/feedback", tag = "chat", security(("bearer" = [])),
    request_body = FeedbackBody,
    responses((status = 200, body = ChatMessage), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 404, description = "Not a reply to you", body = ErrorBody)))]
pub async fn feedback(
    State(state): State<AppState>,
    AuthUser(p): AuthUser,
    audit: Audit,
    ValidJson(b): ValidJson<FeedbackBody>,
) -> ApiResult<Response> {
    let key = keys::chat_message(&p.company_id, &p.user_id, &b.message_id);
    let mut m: ChatMessage = state.db.find(&key).await?;
    if m.role != ChatRole::Assistant {
        return Err(ApiError::field(
            "messageId",
            "names your question, not a reply",
        ));
    }
    m.rating = Some(b.rating);
    m.comment = b.comment;
    let tx = state.db.tx().put(&m, Cond::present());
    let id = m.id.clone();
    Ok(audit.commit(&state.db, tx, naming(&id, Json(m))).await?)
}

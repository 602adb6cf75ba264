//! Sending notifications (manager+): to one user, or to many at once.

use axum::{Json, extract::State, http::StatusCode};
use campus::{
    ApiError, ApiResult, AppState,
    audit::Audit,
    auth::{Gate, Manager},
    db::keys,
    error::ErrorBody,
    http::{Links, ValidJson, non_blank, public_url},
    model::{Channels, NOTIFICATION_TYPES, User},
    notify, people,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub enum Channel {
    InApp,
    Email,
}

/// A notification to send: whom (`userId` for `POST /api/notifications`; `userIds`,
/// `teamId`, `departmentId` or `all` for `/bulk`, which add up), what and how.
#[derive(Deserialize, Validate, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Content {
    #[validate(length(min = 1, max = 64))]
    pub user_id: Option<String>,
    #[validate(length(min = 1, max = 1000))]
    pub user_ids: Option<Vec<String>>,
    #[validate(length(min = 1, max = 64))]
    pub team_id: Option<String>,
    #[validate(length(min = 1, max = 64))]
    pub department_id: Option<String>,
    /// Everyone in the company.
    pub all: Option<bool>,
    /// One of the notification types (see the preferences).
    #[serde(rename = "type")]
    #[validate(length(min = 1, max = 64))]
    pub kind: String,
    #[validate(length(min = 1, max = 200))]
    pub title: String,
    #[validate(length(min = 1, max = 4000))]
    pub body: String,
    #[validate(length(max = 2000))]
    pub link: Option<String>,
    /// Default `["inApp"]`. Each recipient's preferences for the type still apply.
    #[validate(length(min = 1, max = 2))]
    pub channels: Option<Vec<Channel>>,
}

impl Content {
    fn message(&self, state: &AppState) -> ApiResult<(notify::Message, Channels)> {
        let kind = NOTIFICATION_TYPES
            .iter()
            .find(|t| **t == self.kind)
            .ok_or_else(|| {
                ApiError::field(
                    "type",
                    &format!("must be one of {}", NOTIFICATION_TYPES.join(", ")),
                )
            })?;
        let title = non_blank("title", &self.title)?;
        let body = non_blank("body", &self.body)?;
        let channels = self.channels.clone().unwrap_or(vec![Channel::InApp]);
        // Followed by every recipient's client and mail: no script or private address.
        let link = self
            .link
            .as_deref()
            .map(|l| public_url(state, "link", l, Links::OrPath))
            .transpose()?;
        let msg = notify::Message {
            kind,
            title: title.clone(),
            body: body.clone(),
            data: serde_json::json!({"title": title, "body": body, "link": link}),
            link,
            template: "notification",
        };
        let asked = Channels {
            in_app: channels.contains(&Channel::InApp),
            email: channels.contains(&Channel::Email),
        };
        Ok((msg, asked))
    }
}

/// What a send did.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Delivery {
    pub recipients: u32,
    /// In-app notifications written.
    pub in_app: u32,
    /// Mails queued.
    pub email: u32,
}

async fn deliver(
    state: &AppState,
    users: &[User],
    c: &Content,
    audit: &Audit,
) -> ApiResult<Delivery> {
    let (msg, asked) = c.message(state)?;
    let sent = notify::fan_out(state, &msg, users, asked, audit).await?;
    Ok(Delivery {
        recipients: users.len() as u32,
        in_app: sent.in_app,
        email: sent.email,
    })
}

/// Notify one user of the company, in-app and/or by mail, as their preferences allow.
#[utoipa::path(post, path = "/api/notifications", tag = "notifications", security(("bearer" = [])),
    request_body = Content,
    responses((status = 201, body = Delivery), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn send(
    State(state): State<AppState>,
    Gate(p, ..): Manager,
    audit: Audit,
    ValidJson(b): ValidJson<Content>,
) -> ApiResult<(StatusCode, Json<Delivery>)> {
    if b.user_ids.is_some() || b.team_id.is_some() || b.department_id.is_some() || b.all.is_some() {
        return Err(ApiError::field(
            "userId",
            "names the one recipient here; many go to /api/notifications/bulk",
        ));
    }
    let id = b
        .user_id
        .as_deref()
        .ok_or_else(|| ApiError::field("userId", "is required"))?;
    b.message(&state)?;
    let user: User = state
        .db
        .get(&keys::user(&p.company_id, id))
        .await?
        .ok_or_else(|| ApiError::field("userId", "no such user"))?;
    let d = deliver(&state, &[user], &b, &audit).await?;
    Ok((StatusCode::CREATED, Json(d)))
}

/// Notify many at once: named users, a team, a department, or everyone (at most
/// 1000 people). Preferences are read and records written in batches.
#[utoipa::path(post, path = "/api/notifications/bulk", tag = "notifications", security(("bearer" = [])),
    request_body = Content,
    responses((status = 201, body = Delivery), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn bulk(
    State(state): State<AppState>,
    Gate(p, ..): Manager,
    audit: Audit,
    ValidJson(b): ValidJson<Content>,
) -> ApiResult<(StatusCode, Json<Delivery>)> {
    if b.user_id.is_some() {
        return Err(ApiError::field(
            "userId",
            "is for POST /api/notifications; name userIds here",
        ));
    }
    // Checked before any read, so a bad message costs nothing.
    b.message(&state)?;
    let users = people::resolve(
        &state.db,
        &p.company_id,
        &people::Named {
            user_ids: b.user_ids.as_deref().unwrap_or_default(),
            team_id: b.team_id.as_deref(),
            department_id: b.department_id.as_deref(),
            all: b.all == Some(true),
        },
    )
    .await?;
    let d = deliver(&state, &users, &b, &audit).await?;
    Ok((StatusCode::CREATED, Json(d)))
}

use axum::{
    Json,
    extract::{Path, State},
    http::StatusCode,
    response::Response,
};
use campus::{
    ApiError, ApiResult, AppState,
    audit::Audit,
    auth::AuthUser,
    clock,
    db::{Cond, Filter, keys, lists},
    error::ErrorBody,
    http::{ListQuery, ListResponse, QueryParams, ValidJson, created, non_blank},
    model::{CheckIn, User},
    realtime::{self, Audience},
};
use serde::Deserialize;
use time::Duration;
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

/// How long a check-in lasts when the body does not say, and at most.
const DEFAULT_HOURS: i64 = 4;
const MAX_HOURS: i64 = 24;

#[derive(Deserialize, Validate, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CheckInBody {
    #[validate(length(min = 1, max = 200))]
    pub location: String,
    #[validate(length(max = 500))]
    pub message: Option<String>,
    /// RFC 3339, in the future, at most 24 hours ahead; default 4 hours from now.
    #[validate(length(max = 40))]
    pub available_until: Option<String>,
}

/// Check in: the whole company sees it at once (`checkin.created`) until it lapses.
#[utoipa::path(post, path = "/api/checkins", tag = "checkins", security(("bearer" = [])),
    request_body = CheckInBody,
    responses((status = 201, body = CheckIn), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    AuthUser(p): AuthUser,
    audit: Audit,
    ValidJson(b): ValidJson<CheckInBody>,
) -> ApiResult<Response> {
    let now = clock::now();
    let until = match &b.available_until {
        None => now + Duration::hours(DEFAULT_HOURS),
        Some(raw) => {
            let t = clock::parse_rfc3339(raw)
                .ok_or_else(|| ApiError::field("availableUntil", "must be an RFC 3339 time"))?;
            if t <= now || t > now + Duration::hours(MAX_HOURS) {
                return Err(ApiError::field(
                    "availableUntil",
                    &format!("must be in the next {MAX_HOURS} hours"),
                ));
            }
            t
        }
    };
    let user: User = state
        .db
        .find(&keys::user(&p.company_id, &p.user_id))
        .await?;
    let check_in = CheckIn {
        id: clock::new_id(),
        company_id: p.company_id.clone(),
        user_id: p.user_id.clone(),
        user_name: user.name,
        location: non_blank("location", &b.location)?,
        message: b.message,
        available_until: clock::rfc3339(until),
        created_at: clock::rfc3339(now),
    };
    let tx = state.db.tx().put(&check_in, Cond::absent());
    let msg = realtime::message("checkin.created", &check_in);
    let answer = created(&check_in.id.clone(), check_in);
    let answer = audit.commit(&state.db, tx, answer).await?;
    realtime::publish(&state, &p.company_id, Audience::Company, &msg).await;
    Ok(answer)
}

#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SinceQuery {
    /// Only check-ins made at or after this time (RFC 3339 or a date).
    #[validate(length(max = 40))]
    pub since: Option<String>,
    /// `limit` and `cursor`.
    #[serde(flatten)]
    #[param(ignore)]
    #[validate(nested)]
    pub page: ListQuery,
}

/// The company's check-ins that are still going on, newest first.
#[utoipa::path(get, path = "/api/checkins", tag = "checkins", security(("bearer" = [])),
    params(SinceQuery, ListQuery),
    responses((status = 200, body = ListResponse<CheckIn>), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    AuthUser(p): AuthUser,
    QueryParams(q): QueryParams<SinceQuery>,
) -> ApiResult<Json<ListResponse<CheckIn>>> {
    let since = q
        .since
        .as_deref()
        .map(|s| clock::moment("since", s, "00:00:00").map(clock::rfc3339))
        .transpose()?;
    let limit = q.page.limit() as usize;
    // Newest first; the cursor is the last id shown (ULIDs sort by time).
    let mut items: Vec<CheckIn> = realtime::active_checkins(&state, &p.company_id)
        .await?
        .into_iter()
        .filter(|c| since.as_deref().is_none_or(|s| c.created_at.as_str() >= s))
        .filter(|c| {
            q.page
                .cursor
                .as_deref()
                .is_none_or(|cur| c.id.as_str() < cur)
        })
        .collect();
    let next_cursor = (items.len() > limit).then(|| items[limit - 1].id.clone());
    items.truncate(limit);
    Ok(Json(ListResponse { items, next_cursor }))
}

/// The caller's own check-ins, lapsed ones included (for a day), newest first.
#[utoipa::path(get, path = "/api/checkins/me", tag = "checkins", security(("bearer" = [])),
    params(ListQuery),
    responses((status = 200, body = ListResponse<CheckIn>), (status = 401, body = ErrorBody)))]
pub async fn mine(
    State(state): State<AppState>,
    AuthUser(p): AuthUser,
    QueryParams(q): QueryParams<ListQuery>,
) -> ApiResult<Json<ListResponse<CheckIn>>> {
    let page = state
        .db
        .page(
            &lists::user_checkins(&p.company_id, &p.user_id),
            q.at(),
            Filter::default().newest_first(),
        )
        .await?;
    Ok(Json(page.into()))
}

/// End one of the caller's check-ins (`checkin.deleted` to the company).
#[utoipa::path(delete, path = "/api/checkins/{id}", tag = "checkins", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 204, description = "Deleted"), (status = 401, body = ErrorBody),
        (status = 403, description = "Someone else's", body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn delete(
    State(state): State<AppState>,
    AuthUser(p): AuthUser,
    Path(id): Path<String>,
    audit: Audit,
) -> ApiResult<StatusCode> {
    let key = keys::checkin(&p.company_id, &id);
    let check_in: CheckIn = state.db.find(&key).await?;
    if check_in.user_id != p.user_id {
        return Err(ApiError::Forbidden("Only its author ends a check-in"));
    }
    audit.delete(&state.db, &key).await?;
    let msg = realtime::message("checkin.deleted", serde_json::json!({"id": id}));
    realtime::publish(&state, &p.company_id, Audience::Company, &msg).await;
    Ok(StatusCode::NO_CONTENT)
}

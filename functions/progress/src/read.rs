use axum::{
    Json,
    extract::{Path, State},
};
use campus::{
    ApiError, ApiResult, AppState,
    auth::{AuthUser, Principal},
    clock,
    db::{Filter, entity_of, keys, lists},
    error::ErrorBody,
    http::{ListQuery, ListResponse, QueryParams},
    model::{Assignment, Course, CourseStatus, ProgressView, Role, User},
    progress,
};

async fn list_of(
    state: &AppState,
    company_id: &str,
    user_id: &str,
    q: &ListQuery,
) -> ApiResult<ListResponse<ProgressView>> {
    let page = state
        .db
        .page(
            &lists::assignments(company_id, user_id),
            q.at(),
            Filter::default(),
        )
        .await?;
    Ok(ListResponse {
        items: progress::views(&state.db, company_id, &page.items).await?,
        next_cursor: page.next_cursor,
    })
}

/// The caller's progress in each of their courses.
#[utoipa::path(get, path = "/api/progress/me", tag = "progress", security(("bearer" = [])),
    params(ListQuery),
    responses((status = 200, body = ListResponse<ProgressView>), (status = 400, body = ErrorBody)))]
pub async fn me(
    State(state): State<AppState>,
    AuthUser(p): AuthUser,
    QueryParams(q): QueryParams<ListQuery>,
) -> ApiResult<Json<ListResponse<ProgressView>>> {
    list_of(&state, &p.company_id, &p.user_id, &q)
        .await
        .map(Json)
}

/// All of a user's progress: yourself, or anyone in your company for managers and up.
#[utoipa::path(get, path = "/api/progress/user/{userId}", tag = "progress", security(("bearer" = [])),
    params(("userId" = String, Path), ListQuery),
    responses((status = 200, body = ListResponse<ProgressView>), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn user(
    State(state): State<AppState>,
    AuthUser(p): AuthUser,
    Path(user_id): Path<String>,
    QueryParams(q): QueryParams<ListQuery>,
) -> ApiResult<Json<ListResponse<ProgressView>>> {
    readable_user(&state, &p, &user_id).await?;
    list_of(&state, &p.company_id, &user_id, &q).await.map(Json)
}

/// Whose progress the caller may read: their own, or (manager+) anyone's in the
/// company. Another company's user is not found; a colleague's is forbidden.
async fn readable_user(state: &AppState, p: &Principal, user_id: &str) -> ApiResult<()> {
    if user_id == p.user_id {
        return Ok(());
    }
    state
        .db
        .find::<User>(&keys::user(&p.company_id, user_id))
        .await?;
    if !p.at_least(Role::Manager) {
        return Err(ApiError::Forbidden(
            "Only managers and up see other users' progress",
        ));
    }
    Ok(())
}

/// The caller's progress in one course (`not_started` if they never began it).
#[utoipa::path(get, path = "/api/progress/{courseId}", tag = "progress", security(("bearer" = [])),
    params(("courseId" = String, Path)),
    responses((status = 200, body = ProgressView), (status = 404, body = ErrorBody)))]
pub async fn course(
    State(state): State<AppState>,
    AuthUser(p): AuthUser,
    Path(course_id): Path<String>,
) -> ApiResult<Json<ProgressView>> {
    let got = state
        .db
        .get_many(&[
            keys::course(&p.company_id, &course_id),
            keys::assignment(&p.company_id, &p.user_id, &course_id),
        ])
        .await?;
    let course: Course = entity_of(&got)?.ok_or(ApiError::NotFound)?;
    if course.status == CourseStatus::Draft && !p.at_least(Role::Instructor) {
        return Err(ApiError::NotFound);
    }
    Ok(Json(match entity_of::<Assignment>(&got)? {
        Some(a) => ProgressView::of(&a, &course, &clock::now_rfc3339()),
        None => ProgressView::untouched(&course),
    }))
}

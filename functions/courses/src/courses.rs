use axum::{
    Json,
    extract::{Path, State},
    http::StatusCode,
    response::{IntoResponse, Response},
};
use campus::{
    ApiError, ApiResult, AppState,
    audit::Audit,
    auth::{AuthUser, Gate, Instructor},
    clock,
    db::{Cond, Filter, PageAt, StoreError, entity_of, keys, lists},
    error::ErrorBody,
    http::non_blank,
    http::{ListQuery, ListResponse, QueryParams, ValidJson, created},
    model::{Assignment, Course, CourseStatus, Role},
    versioned::{expect_version, save},
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::body::CourseBody;

#[derive(Debug, Clone, Copy, Default, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// The caller's assigned and enrolled courses, with progress and due date.
    #[default]
    Assigned,
    /// The company's published courses (instructors and up may ask for drafts).
    Catalog,
}

#[derive(Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CourseQuery {
    #[param(inline)]
    pub scope: Option<Scope>,
    /// With `scope=catalog`, instructor+: `draft` lists drafts.
    pub status: Option<CourseStatus>,
    /// `limit` and `cursor`.
    #[serde(flatten)]
    #[param(ignore)]
    #[validate(nested)]
    pub page: ListQuery,
}

/// A course in a list; with its assignment when listed by `scope=assigned`.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CourseItem {
    #[serde(flatten)]
    pub course: Course,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub progress: Option<Assignment>,
}

/// The caller's courses (`scope=assigned`, the default) or the catalog.
#[utoipa::path(get, path = "/api/courses", tag = "courses", security(("bearer" = [])),
    params(CourseQuery, ListQuery),
    responses((status = 200, body = ListResponse<CourseItem>), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    AuthUser(p): AuthUser,
    QueryParams(q): QueryParams<CourseQuery>,
) -> ApiResult<Json<ListResponse<CourseItem>>> {
    let limit = q.page.limit();
    match q.scope.unwrap_or_default() {
        Scope::Catalog => {
            let status = q.status.unwrap_or(CourseStatus::Published);
            if status == CourseStatus::Draft && !p.at_least(Role::Instructor) {
                return Err(ApiError::Forbidden("Only instructors and up see drafts"));
            }
            let page = state
                .db
                .page(
                    &lists::courses_with_status(&p.company_id, status),
                    PageAt {
                        limit,
                        cursor: q.page.cursor.as_deref(),
                    },
                    Filter::new(),
                )
                .await?;
            Ok(Json(ListResponse {
                items: page
                    .items
                    .into_iter()
                    .map(|course| CourseItem {
                        course,
                        progress: None,
                    })
                    .collect(),
                next_cursor: page.next_cursor,
            }))
        }
        Scope::Assigned => {
            let page = state
                .db
                .page(
                    &lists::assignments(&p.company_id, &p.user_id),
                    PageAt {
                        limit,
                        cursor: q.page.cursor.as_deref(),
                    },
                    Filter::default(),
                )
                .await?;
            let ids: Vec<&str> = page.items.iter().map(|a| a.course_id.as_str()).collect();
            let courses = campus::progress::courses(&state.db, &p.company_id, &ids).await?;
            // An assignment whose course was deleted meanwhile is left out.
            let items = page
                .items
                .into_iter()
                .filter_map(|a| {
                    let course = courses.iter().find(|c| c.id == a.course_id)?.clone();
                    Some(CourseItem {
                        course,
                        progress: Some(a),
                    })
                })
                .collect();
            Ok(Json(ListResponse {
                items,
                next_cursor: page.next_cursor,
            }))
        }
    }
}

/// Create a course (instructor+).
#[utoipa::path(post, path = "/api/courses", tag = "courses", security(("bearer" = [])),
    request_body = CourseBody,
    responses((status = 201, body = Course), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    Gate(p, ..): Instructor,
    audit: Audit,
    ValidJson(b): ValidJson<CourseBody>,
) -> ApiResult<Response> {
    let now = clock::now_rfc3339();
    let course = Course {
        id: clock::new_id(),
        company_id: p.company_id.clone(),
        title: non_blank("title", &b.title)?,
        description: b.description,
        difficulty: b.difficulty,
        duration_weeks: b.duration_weeks,
        price_cents: b.price_cents,
        currency: b.currency,
        tags: b.tags.iter().map(|t| t.trim().to_string()).collect(),
        status: b.status,
        valid_for_months: b.valid_for_months,
        created_by: p.user_id.clone(),
        module_count: 0,
        lesson_count: 0,
        created_at: now.clone(),
        updated_at: now,
        version: 1,
    };
    let tx = state.db.tx().put(&course, Cond::absent());
    Ok(audit
        .commit(&state.db, tx, created(&course.id.clone(), course))
        .await?)
}

/// Replace a course's fields (instructor+); `version` guards against lost updates.
#[utoipa::path(put, path = "/api/courses/{id}", tag = "courses", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = CourseBody,
    responses((status = 200, body = Course), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, description = "Stale version", body = ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    Gate(p, ..): Instructor,
    Path(id): Path<String>,
    audit: Audit,
    ValidJson(b): ValidJson<CourseBody>,
) -> ApiResult<Json<Course>> {
    let mut course: Course = state.db.find(&keys::course(&p.company_id, &id)).await?;
    expect_version(b.version, course.version)?;
    course.title = non_blank("title", &b.title)?;
    course.description = b.description;
    course.difficulty = b.difficulty;
    course.duration_weeks = b.duration_weeks;
    course.price_cents = b.price_cents;
    course.currency = b.currency;
    course.tags = b.tags.iter().map(|t| t.trim().to_string()).collect();
    course.status = b.status;
    course.valid_for_months = b.valid_for_months;
    save(&state.db, &mut course, &audit).await?;
    Ok(Json(course))
}

/// Delete a course with its modules, lessons, assignments and calendar deadline
/// (instructor+).
#[utoipa::path(delete, path = "/api/courses/{id}", tag = "courses", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 204, description = "Deleted"), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn delete(
    State(state): State<AppState>,
    Gate(p, ..): Instructor,
    Path(id): Path<String>,
    audit: Audit,
) -> ApiResult<StatusCode> {
    // The course record goes first, atomically with its audit entry: from then on the
    // course is gone for every reader. What hung off it follows; a left-over module or
    // assignment of a deleted course is never shown (readers join on the record).
    audit
        .delete(&state.db, &keys::course(&p.company_id, &id))
        .await?;
    state
        .db
        .delete_partition(&keys::course_partition(&p.company_id, &id))
        .await?;
    let mut gone = state
        .db
        .keys_in_index(&keys::course_assignees(&p.company_id, &id))
        .await?;
    // Its deadline on the calendar (planned sessions stay: they are meetings).
    gone.push(keys::event(
        &p.company_id,
        &campus::model::CalendarEvent::deadline_id(&id),
    ));
    state.db.delete_many(&gone).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Enrol yourself in a published course; enrolling again changes nothing (200). A
/// priced course is bought instead (402 here): paying for it enrols the buyer.
#[utoipa::path(post, path = "/api/courses/{id}/enroll", tag = "courses", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 201, description = "Enrolled", body = Assignment), (status = 200, description = "Already enrolled", body = Assignment),
        (status = 402, description = "A priced course: buy it", body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, description = "Not published", body = ErrorBody)))]
pub async fn enroll(
    State(state): State<AppState>,
    AuthUser(p): AuthUser,
    Path(id): Path<String>,
    audit: Audit,
) -> ApiResult<Response> {
    let key = keys::assignment(&p.company_id, &p.user_id, &id);
    let items = state
        .db
        .get_many_consistent(&[keys::course(&p.company_id, &id), key])
        .await?;
    let course: Course = entity_of(&items)?.ok_or(ApiError::NotFound)?;
    if course.status != CourseStatus::Published {
        if !p.at_least(Role::Instructor) {
            return Err(ApiError::NotFound);
        }
        return Err(ApiError::Conflict(
            "Only published courses take enrolments".into(),
        ));
    }
    if let Some(existing) = entity_of::<Assignment>(&items)? {
        return Ok((StatusCode::OK, Json(existing)).into_response());
    }
    // A priced course is bought (`POST /api/payments`), which enrols the buyer.
    if course.price_cents.is_some_and(|p| p > 0) {
        return Err(campus::progress::sold());
    }
    let assignment = Assignment::new(&p.company_id, &p.user_id, &id, "self", None);
    let tx = state.db.tx().put(&assignment, Cond::absent());
    match audit.commit(&state.db, tx, created(&id, assignment)).await {
        Ok(answer) => Ok(answer),
        // Enrolled by a concurrent request a moment ago: the same outcome.
        Err(StoreError::Refused(_)) => {
            let existing: Assignment = state
                .db
                .get_consistent(&keys::assignment(&p.company_id, &p.user_id, &id))
                .await?
                .ok_or(ApiError::NotFound)?;
            Ok((StatusCode::OK, Json(existing)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

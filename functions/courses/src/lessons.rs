use axum::{
    Json,
    extract::{Path, State},
    http::StatusCode,
    response::Response,
};
use campus::{
    ApiError, ApiResult, AppState,
    audit::Audit,
    auth::{Gate, Instructor},
    clock,
    db::{Cond, Field, Guard, StoreError, Update, keys},
    error::ErrorBody,
    http::non_blank,
    http::{ValidJson, created},
    model::{Course, Lesson, Module},
    versioned::{expect_version, save},
};

use crate::{body::LessonBody, modules::conflict_or_404};

/// Lessons per module: bounded so a module and its lessons go in one transaction.
pub const MAX_PER_MODULE: u32 = 50;

/// What refuses a lesson to a full module (or one that is gone).
const MODULE_HAS_ROOM: Guard = Guard::named("ModuleHasRoom");

/// Add a lesson to a module (instructor+).
#[utoipa::path(post, path = "/api/courses/{id}/modules/{moduleId}/lessons", tag = "courses", security(("bearer" = [])),
    params(("id" = String, Path), ("moduleId" = String, Path)), request_body = LessonBody,
    responses((status = 201, body = Lesson), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "The module is full", body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    Gate(p, ..): Instructor,
    Path((course_id, module_id)): Path<(String, String)>,
    audit: Audit,
    ValidJson(b): ValidJson<LessonBody>,
) -> ApiResult<Response> {
    let now = clock::now_rfc3339();
    let lesson = Lesson {
        id: clock::new_id(),
        company_id: p.company_id.clone(),
        course_id: course_id.clone(),
        module_id: module_id.clone(),
        title: non_blank("title", &b.title)?,
        kind: b.kind,
        content: b.content,
        duration_minutes: b.duration_minutes,
        order: b.order,
        created_at: now.clone(),
        updated_at: now.clone(),
        version: 1,
    };
    let module_key = keys::module(&p.company_id, &course_id, &module_id);
    let tx = state
        .db
        .tx()
        .update(
            &module_key,
            Update::new()
                .add(Module::LESSON_COUNT, 1)
                .set(Field::UPDATED_AT, &now),
            Cond::present()
                .and(Module::LESSON_COUNT.lt(MAX_PER_MODULE))
                .named(MODULE_HAS_ROOM),
        )
        .update(
            &keys::course(&p.company_id, &course_id),
            Update::new()
                .add(Course::LESSON_COUNT, 1)
                .set(Field::UPDATED_AT, &now),
            Cond::present(),
        )
        .put(&lesson, Cond::absent());
    match audit
        .commit(&state.db, tx, created(&lesson.id.clone(), lesson))
        .await
    {
        Ok(answer) => Ok(answer),
        Err(StoreError::Refused(MODULE_HAS_ROOM)) => {
            match state.db.get::<Module>(&module_key).await? {
                Some(_) => Err(ApiError::Conflict(format!(
                    "A module holds at most {MAX_PER_MODULE} lessons"
                ))),
                None => Err(ApiError::NotFound),
            }
        }
        Err(e) => Err(conflict_or_404(e)),
    }
}

/// One lesson, as its authors edit it (instructor+; learners read lessons in the
/// course).
#[utoipa::path(get, path = "/api/courses/{id}/modules/{moduleId}/lessons/{lessonId}", tag = "courses", security(("bearer" = [])),
    params(("id" = String, Path), ("moduleId" = String, Path), ("lessonId" = String, Path)),
    responses((status = 200, body = Lesson), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    Gate(p, ..): Instructor,
    Path((course_id, module_id, lesson_id)): Path<(String, String, String)>,
) -> ApiResult<Json<Lesson>> {
    let key = keys::lesson(&p.company_id, &course_id, &module_id, &lesson_id);
    Ok(Json(state.db.find(&key).await?))
}

/// Change a lesson (instructor+).
#[utoipa::path(put, path = "/api/courses/{id}/modules/{moduleId}/lessons/{lessonId}", tag = "courses", security(("bearer" = [])),
    params(("id" = String, Path), ("moduleId" = String, Path), ("lessonId" = String, Path)), request_body = LessonBody,
    responses((status = 200, body = Lesson), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    Gate(p, ..): Instructor,
    Path((course_id, module_id, lesson_id)): Path<(String, String, String)>,
    audit: Audit,
    ValidJson(b): ValidJson<LessonBody>,
) -> ApiResult<Json<Lesson>> {
    let mut lesson: Lesson = state
        .db
        .find(&keys::lesson(
            &p.company_id,
            &course_id,
            &module_id,
            &lesson_id,
        ))
        .await?;
    expect_version(b.version, lesson.version)?;
    lesson.title = non_blank("title", &b.title)?;
    lesson.kind = b.kind;
    lesson.content = b.content;
    lesson.duration_minutes = b.duration_minutes;
    lesson.order = b.order;
    save(&state.db, &mut lesson, &audit).await?;
    Ok(Json(lesson))
}

/// Delete a lesson (instructor+).
#[utoipa::path(delete, path = "/api/courses/{id}/modules/{moduleId}/lessons/{lessonId}", tag = "courses", security(("bearer" = [])),
    params(("id" = String, Path), ("moduleId" = String, Path), ("lessonId" = String, Path)),
    responses((status = 204, description = "Deleted"), (status = 404, body = ErrorBody)))]
pub async fn delete(
    State(state): State<AppState>,
    Gate(p, ..): Instructor,
    Path((course_id, module_id, lesson_id)): Path<(String, String, String)>,
    audit: Audit,
) -> ApiResult<StatusCode> {
    let now = clock::now_rfc3339();
    let tx = state
        .db
        .tx()
        .delete(
            &keys::lesson(&p.company_id, &course_id, &module_id, &lesson_id),
            Cond::present(),
        )
        .update(
            &keys::module(&p.company_id, &course_id, &module_id),
            Update::new()
                .add(Module::LESSON_COUNT, -1)
                .set(Field::UPDATED_AT, &now),
            Cond::present(),
        )
        .update(
            &keys::course(&p.company_id, &course_id),
            Update::new()
                .add(Course::LESSON_COUNT, -1)
                .set(Field::UPDATED_AT, &now),
            Cond::present(),
        )
        // A quiz lesson's question bank goes with it (learners' attempts stay theirs).
        .delete(&keys::quiz(&p.company_id, &lesson_id), None);
    audit
        .commit(&state.db, tx, StatusCode::NO_CONTENT)
        .await
        .map_err(conflict_or_404)
}

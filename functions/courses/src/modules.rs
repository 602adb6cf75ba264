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
    db::{Cond, Field, Filter, Guard, PageAt, StoreError, Update, keys, lists},
    error::ErrorBody,
    http::non_blank,
    http::{ValidJson, created},
    model::{Course, Module},
    versioned::{expect_version, save},
};

use crate::body::ModuleBody;

/// 404 when the course or module written under is gone; 409 for any other refusal.
pub(crate) fn conflict_or_404(e: StoreError) -> ApiError {
    match e {
        StoreError::Refused(Guard::PRESENT) => ApiError::NotFound,
        e => e.or(ApiError::Conflict(
            "Changed meanwhile; read it again".into(),
        )),
    }
}

/// Add a module to a course (instructor+).
#[utoipa::path(post, path = "/api/courses/{id}/modules", tag = "courses", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = ModuleBody,
    responses((status = 201, body = Module), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    Gate(p, ..): Instructor,
    Path(course_id): Path<String>,
    audit: Audit,
    ValidJson(b): ValidJson<ModuleBody>,
) -> ApiResult<Response> {
    let now = clock::now_rfc3339();
    let module = Module {
        id: clock::new_id(),
        company_id: p.company_id.clone(),
        course_id: course_id.clone(),
        title: non_blank("title", &b.title)?,
        order: b.order,
        lesson_count: 0,
        created_at: now.clone(),
        updated_at: now.clone(),
        version: 1,
    };
    // The course's counter update doubles as the check that the course exists.
    let tx = state
        .db
        .tx()
        .update(
            &keys::course(&p.company_id, &course_id),
            Update::new()
                .add(Course::MODULE_COUNT, 1)
                .set(Field::UPDATED_AT, &now),
            Cond::present(),
        )
        .put(&module, Cond::absent());
    audit
        .commit(&state.db, tx, created(&module.id.clone(), module))
        .await
        .map_err(conflict_or_404)
}

/// One module, as its authors edit it (instructor+; learners read modules in the
/// course).
#[utoipa::path(get, path = "/api/courses/{id}/modules/{moduleId}", tag = "courses", security(("bearer" = [])),
    params(("id" = String, Path), ("moduleId" = String, Path)),
    responses((status = 200, body = Module), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    Gate(p, ..): Instructor,
    Path((course_id, module_id)): Path<(String, String)>,
) -> ApiResult<Json<Module>> {
    let key = keys::module(&p.company_id, &course_id, &module_id);
    Ok(Json(state.db.find(&key).await?))
}

/// Rename or reorder a module (instructor+).
#[utoipa::path(put, path = "/api/courses/{id}/modules/{moduleId}", tag = "courses", security(("bearer" = [])),
    params(("id" = String, Path), ("moduleId" = String, Path)), request_body = ModuleBody,
    responses((status = 200, body = Module), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    Gate(p, ..): Instructor,
    Path((course_id, module_id)): Path<(String, String)>,
    audit: Audit,
    ValidJson(b): ValidJson<ModuleBody>,
) -> ApiResult<Json<Module>> {
    let mut module: Module = state
        .db
        .find(&keys::module(&p.company_id, &course_id, &module_id))
        .await?;
    expect_version(b.version, module.version)?;
    module.title = non_blank("title", &b.title)?;
    module.order = b.order;
    save(&state.db, &mut module, &audit).await?;
    Ok(Json(module))
}

/// Delete a module and its lessons (instructor+).
#[utoipa::path(delete, path = "/api/courses/{id}/modules/{moduleId}", tag = "courses", security(("bearer" = [])),
    params(("id" = String, Path), ("moduleId" = String, Path)),
    responses((status = 204, description = "Deleted"), (status = 404, body = ErrorBody)))]
pub async fn delete(
    State(state): State<AppState>,
    Gate(p, ..): Instructor,
    Path((course_id, module_id)): Path<(String, String)>,
    audit: Audit,
) -> ApiResult<StatusCode> {
    let lessons = state
        .db
        .page(
            &lists::module_lessons(&p.company_id, &course_id, &module_id),
            PageAt::first(100),
            Filter::new(),
        )
        .await?
        .items;
    // Lessons per module are capped (see lessons::MAX_PER_MODULE), so the module, its
    // lessons and the course's counters change in one transaction.
    let mut tx = state
        .db
        .tx()
        .delete(
            &keys::module(&p.company_id, &course_id, &module_id),
            Cond::present(),
        )
        .update(
            &keys::course(&p.company_id, &course_id),
            Update::new()
                .add(Course::MODULE_COUNT, -1)
                .add(Course::LESSON_COUNT, -(lessons.len() as i64))
                .set(Field::UPDATED_AT, clock::now_rfc3339()),
            Cond::present(),
        );
    for l in &lessons {
        tx = tx.delete(
            &keys::lesson(&p.company_id, &course_id, &module_id, &l.id),
            None,
        );
    }
    audit
        .commit(&state.db, tx, StatusCode::NO_CONTENT)
        .await
        .map_err(conflict_or_404)
}

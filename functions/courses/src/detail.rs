use axum::{
    Json,
    extract::{Path, State},
};
use campus::{
    ApiError, ApiResult, AppState,
    auth::AuthUser,
    db::{entities_of, entity_of, keys},
    error::ErrorBody,
    model::{Assignment, Course, CourseStatus, Lesson, Module, Role},
};
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ModuleView {
    #[serde(flatten)]
    pub module: Module,
    /// In `order`.
    pub lessons: Vec<Lesson>,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CourseDetail {
    #[serde(flatten)]
    pub course: Course,
    /// In `order`.
    pub modules: Vec<ModuleView>,
    /// The caller's assignment and progress, if the course is theirs.
    pub progress: Option<Assignment>,
    /// Its lessons come without `content` (the outline only): a priced course the
    /// caller has neither bought nor been assigned by a manager, or one whose
    /// prerequisite in the caller's learning path is not complete (`prerequisite`).
    pub locked: bool,
    /// The course to complete first, in a learning path assigned to the caller.
    pub prerequisite: Option<campus::paths::Prerequisite>,
}

/// A course with its modules and lessons, and the caller's progress in it. A priced
/// course's lessons come without content to those who neither bought it nor were
/// assigned it by a manager, and so do a course's whose prerequisite in the caller's
/// learning path is not complete (`locked`, `prerequisite`).
#[utoipa::path(get, path = "/api/courses/{id}", tag = "courses", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = CourseDetail), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    AuthUser(p): AuthUser,
    Path(id): Path<String>,
) -> ApiResult<Json<CourseDetail>> {
    // The course, its modules and its lessons share one partition: one Query.
    let (partition, assignment) = (
        keys::course_partition(&p.company_id, &id),
        keys::assignment(&p.company_id, &p.user_id, &id),
    );
    let (items, progress) = tokio::join!(
        state.db.all_in(&partition),
        state.db.get::<Assignment>(&assignment)
    );
    let items = items?;
    let course: Course = entity_of(&items)?.ok_or(ApiError::NotFound)?;
    if course.status == CourseStatus::Draft && !p.at_least(Role::Instructor) {
        return Err(ApiError::NotFound);
    }
    let mut modules: Vec<Module> = entities_of(&items)?;
    let mut lessons: Vec<Lesson> = entities_of(&items)?;
    let progress = progress?;
    let prerequisite =
        campus::paths::prerequisite_missing(&state.db, &p.company_id, progress.as_ref()).await?;
    let locked = !course.open_to(p.role, progress.as_ref()) || prerequisite.is_some();
    if locked {
        for l in &mut lessons {
            l.content.clear();
        }
    }
    modules.sort_by(|a, b| (a.order, &a.id).cmp(&(b.order, &b.id)));
    let modules = modules
        .into_iter()
        .map(|module| {
            let mut own: Vec<Lesson> = lessons
                .iter()
                .filter(|l| l.module_id == module.id)
                .cloned()
                .collect();
            own.sort_by(|a, b| (a.order, &a.id).cmp(&(b.order, &b.id)));
            ModuleView {
                module,
                lessons: own,
            }
        })
        .collect();
    Ok(Json(CourseDetail {
        course,
        modules,
        progress,
        locked,
        prerequisite,
    }))
}

//! Quizzes across the company: how often each is attempted and passed.

use std::collections::HashMap;

use axum::{Json, extract::State};
use campus::{
    ApiResult, AppState,
    db::{entities_of, keys, lists},
    error::ErrorBody,
    model::{Lesson, QuizStats},
    plans::Entitled,
    progress,
};
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct QuizRow {
    pub course_id: String,
    pub course_title: String,
    pub lesson_id: String,
    pub lesson_title: String,
    /// Attempts started.
    pub attempts: u64,
    /// Attempts graded (the rest ran out, or are under way).
    pub submitted: u64,
    pub passed: u64,
    /// Passed over submitted, 0 to 1.
    pub pass_rate: f64,
}

#[derive(Serialize, ToSchema)]
pub struct QuizReport {
    pub items: Vec<QuizRow>,
}

/// Every quiz of the company that has been attempted: attempts, submissions, passes
/// and the pass rate (manager+, core plan).
#[utoipa::path(get, path = "/api/reports/quizzes", tag = "reports", security(("bearer" = [])),
    responses((status = 200, body = QuizReport), (status = 402, description = "Needs the core plan", body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn quizzes(
    State(state): State<AppState>,
    Entitled(p, ..): crate::ReportsManager,
) -> ApiResult<Json<QuizReport>> {
    let stats: Vec<QuizStats> = state.db.all(&lists::quiz_stats(&p.company_id)).await?;
    let course_ids: Vec<&str> = stats.iter().map(|s| s.course_id.as_str()).collect();
    let lesson_keys: Vec<_> = stats
        .iter()
        .map(|s| keys::lesson(&p.company_id, &s.course_id, &s.module_id, &s.lesson_id))
        .collect();
    let (courses, lessons) = tokio::try_join!(
        progress::courses(&state.db, &p.company_id, &course_ids),
        async {
            let items = state.db.get_many(&lesson_keys).await?;
            Ok::<_, campus::ApiError>(entities_of::<Lesson>(&items)?)
        },
    )?;
    let courses: HashMap<&str, &str> = courses
        .iter()
        .map(|c| (c.id.as_str(), c.title.as_str()))
        .collect();
    let lessons: HashMap<&str, &str> = lessons
        .iter()
        .map(|l| (l.id.as_str(), l.title.as_str()))
        .collect();
    // A quiz (or course) deleted since keeps its tallies, but is not reported.
    let items = stats
        .iter()
        .filter_map(|s| {
            Some(QuizRow {
                course_title: courses.get(s.course_id.as_str())?.to_string(),
                lesson_title: lessons.get(s.lesson_id.as_str())?.to_string(),
                course_id: s.course_id.clone(),
                lesson_id: s.lesson_id.clone(),
                attempts: s.started,
                submitted: s.submitted,
                passed: s.passed,
                pass_rate: if s.submitted == 0 {
                    0.0
                } else {
                    s.passed as f64 / s.submitted as f64
                },
            })
        })
        .collect();
    Ok(Json(QuizReport { items }))
}

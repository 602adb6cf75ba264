//! `/api/quizzes/{lessonId}/attempts`: a learner takes a quiz lesson's quiz, graded
//! here. A pass completes the lesson in the same write as the grade.

use axum::{
    Json,
    extract::{Path, State},
    response::{IntoResponse, Response},
};
use campus::{
    ApiError, ApiResult, AppState,
    audit::Audit,
    auth::{AuthUser, Principal},
    clock,
    db::{Cond, Filter, Guard, Update, entity_of, keys, lists},
    error::ErrorBody,
    http::{ListQuery, ListResponse, QueryParams, ValidJson, created, naming},
    model::{
        Assignment, Attempt, AttemptStatus, AttemptView, Course, CourseStatus, LessonType, Quiz,
        QuizRecord, QuizStats, Role, User,
    },
    quiz::{self, AttemptStarted, Graded, Submission},
};
use serde::Deserialize;
use utoipa::IntoParams;
use validator::Validate;

use crate::event::{self, EventType, Extra, Step};

/// Refuses the second of two submissions of one attempt.
const STILL_OPEN: Guard = Guard::named("AttemptStillOpen");

/// Refuses a submission when the learner's quiz record moved (another attempt began
/// as this one ran out, or a renewal reset it): 409, not a retry.
const RECORD_AS_READ: Guard = Guard::named("QuizRecordAsRead");

/// Under DynamoDB's 400 KB item, with room for the key and attribute names.
const MAX_ATTEMPT_BYTES: usize = 390_000;

/// The quiz of a lesson the caller may take (its course published, or the caller
/// instructor+; open to them; the lesson still a quiz), with the caller's record.
async fn takeable(
    state: &AppState,
    p: &Principal,
    lesson_id: &str,
) -> ApiResult<(Quiz, Option<QuizRecord>)> {
    let quiz: Quiz = state.db.find(&keys::quiz(&p.company_id, lesson_id)).await?;
    // Consistent for the record, which a start writes under its version.
    let got = state
        .db
        .get_many_consistent(&[
            keys::course(&p.company_id, &quiz.course_id),
            keys::lesson(&p.company_id, &quiz.course_id, &quiz.module_id, lesson_id),
            keys::assignment(&p.company_id, &p.user_id, &quiz.course_id),
            keys::quiz_record(&p.company_id, &p.user_id, lesson_id),
        ])
        .await?;
    let course: Course = entity_of(&got)?.ok_or(ApiError::NotFound)?;
    if course.status == CourseStatus::Draft {
        // Progress (which a pass records) is kept in published courses only.
        return Err(if p.at_least(Role::Instructor) {
            ApiError::Conflict("Quizzes are taken in published courses only".into())
        } else {
            ApiError::NotFound
        });
    }
    let lesson: campus::model::Lesson = entity_of(&got)?.ok_or(ApiError::NotFound)?;
    if lesson.kind != LessonType::Quiz {
        return Err(ApiError::NotFound);
    }
    let held = entity_of::<Assignment>(&got)?;
    campus::progress::require_open(&course, p.role, held.as_ref())?;
    campus::paths::require_unlocked(&state.db, &p.company_id, held.as_ref()).await?;
    Ok((quiz, entity_of(&got)?))
}

/// Start an attempt at a quiz: its questions, drawn and ordered per the quiz, with
/// no answers. An attempt still under way is answered again (200) rather than a
/// second one started.
#[utoipa::path(post, path = "/api/quizzes/{lessonId}/attempts", tag = "assessments", security(("bearer" = [])),
    params(("lessonId" = String, Path)),
    responses((status = 201, body = AttemptStarted), (status = 200, description = "The attempt under way", body = AttemptStarted),
        (status = 402, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "Every attempt allowed is used, or the course is locked by a prerequisite in a learning path", body = ErrorBody),
        (status = 429, description = "Within the cooldown after the last attempt (Retry-After says how long)", body = ErrorBody)))]
pub async fn start(
    State(state): State<AppState>,
    AuthUser(p): AuthUser,
    Path(lesson_id): Path<String>,
    audit: Audit,
) -> ApiResult<Response> {
    let (quiz, record) = takeable(&state, &p, &lesson_id).await?;
    let now = clock::now();
    let now_s = clock::rfc3339(now);
    let mut last_ended = record.as_ref().and_then(|r| r.last_ended_at.clone());
    if let Some(r) = &record
        && let Some(open) = &r.open_attempt
    {
        match &r.open_expires_at {
            // Ran out unsubmitted: it ended when its time did.
            Some(expiry) if *expiry <= now_s => {
                last_ended = last_ended.max(Some(expiry.clone()));
            }
            _ => {
                let key = keys::attempt(&p.company_id, &p.user_id, &lesson_id, open);
                if let Some(a) = state.db.get_consistent::<Attempt>(&key).await?
                    && a.status == AttemptStatus::Open
                {
                    return Ok(naming(&a.id, Json(AttemptStarted::of(&a))));
                }
            }
        }
    }
    let used = record.as_ref().map_or(0, |r| r.attempts);
    if let Some(max) = quiz.max_attempts
        && used >= max
    {
        return Err(ApiError::Conflict(format!(
            "All {max} attempts at this quiz are used"
        )));
    }
    if let Some(wait) = quiz::cooldown_left(&quiz, last_ended.as_deref(), now) {
        return Err(ApiError::RateLimited { retry_after: wait });
    }
    let questions = quiz::draw(&quiz);
    let attempt = Attempt {
        id: clock::new_id(),
        company_id: p.company_id.clone(),
        user_id: p.user_id.clone(),
        course_id: quiz.course_id.clone(),
        lesson_id: lesson_id.clone(),
        status: AttemptStatus::Open,
        started_at: now_s.clone(),
        expires_at: quiz::expiry(&quiz, now),
        submitted_at: None,
        pass_percent: quiz.pass_percent,
        reveal_answers: quiz.reveal_answers,
        max_score: questions.iter().map(|q| q.points).sum(),
        questions,
        answers: Vec::new(),
        score: None,
        percent: None,
        passed: false,
    };
    let (next, cond) = match record {
        Some(r) => {
            let cond = Cond::version(r.version);
            (
                QuizRecord {
                    attempts: r.attempts + 1,
                    open_attempt: Some(attempt.id.clone()),
                    open_expires_at: attempt.expires_at.clone(),
                    last_ended_at: last_ended,
                    version: r.version + 1,
                    ..r
                },
                cond,
            )
        }
        None => (
            QuizRecord {
                company_id: p.company_id.clone(),
                user_id: p.user_id.clone(),
                lesson_id: lesson_id.clone(),
                attempts: 1,
                open_attempt: Some(attempt.id.clone()),
                open_expires_at: attempt.expires_at.clone(),
                last_ended_at: None,
                passed: false,
                best_percent: None,
                version: 1,
            },
            Cond::absent(),
        ),
    };
    let tx = state
        .db
        .tx()
        .put(&next, cond)
        .put(&attempt, Cond::absent())
        .update(
            &keys::quiz_stats(&p.company_id, &lesson_id),
            Update::new()
                .add(QuizStats::STARTED, 1)
                .set(QuizStats::COURSE_ID, &quiz.course_id)
                .set(QuizStats::MODULE_ID, &quiz.module_id)
                .set(QuizStats::LESSON_ID, &lesson_id),
            None,
        );
    audit
        .commit(
            &state.db,
            tx,
            created(&attempt.id, AttemptStarted::of(&attempt)),
        )
        .await
        .map_err(|e| {
            e.or(ApiError::Conflict(
                "Another attempt started meanwhile; start again to resume it".into(),
            ))
        })
}

/// Submit an attempt's answers, once: graded here, and a pass completes the lesson
/// (and the course, with its certificate, when it was the last). Past the attempt's
/// time limit it is refused, and the attempt counts as failed.
#[utoipa::path(post, path = "/api/quizzes/{lessonId}/attempts/{attemptId}/submit", tag = "assessments", security(("bearer" = [])),
    params(("lessonId" = String, Path), ("attemptId" = String, Path)), request_body = Submission,
    responses((status = 200, body = Graded), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "Submitted already, or past its time limit", body = ErrorBody)))]
pub async fn submit(
    State(state): State<AppState>,
    AuthUser(p): AuthUser,
    Path((lesson_id, attempt_id)): Path<(String, String)>,
    audit: Audit,
    ValidJson(b): ValidJson<Submission>,
) -> ApiResult<Response> {
    // The key is the caller's own partition: another's attempt is not found.
    let got = state
        .db
        .get_many_consistent(&[
            keys::attempt(&p.company_id, &p.user_id, &lesson_id, &attempt_id),
            keys::quiz_record(&p.company_id, &p.user_id, &lesson_id),
        ])
        .await?;
    let mut attempt: Attempt = entity_of(&got)?.ok_or(ApiError::NotFound)?;
    let record: QuizRecord = entity_of(&got)?.ok_or(ApiError::NotFound)?;
    let now = clock::now_rfc3339();
    if attempt.status != AttemptStatus::Open {
        return Err(ApiError::Conflict(
            "This attempt was submitted already".into(),
        ));
    }
    if attempt.ran_out(&now) {
        return Err(ApiError::Conflict(format!(
            "This attempt ran out at {}; it counts as failed",
            attempt.expires_at.as_deref().unwrap_or_default()
        )));
    }
    let graded = quiz::grade(&attempt, &b.answers)?;
    attempt.status = AttemptStatus::Submitted;
    attempt.submitted_at = Some(now.clone());
    attempt.answers = b.answers;
    attempt.score = Some(graded.score);
    attempt.percent = Some(graded.percent);
    attempt.passed = graded.passed;
    // A bank is at most 250 KB and answers are bounded, but say so rather than
    // letting DynamoDB refuse the item.
    if serde_json::to_vec(&attempt).map_or(0, |v| v.len()) > MAX_ATTEMPT_BYTES {
        return Err(ApiError::field("answers", "are too long altogether"));
    }
    let read = record.version;
    let open = record.open_attempt.as_deref() == Some(attempt.id.as_str());
    let next = QuizRecord {
        open_attempt: if open {
            None
        } else {
            record.open_attempt.clone()
        },
        open_expires_at: if open {
            None
        } else {
            record.open_expires_at.clone()
        },
        last_ended_at: Some(now.clone()),
        passed: record.passed || graded.passed,
        best_percent: record.best_percent.max(Some(graded.percent)),
        version: read + 1,
        ..record
    };
    let stats = keys::quiz_stats(&p.company_id, &lesson_id);
    let tally = Update::new()
        .add(QuizStats::SUBMITTED, 1)
        .add(QuizStats::PASSED, i64::from(graded.passed));
    let add = |tx: campus::db::Tx| {
        tx.put(&attempt, Attempt::STATUS.eq("open").named(STILL_OPEN))
            .put(&next, Cond::version(read).named(RECORD_AS_READ))
            .update(&stats, tally.clone(), None)
    };
    let extra = Extra {
        add: &add,
        stops: &[
            (STILL_OPEN, "This attempt was submitted already"),
            (
                RECORD_AS_READ,
                "Another attempt began, or the quiz was reset, meanwhile: start again",
            ),
        ],
    };
    let kind = if graded.passed {
        EventType::LessonCompleted
    } else {
        EventType::LessonStarted
    };
    let step = Step {
        lesson_id: &lesson_id,
        kind,
        position_seconds: None,
    };
    let course_id = attempt.course_id.clone();
    let graded = &graded;
    event::record(&state, &p, &course_id, step, Some(&extra), &audit, &|_| {
        naming(&attempt_id, Json(graded)).into_response()
    })
    .await
}

#[derive(Debug, Deserialize, IntoParams, Validate)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub struct AttemptsQuery {
    /// Another learner's attempts (manager+).
    #[validate(length(min = 1, max = 64))]
    pub user_id: Option<String>,
    /// `limit` and `cursor`.
    #[serde(flatten)]
    #[param(ignore)]
    #[validate(nested)]
    pub list: ListQuery,
}

/// Attempts at a quiz, oldest first: the caller's, or (manager+) a learner's in the
/// company. Scores and answers, never the quiz's answers.
#[utoipa::path(get, path = "/api/quizzes/{lessonId}/attempts", tag = "assessments", security(("bearer" = [])),
    params(("lessonId" = String, Path), AttemptsQuery, ListQuery),
    responses((status = 200, body = ListResponse<AttemptView>), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    AuthUser(p): AuthUser,
    Path(lesson_id): Path<String>,
    QueryParams(q): QueryParams<AttemptsQuery>,
) -> ApiResult<Json<ListResponse<AttemptView>>> {
    // A lesson without a quiz (or another company's) has no attempts to list.
    state
        .db
        .find::<Quiz>(&keys::quiz(&p.company_id, &lesson_id))
        .await?;
    let user_id = q.user_id.clone().unwrap_or_else(|| p.user_id.clone());
    if user_id != p.user_id {
        // The role first: a learner learns nothing of who exists.
        if !p.at_least(Role::Manager) {
            return Err(ApiError::Forbidden(
                "Only managers and up see other users' attempts",
            ));
        }
        state
            .db
            .find::<User>(&keys::user(&p.company_id, &user_id))
            .await?;
    }
    let page = state
        .db
        .page(
            &lists::quiz_attempts(&p.company_id, &user_id, &lesson_id),
            q.list.at(),
            Filter::default(),
        )
        .await?;
    let now = clock::now_rfc3339();
    Ok(Json(ListResponse {
        items: page.items.iter().map(|a| a.view(&now)).collect(),
        next_cursor: page.next_cursor,
    }))
}

use axum::response::Response;
use axum::{
    Json,
    extract::{Path, State},
};
use campus::http::naming;
use campus::{
    ApiError, ApiResult, AppState,
    audit::Audit,
    auth::{AuthUser, Principal},
    certificates, clock,
    db::{Cond, Guard, StoreError, Tx, entities_of, entity_of, keys},
    error::ErrorBody,
    http::ValidJson,
    model::{
        Assignment, Bump, CertificateGuard, Company, Course, CourseStatus, DailyStats, Lesson,
        LessonType, ProgressView, Quiz, Role, User,
    },
    notify, paths,
};
use serde::Deserialize;
use utoipa::ToSchema;
use validator::Validate;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = ProgressEventType)]
pub enum EventType {
    LessonStarted,
    /// Completes the lesson (once, however often it is sent).
    LessonCompleted,
    /// Refused (400): a quiz is graded by the server, never passed by saying so.
    QuizSubmitted,
    /// Records `positionSeconds`.
    VideoProgress,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ProgressEvent {
    /// Required on `/api/progress/event`; on `/api/progress/{courseId}` it may be left
    /// out and must match the path if given.
    #[validate(length(min = 1, max = 64))]
    pub course_id: Option<String>,
    #[validate(length(min = 1, max = 64))]
    pub lesson_id: String,
    #[serde(rename = "type")]
    pub kind: EventType,
    /// Refused (400) whatever its value: a client never reports its own score.
    pub score: Option<serde_json::Value>,
    /// Required for `video_progress`.
    #[validate(range(max = 86400))]
    pub position_seconds: Option<u32>,
}

/// Record a lesson event and answer the course progress. Completing a lesson twice
/// counts once; completing the last lesson completes the course and issues its
/// certificate (with a notification and a mail) in the same write. Recording an event
/// in a published course you were not assigned enrols you.
#[utoipa::path(post, path = "/api/progress/event", tag = "progress", security(("bearer" = [])),
    request_body = ProgressEvent,
    responses((status = 200, body = ProgressView), (status = 400, body = ErrorBody),
        (status = 402, description = "A priced course the caller has neither bought nor been assigned", body = ErrorBody),
        (status = 404, description = "No such course", body = ErrorBody),
        (status = 409, description = "The course is a draft, or locked by a prerequisite in a learning path (the message names it)", body = ErrorBody)))]
pub async fn event(
    State(state): State<AppState>,
    AuthUser(p): AuthUser,
    audit: Audit,
    ValidJson(ev): ValidJson<ProgressEvent>,
) -> ApiResult<Response> {
    let course_id = ev
        .course_id
        .clone()
        .ok_or_else(|| ApiError::field("courseId", "is required"))?;
    apply(&state, &p, &course_id, &ev, &audit).await
}

/// The same as `POST /api/progress/event`, for the course in the path.
#[utoipa::path(post, path = "/api/progress/{courseId}", tag = "progress", security(("bearer" = [])),
    params(("courseId" = String, Path)), request_body = ProgressEvent,
    responses((status = 200, body = ProgressView), (status = 400, body = ErrorBody),
        (status = 402, description = "A priced course the caller has neither bought nor been assigned", body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, description = "The course is a draft, or locked by a prerequisite in a learning path", body = ErrorBody)))]
pub async fn course_event(
    State(state): State<AppState>,
    AuthUser(p): AuthUser,
    Path(course_id): Path<String>,
    audit: Audit,
    ValidJson(ev): ValidJson<ProgressEvent>,
) -> ApiResult<Response> {
    if ev.course_id.as_ref().is_some_and(|c| *c != course_id) {
        return Err(ApiError::field(
            "courseId",
            "must match the course in the path",
        ));
    }
    apply(&state, &p, &course_id, &ev, &audit).await
}

/// Concurrent events for one user and course retry on the assignment's version;
/// this many rounds is far beyond what one learner's clients produce.
const ATTEMPTS: u64 = 16;

async fn apply(
    state: &AppState,
    p: &Principal,
    course_id: &str,
    ev: &ProgressEvent,
    audit: &Audit,
) -> ApiResult<Response> {
    // Grading belongs to the server: a learner cannot pass a quiz by saying so.
    if ev.score.is_some() {
        return Err(ApiError::field(
            "score",
            "is not accepted: quizzes are graded by the server",
        ));
    }
    match ev.kind {
        EventType::QuizSubmitted => {
            return Err(ApiError::field(
                "type",
                "quiz_submitted is not accepted: quizzes are graded by the server",
            ));
        }
        EventType::VideoProgress if ev.position_seconds.is_none() => {
            return Err(ApiError::field(
                "positionSeconds",
                "is required for video_progress",
            ));
        }
        _ => {}
    }
    let step = Step {
        lesson_id: &ev.lesson_id,
        kind: ev.kind,
        position_seconds: ev.position_seconds,
    };
    // The course is named: `POST /api/progress/event` carries it in the body.
    record(state, p, course_id, step, None, audit, &|view| {
        naming(course_id, Json(view))
    })
    .await
}

/// One lesson event to record.
pub(crate) struct Step<'a> {
    pub lesson_id: &'a str,
    pub kind: EventType,
    pub position_seconds: Option<u32>,
}

/// What a graded attempt adds to the write that records its lesson: the attempt and
/// the learner's quiz record, written whether or not the lesson completes, and the
/// guard that refuses a second submission of the attempt (409, never a retry).
pub(crate) struct Extra<'a> {
    pub add: &'a (dyn Fn(Tx) -> Tx + Sync),
    /// Guards of `add`'s items whose refusal is final, each with its 409's message.
    pub stops: &'a [(Guard, &'static str)],
}

impl Extra<'_> {
    fn stopped(&self, g: Guard) -> Option<&'static str> {
        self.stops.iter().find(|(s, _)| *s == g).map(|(_, m)| *m)
    }
}

/// Records `step` for the caller in `course_id` (with `extra` in the same
/// transaction) and answers what `answer` makes of the course progress.
pub(crate) async fn record(
    state: &AppState,
    p: &Principal,
    course_id: &str,
    step: Step<'_>,
    extra: Option<&Extra<'_>>,
    audit: &Audit,
    answer: &(dyn Fn(ProgressView) -> Response + Sync),
) -> ApiResult<Response> {
    let stopped = |e: StoreError| match extra.and_then(|x| x.stopped(refused(&e)?)) {
        Some(message) => ApiError::Conflict(message.into()),
        None => e.into(),
    };
    // The course with its lessons: one Query of its partition.
    let items = state
        .db
        .all_in(&keys::course_partition(&p.company_id, course_id))
        .await?;
    let course: Course = entity_of(&items)?.ok_or(ApiError::NotFound)?;
    if course.status == CourseStatus::Draft && !p.at_least(Role::Instructor) {
        return Err(ApiError::NotFound);
    }
    let lessons: Vec<Lesson> = entities_of(&items)?;
    let Some(lesson) = lessons.iter().find(|l| l.id == step.lesson_id) else {
        return Err(ApiError::field("lessonId", "no such lesson in this course"));
    };
    let completes_lesson = step.kind == EventType::LessonCompleted;
    // Only a passed attempt completes a quiz lesson.
    // (A quiz lesson still without a question bank is completed as any lesson.)
    if completes_lesson
        && extra.is_none()
        && lesson.kind == LessonType::Quiz
        && state
            .db
            .get::<Quiz>(&keys::quiz(&p.company_id, &lesson.id))
            .await?
            .is_some()
    {
        return Err(ApiError::Conflict(format!(
            "A quiz lesson is completed by passing its quiz: POST /api/quizzes/{}/attempts",
            lesson.id
        )));
    }
    let assignment_key = keys::assignment(&p.company_id, &p.user_id, course_id);
    for attempt in 0..ATTEMPTS {
        if attempt > 0 {
            // Let the writer that won settle before reading again.
            tokio::time::sleep(std::time::Duration::from_millis(5 * attempt)).await;
        }
        let got = state
            .db
            .get_many_consistent(&[
                assignment_key.clone(),
                keys::certificate_guard(&p.company_id, &p.user_id, course_id),
                keys::user(&p.company_id, &p.user_id),
                keys::company(&p.company_id),
                keys::notification_preferences(&p.company_id, &p.user_id),
            ])
            .await?;
        let held = entity_of::<Assignment>(&got)?;
        campus::progress::require_open(&course, p.role, held.as_ref())?;
        // A course assigned in a learning path opens when its prerequisites there
        // are complete; what this write completes of those paths is read with it.
        let standing = match held.as_ref() {
            Some(a) if !a.paths.is_empty() && !a.is_completed() => {
                paths::standing(&state.db, &p.company_id, &p.user_id, &a.paths).await?
            }
            _ => paths::Standing::default(),
        };
        standing.require_unlocked(course_id)?;
        let (mut a, cond, fresh) = match held {
            Some(a) => {
                let cond = Cond::version(a.version);
                (a, cond, false)
            }
            None if course.status == CourseStatus::Published => (
                Assignment::new(&p.company_id, &p.user_id, course_id, "self", None),
                Cond::absent(),
                true,
            ),
            None => {
                return Err(ApiError::Conflict(
                    "Progress is recorded in published courses only".into(),
                ));
            }
        };
        let now = clock::now_rfc3339();
        // A completed course stays as it was; a lesson completed again counts once.
        let repeat = completes_lesson && a.completed_lessons.contains(&step.lesson_id.to_string());
        if a.is_completed() || repeat {
            let view = ProgressView::of(&a, &course, &now);
            return match extra {
                None => Ok(answer(view)),
                Some(x) => audit
                    .commit(&state.db, (x.add)(state.db.tx()), answer(view))
                    .await
                    .map_err(stopped),
            };
        }
        let newly_done = completes_lesson;
        if newly_done {
            a.completed_lessons.push(step.lesson_id.to_string());
        }
        if let (EventType::VideoProgress, Some(pos)) = (step.kind, step.position_seconds) {
            a.positions.insert(step.lesson_id.to_string(), pos);
        }
        // Lessons deleted since they were completed no longer count.
        let done = lessons
            .iter()
            .filter(|l| a.completed_lessons.contains(&l.id))
            .count();
        a.percent = (done * 100 / lessons.len()) as u32;
        a.last_activity_at = Some(now.clone());
        a.status = "in_progress".into();
        let completes_course = done == lessons.len();
        if completes_course {
            a.status = "completed".into();
            a.completed_at = Some(now.clone());
            a.percent = 100;
        }
        if !fresh {
            a.version += 1;
        }

        let mut tx = state.db.tx().put(&a, cond);
        if let Some(x) = extra {
            tx = (x.add)(tx);
        }
        let mut bump = Bump::default();
        if newly_done {
            bump.daily(DailyStats::LESSONS_COMPLETED);
        }
        let mut certs = Vec::new();
        let mut pushes = notify::Pushes::default();
        if completes_course {
            bump.both(DailyStats::COMPLETIONS);
            // The course's certificate (unless a manager issued it already: then the
            // course just completes) and one for each learning path this completes,
            // all in this write, which also holds the paths' other steps as read.
            if entity_of::<CertificateGuard>(&got)?.is_none() {
                certs.push(None);
            }
            certs.extend(standing.completed_by(course_id).into_iter().map(Some));
            for (key, open) in standing.still_open(course_id) {
                tx = tx.check(&key, open);
            }
        }
        let mut issued = Vec::with_capacity(certs.len());
        if !certs.is_empty() {
            let user: User = entity_of(&got)?.ok_or(ApiError::NotFound)?;
            let company: Company = entity_of(&got)?.ok_or(ApiError::NotFound)?;
            let prefs = entity_of(&got)?;
            // `None`: the course's own; `Some`: a learning path's.
            for path in certs {
                let c = match path {
                    None => certificates::new_certificate(&company, &user, &course, "completion"),
                    Some(path) => certificates::new_path_certificate(&company, &user, path),
                };
                tx = certificates::issue_in(
                    tx,
                    state,
                    &c,
                    &user,
                    prefs.as_ref(),
                    &mut bump,
                    &mut pushes,
                );
                issued.push(c);
            }
        }
        let tx = bump.apply(tx, &p.company_id, &now[..10])?;
        let answer = answer(ProgressView::of(&a, &course, &now));
        match audit.commit(&state.db, tx, answer).await {
            Ok(answer) => {
                pushes.send(state).await;
                for mut c in issued {
                    certificates::store_pdf_after_issue(state, &mut c).await;
                }
                return Ok(answer);
            }
            Err(StoreError::Refused(g)) if extra.is_some_and(|x| x.stopped(g).is_some()) => {
                return Err(stopped(StoreError::Refused(g)));
            }
            // Another event for this course (or a manager's certificate) got in
            // first: read again and re-apply.
            Err(StoreError::Refused(_)) => continue,
            // Another transaction in flight on one of the same items (the
            // company's counters, a path's other step): nothing was written, so the
            // same retry.
            Err(StoreError::Conflicted) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(ApiError::Unavailable { retry_after: 1 })
}

/// The guard a refused write names, if it was refused.
fn refused(e: &StoreError) -> Option<Guard> {
    match e {
        StoreError::Refused(g) => Some(*g),
        _ => None,
    }
}

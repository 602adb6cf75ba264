//! A quiz lesson's question bank and rules (instructor+). Learners never read this:
//! they get an attempt's questions, without answers (`/api/quizzes`, progress).

use std::collections::HashSet;

use axum::{
    Json,
    extract::{Path, State},
};
use campus::{
    ApiError, ApiResult, AppState,
    audit::Audit,
    auth::{Gate, Instructor},
    clock,
    db::{Cond, keys},
    error::ErrorBody,
    http::{ValidJson, non_blank},
    model::{Lesson, LessonType, Question, QuestionKind, Quiz, QuizOption, Reveal},
    versioned::expect_version,
};
use serde::Deserialize;
use utoipa::ToSchema;
use validator::Validate;

/// Keeps a bank, and every attempt's copy of it with its answers (at most 100 KB),
/// below DynamoDB's 400 KB item.
const MAX_BANK_BYTES: usize = 250_000;

#[derive(Deserialize, Validate, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct QuizBody {
    /// The share of the points that passes, 1 to 100.
    #[validate(range(min = 1, max = 100))]
    pub pass_percent: u32,
    /// Attempts allowed; none: unlimited.
    #[validate(range(min = 1, max = 100))]
    pub max_attempts: Option<u32>,
    /// Minutes from the end of an attempt before the next may start.
    #[validate(range(max = 525_600))]
    pub cooldown_minutes: Option<u32>,
    /// Minutes an attempt may stay open; past it, it counts as failed.
    #[validate(range(min = 1, max = 1440))]
    pub time_limit_minutes: Option<u32>,
    /// Questions drawn at random for each attempt; none: all of them.
    #[validate(range(min = 1, max = 100))]
    pub questions_per_attempt: Option<u32>,
    /// Shuffle the questions (and their options) per attempt.
    #[serde(default)]
    pub shuffle: bool,
    #[serde(default = "never")]
    pub reveal_answers: Reveal,
    /// 1 to 100.
    pub questions: Vec<QuestionBody>,
    /// The version read; another one answers 409.
    pub version: Option<u64>,
}

fn never() -> Reveal {
    Reveal::Never
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct QuestionBody {
    /// Kept across edits when given (attempts name questions by it); new otherwise.
    pub id: Option<String>,
    pub kind: QuestionKind,
    pub prompt: String,
    #[serde(default)]
    pub options: Vec<OptionBody>,
    /// `short_text`: the answers that count as right (trimmed, any case).
    #[serde(default)]
    pub accepted: Vec<String>,
    #[serde(default = "one")]
    pub points: u32,
    pub explanation: Option<String>,
}

fn one() -> u32 {
    1
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OptionBody {
    pub id: Option<String>,
    pub text: String,
    #[serde(default)]
    pub correct: bool,
}

fn id_of(field: &str, given: Option<&String>, seen: &mut HashSet<String>) -> ApiResult<String> {
    let id = match given {
        Some(id) => {
            let plain = |b: u8| b.is_ascii_alphanumeric() || b"-_".contains(&b);
            if id.is_empty() || id.len() > 64 || !id.bytes().all(plain) {
                return Err(ApiError::field(
                    field,
                    "is 1 to 64 letters, digits, '-' or '_'",
                ));
            }
            id.clone()
        }
        None => clock::new_id(),
    };
    if !seen.insert(id.clone()) {
        return Err(ApiError::field(field, "is given twice"));
    }
    Ok(id)
}

fn text(field: &str, value: &str, max: usize) -> ApiResult<String> {
    let value = non_blank(field, value)?;
    if value.chars().count() > max {
        return Err(ApiError::field(
            field,
            &format!("is at most {max} characters"),
        ));
    }
    Ok(value)
}

/// One question as stored, or 400 naming what is wrong with it.
fn question(i: usize, q: &QuestionBody, ids: &mut HashSet<String>) -> ApiResult<Question> {
    let at = |f: &str| format!("questions[{i}].{f}");
    let id = id_of(&at("id"), q.id.as_ref(), ids)?;
    if !(1..=100).contains(&q.points) {
        return Err(ApiError::field(&at("points"), "is 1 to 100"));
    }
    let mut option_ids = HashSet::new();
    let mut options = Vec::with_capacity(q.options.len());
    for (j, o) in q.options.iter().enumerate() {
        options.push(QuizOption {
            id: id_of(
                &at(&format!("options[{j}].id")),
                o.id.as_ref(),
                &mut option_ids,
            )?,
            text: text(&at(&format!("options[{j}].text")), &o.text, 500)?,
            correct: o.correct,
        });
    }
    let correct = options.iter().filter(|o| o.correct).count();
    let rule = match q.kind {
        QuestionKind::Single if !(2..=10).contains(&options.len()) || correct != 1 => {
            Some("a single-choice question has 2 to 10 options, exactly one correct")
        }
        QuestionKind::TrueFalse if options.len() != 2 || correct != 1 => {
            Some("a true/false question has two options, one correct")
        }
        QuestionKind::Multiple if !(2..=10).contains(&options.len()) || correct == 0 => {
            Some("a multiple-choice question has 2 to 10 options, at least one correct")
        }
        QuestionKind::ShortText if !options.is_empty() => {
            Some("a short-text question has accepted answers, not options")
        }
        _ => None,
    };
    if let Some(rule) = rule {
        return Err(ApiError::field(&at("options"), rule));
    }
    let mut accepted = Vec::new();
    if q.kind == QuestionKind::ShortText {
        if !(1..=20).contains(&q.accepted.len()) {
            return Err(ApiError::field(&at("accepted"), "lists 1 to 20 answers"));
        }
        for (j, a) in q.accepted.iter().enumerate() {
            accepted.push(text(&at(&format!("accepted[{j}]")), a, 200)?);
        }
    } else if !q.accepted.is_empty() {
        return Err(ApiError::field(
            &at("accepted"),
            "is for short-text questions only",
        ));
    }
    Ok(Question {
        id,
        kind: q.kind,
        prompt: text(&at("prompt"), &q.prompt, 2000)?,
        options,
        accepted,
        points: q.points,
        explanation: q
            .explanation
            .as_deref()
            .map(|e| text(&at("explanation"), e, 2000))
            .transpose()?,
    })
}

/// A quiz lesson's question bank and rules (instructor+); 404 until one is set.
#[utoipa::path(get, path = "/api/courses/{id}/modules/{moduleId}/lessons/{lessonId}/quiz", tag = "assessments", security(("bearer" = [])),
    params(("id" = String, Path), ("moduleId" = String, Path), ("lessonId" = String, Path)),
    responses((status = 200, body = Quiz), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    Gate(p, ..): Instructor,
    Path((course_id, module_id, lesson_id)): Path<(String, String, String)>,
) -> ApiResult<Json<Quiz>> {
    let quiz: Quiz = state
        .db
        .find(&keys::quiz(&p.company_id, &lesson_id))
        .await?;
    if quiz.course_id != course_id || quiz.module_id != module_id {
        return Err(ApiError::NotFound);
    }
    Ok(Json(quiz))
}

/// Set a quiz lesson's question bank and rules (instructor+). Attempts already
/// started keep the questions they were given.
#[utoipa::path(put, path = "/api/courses/{id}/modules/{moduleId}/lessons/{lessonId}/quiz", tag = "assessments", security(("bearer" = [])),
    params(("id" = String, Path), ("moduleId" = String, Path), ("lessonId" = String, Path)),
    request_body = QuizBody,
    responses((status = 200, body = Quiz), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "The lesson is not a quiz, or the quiz changed since it was read", body = ErrorBody)))]
pub async fn put(
    State(state): State<AppState>,
    Gate(p, ..): Instructor,
    Path((course_id, module_id, lesson_id)): Path<(String, String, String)>,
    audit: Audit,
    ValidJson(b): ValidJson<QuizBody>,
) -> ApiResult<Json<Quiz>> {
    if !(1..=100).contains(&b.questions.len()) {
        return Err(ApiError::field("questions", "lists 1 to 100 questions"));
    }
    let mut ids = HashSet::new();
    let questions = b
        .questions
        .iter()
        .enumerate()
        .map(|(i, q)| question(i, q, &mut ids))
        .collect::<ApiResult<Vec<_>>>()?;
    if b.questions_per_attempt
        .is_some_and(|n| n as usize > questions.len())
    {
        return Err(ApiError::field(
            "questionsPerAttempt",
            "is at most the number of questions",
        ));
    }
    let lesson_key = keys::lesson(&p.company_id, &course_id, &module_id, &lesson_id);
    let quiz_key = keys::quiz(&p.company_id, &lesson_id);
    let got = state
        .db
        .get_many_consistent(&[lesson_key, quiz_key])
        .await?;
    let lesson: Lesson = campus::db::entity_of(&got)?.ok_or(ApiError::NotFound)?;
    if lesson.kind != LessonType::Quiz {
        return Err(ApiError::Conflict(
            "The lesson is not a quiz: set its type to quiz first".into(),
        ));
    }
    let stored: Option<Quiz> = campus::db::entity_of(&got)?;
    let read = stored.as_ref().map(|q| q.version);
    if let Some(read) = read {
        expect_version(b.version, read)?;
    }
    let quiz = Quiz {
        company_id: p.company_id.clone(),
        course_id,
        module_id,
        lesson_id,
        pass_percent: b.pass_percent,
        max_attempts: b.max_attempts,
        cooldown_minutes: b.cooldown_minutes,
        time_limit_minutes: b.time_limit_minutes,
        questions_per_attempt: b.questions_per_attempt,
        shuffle: b.shuffle,
        reveal_answers: b.reveal_answers,
        questions,
        updated_at: clock::now_rfc3339(),
        version: read.unwrap_or(0) + 1,
    };
    if serde_json::to_vec(&quiz).map_or(0, |v| v.len()) > MAX_BANK_BYTES {
        return Err(ApiError::field(
            "questions",
            "the question bank is too large (at most 250 KB)",
        ));
    }
    let cond = match read {
        Some(v) => Cond::version(v),
        None => Cond::absent(),
    };
    let tx = state
        .db
        .tx()
        .put(&quiz, cond)
        // The lesson must still be there (and a quiz) as the bank is written.
        .check(
            &keys::lesson(
                &p.company_id,
                &quiz.course_id,
                &quiz.module_id,
                &quiz.lesson_id,
            ),
            Cond::present(),
        );
    audit.commit(&state.db, tx, Json(quiz)).await.map_err(|e| {
        e.or(ApiError::Conflict(
            "Changed meanwhile; read it again".into(),
        ))
    })
}

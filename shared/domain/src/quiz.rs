//! Graded on the server: drawing an attempt's questions, showing them without their
//! answers, and scoring what was submitted.

use std::collections::{BTreeSet, HashMap};

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::{
    ApiError, ApiResult,
    model::{Answer, Attempt, Question, QuestionKind, Quiz, Reveal},
};

/// A question as the learner gets it: no `correct`, no `accepted`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AskedQuestion {
    pub id: String,
    pub kind: QuestionKind,
    pub prompt: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<AskedOption>,
    pub points: u32,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AskedOption {
    pub id: String,
    pub text: String,
}

/// An attempt as its learner gets it on start.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AttemptStarted {
    pub attempt_id: String,
    pub started_at: String,
    pub expires_at: Option<String>,
    pub pass_percent: u32,
    pub questions: Vec<AskedQuestion>,
}

impl AttemptStarted {
    pub fn of(a: &Attempt) -> Self {
        Self {
            attempt_id: a.id.clone(),
            started_at: a.started_at.clone(),
            expires_at: a.expires_at.clone(),
            pass_percent: a.pass_percent,
            questions: a
                .questions
                .iter()
                .map(|q| AskedQuestion {
                    id: q.id.clone(),
                    kind: q.kind,
                    prompt: q.prompt.clone(),
                    options: q
                        .options
                        .iter()
                        .map(|o| AskedOption {
                            id: o.id.clone(),
                            text: o.text.clone(),
                        })
                        .collect(),
                    points: q.points,
                })
                .collect(),
        }
    }
}

/// When an attempt started at `now` runs out, under the quiz's time limit.
pub fn expiry(quiz: &Quiz, now: time::OffsetDateTime) -> Option<String> {
    quiz.time_limit_minutes
        .map(|m| crate::clock::rfc3339(now + time::Duration::minutes(i64::from(m))))
}

/// Seconds until the cooldown after an attempt that ended at `last_ended` is over,
/// if it is not yet.
pub fn cooldown_left(
    quiz: &Quiz,
    last_ended: Option<&str>,
    now: time::OffsetDateTime,
) -> Option<u64> {
    let minutes = quiz.cooldown_minutes?;
    let ended = crate::clock::parse_rfc3339(last_ended?)?;
    let ready = ended + time::Duration::minutes(i64::from(minutes));
    (ready > now).then(|| (ready - now).whole_seconds().max(1) as u64)
}

/// A uniform draw below `n` (n > 0) from the OS's generator: a learner who could
/// predict the draw could learn a bank a few questions at a time.
fn below(n: usize) -> usize {
    let mut b = [0u8; 8];
    // Without entropy the draw is the bank's own order, which is still a valid quiz.
    if aws_lc_rs::rand::fill(&mut b).is_err() {
        return 0;
    }
    (u64::from_le_bytes(b) % n as u64) as usize
}

fn shuffle<T>(items: &mut [T]) {
    for i in (1..items.len()).rev() {
        items.swap(i, below(i + 1));
    }
}

/// The questions of a new attempt: `questionsPerAttempt` drawn at random (all when
/// unset), shuffled with their options when the quiz says so, else in bank order.
pub fn draw(quiz: &Quiz) -> Vec<Question> {
    let mut picked: Vec<usize> = (0..quiz.questions.len()).collect();
    let n = quiz
        .questions_per_attempt
        .map_or(picked.len(), |n| (n as usize).min(picked.len()));
    if n < picked.len() {
        shuffle(&mut picked);
        picked.truncate(n);
        if !quiz.shuffle {
            picked.sort_unstable();
        }
    } else if quiz.shuffle {
        shuffle(&mut picked);
    }
    picked
        .into_iter()
        .map(|i| {
            let mut q = quiz.questions[i].clone();
            if quiz.shuffle && q.kind != QuestionKind::TrueFalse {
                shuffle(&mut q.options);
            }
            q
        })
        .collect()
}

/// The body of a submission.
#[derive(Debug, Deserialize, ToSchema, validator::Validate)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Submission {
    /// One per question answered; a question left out scores nothing.
    #[validate(length(max = 100))]
    pub answers: Vec<Answer>,
}

/// How one question went, when the quiz reveals it.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Marked {
    pub id: String,
    /// Whether the answer given was right.
    pub correct: bool,
    /// The right options (choice questions) or accepted answers (short text).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub correct_option_ids: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub accepted: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub explanation: Option<String>,
}

/// The answer to a submission.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Graded {
    pub attempt_id: String,
    pub score: u32,
    pub max_score: u32,
    pub percent: u32,
    pub passed: bool,
    /// Per question, when the quiz reveals answers (after each attempt, or after a pass).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub questions: Option<Vec<Marked>>,
}

/// A typed answer as compared: any case, runs of spaces as one, typographic quotes
/// and dashes as the plain ones a bank is usually written with.
fn normal(s: &str) -> String {
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
        .chars()
        .map(|c| match c {
            '\u{2018}' | '\u{2019}' | '\u{02BC}' => '\'',
            '\u{201C}' | '\u{201D}' => '"',
            '\u{2010}'..='\u{2015}' => '-',
            c => c,
        })
        .collect()
}

fn right(q: &Question, a: Option<&Answer>) -> bool {
    let Some(a) = a else { return false };
    match q.kind {
        QuestionKind::ShortText => a
            .text
            .as_deref()
            .is_some_and(|t| q.accepted.iter().any(|x| normal(x) == normal(t))),
        _ => {
            let given: BTreeSet<&str> = a.option_ids.iter().map(String::as_str).collect();
            let wanted: BTreeSet<&str> = q
                .options
                .iter()
                .filter(|o| o.correct)
                .map(|o| o.id.as_str())
                .collect();
            given == wanted
        }
    }
}

/// Scores `answers` against the attempt's own questions; 400 for an answer to a
/// question not in the attempt, an option not in its question, or one given twice.
pub fn grade(attempt: &Attempt, answers: &[Answer]) -> ApiResult<Graded> {
    let mut by_question: HashMap<&str, &Answer> = HashMap::new();
    for (i, a) in answers.iter().enumerate() {
        let field = |f: &str| format!("answers[{i}].{f}");
        let Some(q) = attempt.questions.iter().find(|q| q.id == a.question_id) else {
            return Err(ApiError::field(
                &field("questionId"),
                "is not a question of this attempt",
            ));
        };
        if by_question.insert(q.id.as_str(), a).is_some() {
            return Err(ApiError::field(&field("questionId"), "is answered twice"));
        }
        if a.option_ids
            .iter()
            .any(|o| !q.options.iter().any(|x| x.id == *o))
        {
            return Err(ApiError::field(
                &field("optionIds"),
                "names an option the question does not have",
            ));
        }
        let distinct: BTreeSet<&String> = a.option_ids.iter().collect();
        if distinct.len() != a.option_ids.len() {
            return Err(ApiError::field(
                &field("optionIds"),
                "names an option twice",
            ));
        }
        if a.text.as_ref().is_some_and(|t| t.len() > 1000) {
            return Err(ApiError::field(&field("text"), "is at most 1000 bytes"));
        }
    }
    let mut score = 0;
    let marked: Vec<Marked> = attempt
        .questions
        .iter()
        .map(|q| {
            let ok = right(q, by_question.get(q.id.as_str()).copied());
            if ok {
                score += q.points;
            }
            Marked {
                id: q.id.clone(),
                correct: ok,
                correct_option_ids: q
                    .options
                    .iter()
                    .filter(|o| o.correct)
                    .map(|o| o.id.clone())
                    .collect(),
                accepted: q.accepted.clone(),
                explanation: q.explanation.clone(),
            }
        })
        .collect();
    let max_score = attempt.max_score.max(1);
    let percent = score * 100 / max_score;
    let passed = percent >= attempt.pass_percent;
    let reveal = match attempt.reveal_answers {
        Reveal::Never => false,
        Reveal::AfterPass => passed,
        Reveal::AfterEachAttempt => true,
    };
    Ok(Graded {
        attempt_id: attempt.id.clone(),
        score,
        max_score: attempt.max_score,
        percent,
        passed,
        questions: reveal.then_some(marked),
    })
}

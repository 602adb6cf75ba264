//! Graded quizzes: a quiz lesson's question bank, and each learner's attempts at it.
//!
//! The bank is one item of its own (`C#{cid}#QUIZ#{lessonId}`), not in the course's
//! partition, which every course read and progress event queries whole. An attempt
//! keeps a copy of the questions it was given, so editing the quiz while it is open
//! changes nothing for it; both are bounded to stay far below DynamoDB's 400 KB item.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::{Entity, Keys, keys};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum QuestionKind {
    /// Exactly one correct option.
    Single,
    /// At least one correct option; answered right only with exactly those.
    Multiple,
    /// Two options, one correct.
    TrueFalse,
    /// A typed answer, right when it matches an accepted one (trimmed, any case).
    ShortText,
}

/// When a learner is told which answers were right.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Reveal {
    Never,
    AfterPass,
    AfterEachAttempt,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct QuizOption {
    pub id: String,
    pub text: String,
    pub correct: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Question {
    pub id: String,
    pub kind: QuestionKind,
    pub prompt: String,
    #[serde(default)]
    pub options: Vec<QuizOption>,
    #[serde(default)]
    pub accepted: Vec<String>,
    pub points: u32,
    pub explanation: Option<String>,
}

/// A quiz lesson's rules and question bank.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Quiz {
    pub company_id: String,
    pub course_id: String,
    pub module_id: String,
    pub lesson_id: String,
    pub pass_percent: u32,
    pub max_attempts: Option<u32>,
    pub cooldown_minutes: Option<u32>,
    pub time_limit_minutes: Option<u32>,
    pub questions_per_attempt: Option<u32>,
    pub shuffle: bool,
    pub reveal_answers: Reveal,
    pub questions: Vec<Question>,
    pub updated_at: String,
    pub version: u64,
}

impl Entity for Quiz {
    const NAME: &'static str = "quiz";

    fn keys(&self) -> Keys {
        Keys::new(keys::quiz(&self.company_id, &self.lesson_id), Self::NAME)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AttemptStatus {
    Open,
    Submitted,
    /// Not submitted in time: counts as failed.
    Expired,
}

/// One answer as submitted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Answer {
    pub question_id: String,
    #[serde(default)]
    pub option_ids: Vec<String>,
    pub text: Option<String>,
}

/// One learner's attempt at a quiz: `C#{cid}#U#{uid}` / `ATTEMPT#{lessonId}#{ulid}`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Attempt {
    pub id: String,
    pub company_id: String,
    pub user_id: String,
    pub course_id: String,
    pub lesson_id: String,
    pub status: AttemptStatus,
    pub started_at: String,
    pub expires_at: Option<String>,
    pub submitted_at: Option<String>,
    /// The quiz's rules when the attempt started: an edit does not move the bar.
    pub pass_percent: u32,
    pub reveal_answers: Reveal,
    /// The questions as given, in the order given, answers included: never sent to
    /// the learner as they are.
    pub questions: Vec<Question>,
    #[serde(default)]
    pub answers: Vec<Answer>,
    pub score: Option<u32>,
    pub max_score: u32,
    pub percent: Option<u32>,
    pub passed: bool,
}

impl Entity for Attempt {
    const NAME: &'static str = "quiz_attempt";

    fn keys(&self) -> Keys {
        Keys::new(
            keys::attempt(&self.company_id, &self.user_id, &self.lesson_id, &self.id),
            Self::NAME,
        )
    }
}

/// A learner's standing on one quiz, the one item an attempt's start and end
/// write under a version condition, so attempt limits and cooldowns hold however
/// many starts race: `C#{cid}#U#{uid}` / `QUIZREC#{lessonId}`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct QuizRecord {
    pub company_id: String,
    pub user_id: String,
    pub lesson_id: String,
    /// Attempts started.
    pub attempts: u32,
    /// The attempt under way, if any (it may have expired since).
    pub open_attempt: Option<String>,
    pub open_expires_at: Option<String>,
    /// When the last attempt was submitted or ran out: the cooldown counts from it.
    pub last_ended_at: Option<String>,
    pub passed: bool,
    pub best_percent: Option<u32>,
    pub version: u64,
}

impl Entity for QuizRecord {
    const NAME: &'static str = "quiz_record";

    fn keys(&self) -> Keys {
        Keys::new(
            keys::quiz_record(&self.company_id, &self.user_id, &self.lesson_id),
            Self::NAME,
        )
    }
}

/// An attempt as its learner and their managers see it in lists and exports: what
/// was answered and how it scored, never the bank's answers.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AttemptView {
    pub id: String,
    pub user_id: String,
    pub course_id: String,
    pub lesson_id: String,
    pub status: AttemptStatus,
    pub started_at: String,
    pub expires_at: Option<String>,
    pub submitted_at: Option<String>,
    pub score: Option<u32>,
    pub max_score: u32,
    pub percent: Option<u32>,
    pub passed: bool,
    pub answers: Vec<Answer>,
}

impl Attempt {
    /// Open past its time limit: it counts as failed, submitted or not.
    pub fn ran_out(&self, now: &str) -> bool {
        self.status == AttemptStatus::Open && self.expires_at.as_deref().is_some_and(|e| e <= now)
    }

    /// The view at `now` (an open attempt past its time shows as expired).
    pub fn view(&self, now: &str) -> AttemptView {
        AttemptView {
            id: self.id.clone(),
            user_id: self.user_id.clone(),
            course_id: self.course_id.clone(),
            lesson_id: self.lesson_id.clone(),
            status: if self.ran_out(now) {
                AttemptStatus::Expired
            } else {
                self.status
            },
            started_at: self.started_at.clone(),
            expires_at: self.expires_at.clone(),
            submitted_at: self.submitted_at.clone(),
            score: self.score,
            max_score: self.max_score,
            percent: self.percent,
            passed: self.passed,
            answers: self.answers.clone(),
        }
    }
}

/// A quiz's tallies in its company, `ADD`ed by the transactions that start and submit
/// its attempts (one item per quiz: a deadline-day rush of one company writes it at
/// most a few times a second): `C#{cid}#QUIZSTATS` / `{lessonId}`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", default)]
pub struct QuizStats {
    pub course_id: String,
    pub module_id: String,
    pub lesson_id: String,
    /// Attempts started.
    pub started: u64,
    /// Attempts submitted (graded); the rest ran out or are under way.
    pub submitted: u64,
    pub passed: u64,
}

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::{Entity, Keys, keys};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Difficulty {
    Beginner,
    Intermediate,
    Advanced,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CourseStatus {
    /// Visible to instructors and up only.
    Draft,
    Published,
}

impl CourseStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Published => "published",
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Course {
    pub id: String,
    pub company_id: String,
    pub title: String,
    pub description: String,
    pub difficulty: Difficulty,
    pub duration_weeks: u32,
    pub price_cents: Option<u64>,
    pub currency: Option<String>,
    pub tags: Vec<String>,
    pub status: CourseStatus,
    /// How long a certificate of it stays valid (1 to 120 months); past that it
    /// expires and the course is assigned again. None: it never expires.
    #[serde(default)]
    pub valid_for_months: Option<u32>,
    pub created_by: String,
    /// Kept by module and lesson writes, in their transactions; progress divides by it.
    pub module_count: u32,
    pub lesson_count: u32,
    pub created_at: String,
    pub updated_at: String,
    pub version: u64,
}

impl Course {
    pub fn is_priced(&self) -> bool {
        self.price_cents.is_some_and(|p| p > 0)
    }

    /// Whether a caller of `role` with `assignment` has the lessons (their content,
    /// progress, quizzes and certificate): always for a free course and for its
    /// authors; for a priced one, only through a purchase or a manager's assignment
    /// (an enrolment of one's own is not either).
    pub fn open_to(&self, role: crate::model::Role, assignment: Option<&Assignment>) -> bool {
        !self.is_priced()
            || role >= crate::model::Role::Instructor
            || assignment.is_some_and(|a| a.assigned_by != "self")
    }
}

impl Entity for Course {
    const NAME: &'static str = "course";

    fn keys(&self) -> Keys {
        let mut k = Keys::new(keys::course(&self.company_id, &self.id), Self::NAME)
            .search(format!("{} {}", self.title, self.tags.join(" ")));
        k.gsi1pk = Some(keys::courses_index(&self.company_id));
        k.gsi1sk = Some(format!("{}#{}", self.status.as_str(), self.id));
        k
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Module {
    pub id: String,
    pub company_id: String,
    pub course_id: String,
    pub title: String,
    pub order: u32,
    /// Kept by lesson writes; bounds a module's lessons so deleting it is one transaction.
    #[serde(default)]
    pub lesson_count: u32,
    pub created_at: String,
    pub updated_at: String,
    pub version: u64,
}

impl Entity for Module {
    const NAME: &'static str = "module";

    fn keys(&self) -> Keys {
        Keys::new(
            keys::module(&self.company_id, &self.course_id, &self.id),
            Self::NAME,
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LessonType {
    Text,
    Video,
    Quiz,
    File,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Lesson {
    pub id: String,
    pub company_id: String,
    pub course_id: String,
    pub module_id: String,
    pub title: String,
    #[serde(rename = "type")]
    pub kind: LessonType,
    pub content: String,
    pub duration_minutes: u32,
    pub order: u32,
    pub created_at: String,
    pub updated_at: String,
    pub version: u64,
}

impl Entity for Lesson {
    const NAME: &'static str = "lesson";

    fn keys(&self) -> Keys {
        Keys::new(
            keys::lesson(&self.company_id, &self.course_id, &self.module_id, &self.id),
            Self::NAME,
        )
    }
}

/// A course a user is to take: assigned by a manager or chosen by enrolment.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Assignment {
    pub company_id: String,
    pub user_id: String,
    pub course_id: String,
    /// `self` for enrolment, else the assigning manager's id.
    pub assigned_by: String,
    pub due_date: Option<String>,
    /// `not_started`, `in_progress` or `completed`.
    pub status: String,
    pub percent: u32,
    pub completed_lessons: Vec<String>,
    /// Last quiz score per lesson id.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub scores: BTreeMap<String, u32>,
    /// Last video position (seconds) per lesson id.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub positions: BTreeMap<String, u32>,
    pub assigned_at: String,
    pub last_activity_at: Option<String>,
    pub completed_at: Option<String>,
    /// The learning paths (ids) this course was assigned in: while one of them has an
    /// earlier step not complete, the course is locked. A DynamoDB string set, added to
    /// by `ADD` when a path is assigned over an existing assignment.
    #[serde(
        with = "serde_dynamo::string_set",
        default,
        skip_serializing_if = "Vec::is_empty"
    )]
    #[schema(value_type = Vec<String>)]
    pub paths: Vec<String>,
    pub version: u64,
}

impl Entity for Assignment {
    const NAME: &'static str = "assignment";

    fn keys(&self) -> Keys {
        let mut k = Keys::new(
            keys::assignment(&self.company_id, &self.user_id, &self.course_id),
            Self::NAME,
        );
        k.gsi1pk = Some(keys::course_assignees(&self.company_id, &self.course_id));
        k.gsi1sk = Some(self.user_id.clone());
        let k = k.gsi2(
            keys::company_assignments(&self.company_id),
            format!("{}#{}", self.user_id, self.course_id),
        );
        // Only open assignments with a due date wait for reminders; completing one
        // takes it out of the index.
        match self.due_date.as_deref() {
            Some(due) if !self.is_completed() => k.gsi3(
                keys::due_on(due.get(..10).unwrap_or_default()),
                format!("{}#{}#{}", self.company_id, self.user_id, self.course_id),
            ),
            _ => k,
        }
    }
}

impl Assignment {
    /// A new, untouched assignment.
    pub fn new(
        company_id: &str,
        user_id: &str,
        course_id: &str,
        assigned_by: &str,
        due_date: Option<String>,
    ) -> Self {
        Self {
            company_id: company_id.into(),
            user_id: user_id.into(),
            course_id: course_id.into(),
            assigned_by: assigned_by.into(),
            due_date,
            status: "not_started".into(),
            percent: 0,
            completed_lessons: vec![],
            scores: BTreeMap::new(),
            positions: BTreeMap::new(),
            assigned_at: crate::clock::now_rfc3339(),
            last_activity_at: None,
            completed_at: None,
            paths: Vec::new(),
            version: 1,
        }
    }

    pub fn is_completed(&self) -> bool {
        self.status == "completed"
    }

    /// Past its due date and not completed.
    pub fn is_overdue(&self, now: &str) -> bool {
        !self.is_completed() && self.due_date.as_deref().is_some_and(|d| d < now)
    }
}

/// The narrow projection of an assignment in `gsi2`: one row of the company-wide
/// progress views and reports (attributes listed in `template.yaml`).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AssignmentRow {
    pub user_id: String,
    pub course_id: String,
    pub status: String,
    pub percent: u32,
    pub due_date: Option<String>,
    pub assigned_at: String,
    pub last_activity_at: Option<String>,
    pub completed_at: Option<String>,
}

impl From<&Assignment> for AssignmentRow {
    fn from(a: &Assignment) -> Self {
        Self {
            user_id: a.user_id.clone(),
            course_id: a.course_id.clone(),
            status: a.status.clone(),
            percent: a.percent,
            due_date: a.due_date.clone(),
            assigned_at: a.assigned_at.clone(),
            last_activity_at: a.last_activity_at.clone(),
            completed_at: a.completed_at.clone(),
        }
    }
}

impl AssignmentRow {
    pub fn is_completed(&self) -> bool {
        self.status == "completed"
    }

    pub fn is_overdue(&self, now: &str) -> bool {
        !self.is_completed() && self.due_date.as_deref().is_some_and(|d| d < now)
    }
}

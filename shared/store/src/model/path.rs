use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::CourseStatus;
use crate::db::{Entity, Keys, keys};

/// One course of a learning path and the courses to complete before it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PathStep {
    pub course_id: String,
    /// Courses of earlier steps of the same path.
    #[serde(default)]
    pub prerequisites: Vec<String>,
}

/// A learning path: ordered courses with prerequisites. Small (at most
/// `MAX_STEPS` steps), so it is one item; the courses it names are read live, so a
/// renamed or deleted course shows as it is now.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LearningPath {
    pub id: String,
    pub company_id: String,
    pub title: String,
    #[serde(default)]
    pub description: Option<String>,
    /// Learners see published paths only; only a published path is assigned.
    pub status: CourseStatus,
    pub steps: Vec<PathStep>,
    pub created_by: String,
    pub created_at: String,
    pub updated_at: String,
    pub version: u64,
}

impl LearningPath {
    /// Steps per path: a path is read whole on every locked course's progress event,
    /// and its completion checks every other step in one transaction (100 items).
    pub const MAX_STEPS: usize = 25;

    pub fn step(&self, course_id: &str) -> Option<&PathStep> {
        self.steps.iter().find(|s| s.course_id == course_id)
    }
}

impl Entity for LearningPath {
    const NAME: &'static str = "learning_path";

    fn keys(&self) -> Keys {
        Keys::new(keys::path(&self.company_id, &self.id), Self::NAME)
    }
}

/// A learning path assigned to a user. Each of its courses is assigned too, and
/// carries the path's id (`Assignment::paths`), which is what locks it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PathAssignment {
    pub company_id: String,
    pub user_id: String,
    pub path_id: String,
    /// The assigning manager's id.
    pub assigned_by: String,
    pub assigned_at: String,
    pub due_date: Option<String>,
}

impl Entity for PathAssignment {
    const NAME: &'static str = "path_assignment";

    fn keys(&self) -> Keys {
        Keys::new(
            keys::path_assignment(&self.company_id, &self.user_id, &self.path_id),
            Self::NAME,
        )
        .gsi1(
            keys::path_assignees(&self.company_id, &self.path_id),
            self.user_id.clone(),
        )
    }
}

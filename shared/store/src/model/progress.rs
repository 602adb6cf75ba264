use serde::Serialize;
use utoipa::ToSchema;

use super::{Assignment, AssignmentRow, Course};

/// A user's progress in one course, as every progress endpoint shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProgressView {
    pub course_id: String,
    pub course_title: String,
    /// `not_started`, `in_progress` or `completed`.
    pub status: String,
    pub percent: u32,
    /// How many of the course's lessons are done.
    pub completed_lessons: u32,
    pub total_lessons: u32,
    /// Which lessons are done (absent from company-wide views).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub completed_lesson_ids: Option<Vec<String>>,
    pub assigned_at: Option<String>,
    pub last_activity_at: Option<String>,
    pub due_date: Option<String>,
    /// Past the due date and not completed.
    pub overdue: bool,
    pub completed_at: Option<String>,
}

impl ProgressView {
    pub fn of(a: &Assignment, course: &Course, now: &str) -> Self {
        let total = course.lesson_count;
        Self {
            course_id: a.course_id.clone(),
            course_title: course.title.clone(),
            status: a.status.clone(),
            percent: a.percent,
            completed_lessons: a.completed_lessons.len() as u32,
            total_lessons: total,
            completed_lesson_ids: Some(a.completed_lessons.clone()),
            assigned_at: Some(a.assigned_at.clone()),
            last_activity_at: a.last_activity_at.clone(),
            due_date: a.due_date.clone(),
            overdue: a.is_overdue(now),
            completed_at: a.completed_at.clone(),
        }
    }

    /// Progress in a course the user has not started or been assigned.
    pub fn untouched(course: &Course) -> Self {
        Self {
            course_id: course.id.clone(),
            course_title: course.title.clone(),
            status: "not_started".into(),
            percent: 0,
            completed_lessons: 0,
            total_lessons: course.lesson_count,
            completed_lesson_ids: Some(vec![]),
            assigned_at: None,
            last_activity_at: None,
            due_date: None,
            overdue: false,
            completed_at: None,
        }
    }

    /// From a company-wide row: counts come from the percentage and the course.
    pub fn of_row(r: &AssignmentRow, course: &Course, now: &str) -> Self {
        let total = course.lesson_count;
        Self {
            course_id: r.course_id.clone(),
            course_title: course.title.clone(),
            status: r.status.clone(),
            percent: r.percent,
            completed_lessons: (r.percent * total).div_ceil(100).min(total),
            total_lessons: total,
            completed_lesson_ids: None,
            assigned_at: Some(r.assigned_at.clone()),
            last_activity_at: r.last_activity_at.clone(),
            due_date: r.due_date.clone(),
            overdue: r.is_overdue(now),
            completed_at: r.completed_at.clone(),
        }
    }
}

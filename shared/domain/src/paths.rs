//! Learning paths at the learner's side: which of their courses are locked, how far
//! along a path they are, and which paths a completed course completes.
//!
//! A course assigned in a path carries the path's id (`Assignment::paths`), so a
//! learner with no path pays nothing here: the assignment every progress read already
//! holds says there is nothing to check. For one that has paths, the paths are read
//! live (a path edited after it was assigned locks as it is now), then the steps'
//! courses, the learner's assignments of them and the path certificates' guards in
//! one batch: two round trips.

use serde::Serialize;
use utoipa::ToSchema;

use crate::{
    db::{Cond, Db, Key, entities_of, keys},
    error::ApiError,
    model::{Assignment, CertificateGuard, Course, CourseStatus, LearningPath},
};

/// A learner's standing in some learning paths.
#[derive(Debug, Default)]
pub struct Standing {
    pub paths: Vec<LearningPath>,
    /// The steps' courses that still exist, published (a deleted or unpublished course
    /// neither locks nor counts).
    courses: Vec<Course>,
    /// The learner's assignments of those courses.
    assignments: Vec<Assignment>,
    /// Paths the learner already holds a certificate of.
    certified: Vec<String>,
}

/// The prerequisite that keeps a course locked.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Prerequisite {
    pub path_id: String,
    pub path_title: String,
    /// The course to complete first.
    pub course_id: String,
    pub course_title: String,
}

/// One step of a path as a learner stands in it.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct StepProgress {
    pub course_id: String,
    /// `null` when the course was deleted or unpublished since the path was written
    /// (the step then neither locks nor counts).
    pub course_title: Option<String>,
    pub prerequisites: Vec<String>,
    /// `not_started`, `in_progress` or `completed`.
    pub status: String,
    pub percent: u32,
    /// A prerequisite is not complete yet: the course's lessons are closed.
    pub locked: bool,
    pub due_date: Option<String>,
    pub completed_at: Option<String>,
}

/// The steps in the path's order, and the path's percent: the mean of its steps'
/// (those whose course still exists).
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PathProgress {
    pub path_id: String,
    pub title: String,
    pub user_id: String,
    pub percent: u32,
    pub completed: bool,
    pub steps: Vec<StepProgress>,
}

/// The paths of these ids (missing ones left out), then [`standing_in`].
pub async fn standing(
    db: &Db,
    company_id: &str,
    user_id: &str,
    path_ids: &[String],
) -> Result<Standing, ApiError> {
    if path_ids.is_empty() {
        return Ok(Standing::default());
    }
    let wanted: Vec<Key> = path_ids
        .iter()
        .map(|id| keys::path(company_id, id))
        .collect();
    // A path taken back to draft no longer binds its learners (they cannot see it).
    let paths = entities_of::<LearningPath>(&db.get_many(&wanted).await?)?
        .into_iter()
        .filter(|p| p.status == CourseStatus::Published)
        .collect();
    standing_in(db, company_id, user_id, paths).await
}

/// The learner's standing in `paths`: one batch read (consistent, since it decides
/// what a write may do).
pub async fn standing_in(
    db: &Db,
    company_id: &str,
    user_id: &str,
    paths: Vec<LearningPath>,
) -> Result<Standing, ApiError> {
    if paths.is_empty() {
        return Ok(Standing::default());
    }
    let mut course_ids: Vec<&str> = paths
        .iter()
        .flat_map(|p| p.steps.iter().map(|s| s.course_id.as_str()))
        .collect();
    course_ids.sort_unstable();
    course_ids.dedup();
    let wanted: Vec<Key> = course_ids
        .iter()
        .flat_map(|c| {
            [
                keys::course(company_id, c),
                keys::assignment(company_id, user_id, c),
            ]
        })
        .chain(
            paths
                .iter()
                .map(|p| keys::certificate_guard(company_id, user_id, &p.id)),
        )
        .collect();
    let got = db.get_many_consistent(&wanted).await?;
    let certified = entities_of::<CertificateGuard>(&got)?
        .into_iter()
        .map(|g| g.course_id)
        .collect();
    Ok(Standing {
        // A draft course cannot be taken (404 to learners): as a deleted one, it
        // neither locks nor counts.
        courses: entities_of::<Course>(&got)?
            .into_iter()
            .filter(|c| c.status == CourseStatus::Published)
            .collect(),
        assignments: entities_of(&got)?,
        certified,
        paths,
    })
}

/// 409 when a prerequisite of the course, in a path the learner was assigned it
/// in, is not complete. Reads nothing unless the assignment is a path's.
pub async fn require_unlocked(
    db: &Db,
    company_id: &str,
    a: Option<&Assignment>,
) -> Result<(), ApiError> {
    let Some(a) = a.filter(|a| !a.paths.is_empty() && !a.is_completed()) else {
        return Ok(());
    };
    standing(db, company_id, &a.user_id, &a.paths)
        .await?
        .require_unlocked(&a.course_id)
}

/// The prerequisite keeping the course of `a` locked, if any (no read unless the
/// assignment is a path's and open).
pub async fn prerequisite_missing(
    db: &Db,
    company_id: &str,
    a: Option<&Assignment>,
) -> Result<Option<Prerequisite>, ApiError> {
    let Some(a) = a.filter(|a| !a.paths.is_empty() && !a.is_completed()) else {
        return Ok(None);
    };
    Ok(standing(db, company_id, &a.user_id, &a.paths)
        .await?
        .missing(&a.course_id))
}

impl Standing {
    fn course(&self, id: &str) -> Option<&Course> {
        self.courses.iter().find(|c| c.id == id)
    }

    fn assignment(&self, course_id: &str) -> Option<&Assignment> {
        self.assignments.iter().find(|a| a.course_id == course_id)
    }

    fn completed(&self, course_id: &str) -> bool {
        self.assignment(course_id)
            .is_some_and(Assignment::is_completed)
    }

    /// The first prerequisite of `course_id` not complete, in any of the paths.
    pub fn missing(&self, course_id: &str) -> Option<Prerequisite> {
        self.paths.iter().find_map(|path| {
            let step = path.step(course_id)?;
            // A prerequisite locks while the learner holds it open: one they were
            // never assigned (a step added after the path was) or were unassigned
            // from does not.
            step.prerequisites.iter().find_map(|pre| {
                let course = self.course(pre)?;
                let open = self.assignment(pre).is_some_and(|a| !a.is_completed());
                open.then(|| Prerequisite {
                    path_id: path.id.clone(),
                    path_title: path.title.clone(),
                    course_id: course.id.clone(),
                    course_title: course.title.clone(),
                })
            })
        })
    }

    pub fn require_unlocked(&self, course_id: &str) -> Result<(), ApiError> {
        match self.missing(course_id) {
            None => Ok(()),
            Some(m) => Err(ApiError::Conflict(format!(
                "This course is locked: complete \"{}\" (course {}) first; it is a prerequisite in the learning path \"{}\"",
                m.course_title, m.course_id, m.path_title
            ))),
        }
    }

    /// The paths not yet certified whose every other existing step is complete:
    /// completing `course_id` completes them.
    pub fn completed_by(&self, course_id: &str) -> Vec<&LearningPath> {
        self.paths
            .iter()
            .filter(|p| p.step(course_id).is_some() && !self.certified.contains(&p.id))
            .filter(|p| {
                p.steps.iter().all(|s| {
                    s.course_id == course_id
                        || self.course(&s.course_id).is_none()
                        || self.completed(&s.course_id)
                })
            })
            .collect()
    }

    /// What a write completing `course_id` checks beside it: in each of its paths
    /// with exactly one other step still open (the only case where a concurrent
    /// completion of that step could make both writes miss the path's completion),
    /// that step stays open. The second of two such writes is refused and reads
    /// again. One check per path at most, so the write stays far under 100 items.
    pub fn still_open(&self, course_id: &str) -> Vec<(Key, Cond)> {
        let mut out: Vec<(Key, Cond)> = Vec::new();
        for p in self.paths.iter().filter(|p| p.step(course_id).is_some()) {
            let open: Vec<&str> = p
                .steps
                .iter()
                .map(|s| s.course_id.as_str())
                .filter(|c| *c != course_id && self.course(c).is_some() && !self.completed(c))
                .collect();
            let [other] = open.as_slice() else { continue };
            let Some(a) = self.assignment(other) else {
                continue;
            };
            let key = keys::assignment(&a.company_id, &a.user_id, other);
            if !out.iter().any(|(k, _)| *k == key) {
                out.push((key, Assignment::STATUS.ne("completed")));
            }
        }
        out
    }

    /// The learner's progress along `path` (one of [`Standing::paths`]).
    pub fn progress(&self, path: &LearningPath, user_id: &str) -> PathProgress {
        let steps: Vec<StepProgress> = path
            .steps
            .iter()
            .map(|s| {
                let a = self.assignment(&s.course_id);
                let course = self.course(&s.course_id);
                StepProgress {
                    course_id: s.course_id.clone(),
                    course_title: course.map(|c| c.title.clone()),
                    prerequisites: s.prerequisites.clone(),
                    status: a.map_or("not_started".into(), |a| a.status.clone()),
                    percent: a.map_or(0, |a| a.percent),
                    locked: !a.is_some_and(Assignment::is_completed)
                        && s.prerequisites.iter().any(|pre| {
                            self.course(pre).is_some()
                                && self.assignment(pre).is_some_and(|a| !a.is_completed())
                        }),
                    due_date: a.and_then(|a| a.due_date.clone()),
                    completed_at: a.and_then(|a| a.completed_at.clone()),
                }
            })
            .collect();
        let live: Vec<&StepProgress> = steps.iter().filter(|s| s.course_title.is_some()).collect();
        let percent = if live.is_empty() {
            0
        } else {
            (live.iter().map(|s| s.percent).sum::<u32>() / live.len() as u32).min(100)
        };
        PathProgress {
            path_id: path.id.clone(),
            title: path.title.clone(),
            user_id: user_id.to_string(),
            completed: !live.is_empty() && live.iter().all(|s| s.status == "completed"),
            percent,
            steps,
        }
    }
}

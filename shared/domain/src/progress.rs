//! Reading progress: assignments joined with their courses.

use crate::{
    clock,
    db::{Db, Field, Settled, Update, entities_of, keys},
    error::ApiError,
    model::{Assignment, Course, ProgressView},
};

/// What a learner gets for a priced course they neither bought nor were assigned.
pub fn sold() -> ApiError {
    ApiError::PaymentRequired(
        "This course is sold: buy it with POST /api/payments {courseId}".into(),
    )
}

/// 402 unless a caller of `role` holding `assignment` has the course's lessons
/// (their progress, quizzes and certificate): [`Course::open_to`].
pub fn require_open(
    course: &Course,
    role: crate::model::Role,
    assignment: Option<&Assignment>,
) -> Result<(), ApiError> {
    if course.open_to(role, assignment) {
        Ok(())
    } else {
        Err(sold())
    }
}

/// The courses of these ids, in one batch read (missing ones are left out).
pub async fn courses(db: &Db, company_id: &str, ids: &[&str]) -> Result<Vec<Course>, ApiError> {
    let mut unique: Vec<&str> = ids.to_vec();
    unique.sort_unstable();
    unique.dedup();
    let keys: Vec<_> = unique
        .iter()
        .map(|id| keys::course(company_id, id))
        .collect();
    let mut found = Vec::with_capacity(keys.len());
    for chunk in keys.chunks(100) {
        found.extend(entities_of::<Course>(&db.get_many(chunk).await?)?);
    }
    Ok(found)
}

/// Each assignment as a progress view, its course's title and size joined in. An
/// assignment whose course was deleted meanwhile is left out (its clean-up follows).
pub async fn views(
    db: &Db,
    company_id: &str,
    assignments: &[Assignment],
) -> Result<Vec<ProgressView>, ApiError> {
    let ids: Vec<&str> = assignments.iter().map(|a| a.course_id.as_str()).collect();
    let courses = courses(db, company_id, &ids).await?;
    let now = clock::now_rfc3339();
    Ok(assignments
        .iter()
        .filter_map(|a| {
            let course = courses.iter().find(|c| c.id == a.course_id)?;
            Some(ProgressView::of(a, course, &now))
        })
        .collect())
}

/// Makes a learner's own enrolment in a course one that `by` (a manager's id, or
/// `purchase`) gave them, keeping its progress: what opens a priced course's
/// lessons to someone who enrolled before it had a price. Anything but a
/// self-enrolment is left as it is.
pub async fn adopt_enrolment(
    db: &Db,
    company_id: &str,
    user_id: &str,
    course_id: &str,
    by: &str,
) -> Result<(), ApiError> {
    let adopted = db
        .update(
            &keys::assignment(company_id, user_id, course_id),
            Update::new()
                .set(Assignment::ASSIGNED_BY, by)
                .add(Field::VERSION, 1),
            Assignment::ASSIGNED_BY.eq("self"),
        )
        .await;
    Ok(adopted.settled()?)
}

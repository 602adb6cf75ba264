//! A path's request body and its rules: the steps form an order in which every
//! prerequisite comes before the step that needs it (so there is no cycle).

use campus::{
    ApiError,
    model::{CourseStatus, LearningPath, PathStep},
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

#[derive(Deserialize, Validate, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PathBody {
    #[validate(length(min = 1, max = 200))]
    pub title: String,
    #[validate(length(max = 5000))]
    pub description: Option<String>,
    #[serde(default = "draft")]
    pub status: CourseStatus,
    /// 1 to 25 courses, in the order they are taken. Each step's `prerequisites`
    /// name courses of earlier steps (a later one, or a loop, is refused: 400).
    #[validate(length(min = 1, max = 25))]
    pub steps: Vec<StepBody>,
    /// On update: the version read; a stale one answers 409.
    pub version: Option<u64>,
}

#[derive(Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StepBody {
    pub course_id: String,
    #[serde(default)]
    pub prerequisites: Vec<String>,
}

fn draft() -> CourseStatus {
    CourseStatus::Draft
}

const _: () = assert!(LearningPath::MAX_STEPS == 25);

impl PathBody {
    /// The steps, checked: ids well formed, each course once, every prerequisite an
    /// earlier step. Errors name the field (`steps[2].prerequisites`).
    pub fn steps(&self) -> Result<Vec<PathStep>, ApiError> {
        let well_formed = |id: &str| !id.is_empty() && id.len() <= 64;
        let mut out: Vec<PathStep> = Vec::with_capacity(self.steps.len());
        for (i, s) in self.steps.iter().enumerate() {
            let field = |f: &str| format!("steps[{i}].{f}");
            if !well_formed(&s.course_id) {
                return Err(ApiError::field(
                    &field("courseId"),
                    "must be 1 to 64 characters",
                ));
            }
            if out.iter().any(|o| o.course_id == s.course_id) {
                return Err(ApiError::field(
                    &field("courseId"),
                    "names a course that is already a step of this path",
                ));
            }
            let mut pre: Vec<String> = Vec::new();
            for p in &s.prerequisites {
                if !well_formed(p) {
                    return Err(ApiError::field(
                        &field("prerequisites"),
                        "ids are 1 to 64 characters",
                    ));
                }
                if pre.contains(p) {
                    continue;
                }
                if !out.iter().any(|o| o.course_id == *p) {
                    return Err(ApiError::field(
                        &field("prerequisites"),
                        &self.why_not_earlier(i, p),
                    ));
                }
                pre.push(p.clone());
            }
            out.push(PathStep {
                course_id: s.course_id.clone(),
                prerequisites: pre,
            });
        }
        Ok(out)
    }

    /// Why `p`, named by step `i`, is refused: a loop, a later step, or no step.
    fn why_not_earlier(&self, i: usize, p: &str) -> String {
        let me = &self.steps[i].course_id;
        if p == me {
            return format!("{p} cannot be its own prerequisite (a cycle)");
        }
        match self.steps.iter().position(|s| s.course_id == p) {
            None => format!("{p} is not a step of this path"),
            Some(_) => match self.cycle_through(i) {
                Some(c) => format!("make a cycle: {}", c.join(" → ")),
                None => format!(
                    "{p} is a later step: a prerequisite must come before the step that needs it"
                ),
            },
        }
    }

    /// A loop of prerequisites through step `i`, if there is one (for the message).
    fn cycle_through(&self, i: usize) -> Option<Vec<String>> {
        let start = &self.steps[i].course_id;
        let needs = |id: &str| -> Vec<&String> {
            self.steps
                .iter()
                .find(|s| s.course_id == id)
                .map(|s| s.prerequisites.iter().collect())
                .unwrap_or_default()
        };
        // Depth-first from the step along its prerequisites, back to it.
        let mut stack: Vec<Vec<String>> = vec![vec![start.clone()]];
        let mut seen: Vec<&str> = Vec::new();
        while let Some(trail) = stack.pop() {
            let last = trail.last()?.clone();
            for next in needs(&last) {
                if next == start {
                    let mut c = trail.clone();
                    c.push(start.clone());
                    return Some(c);
                }
                if !seen.contains(&next.as_str()) && trail.len() <= self.steps.len() {
                    seen.push(next);
                    let mut t = trail.clone();
                    t.push(next.clone());
                    stack.push(t);
                }
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(steps: &[(&str, &[&str])]) -> PathBody {
        PathBody {
            title: "t".into(),
            description: None,
            status: CourseStatus::Draft,
            steps: steps
                .iter()
                .map(|(c, p)| StepBody {
                    course_id: c.to_string(),
                    prerequisites: p.iter().map(|s| s.to_string()).collect(),
                })
                .collect(),
            version: None,
        }
    }

    fn refusal(b: PathBody) -> String {
        match b.steps() {
            Err(ApiError::Validation(d)) => {
                d.into_iter().map(|(k, v)| format!("{k}: {v}")).collect()
            }
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    #[test]
    fn earlier_prerequisites_are_taken_and_repeats_counted_once() {
        let steps = body(&[("a", &[]), ("b", &["a", "a"]), ("c", &["a", "b"])])
            .steps()
            .unwrap();
        assert_eq!(steps[1].prerequisites, vec!["a"]);
        assert_eq!(steps[2].prerequisites, vec!["a", "b"]);
    }

    #[test]
    fn loops_later_steps_and_strangers_are_refused_by_name() {
        let r = refusal(body(&[("a", &["b"]), ("b", &["a"])]));
        assert!(
            r.starts_with("steps[0].prerequisites: make a cycle: a → b → a"),
            "{r}"
        );
        assert!(refusal(body(&[("a", &["a"])])).contains("its own prerequisite"));
        assert!(refusal(body(&[("a", &["b"]), ("b", &[])])).contains("later step"));
        assert!(refusal(body(&[("a", &["z"])])).contains("not a step"));
        assert!(refusal(body(&[("a", &[]), ("a", &[])])).starts_with("steps[1].courseId"));
    }
}

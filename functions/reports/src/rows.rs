//! Report rows: flat, so that the JSON and the CSV of a report are the same table.

use std::collections::HashMap;

use campus::{
    ApiResult, AppState,
    auth::Principal,
    clock,
    db::lists,
    model::{AssignmentRow, Certificate, Course, User, verify_url},
    progress,
    reporting::{self, Analytics, MemberSummary},
};
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ComplianceRow {
    pub user_id: String,
    pub user_name: String,
    pub email: String,
    pub department_id: Option<String>,
    pub course_id: String,
    pub course_title: String,
    pub status: String,
    pub percent: u32,
    pub due_date: Option<String>,
    pub overdue: bool,
    pub completed_at: Option<String>,
    /// The learner's latest certificate of the course: `valid`, `expiring_soon`
    /// (within 30 days), `expired` or `none` (never completed).
    pub certificate: CertificateState,
    pub certificate_expires_at: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CertificateState {
    Valid,
    ExpiringSoon,
    Expired,
    None,
}

/// How far ahead a certificate counts as expiring soon.
const SOON_DAYS: i64 = 30;

/// Every assignment of the company with its person, course and certificate.
pub async fn compliance(state: &AppState, p: &Principal) -> ApiResult<Vec<ComplianceRow>> {
    let (users, rows, certs) = tokio::try_join!(
        reporting::company_users(&state.db, &p.company_id),
        reporting::rows(&state.db, &p.company_id),
        async {
            state
                .db
                .all(&lists::certificates(&p.company_id))
                .await
                .map_err(campus::ApiError::from)
        },
    )?;
    let ids: Vec<&str> = rows.iter().map(|r| r.course_id.as_str()).collect();
    let courses = progress::courses(&state.db, &p.company_id, &ids).await?;
    let users: HashMap<&str, &User> = users.iter().map(|u| (u.id.as_str(), u)).collect();
    let courses: HashMap<&str, &Course> = courses.iter().map(|c| (c.id.as_str(), c)).collect();
    // The latest certificate per learner and course (issue order is key order).
    let mut latest: HashMap<(&str, &str), &Certificate> = HashMap::new();
    for c in &certs {
        if let Some(uid) = c.user_id.as_deref() {
            latest.insert((uid, c.course_id.as_str()), c);
        }
    }
    let now = clock::now();
    let at = Moments {
        now: clock::rfc3339(now),
        soon: clock::rfc3339(now + time_days(SOON_DAYS)),
    };
    Ok(rows
        .iter()
        .filter_map(|r| {
            let cert = latest
                .get(&(r.user_id.as_str(), r.course_id.as_str()))
                .copied();
            compliance_row(r, &users, &courses, cert, &at)
        })
        .collect())
}

struct Moments {
    now: String,
    soon: String,
}

fn time_days(days: i64) -> std::time::Duration {
    std::time::Duration::from_secs(days as u64 * 86_400)
}

fn certificate_state(cert: Option<&Certificate>, at: &Moments) -> CertificateState {
    match cert.map(|c| c.expires_at.as_deref()) {
        None => CertificateState::None,
        Some(None) => CertificateState::Valid,
        Some(Some(e)) if *e <= *at.now => CertificateState::Expired,
        Some(Some(e)) if *e <= *at.soon => CertificateState::ExpiringSoon,
        Some(Some(_)) => CertificateState::Valid,
    }
}

fn compliance_row(
    r: &AssignmentRow,
    users: &HashMap<&str, &User>,
    courses: &HashMap<&str, &Course>,
    cert: Option<&Certificate>,
    at: &Moments,
) -> Option<ComplianceRow> {
    let user = users.get(r.user_id.as_str())?;
    let course = courses.get(r.course_id.as_str())?;
    let now = at.now.as_str();
    Some(ComplianceRow {
        certificate: certificate_state(cert, at),
        certificate_expires_at: cert.and_then(|c| c.expires_at.clone()),
        user_id: user.id.clone(),
        user_name: user.name.clone(),
        email: user.email.clone(),
        department_id: user.department_id.clone(),
        course_id: course.id.clone(),
        course_title: course.title.clone(),
        status: r.status.clone(),
        percent: r.percent,
        due_date: r.due_date.clone(),
        overdue: r.is_overdue(now),
        completed_at: r.completed_at.clone(),
    })
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MemberRow {
    pub user_id: String,
    pub user_name: String,
    pub email: String,
    pub assigned: u32,
    pub not_started: u32,
    pub in_progress: u32,
    pub completed: u32,
    pub overdue: u32,
    pub average_percent: u32,
    pub last_activity_at: Option<String>,
}

impl From<MemberSummary> for MemberRow {
    fn from(m: MemberSummary) -> Self {
        Self {
            user_id: m.user.id,
            user_name: m.user.name,
            email: m.user.email,
            assigned: m.summary.assigned,
            not_started: m.summary.not_started,
            in_progress: m.summary.in_progress,
            completed: m.summary.completed,
            overdue: m.summary.overdue,
            average_percent: m.summary.average_percent,
            last_activity_at: m.summary.last_activity_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DepartmentRow {
    /// `null`: people in no department.
    pub department_id: Option<String>,
    pub name: String,
    pub members: u32,
    pub assignments: u32,
    pub completed: u32,
    pub overdue: u32,
    pub completion_rate: f64,
    pub average_progress: u32,
    pub active_learners_7d: u32,
    pub active_learners_30d: u32,
}

impl DepartmentRow {
    fn new(department_id: Option<String>, name: String, a: Analytics) -> Self {
        Self {
            department_id,
            name,
            members: a.members,
            assignments: a.assignments,
            completed: a.completed,
            overdue: a.overdue,
            completion_rate: a.completion_rate,
            average_progress: a.average_progress,
            active_learners_7d: a.active_learners_7d,
            active_learners_30d: a.active_learners_30d,
        }
    }
}

/// One row per department (or only `only`), plus people in none when listing all.
pub async fn departments(
    state: &AppState,
    p: &Principal,
    only: Option<&str>,
) -> ApiResult<Vec<DepartmentRow>> {
    let (users, rows, depts) = tokio::try_join!(
        reporting::company_users(&state.db, &p.company_id),
        reporting::rows(&state.db, &p.company_id),
        async { Ok(state.db.all(&lists::departments(&p.company_id)).await?) },
    )?;
    let of = |d: Option<&str>| -> Vec<User> {
        users
            .iter()
            .filter(|u| u.department_id.as_deref() == d)
            .cloned()
            .collect()
    };
    if let Some(id) = only {
        let d = depts
            .iter()
            .find(|d| d.id == id)
            .ok_or(campus::ApiError::NotFound)?;
        let a = reporting::analytics(&of(Some(id)), &rows);
        return Ok(vec![DepartmentRow::new(
            Some(d.id.clone()),
            d.name.clone(),
            a,
        )]);
    }
    let mut out: Vec<DepartmentRow> = depts
        .iter()
        .map(|d| {
            let a = reporting::analytics(&of(Some(&d.id)), &rows);
            DepartmentRow::new(Some(d.id.clone()), d.name.clone(), a)
        })
        .collect();
    let none = of(None);
    if !none.is_empty() {
        out.push(DepartmentRow::new(
            None,
            "(no department)".into(),
            reporting::analytics(&none, &rows),
        ));
    }
    Ok(out)
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CertificateRow {
    pub id: String,
    pub user_id: Option<String>,
    pub holder_name: String,
    pub course_id: String,
    pub course_title: String,
    pub code: String,
    pub issued_at: String,
    pub verify_url: String,
}

pub fn certificate_row(c: Certificate, frontend_url: &str) -> CertificateRow {
    CertificateRow {
        verify_url: verify_url(frontend_url, &c.code),
        id: c.id,
        user_id: c.user_id,
        holder_name: c.holder_name,
        course_id: c.course_id,
        course_title: c.course_title,
        code: c.code,
        issued_at: c.issued_at,
    }
}

use axum::{Json, extract::State};
use campus::{
    ApiResult, AppState,
    error::ErrorBody,
    http::QueryParams,
    model::Team,
    plans::Entitled,
    reporting::{self, Analytics},
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::rows::{self, CertificateState, ComplianceRow, DepartmentRow, MemberRow};

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ComplianceTotals {
    pub users: u32,
    pub assigned: u32,
    pub completed: u32,
    pub overdue: u32,
    /// Completed over assigned, 0 to 1.
    pub completion_rate: f64,
}

/// One course's certificates among those assigned it (recertification).
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CourseCompliance {
    pub course_id: String,
    pub course_title: String,
    pub valid: u32,
    /// Valid, and lapsing within 30 days.
    pub expiring_soon: u32,
    pub expired: u32,
    /// Assigned, and no certificate ever.
    pub never_completed: u32,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ComplianceReport {
    pub totals: ComplianceTotals,
    /// Per course assigned: its learners' certificates, valid, expiring or lapsed.
    pub courses: Vec<CourseCompliance>,
    /// Every assignment in the company, by user then course.
    pub items: Vec<ComplianceRow>,
}

fn per_course(items: &[ComplianceRow]) -> Vec<CourseCompliance> {
    let mut out: std::collections::BTreeMap<&str, CourseCompliance> = Default::default();
    for r in items {
        let c = out
            .entry(r.course_id.as_str())
            .or_insert_with(|| CourseCompliance {
                course_id: r.course_id.clone(),
                course_title: r.course_title.clone(),
                valid: 0,
                expiring_soon: 0,
                expired: 0,
                never_completed: 0,
            });
        match r.certificate {
            CertificateState::Valid => c.valid += 1,
            CertificateState::ExpiringSoon => c.expiring_soon += 1,
            CertificateState::Expired => c.expired += 1,
            CertificateState::None => c.never_completed += 1,
        }
    }
    out.into_values().collect()
}

/// Per user and assigned course: assigned, completed, overdue, and the certificate's
/// state (valid, expiring within 30 days, expired, none); per course, those counts;
/// company totals.
#[utoipa::path(get, path = "/api/reports/compliance", tag = "reports", security(("bearer" = [])),
    responses((status = 200, body = ComplianceReport), (status = 402, description = "Needs the core plan", body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn compliance(
    State(state): State<AppState>,
    Entitled(p, ..): crate::ReportsManager,
) -> ApiResult<Json<ComplianceReport>> {
    let items = rows::compliance(&state, &p).await?;
    let users: std::collections::BTreeSet<&str> =
        items.iter().map(|r| r.user_id.as_str()).collect();
    let completed = items.iter().filter(|r| r.status == "completed").count() as u32;
    let assigned = items.len() as u32;
    Ok(Json(ComplianceReport {
        totals: ComplianceTotals {
            users: users.len() as u32,
            assigned,
            completed,
            overdue: items.iter().filter(|r| r.overdue).count() as u32,
            completion_rate: if assigned == 0 {
                0.0
            } else {
                f64::from(completed) / f64::from(assigned)
            },
        },
        courses: per_course(&items),
        items,
    }))
}

#[derive(Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub struct TeamParam {
    #[validate(length(min = 1, max = 64))]
    pub team_id: String,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TeamReport {
    pub team: Team,
    pub analytics: Analytics,
    pub members: Vec<MemberRow>,
}

/// One team's progress, per member.
#[utoipa::path(get, path = "/api/reports/team", tag = "reports", security(("bearer" = [])),
    params(TeamParam),
    responses((status = 200, body = TeamReport), (status = 400, body = ErrorBody), (status = 402, description = "Needs the core plan", body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn team(
    State(state): State<AppState>,
    Entitled(p, ..): crate::ReportsManager,
    QueryParams(q): QueryParams<TeamParam>,
) -> ApiResult<Json<TeamReport>> {
    let ((team, users), rows) = tokio::try_join!(
        reporting::team_users(&state.db, &p, &q.team_id, true),
        reporting::rows(&state.db, &p.company_id)
    )?;
    Ok(Json(TeamReport {
        analytics: reporting::analytics(&users, &rows),
        members: reporting::member_summaries(&users, &rows)
            .into_iter()
            .map(MemberRow::from)
            .collect(),
        team,
    }))
}

#[derive(Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub struct DepartmentParam {
    /// One department; without it, every department (and people in none).
    #[validate(length(min = 1, max = 64))]
    pub department_id: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct DepartmentReport {
    pub items: Vec<DepartmentRow>,
}

/// Analytics per department.
#[utoipa::path(get, path = "/api/reports/department", tag = "reports", security(("bearer" = [])),
    params(DepartmentParam),
    responses((status = 200, body = DepartmentReport), (status = 402, description = "Needs the core plan", body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn department(
    State(state): State<AppState>,
    Entitled(p, ..): crate::ReportsManager,
    QueryParams(q): QueryParams<DepartmentParam>,
) -> ApiResult<Json<DepartmentReport>> {
    Ok(Json(DepartmentReport {
        items: rows::departments(&state, &p, q.department_id.as_deref()).await?,
    }))
}

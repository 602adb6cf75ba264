use axum::{
    extract::{Path, State},
    response::Response,
};
use campus::{
    ApiError, ApiResult, AppState, clock,
    db::lists,
    error::ErrorBody,
    http::{ExportFormat, QueryParams, file_response, render_export},
    model::Certificate,
    plans::Entitled,
    reporting::{self, UserRow},
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::rows::{self, CertificateRow, MemberRow};

#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReportType {
    Compliance,
    /// Needs `teamId`.
    Team,
    Department,
    Users,
    Certificates,
}

#[derive(Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub struct ExportQuery {
    /// `csv` (default) or `json`.
    #[param(inline)]
    pub format: Option<ExportFormat>,
    /// For `team`.
    #[validate(length(min = 1, max = 64))]
    pub team_id: Option<String>,
}

fn answer<T: Serialize>(
    rows: Vec<T>,
    header: &[&str],
    format: ExportFormat,
    name: &str,
) -> ApiResult<Response> {
    file_response(
        render_export(&rows, header, format)?,
        format.content_type(),
        &format!(
            "{name}-{}.{}",
            &clock::now_rfc3339()[..10],
            format.extension()
        ),
    )
}

/// A report as CSV (a header row, RFC 4180 quoting, formula-like cells defused with a
/// leading `'`) or JSON (`{"items": [...]}`), with the same columns.
#[utoipa::path(get, path = "/api/reports/export/{type}", tag = "reports", security(("bearer" = [])),
    params(("type" = inline(ReportType), Path), ExportQuery),
    responses((status = 200, description = "`text/csv` or `application/json` (`{items}`)", content_type = "text/csv"),
        (status = 400, body = ErrorBody), (status = 402, description = "Needs the pro plan", body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn export(
    State(state): State<AppState>,
    Entitled(p, ..): crate::ExportsManager,
    Path(kind): Path<String>,
    QueryParams(q): QueryParams<ExportQuery>,
) -> ApiResult<Response> {
    let kind: ReportType =
        serde_json::from_value(serde_json::Value::String(kind)).map_err(|_| {
            ApiError::field(
                "type",
                "must be one of compliance, team, department, users, certificates",
            )
        })?;
    let format = q.format.unwrap_or_default();
    match kind {
        ReportType::Compliance => answer(
            rows::compliance(&state, &p).await?,
            &[
                "userId",
                "userName",
                "email",
                "departmentId",
                "courseId",
                "courseTitle",
                "status",
                "percent",
                "dueDate",
                "overdue",
                "completedAt",
                "certificate",
                "certificateExpiresAt",
            ],
            format,
            "compliance",
        ),
        ReportType::Team => {
            let team_id = q
                .team_id
                .as_deref()
                .ok_or_else(|| ApiError::field("teamId", "is required for the team report"))?;
            let ((_, users), all) = tokio::try_join!(
                reporting::team_users(&state.db, &p, team_id, true),
                reporting::rows(&state.db, &p.company_id)
            )?;
            let rows: Vec<MemberRow> = reporting::member_summaries(&users, &all)
                .into_iter()
                .map(MemberRow::from)
                .collect();
            answer(
                rows,
                &[
                    "userId",
                    "userName",
                    "email",
                    "assigned",
                    "notStarted",
                    "inProgress",
                    "completed",
                    "overdue",
                    "averagePercent",
                    "lastActivityAt",
                ],
                format,
                "team",
            )
        }
        ReportType::Department => answer(
            rows::departments(&state, &p, None).await?,
            &[
                "departmentId",
                "name",
                "members",
                "assignments",
                "completed",
                "overdue",
                "completionRate",
                "averageProgress",
                "activeLearners7d",
                "activeLearners30d",
            ],
            format,
            "departments",
        ),
        ReportType::Users => {
            let users: Vec<UserRow> = reporting::company_users(&state.db, &p.company_id)
                .await?
                .into_iter()
                .map(UserRow::from)
                .collect();
            answer(
                users,
                &[
                    "id",
                    "name",
                    "email",
                    "role",
                    "departmentId",
                    "status",
                    "createdAt",
                ],
                format,
                "users",
            )
        }
        ReportType::Certificates => {
            let certs: Vec<CertificateRow> = state
                .db
                .all::<Certificate>(&lists::certificates(&p.company_id))
                .await?
                .into_iter()
                .map(|c| rows::certificate_row(c, &state.config.frontend_url))
                .collect();
            answer(
                certs,
                &[
                    "id",
                    "userId",
                    "holderName",
                    "courseId",
                    "courseTitle",
                    "code",
                    "issuedAt",
                    "verifyUrl",
                ],
                format,
                "certificates",
            )
        }
    }
}

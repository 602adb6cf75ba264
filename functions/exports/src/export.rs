use std::time::Duration;

use axum::{
    Json,
    extract::State,
    response::{IntoResponse, Response},
};
use campus::{
    ApiError, ApiResult, AppState,
    auth::Principal,
    clock,
    db::Cond,
    error::ErrorBody,
    http::{ExportFormat, QueryParams, file_response, render_export},
    model::{ExportDelivery, ExportRecord, Role},
    plans::{Entitled, ExportsFeature},
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::rows;

/// How long a large export's download works.
const DOWNLOAD_TTL: Duration = Duration::from_secs(15 * 60);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum ExportType {
    /// Manager+.
    Users,
    /// Manager+.
    Courses,
    /// Everyone's assignments for managers; one's own otherwise.
    Progress,
    /// Every prompt for managers; one's own otherwise.
    Prompts,
    /// Admins; the newest 10,000 entries.
    AuditLogs,
    /// Manager+.
    Inventory,
    /// Manager+; per day and event name, `from`/`to` (default the last 30 days).
    Analytics,
}

impl ExportType {
    fn name(self) -> &'static str {
        match self {
            ExportType::Users => "users",
            ExportType::Courses => "courses",
            ExportType::Progress => "progress",
            ExportType::Prompts => "prompts",
            ExportType::AuditLogs => "audit-logs",
            ExportType::Inventory => "inventory",
            ExportType::Analytics => "analytics",
        }
    }

    /// Who may export it: some types are everyone's own data, others the company's.
    fn allowed(self, p: &Principal) -> bool {
        match self {
            ExportType::Progress | ExportType::Prompts => true,
            ExportType::AuditLogs => p.at_least(Role::Admin),
            _ => p.at_least(Role::Manager),
        }
    }
}

#[derive(Debug, Deserialize, Validate, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    #[serde(rename = "type")]
    #[param(rename = "type", inline)]
    pub kind: ExportType,
    /// `csv` (default) or `json`.
    #[param(inline)]
    pub format: Option<ExportFormat>,
    /// `analytics`: the first day (`YYYY-MM-DD`).
    #[validate(length(max = 40))]
    pub from: Option<String>,
    /// `analytics`: the last day.
    #[validate(length(max = 40))]
    pub to: Option<String>,
}

/// A large export: where to fetch it.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Download {
    pub export_id: String,
    pub download_url: String,
    pub expires_at: String,
    pub rows: usize,
    pub bytes: usize,
}

struct Rendered {
    rows: usize,
    body: Vec<u8>,
}

fn render<T: Serialize>(
    rows: Vec<T>,
    header: &[&str],
    format: ExportFormat,
) -> ApiResult<Rendered> {
    Ok(Rendered {
        rows: rows.len(),
        body: render_export(&rows, header, format)?,
    })
}

async fn rendered(
    state: &AppState,
    p: &Principal,
    q: &ExportQuery,
    format: ExportFormat,
) -> ApiResult<Rendered> {
    match q.kind {
        ExportType::Users => render(
            rows::users(state, p).await?,
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
        ),
        ExportType::Courses => render(
            rows::courses(state, p).await?,
            &[
                "id",
                "title",
                "status",
                "difficulty",
                "durationWeeks",
                "moduleCount",
                "lessonCount",
                "tags",
                "createdAt",
                "updatedAt",
            ],
            format,
        ),
        ExportType::Progress => render(
            rows::progress(state, p).await?,
            &[
                "userId",
                "courseId",
                "status",
                "percent",
                "dueDate",
                "assignedAt",
                "lastActivityAt",
                "completedAt",
            ],
            format,
        ),
        ExportType::Prompts => render(
            rows::prompts(state, p).await?,
            &[
                "id",
                "title",
                "status",
                "categoryId",
                "tags",
                "authorId",
                "version",
                "updatedAt",
            ],
            format,
        ),
        ExportType::AuditLogs => render(
            rows::audit_logs(state, p).await?,
            &[
                "at",
                "actorId",
                "actorRole",
                "action",
                "resourceType",
                "resourceId",
                "outcome",
                "status",
                "ip",
            ],
            format,
        ),
        ExportType::Inventory => render(
            rows::inventory(state, p).await?,
            &[
                "id",
                "name",
                "sku",
                "category",
                "quantity",
                "location",
                "lowStockThreshold",
                "updatedAt",
            ],
            format,
        ),
        ExportType::Analytics => render(
            rows::analytics(state, p, q.from.as_deref(), q.to.as_deref()).await?,
            &["day", "name", "count", "uniqueUsers", "sessions"],
            format,
        ),
    }
}

/// Export one type of data (plan `pro`): CSV (RFC 4180, a header row, cells a
/// spreadsheet would run as formulas defused with a leading `'`) or JSON
/// (`{"items": [...]}`). Up to `EXPORT_INLINE_MAX_BYTES` (1 MB by default) the file
/// is the answer; larger ones are written to the bucket and answered with a
/// `downloadUrl` valid for 15 minutes. Each export is recorded in the history.
#[utoipa::path(get, path = "/api/export", tag = "exports", security(("bearer" = [])),
    params(ExportQuery),
    responses(
        (status = 200, description = "`text/csv` or `application/json` (`{items}`) inline, or a `Download` (`application/json`) for a large export",
            content((Download = "application/json"), (String = "text/csv"))),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 402, description = "Needs the pro plan", body = ErrorBody),
        (status = 403, description = "Not this role's data", body = ErrorBody)))]
pub async fn export(
    State(state): State<AppState>,
    Entitled(p, ..): Entitled<ExportsFeature>,
    QueryParams(q): QueryParams<ExportQuery>,
) -> ApiResult<Response> {
    if !q.kind.allowed(&p) {
        return Err(ApiError::Forbidden("Your role may not export this"));
    }
    let format = q.format.unwrap_or_default();
    let out = rendered(&state, &p, &q, format).await?;
    let id = clock::new_id();
    let (ext, content_type) = (format.extension(), format.content_type());
    let file_name = format!("{}-{}.{ext}", q.kind.name(), &clock::now_rfc3339()[..10]);
    let inline = out.body.len() <= state.config.export_inline_max_bytes;
    let mut record = ExportRecord {
        id: id.clone(),
        company_id: p.company_id.clone(),
        user_id: p.user_id.clone(),
        kind: q.kind.name().to_string(),
        format: ext.to_string(),
        rows: out.rows,
        bytes: out.body.len(),
        delivery: ExportDelivery::Inline,
        created_at: clock::now_rfc3339(),
    };
    if !inline {
        record.delivery = ExportDelivery::Download;
        let key = record.object_key();
        state
            .storage
            .put(&key, content_type, out.body.clone())
            .await?;
        let url = state
            .storage
            .presigned_get(&key, content_type, &file_name, DOWNLOAD_TTL)
            .await?;
        state.db.put(&record, Cond::absent()).await?;
        return Ok(Json(Download {
            export_id: id,
            download_url: url,
            expires_at: clock::rfc3339(clock::now() + DOWNLOAD_TTL),
            rows: out.rows,
            bytes: out.body.len(),
        })
        .into_response());
    }
    state.db.put(&record, Cond::absent()).await?;
    file_response(out.body, content_type, &file_name)
}

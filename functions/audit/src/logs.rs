use std::collections::BTreeMap;

use axum::{
    Json,
    extract::State,
    response::{IntoResponse, Response},
};
use campus::{
    ApiError, ApiResult, AppState,
    audit::AuditEntry,
    auth::{Admin, Gate},
    clock,
    db::{Filter, keys, lists},
    error::ErrorBody,
    http::{ListQuery, ListResponse, QueryParams, csv_response},
    model::Company,
    plans::{self, Feature},
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

/// A summary or export reads at most this many entries (the newest).
const MAX_READ: usize = 10_000;
/// A summary without `from` covers this many days.
const DEFAULT_DAYS: i64 = 30;

#[derive(Debug, Deserialize, Validate, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    #[validate(length(min = 1, max = 64))]
    pub actor_id: Option<String>,
    /// `METHOD /route/{template}`, e.g. `POST /api/inventory`.
    #[validate(length(min = 1, max = 200))]
    pub action: Option<String>,
    /// e.g. `inventory`, `users`.
    #[validate(length(min = 1, max = 64))]
    pub resource_type: Option<String>,
    /// RFC 3339 or a date (its start).
    #[validate(length(max = 40))]
    pub from: Option<String>,
    /// RFC 3339 or a date (its end).
    #[validate(length(max = 40))]
    pub to: Option<String>,
    /// A summary instead of the entries.
    pub report: Option<bool>,
    /// The entries as CSV (the `pro` plan's exports).
    pub export: Option<bool>,
    #[serde(flatten)]
    #[param(ignore)]
    #[validate(nested)]
    pub page: ListQuery,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Count {
    pub key: String,
    pub count: u64,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AuditReport {
    pub from: String,
    pub to: String,
    pub total: u64,
    pub refused: u64,
    /// Most frequent first.
    pub by_action: Vec<Count>,
    pub by_actor: Vec<Count>,
    pub by_resource_type: Vec<Count>,
    /// True when more than 10,000 entries matched: the newest were counted.
    pub truncated: bool,
}

/// The sort-key bounds of a time range: entries are `AUDIT#{ulid}`, and a ULID
/// starts with its time.
fn bounds(
    q: &AuditQuery,
    default_days: Option<i64>,
) -> ApiResult<Option<(String, String, String, String)>> {
    let from = match (&q.from, default_days) {
        (Some(f), _) => Some(clock::moment("from", f, "00:00:00")?),
        (None, Some(days)) => Some(clock::now() - time::Duration::days(days)),
        (None, None) => None,
    };
    let to = match &q.to {
        Some(t) => Some(clock::moment("to", t, "23:59:59")?),
        None => None,
    };
    if from.is_none() && to.is_none() {
        return Ok(None);
    }
    let from = from.unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    let to = to.unwrap_or_else(clock::now);
    if to < from {
        return Err(ApiError::field("to", "must not be before from"));
    }
    let ms =
        |t: time::OffsetDateTime| u64::try_from(t.unix_timestamp_nanos() / 1_000_000).unwrap_or(0);
    let lo = ulid::Ulid::from_parts(ms(from), 0);
    let hi = ulid::Ulid::from_parts(ms(to) + 999, u128::MAX);
    Ok(Some((
        lo.to_string(),
        hi.to_string(),
        clock::rfc3339(from),
        clock::rfc3339(to),
    )))
}

fn filter(q: &AuditQuery) -> ApiResult<Filter> {
    let mut f = Filter::default().newest_first();
    if let Some(a) = &q.actor_id {
        f = f.eq(AuditEntry::ACTOR_ID, a);
    }
    if let Some(a) = &q.action {
        f = f.eq(AuditEntry::ACTION, a);
    }
    if let Some(r) = &q.resource_type {
        f = f.eq(AuditEntry::RESOURCE_TYPE, r);
    }
    Ok(f)
}

fn ranked(counts: BTreeMap<String, u64>, top: usize) -> Vec<Count> {
    let mut v: Vec<Count> = counts
        .into_iter()
        .map(|(key, count)| Count { key, count })
        .collect();
    v.sort_by(|a, b| b.count.cmp(&a.count).then(a.key.cmp(&b.key)));
    v.truncate(top);
    v
}

/// What `GET /api/audit-logs` answers as JSON: a page of entries, or with
/// `report=true` the summary. Only documents the two shapes.
#[derive(Serialize, ToSchema)]
#[serde(untagged)]
#[allow(dead_code)]
pub enum AuditAnswer {
    Page(ListResponse<AuditEntry>),
    Report(AuditReport),
}

/// The company's audit trail (admin), newest first, filtered by actor, action,
/// resource type and time. `?report=true` answers a summary instead (of the last 30
/// days without `from`); `?export=true` the entries as CSV (the `pro` plan).
#[utoipa::path(get, path = "/api/audit-logs", tag = "audit", security(("bearer" = [])),
    params(AuditQuery, ListQuery),
    responses((status = 200, description = "`{items, nextCursor}` of entries; an `AuditReport` with `report=true`; `text/csv` with `export=true`",
            content((AuditAnswer = "application/json"), (String = "text/csv"))),
        (status = 400, body = ErrorBody), (status = 402, description = "Export needs the pro plan", body = ErrorBody),
        (status = 403, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    Gate(p, ..): Admin,
    QueryParams(q): QueryParams<AuditQuery>,
) -> ApiResult<Response> {
    let trail = lists::audit_trail(&p.company_id);
    let report = q.report == Some(true);
    let export = q.export == Some(true);
    if report && export {
        return Err(ApiError::field("export", "cannot be asked with report"));
    }
    if !report && !export {
        let trail = match bounds(&q, None)? {
            Some((lo, hi, ..)) => trail.between(&lo, &hi),
            None => trail,
        };
        let page = state.db.page(&trail, q.page.at(), filter(&q)?).await?;
        return Ok(Json(ListResponse::from(page)).into_response());
    }
    if export {
        let company: Company = state.db.find(&keys::company(&p.company_id)).await?;
        plans::require(&company, Feature::Exports)?;
    }
    let (lo, hi, from, to) = bounds(&q, Some(DEFAULT_DAYS))?.expect("a default range");
    let (entries, truncated) = state
        .db
        .up_to(&trail.between(&lo, &hi), filter(&q)?, MAX_READ)
        .await?;
    if export {
        return csv_response(
            &entries,
            &[
                "id",
                "companyId",
                "actorId",
                "actorRole",
                "action",
                "resourceType",
                "resourceId",
                "outcome",
                "status",
                "ip",
                "userAgent",
                "requestId",
                "at",
                "expiresEpoch",
            ],
            "audit-logs.csv",
        );
    }
    let (mut by_action, mut by_actor, mut by_type) =
        (BTreeMap::new(), BTreeMap::new(), BTreeMap::new());
    for e in &entries {
        *by_action.entry(e.action.clone()).or_default() += 1;
        *by_actor.entry(e.actor_id.clone()).or_default() += 1;
        *by_type.entry(e.resource_type.clone()).or_default() += 1;
    }
    Ok(Json(AuditReport {
        from,
        to,
        total: entries.len() as u64,
        refused: entries.iter().filter(|e| e.outcome == "refused").count() as u64,
        by_action: ranked(by_action, 20),
        by_actor: ranked(by_actor, 20),
        by_resource_type: ranked(by_type, 20),
        truncated,
    })
    .into_response())
}

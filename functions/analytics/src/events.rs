use std::collections::{BTreeMap, BTreeSet};

use axum::{Json, extract::State, http::StatusCode};
use campus::{
    ApiError, ApiResult, AppState,
    audit::Audit,
    auth::{AuthUser, Gate, Manager},
    clock,
    db::{Update, keys, lists},
    error::ErrorBody,
    http::{QueryParams, ValidJson},
    model::AnalyticsCounter,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

/// The most events one request may carry.
const MAX_BATCH: usize = 100;
/// The longest range a summary covers.
const MAX_DAYS: i64 = 366;

#[derive(Deserialize, Validate, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Event {
    /// Letters, digits and `_ . : -`, e.g. `lesson.opened`.
    #[validate(length(min = 1, max = 100))]
    pub name: String,
    /// Free-form details, at most 4 KB as JSON: checked, not kept (only counts are).
    pub properties: Option<serde_json::Map<String, serde_json::Value>>,
    #[validate(length(min = 1, max = 64))]
    pub session_id: Option<String>,
}

/// One event, or `{events: [...]}` (1 to 100).
#[derive(Deserialize, ToSchema)]
#[serde(untagged)]
#[schema(as = AnalyticsEventBody)]
pub enum EventBody {
    Batch { events: Vec<Event> },
    One(Event),
}

impl Validate for EventBody {
    fn validate(&self) -> Result<(), validator::ValidationErrors> {
        match self {
            EventBody::One(e) => e.validate(),
            EventBody::Batch { events } => {
                for e in events {
                    e.validate()?;
                }
                Ok(())
            }
        }
    }
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Accepted {
    pub accepted: usize,
}

fn checked_name(name: &str) -> ApiResult<&str> {
    if name
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"_.:-".contains(&b))
    {
        Ok(name)
    } else {
        Err(ApiError::field(
            "name",
            "may hold only letters, digits and _ . : -",
        ))
    }
}

/// Record events (any user), counted under today's UTC day: 202. A batch is all
/// or nothing: one transaction adds to each (day, name) counter once.
#[utoipa::path(post, path = "/api/analytics/event", tag = "analytics", security(("bearer" = [])),
    request_body = EventBody,
    responses((status = 202, body = Accepted), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn record(
    State(state): State<AppState>,
    AuthUser(p): AuthUser,
    audit: Audit,
    ValidJson(body): ValidJson<EventBody>,
) -> ApiResult<(StatusCode, Json<Accepted>)> {
    let events = match body {
        EventBody::One(e) => vec![e],
        EventBody::Batch { events } => events,
    };
    if events.is_empty() || events.len() > MAX_BATCH {
        return Err(ApiError::field("events", "must hold 1 to 100 events"));
    }
    // Per name: how many, and the sessions named.
    let mut groups: BTreeMap<&str, (u64, BTreeSet<&str>)> = BTreeMap::new();
    for e in &events {
        if e.properties
            .as_ref()
            .is_some_and(|p| serde_json::to_string(p).map_or(usize::MAX, |s| s.len()) > 4096)
        {
            return Err(ApiError::field(
                "properties",
                "must be at most 4 KB as JSON",
            ));
        }
        let g = groups.entry(checked_name(&e.name)?).or_default();
        g.0 += 1;
        if let Some(s) = &e.session_id {
            g.1.insert(s);
        }
    }
    let day = &clock::now_rfc3339()[..10];
    let mut tx = state.db.tx();
    for (name, (count, sessions)) in &groups {
        tx = tx.update(
            &keys::analytics_counter(&p.company_id, day, name, &p.user_id),
            Update::new()
                .set(AnalyticsCounter::DAY, day)
                .set(AnalyticsCounter::EVENT, name)
                .add(AnalyticsCounter::COUNT, *count as i64)
                .add_members(AnalyticsCounter::USERS, vec![p.user_id.clone()])
                .add_members(
                    AnalyticsCounter::SESSIONS,
                    sessions.iter().map(|s| s.to_string()).collect(),
                ),
            None,
        );
    }
    let answer = (
        StatusCode::ACCEPTED,
        Json(Accepted {
            accepted: events.len(),
        }),
    );
    Ok(audit.commit(&state.db, tx, answer).await?)
}

#[derive(Debug, Deserialize, Validate, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct SummaryQuery {
    /// A day (`YYYY-MM-DD`, UTC); default 30 days before `to`.
    #[validate(length(max = 40))]
    pub from: Option<String>,
    /// A day; default today.
    #[validate(length(max = 40))]
    pub to: Option<String>,
    /// Only this event.
    #[validate(length(min = 1, max = 100))]
    pub name: Option<String>,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DayCount {
    pub day: String,
    pub count: u64,
    pub unique_users: usize,
    pub sessions: usize,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NameCount {
    pub name: String,
    pub count: u64,
    pub unique_users: usize,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = AnalyticsSummary)]
pub struct Summary {
    pub from: String,
    pub to: String,
    pub total: u64,
    /// Distinct users over the whole range.
    pub unique_users: usize,
    pub sessions: usize,
    /// Days with events, oldest first.
    pub by_day: Vec<DayCount>,
    /// Most frequent first.
    pub by_name: Vec<NameCount>,
}

/// Counts per day and name, unique users and sessions (manager+): one Query of the
/// counters in the range.
#[utoipa::path(get, path = "/api/analytics", tag = "analytics", security(("bearer" = [])),
    params(SummaryQuery),
    responses((status = 200, body = Summary), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn summary(
    State(state): State<AppState>,
    Gate(p, ..): Manager,
    QueryParams(q): QueryParams<SummaryQuery>,
) -> ApiResult<Json<Summary>> {
    let (from, to) = clock::day_range(q.from.as_deref(), q.to.as_deref(), MAX_DAYS)?;
    // `~` sorts after every name character: the last day's items are all inside.
    let counters: Vec<AnalyticsCounter> = state
        .db
        .all(&lists::analytics(&p.company_id).between(&from, &format!("{to}~")))
        .await?;
    let counters: Vec<AnalyticsCounter> = counters
        .into_iter()
        .filter(|c| q.name.as_deref().is_none_or(|n| c.name == n))
        .collect();
    let mut days: BTreeMap<&str, (u64, BTreeSet<&str>, BTreeSet<&str>)> = BTreeMap::new();
    let mut names: BTreeMap<&str, (u64, BTreeSet<&str>)> = BTreeMap::new();
    let (mut users, mut sessions) = (BTreeSet::new(), BTreeSet::new());
    for c in &counters {
        let d = days.entry(&c.day).or_default();
        d.0 += c.count;
        d.1.extend(c.users.iter().map(String::as_str));
        d.2.extend(c.sessions.iter().map(String::as_str));
        let n = names.entry(&c.name).or_default();
        n.0 += c.count;
        n.1.extend(c.users.iter().map(String::as_str));
        users.extend(c.users.iter().map(String::as_str));
        sessions.extend(c.sessions.iter().map(String::as_str));
    }
    let mut by_name: Vec<NameCount> = names
        .into_iter()
        .map(|(name, (count, u))| NameCount {
            name: name.into(),
            count,
            unique_users: u.len(),
        })
        .collect();
    by_name.sort_by(|a, b| b.count.cmp(&a.count).then(a.name.cmp(&b.name)));
    Ok(Json(Summary {
        total: counters.iter().map(|c| c.count).sum(),
        unique_users: users.len(),
        sessions: sessions.len(),
        by_day: days
            .into_iter()
            .map(|(day, (count, u, s))| DayCount {
                day: day.into(),
                count,
                unique_users: u.len(),
                sessions: s.len(),
            })
            .collect(),
        by_name,
        from,
        to,
    }))
}

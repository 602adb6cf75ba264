use std::collections::BTreeMap;

use axum::{
    Json,
    extract::{Path, State},
    http::StatusCode,
};
use campus::{
    ApiError, ApiResult, AppState,
    audit::Audit,
    auth::{AuthUser, Gate, Manager},
    clock,
    db::{Cond, Key, Tx, Update, entities_of, keys, lists},
    error::ErrorBody,
    http::QueryParams,
    model::{Bump, DailyStats, Prompt, PromptUseCounter, Role, User},
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

/// The longest range the usage figures cover.
const MAX_DAYS: i64 = 366;
/// How many prompts and users the top lists name.
const TOP: usize = 10;

/// `ADD`s one use to a (day, kind, id) counter.
fn count(tx: Tx, company_id: &str, day: &str, kind: &str, id: &str, title: Option<&str>) -> Tx {
    let mut update = Update::new()
        .set(PromptUseCounter::DAY, day)
        .set(PromptUseCounter::KIND, kind)
        .set(PromptUseCounter::REF, id)
        .add(PromptUseCounter::COUNT, 1);
    // The newest title a prompt was used under names it in the figures, even once
    // it is deleted.
    if let Some(t) = title {
        update = update.set(PromptUseCounter::TITLE, t);
    }
    tx.update(&keys::prompt_uses(company_id, day, kind, id), update, None)
}

/// Record one use of a prompt the caller can see: 204. Counted for the prompt and
/// the user today (UTC) and in the company's daily totals, in one transaction.
#[utoipa::path(post, path = "/api/prompts/{id}/use", tag = "prompts", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 204, description = "Counted"), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn record(
    State(state): State<AppState>,
    AuthUser(p): AuthUser,
    Path(id): Path<String>,
    audit: Audit,
) -> ApiResult<StatusCode> {
    let prompt = crate::library::visible(&state, &p, &id).await?;
    let day = &clock::now_rfc3339()[..10];
    // The prompt must still be there (and still visible to a participant) when the
    // use is counted: a condition on it, checked without writing it.
    let mut visible = Cond::present();
    if !p.at_least(Role::Manager) {
        visible = visible.and(Prompt::seen_by(&p.user_id));
    }
    let tx = state
        .db
        .tx()
        .check(&keys::prompt(&p.company_id, &id), visible);
    let tx = count(tx, &p.company_id, day, "P", &id, Some(&prompt.title));
    let tx = count(tx, &p.company_id, day, "U", &p.user_id, None);
    let mut bump = Bump::default();
    bump.daily(DailyStats::PROMPT_USES);
    let tx = bump.apply(tx, &p.company_id, day)?;
    audit
        .commit(&state.db, tx, StatusCode::NO_CONTENT)
        .await
        .map_err(|e| e.or(ApiError::NotFound))
}

#[derive(Debug, Deserialize, Validate, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct UsageQuery {
    /// A day (`YYYY-MM-DD`, UTC); default 30 days before `to`.
    #[validate(length(max = 40))]
    pub from: Option<String>,
    /// A day; default today.
    #[validate(length(max = 40))]
    pub to: Option<String>,
    /// Only this prompt's uses. Users are counted across prompts, so with a prompt
    /// named no top users are given.
    #[validate(length(min = 1, max = 64))]
    pub prompt_id: Option<String>,
}

#[derive(Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DayUses {
    pub day: String,
    pub uses: u64,
}

#[derive(Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PromptUses {
    pub prompt_id: String,
    /// The title it was last used under.
    pub title: Option<String>,
    pub uses: u64,
    /// Its uses per day, oldest first.
    pub by_day: Vec<DayUses>,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserUses {
    pub user_id: String,
    /// Absent for a user since deleted.
    pub name: Option<String>,
    pub uses: u64,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Usage {
    pub from: String,
    pub to: String,
    pub total: u64,
    /// Days with uses, oldest first.
    pub by_day: Vec<DayUses>,
    /// Every prompt used in the range, most used first.
    pub by_prompt: Vec<PromptUses>,
    /// The 10 most used prompts.
    pub top_prompts: Vec<PromptUses>,
    /// The 10 users with the most uses.
    pub top_users: Vec<UserUses>,
}

/// Uses per prompt and per day, top prompts and top users (manager+): one Query of
/// the counters in the range, and one read of the top users' names.
#[utoipa::path(get, path = "/api/prompts/analytics/usage", tag = "prompts", security(("bearer" = [])),
    params(UsageQuery),
    responses((status = 200, body = Usage), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn analytics(
    State(state): State<AppState>,
    Gate(p, ..): Manager,
    QueryParams(q): QueryParams<UsageQuery>,
) -> ApiResult<Json<Usage>> {
    let (from, to) = clock::day_range(q.from.as_deref(), q.to.as_deref(), MAX_DAYS)?;
    // `~` sorts after `P#` and `U#`: the last day's counters are all inside.
    let counters: Vec<PromptUseCounter> = state
        .db
        .all(&lists::prompt_uses(&p.company_id).between(&from, &format!("{to}~")))
        .await?;
    let mut days: BTreeMap<&str, u64> = BTreeMap::new();
    let mut prompts: BTreeMap<&str, (Option<&str>, BTreeMap<&str, u64>)> = BTreeMap::new();
    let mut users: BTreeMap<&str, u64> = BTreeMap::new();
    let only = q.prompt_id.as_deref();
    for c in &counters {
        match c.kind.as_str() {
            "P" if only.is_none_or(|o| o == c.id) => {
                *days.entry(&c.day).or_default() += c.count;
                let e = prompts.entry(&c.id).or_default();
                e.0 = c.title.as_deref().or(e.0);
                *e.1.entry(&c.day).or_default() += c.count;
            }
            "U" if only.is_none() => *users.entry(&c.id).or_default() += c.count,
            _ => {}
        }
    }
    let by_day = |m: &BTreeMap<&str, u64>| -> Vec<DayUses> {
        m.iter()
            .map(|(d, n)| DayUses {
                day: d.to_string(),
                uses: *n,
            })
            .collect()
    };
    let mut by_prompt: Vec<PromptUses> = prompts
        .iter()
        .map(|(id, (title, per_day))| PromptUses {
            prompt_id: id.to_string(),
            title: title.map(str::to_string),
            uses: per_day.values().sum(),
            by_day: by_day(per_day),
        })
        .collect();
    by_prompt.sort_by(|a, b| b.uses.cmp(&a.uses).then(a.prompt_id.cmp(&b.prompt_id)));
    let mut top_users: Vec<(&str, u64)> = users.into_iter().collect();
    top_users.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    top_users.truncate(TOP);
    let names = names_of(&state, &p.company_id, &top_users).await?;
    Ok(Json(Usage {
        total: days.values().sum(),
        by_day: by_day(&days),
        top_prompts: by_prompt.iter().take(TOP).cloned().collect(),
        by_prompt,
        top_users: top_users
            .into_iter()
            .map(|(id, uses)| UserUses {
                user_id: id.to_string(),
                name: names.get(id).cloned(),
                uses,
            })
            .collect(),
        from,
        to,
    }))
}

async fn names_of(
    state: &AppState,
    company_id: &str,
    users: &[(&str, u64)],
) -> ApiResult<BTreeMap<String, String>> {
    if users.is_empty() {
        return Ok(BTreeMap::new());
    }
    let keys: Vec<Key> = users
        .iter()
        .map(|(id, _)| keys::user(company_id, id))
        .collect();
    let found: Vec<User> = entities_of(&state.db.get_many(&keys).await?)?;
    Ok(found.into_iter().map(|u| (u.id, u.name)).collect())
}

use std::collections::{BTreeMap, BTreeSet};

use axum::{Json, extract::State};
use campus::{
    ApiError, ApiResult, AppState,
    auth::{AuthUser, Principal},
    calendar,
    db::{Filter, Item, Key, PageAt, entities_of, keys, lists},
    error::ErrorBody,
    http::QueryParams,
    model::{
        Assignment, CalendarEvent, Course, CourseStatus, InventoryItem, Lesson, Prompt, Role, User,
    },
    search::{self, Candidate, Posting},
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

/// Query words read; more are ignored.
const MAX_WORDS: usize = 5;
/// Index entries read per word (the most common prefixes stop here).
const MAX_POSTINGS: usize = 1000;
/// Best-scored items whose rights are checked: one batch read.
const MAX_CHECKED: usize = 100;

#[derive(Debug, Deserialize, Validate, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct SearchQuery {
    /// Words, or their beginnings: every one must match (`fire saf` finds "Fire
    /// safety basics"). Words of one letter or digit, or over 64, and any after
    /// the fifth are ignored. `query=` is taken as well (not both).
    #[validate(length(min = 1, max = 200))]
    #[serde(alias = "query")]
    pub q: String,
    /// Comma-separated: `course`, `lesson`, `prompt`, `user`, `event`, `inventory`
    /// (default all).
    #[validate(length(min = 1, max = 100))]
    pub types: Option<String>,
    /// 1 to 50, default 20.
    #[validate(range(min = 1, max = 50))]
    pub limit: Option<usize>,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SearchHit {
    /// `course`, `lesson`, `prompt`, `user`, `event` or `inventory`.
    #[serde(rename = "type")]
    pub kind: String,
    pub id: String,
    pub title: String,
    pub snippet: String,
    /// Higher is better: 3 for a whole word, 1 for a word's beginning, doubled
    /// from a title, summed over the query's words.
    pub score: u32,
}

#[derive(Serialize, ToSchema)]
pub struct SearchResults {
    pub items: Vec<SearchHit>,
}

fn types(raw: Option<&str>) -> ApiResult<BTreeSet<String>> {
    let Some(raw) = raw else {
        return Ok(search::TYPES.iter().map(|t| t.to_string()).collect());
    };
    raw.split(',')
        .map(|t| t.trim().to_lowercase())
        .filter(|t| !t.is_empty())
        .map(|t| {
            if search::TYPES.contains(&t.as_str()) {
                Ok(t)
            } else {
                Err(ApiError::field(
                    "types",
                    &format!("each must be one of {}", search::TYPES.join(", ")),
                ))
            }
        })
        .collect()
}

/// The index entries whose term starts with `word`, following pages up to the cap.
async fn postings(state: &AppState, company_id: &str, word: &str) -> ApiResult<Vec<Posting>> {
    let postings = lists::postings(company_id, word);
    let mut out = Vec::new();
    let mut cursor = None;
    loop {
        let page = state
            .db
            .page(
                &postings,
                PageAt {
                    limit: 500,
                    cursor: cursor.as_deref(),
                },
                Filter::new(),
            )
            .await?;
        out.extend(page.items);
        match page.next_cursor {
            Some(c) if out.len() < MAX_POSTINGS => cursor = Some(c),
            _ => return Ok(out),
        }
    }
}

/// Ranked results the caller may see (any user), from the company's items only.
#[utoipa::path(get, path = "/api/search", tag = "search", security(("bearer" = [])),
    params(SearchQuery),
    responses((status = 200, body = SearchResults), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn search(
    State(state): State<AppState>,
    AuthUser(p): AuthUser,
    QueryParams(q): QueryParams<SearchQuery>,
) -> ApiResult<Json<SearchResults>> {
    let wanted = types(q.types.as_deref())?;
    let mut words: Vec<String> = Vec::new();
    for w in search::words(&q.q) {
        if !words.contains(&w) {
            words.push(w);
        }
    }
    words.truncate(MAX_WORDS);
    if words.is_empty() {
        return Err(ApiError::field(
            "q",
            "needs a word of at least two letters or digits",
        ));
    }
    let mut found = Vec::with_capacity(words.len());
    for w in &words {
        let mut hits = postings(&state, &p.company_id, w).await?;
        hits.retain(|h| wanted.contains(&h.kind));
        found.push(hits);
    }
    let mut ranked = search::rank(&words, &found);
    ranked.truncate(MAX_CHECKED);
    let visible = visible(&state, &p, ranked).await?;
    Ok(Json(SearchResults {
        items: visible
            .into_iter()
            .take(q.limit.unwrap_or(20))
            .map(|c| SearchHit {
                kind: c.kind,
                id: c.id,
                title: c.title,
                snippet: c.snippet,
                score: c.score,
            })
            .collect(),
    }))
}

/// The candidates the caller may see, in their order: each checked against its item
/// as it is now (one batch read; items since deleted drop out), by the same rule
/// its own endpoints apply.
async fn visible(
    state: &AppState,
    p: &Principal,
    ranked: Vec<Candidate>,
) -> ApiResult<Vec<Candidate>> {
    if ranked.is_empty() {
        return Ok(ranked);
    }
    let sources: Vec<Key> = ranked.iter().map(|c| c.source.clone()).collect();
    let items = state.db.get_many(&sources).await?;
    let instructor = p.at_least(Role::Instructor);
    let manager = p.at_least(Role::Manager);
    let courses: BTreeMap<String, Course> = by_id(&items, |c: &Course| c.id.clone())?;
    let lessons: BTreeMap<String, Lesson> = by_id(&items, |l: &Lesson| l.id.clone())?;
    let prompts: BTreeMap<String, Prompt> = by_id(&items, |x: &Prompt| x.id.clone())?;
    let events: BTreeMap<String, CalendarEvent> = by_id(&items, |e: &CalendarEvent| e.id.clone())?;
    let users: BTreeMap<String, User> = by_id(&items, |u: &User| u.id.clone())?;
    let inventory: BTreeMap<String, InventoryItem> =
        by_id(&items, |i: &InventoryItem| i.id.clone())?;
    // A lesson is seen with its course: the drafts' only by instructors and up, a
    // priced one's only by those it is open to (its content is what is indexed).
    let (lesson_courses, held) = if instructor || lessons.is_empty() {
        (BTreeMap::new(), BTreeMap::new())
    } else {
        let course_ids: BTreeSet<String> = lessons.values().map(|l| l.course_id.clone()).collect();
        let keys: Vec<Key> = course_ids
            .iter()
            .flat_map(|c| {
                [
                    keys::course(&p.company_id, c),
                    keys::assignment(&p.company_id, &p.user_id, c),
                ]
            })
            .collect();
        // BatchGetItem takes 100 keys at a time.
        let mut got = Vec::new();
        for chunk in keys.chunks(100) {
            got.extend(state.db.get_many(chunk).await?);
        }
        (
            by_id(&got, |c: &Course| c.id.clone())?,
            by_id(&got, |a: &Assignment| a.course_id.clone())?,
        )
    };
    let teams = if events
        .values()
        .any(|e| e.audience == campus::model::Audience::Team)
    {
        calendar::my_teams(&state.db, p).await?
    } else {
        BTreeSet::new()
    };
    // A lesson of a course still locked by a prerequisite in one of the caller's
    // learning paths is not theirs to read yet (its hit would show its content).
    let path_ids: Vec<String> = held
        .values()
        .filter(|a| !a.paths.is_empty() && !a.is_completed())
        .flat_map(|a| a.paths.iter().cloned())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let standing = campus::paths::standing(&state.db, &p.company_id, &p.user_id, &path_ids).await?;
    let path_locked = |course_id: &str| {
        held.get(course_id)
            .is_some_and(|a| !a.paths.is_empty() && !a.is_completed())
            && standing.missing(course_id).is_some()
    };
    let published = |c: Option<&Course>| c.is_some_and(|c| c.status == CourseStatus::Published);
    Ok(ranked
        .into_iter()
        .filter(|c| match c.kind.as_str() {
            "course" => courses
                .get(&c.id)
                .is_some_and(|x| instructor || published(Some(x))),
            "lesson" => lessons.get(&c.id).is_some_and(|l| {
                let course = lesson_courses.get(&l.course_id);
                instructor
                    || (published(course)
                        && course.is_some_and(|x| x.open_to(p.role, held.get(&l.course_id)))
                        && !path_locked(&l.course_id))
            }),
            "prompt" => prompts
                .get(&c.id)
                .is_some_and(|x| x.visible_to(&p.user_id, manager)),
            "user" => users.contains_key(&c.id) && (manager || c.id == p.user_id),
            "event" => events
                .get(&c.id)
                .is_some_and(|e| calendar::visible_to(e, p, &teams)),
            "inventory" => inventory.contains_key(&c.id),
            _ => false,
        })
        .collect())
}

fn by_id<T: campus::db::Entity>(
    items: &[Item],
    id: impl Fn(&T) -> String,
) -> ApiResult<BTreeMap<String, T>> {
    Ok(entities_of::<T>(items)?
        .into_iter()
        .map(|t| (id(&t), t))
        .collect())
}

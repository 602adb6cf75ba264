//! The event body of `POST` and `PUT`, and the checks that need the table.

use campus::{
    ApiError, ApiResult, AppState,
    auth::Principal,
    calendar::MAX_EVENT_DAYS,
    clock,
    db::{entity_of, keys},
    http::non_blank,
    model::{Audience, CalendarEvent, EventType, Role},
};
use serde::Deserialize;
use time::Duration;
use utoipa::ToSchema;
use validator::Validate;

#[derive(Deserialize, Validate, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EventBody {
    #[validate(length(min = 1, max = 200))]
    pub title: String,
    #[validate(length(max = 5000))]
    pub description: Option<String>,
    /// RFC 3339 (stored as UTC).
    pub starts_at: String,
    /// RFC 3339, after `startsAt`, at most 31 days later.
    pub ends_at: String,
    #[validate(length(max = 300))]
    pub location: Option<String>,
    #[serde(rename = "type")]
    pub kind: EventType,
    /// A course of the company the event is about.
    #[validate(length(min = 1, max = 64))]
    pub course_id: Option<String>,
    pub audience: Audience,
    /// Required for (and only for) the `team` audience; the caller must be a member
    /// (admins: any team).
    #[validate(length(min = 1, max = 64))]
    pub team_id: Option<String>,
    /// On update: the version read.
    pub version: Option<u64>,
}

/// `startsAt` and `endsAt` as stored (UTC), checked against each other; errors name
/// the fields under `path` (`sessions[0].`, or nothing for a top-level body).
pub fn span(path: &str, starts_at: &str, ends_at: &str) -> ApiResult<(String, String)> {
    let bad = |f: &str| ApiError::field(&format!("{path}{f}"), "must be an RFC 3339 time");
    let start = clock::parse_rfc3339(starts_at).ok_or_else(|| bad("startsAt"))?;
    let end = clock::parse_rfc3339(ends_at).ok_or_else(|| bad("endsAt"))?;
    let field = format!("{path}endsAt");
    if end <= start {
        return Err(ApiError::field(&field, "must be after startsAt"));
    }
    if end - start > Duration::days(MAX_EVENT_DAYS) {
        return Err(ApiError::field(
            &field,
            &format!("an event lasts at most {MAX_EVENT_DAYS} days"),
        ));
    }
    Ok((clock::rfc3339(start), clock::rfc3339(end)))
}

/// Applies a body to an event (new or read), after checking what it refers to: the
/// team (it exists and the caller may plan for it) and the course (it exists). One
/// batch read covers both.
pub async fn apply(
    state: &AppState,
    p: &Principal,
    e: &mut CalendarEvent,
    b: EventBody,
) -> ApiResult<()> {
    let (starts_at, ends_at) = span("", &b.starts_at, &b.ends_at)?;
    match (b.audience, &b.team_id) {
        (Audience::Team, None) => {
            return Err(ApiError::field(
                "teamId",
                "is required for the team audience",
            ));
        }
        (Audience::Company | Audience::Private, Some(_)) => {
            return Err(ApiError::field("teamId", "is only for the team audience"));
        }
        _ => {}
    }
    let mut wanted = Vec::new();
    if let Some(t) = &b.team_id {
        wanted.push(keys::team(&p.company_id, t));
        wanted.push(keys::team_member(&p.company_id, t, &p.user_id));
    }
    if let Some(c) = &b.course_id {
        wanted.push(keys::course(&p.company_id, c));
    }
    let found = state.db.get_many(&wanted).await?;
    if b.team_id.is_some() {
        if entity_of::<campus::model::Team>(&found)?.is_none() {
            return Err(ApiError::field("teamId", "no such team"));
        }
        let member = entity_of::<campus::model::TeamMember>(&found)?.is_some();
        if !member && !p.at_least(Role::Admin) {
            return Err(ApiError::Forbidden(
                "Only the team's members and admins plan its events",
            ));
        }
    }
    if b.course_id.is_some() && entity_of::<campus::model::Team>(&found)?.is_none() {
        return Err(ApiError::field("courseId", "no such course"));
    }
    e.title = non_blank("title", &b.title)?;
    e.description = b.description;
    e.starts_at = starts_at;
    e.ends_at = ends_at;
    e.location = b.location;
    e.kind = b.kind;
    e.course_id = b.course_id;
    e.audience = b.audience;
    e.team_id = b.team_id;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_are_checked_and_stored_as_utc() {
        assert_eq!(
            span("", "2026-12-01T10:00:00+01:00", "2026-12-01T10:30:00Z").unwrap(),
            (
                "2026-12-01T09:00:00Z".to_string(),
                "2026-12-01T10:30:00Z".to_string()
            )
        );
        assert!(span("", "2026-12-01T10:00:00Z", "2026-12-01T10:00:00Z").is_err());
        assert!(span("", "2026-12-01T10:00:00Z", "2026-12-01T09:00:00Z").is_err());
        assert!(span("", "2026-12-01T10:00:00Z", "2027-02-01T09:00:00Z").is_err());
        assert!(span("", "soon", "2026-12-01T09:00:00Z").is_err());
    }
}

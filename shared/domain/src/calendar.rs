//! Which calendar events a caller sees, read from the company's calendar index.
//!
//! One Query reads every event of the company overlapping a window; visibility is
//! decided here, per event, from the caller's teams (one more Query). Private events
//! of others are read but never leave this module: at a company's scale a calendar
//! window is small, and this keeps each read at two round trips whatever the
//! audiences (see `docs/data-model.md`).

use std::collections::BTreeSet;

use time::{Duration, OffsetDateTime};

use crate::{
    ApiResult, AppState,
    auth::Viewer,
    clock,
    db::{Db, lists},
    model::{Audience, CalendarEvent, Connection, EventView, Role, TeamMember},
    realtime,
};

/// The longest an event may last: a window's read reaches back this far for events
/// that started before it and still run.
pub const MAX_EVENT_DAYS: i64 = 31;

/// The ids of the teams the caller belongs to.
pub async fn my_teams(db: &Db, p: &(impl Viewer + ?Sized)) -> ApiResult<BTreeSet<String>> {
    let rows: Vec<TeamMember> = db
        .all(&lists::user_teams(p.company_id(), p.user_id()))
        .await?;
    Ok(rows.into_iter().map(|m| m.team_id).collect())
}

/// Whether the caller may see an event: its creator and attendees always; otherwise
/// by audience (the whole company, or the team's members and admins; private: nobody).
pub fn visible_to(e: &CalendarEvent, p: &(impl Viewer + ?Sized), teams: &BTreeSet<String>) -> bool {
    if e.created_by == p.user_id() || e.attendees.iter().any(|a| a == p.user_id()) {
        return true;
    }
    match e.audience {
        Audience::Company => true,
        Audience::Team => {
            p.at_least(Role::Admin) || e.team_id.as_ref().is_some_and(|t| teams.contains(t))
        }
        Audience::Private => false,
    }
}

/// Whether the caller may change or delete an event they can see: its creator, and
/// managers and above.
pub fn editable_by(e: &CalendarEvent, p: &(impl Viewer + ?Sized)) -> bool {
    e.created_by == p.user_id() || p.at_least(Role::Manager)
}

/// Every event overlapping `from..to` that the caller sees, by start.
pub async fn visible_between(
    db: &Db,
    p: &(impl Viewer + ?Sized),
    from: OffsetDateTime,
    to: OffsetDateTime,
) -> ApiResult<Vec<CalendarEvent>> {
    let lower = clock::rfc3339(from - Duration::days(MAX_EVENT_DAYS));
    let from_s = clock::rfc3339(from);
    let to_s = clock::rfc3339(to);
    // `~` sorts after `#`, so every `{startsAt}#{id}` starting at `to` is included.
    let upper = format!("{to_s}~");
    let window = lists::calendar(p.company_id()).between(&lower, &upper);
    let (events, teams) = tokio::try_join!(
        async { db.all(&window).await.map_err(crate::ApiError::from) },
        my_teams(db, p),
    )?;
    Ok(events
        .into_iter()
        .filter(|e| e.ends_at > from_s && e.starts_at <= to_s && visible_to(e, p, &teams))
        .collect())
}

/// Pushes a change of an event to the connections of those who see it (`kind`:
/// `event.created`, `event.updated`, `event.deleted`). `attending` in the pushed
/// event is no one's: each client knows its own user.
pub async fn publish(state: &AppState, kind: &str, e: &CalendarEvent) {
    publish_all(state, &[(kind, e)]).await;
}

/// [`publish`] for several changes of one company's events (a course's deadline and
/// sessions): one read of the company's connections for all of them.
pub async fn publish_all(state: &AppState, changes: &[(&str, &CalendarEvent)]) {
    let Some((_, first)) = changes.first() else {
        return;
    };
    // Per change: the event, its team's members and the team (who see it as a team
    // event), and the message.
    let mut prepared = Vec::with_capacity(changes.len());
    for (kind, e) in changes {
        let members: BTreeSet<String> = match (&e.audience, &e.team_id) {
            (Audience::Team, Some(team)) => state
                .db
                .all::<TeamMember>(&lists::team_members(&e.company_id, team))
                .await
                .map(|ms| ms.into_iter().map(|m| m.user_id).collect())
                .unwrap_or_default(),
            _ => BTreeSet::new(),
        };
        let data = if *kind == "event.deleted" {
            serde_json::json!({"id": e.id})
        } else {
            serde_json::to_value(EventView::of((*e).clone(), "")).unwrap_or_default()
        };
        let team: BTreeSet<String> = e.team_id.iter().cloned().collect();
        prepared.push((*e, members, team, realtime::message(kind, data)));
    }
    let none = BTreeSet::new();
    realtime::push(state, &first.company_id, None, |c: &Connection| {
        prepared
            .iter()
            .filter(|(e, members, team, _)| {
                let teams = if members.contains(&c.user_id) {
                    team
                } else {
                    &none
                };
                visible_to(e, c, teams)
            })
            .map(|(_, _, _, msg)| msg)
            .collect()
    })
    .await;
}

/// The caller's view of the events they see in the next `days` days, soonest first.
pub async fn upcoming(db: &Db, p: &(impl Viewer + ?Sized), days: i64) -> ApiResult<Vec<EventView>> {
    let now = clock::now();
    let events = visible_between(db, p, now, now + Duration::days(days)).await?;
    Ok(events
        .into_iter()
        .map(|e| EventView::of(e, p.user_id()))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{auth::Principal, model::EventType};

    fn principal(user: &str, role: Role) -> Principal {
        Principal {
            user_id: user.into(),
            company_id: "c1".into(),
            role,
            session_id: "s".into(),
            api_key_id: None,
        }
    }

    fn event(audience: Audience, team: Option<&str>) -> CalendarEvent {
        CalendarEvent {
            id: "e".into(),
            company_id: "c1".into(),
            title: "t".into(),
            description: None,
            starts_at: "2026-12-01T10:00:00Z".into(),
            ends_at: "2026-12-01T11:00:00Z".into(),
            location: None,
            kind: EventType::Meetup,
            course_id: None,
            audience,
            team_id: team.map(Into::into),
            created_by: "creator".into(),
            attendees: vec!["creator".into(), "guest".into()],
            created_at: String::new(),
            updated_at: String::new(),
            version: 1,
        }
    }

    #[test]
    fn audiences_decide_who_sees_an_event() {
        let none = BTreeSet::new();
        let crew = BTreeSet::from(["crew".to_string()]);
        let outsider = principal("x", Role::Participant);
        let admin = principal("a", Role::Admin);

        assert!(visible_to(
            &event(Audience::Company, None),
            &outsider,
            &none
        ));

        let team = event(Audience::Team, Some("crew"));
        assert!(!visible_to(&team, &outsider, &none));
        assert!(visible_to(&team, &outsider, &crew));
        assert!(visible_to(&team, &admin, &none));

        let private = event(Audience::Private, None);
        assert!(!visible_to(&private, &outsider, &crew));
        assert!(!visible_to(&private, &admin, &crew));
        assert!(visible_to(
            &private,
            &principal("guest", Role::Participant),
            &none
        ));
        assert!(visible_to(
            &private,
            &principal("creator", Role::Participant),
            &none
        ));
    }
}

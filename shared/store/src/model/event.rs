use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::{Entity, Keys, keys};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EventType {
    Session,
    Webinar,
    Meetup,
    Deadline,
}

impl EventType {
    pub const ALL: [Self; 4] = [Self::Session, Self::Webinar, Self::Meetup, Self::Deadline];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Session => "session",
            Self::Webinar => "webinar",
            Self::Meetup => "meetup",
            Self::Deadline => "deadline",
        }
    }
}

/// Who sees an event, besides its creator and its attendees.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Audience {
    /// Everyone in the company.
    Company,
    /// The members of `teamId` (and admins).
    Team,
    /// Only the creator and the attendees.
    Private,
}

/// A calendar event as stored. Times are UTC RFC 3339, so they sort as strings.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CalendarEvent {
    pub id: String,
    pub company_id: String,
    pub title: String,
    pub description: Option<String>,
    pub starts_at: String,
    pub ends_at: String,
    pub location: Option<String>,
    #[serde(rename = "type")]
    pub kind: EventType,
    pub course_id: Option<String>,
    pub audience: Audience,
    pub team_id: Option<String>,
    pub created_by: String,
    /// A DynamoDB string set, changed only by `ADD`/`DELETE` of one id: joins and
    /// leaves never race with each other or with edits (which leave it alone). An empty
    /// set cannot be stored, so an event whose last attendee left has none.
    #[serde(
        with = "serde_dynamo::string_set",
        default,
        skip_serializing_if = "Vec::is_empty"
    )]
    pub attendees: Vec<String>,
    pub created_at: String,
    pub updated_at: String,
    pub version: u64,
}

impl CalendarEvent {
    /// The one deadline event of a course (`course-events` moves it rather than adding
    /// another). ULIDs never contain `-`, so it cannot collide with a created event.
    pub fn deadline_id(course_id: &str) -> String {
        format!("{course_id}-deadline")
    }
}

impl Entity for CalendarEvent {
    const NAME: &'static str = "event";

    fn keys(&self) -> Keys {
        Keys::new(keys::event(&self.company_id, &self.id), Self::NAME)
            .gsi1(
                keys::calendar_index(&self.company_id),
                format!("{}#{}", self.starts_at, self.id),
            )
            .gsi2(
                keys::events_on_day(self.starts_at.get(..10).unwrap_or_default()),
                format!("{}#{}#{}", self.starts_at, self.company_id, self.id),
            )
            .search(self.title.clone())
    }
}

/// An event as the API shows it to one caller.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EventView {
    pub id: String,
    pub title: String,
    pub description: Option<String>,
    pub starts_at: String,
    pub ends_at: String,
    pub location: Option<String>,
    #[serde(rename = "type")]
    pub kind: EventType,
    pub course_id: Option<String>,
    pub audience: Audience,
    pub team_id: Option<String>,
    pub created_by: String,
    /// User ids of everyone attending.
    pub attendees: Vec<String>,
    pub attendee_count: u32,
    /// Whether the caller attends.
    pub attending: bool,
    pub created_at: String,
    pub updated_at: String,
    pub version: u64,
}

impl EventView {
    pub fn of(e: CalendarEvent, caller: &str) -> Self {
        let mut attendees = e.attendees;
        attendees.sort();
        attendees.dedup();
        Self {
            attending: attendees.iter().any(|a| a == caller),
            attendee_count: attendees.len() as u32,
            attendees,
            id: e.id,
            title: e.title,
            description: e.description,
            starts_at: e.starts_at,
            ends_at: e.ends_at,
            location: e.location,
            kind: e.kind,
            course_id: e.course_id,
            audience: e.audience,
            team_id: e.team_id,
            created_by: e.created_by,
            created_at: e.created_at,
            updated_at: e.updated_at,
            version: e.version,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(attendees: Vec<String>) -> CalendarEvent {
        CalendarEvent {
            id: "e1".into(),
            company_id: "c1".into(),
            title: "Kick-off".into(),
            description: None,
            starts_at: "2026-12-01T10:00:00Z".into(),
            ends_at: "2026-12-01T11:00:00Z".into(),
            location: None,
            kind: EventType::Session,
            course_id: None,
            audience: Audience::Company,
            team_id: None,
            created_by: "u1".into(),
            attendees,
            created_at: String::new(),
            updated_at: String::new(),
            version: 1,
        }
    }

    #[test]
    fn attendees_are_stored_as_a_string_set_and_omitted_when_empty() {
        let item = crate::db::to_stored_item(&event(vec!["u1".into()])).unwrap();
        assert_eq!(
            item["attendees"],
            crate::db::AttributeValue::Ss(vec!["u1".into()])
        );
        assert_eq!(item["gsi2pk"].as_s().unwrap(), "EVENTDAY#2026-12-01");
        let item = crate::db::to_stored_item(&event(vec![])).unwrap();
        assert!(!item.contains_key("attendees"));
        let back: CalendarEvent = serde_dynamo::from_item(item).unwrap();
        assert!(back.attendees.is_empty());
    }
}

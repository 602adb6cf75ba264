//! Time and ids, in the formats the contract fixes: RFC 3339 UTC and ULIDs.

use time::{Duration, OffsetDateTime, format_description::well_known::Rfc3339};

pub fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}

/// `2026-11-21T09:30:00Z`: second precision keeps the strings short and sortable.
pub fn rfc3339(t: OffsetDateTime) -> String {
    t.replace_nanosecond(0)
        .unwrap_or(t)
        .format(&Rfc3339)
        .unwrap_or_default()
}

pub fn now_rfc3339() -> String {
    rfc3339(now())
}

pub fn parse_rfc3339(s: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(s, &Rfc3339).ok()
}

pub fn epoch_after(d: std::time::Duration) -> i64 {
    (now() + Duration::try_from(d).unwrap_or(Duration::ZERO)).unix_timestamp()
}

pub fn new_id() -> String {
    ulid::Ulid::generate().to_string()
}

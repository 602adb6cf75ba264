//! Time and ids, in the formats the contract fixes: RFC 3339 UTC and ULIDs.

use time::{Duration, OffsetDateTime, UtcOffset, format_description::well_known::Rfc3339};

pub fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}

/// `2026-11-21T09:30:00Z`: second precision and UTC keep the strings short and let
/// them compare (and sort in keys) as the times they stand for.
pub fn rfc3339(t: OffsetDateTime) -> String {
    let t = t.to_offset(UtcOffset::UTC);
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

/// An RFC 3339 time, or a `YYYY-MM-DD` date taken at `time_of_day` UTC (`00:00:00`
/// for the start of a range, `23:59:59` for a due date).
pub fn parse_moment(raw: &str, time_of_day: &str) -> Option<OffsetDateTime> {
    parse_rfc3339(raw).or_else(|| {
        (raw.len() == 10)
            .then(|| parse_rfc3339(&format!("{raw}T{time_of_day}Z")))
            .flatten()
    })
}

pub fn epoch_after(d: std::time::Duration) -> i64 {
    (now() + Duration::try_from(d).unwrap_or(Duration::ZERO)).unix_timestamp()
}

pub fn new_id() -> String {
    ulid::Ulid::generate().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_are_stored_as_utc() {
        let t = parse_rfc3339("2026-12-01T10:00:00+02:00").unwrap();
        assert_eq!(rfc3339(t), "2026-12-01T08:00:00Z");
    }

    #[test]
    fn dates_take_the_given_time_of_day() {
        let t = parse_moment("2026-12-01", "23:59:59").unwrap();
        assert_eq!(rfc3339(t), "2026-12-01T23:59:59Z");
        assert!(parse_moment("2026-12", "00:00:00").is_none());
        assert!(parse_moment("tomorrow!!", "00:00:00").is_none());
    }
}

//! Analytics: counters kept on write, one item per day and event name.

use serde::{Deserialize, Serialize};

/// How often an event was recorded on a day, by whom and in which sessions. The
/// sets are DynamoDB string sets, grown by `ADD`, so concurrent writers never lose
/// one another's users.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AnalyticsCounter {
    pub day: String,
    pub name: String,
    #[serde(default)]
    pub count: u64,
    #[serde(with = "serde_dynamo::string_set", default)]
    pub users: Vec<String>,
    #[serde(with = "serde_dynamo::string_set", default)]
    pub sessions: Vec<String>,
}

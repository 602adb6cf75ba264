//! Exports: a record of each, for the history.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::{Entity, Keys, keys};

/// How long an export is listed in the history (a large export's file goes a day
/// after it was made: the bucket's lifecycle rule).
pub const EXPORT_RETENTION_DAYS: i64 = 90;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ExportDelivery {
    /// The file was the answer.
    Inline,
    /// The file went to the bucket; the answer was a `downloadUrl`.
    Download,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ExportRecord {
    pub id: String,
    pub company_id: String,
    /// Who exported.
    pub user_id: String,
    /// `users`, `courses`, `progress`, `prompts`, `audit-logs`, `inventory` or `analytics`.
    #[serde(rename = "type")]
    pub kind: String,
    /// `csv` or `json`.
    pub format: String,
    pub rows: usize,
    pub bytes: usize,
    pub delivery: ExportDelivery,
    pub created_at: String,
}

impl ExportRecord {
    /// Where a large export's file lives in the bucket.
    pub fn object_key(&self) -> String {
        format!("exports/{}/{}.{}", self.company_id, self.id, self.format)
    }
}

impl Entity for ExportRecord {
    const NAME: &'static str = "export";

    fn keys(&self) -> Keys {
        let expires = crate::clock::parse_rfc3339(&self.created_at)
            .map(|t| (t + time::Duration::days(EXPORT_RETENTION_DAYS)).unix_timestamp())
            .unwrap_or_default();
        Keys::new(keys::export(&self.company_id, &self.id), Self::NAME).ttl(expires)
    }
}

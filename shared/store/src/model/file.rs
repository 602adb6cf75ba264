//! Uploaded files: what a client said it would upload, and what the check found.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::{Entity, Keys, keys};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FilePurpose {
    /// The uploader's picture: when ready, it becomes their `avatarUrl`.
    Avatar,
    CourseMaterial,
    Attachment,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum FileStatus {
    /// Announced; the object may or may not have landed yet.
    Pending,
    /// Checked: its bytes are what it claims, within its size.
    Ready,
    /// Checked and refused (the object is deleted); `rejection` says why.
    Rejected,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FileRecord {
    pub id: String,
    pub company_id: String,
    pub owner_id: String,
    pub filename: String,
    pub content_type: String,
    /// As declared when the upload was asked for; the real size once checked.
    pub size: u64,
    pub purpose: FilePurpose,
    pub status: FileStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rejection: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

impl FileRecord {
    /// Where its object lives in the bucket: the company and the file's id, so the
    /// checker can tell from an S3 event alone which record an object belongs to.
    pub fn object_key(&self) -> String {
        object_key(&self.company_id, &self.id)
    }
}

pub fn object_key(company_id: &str, file_id: &str) -> String {
    format!("{UPLOADS_PREFIX}{company_id}/{file_id}")
}

pub const UPLOADS_PREFIX: &str = "uploads/";

/// The company and file id an object key names, if it is an upload's.
pub fn parse_object_key(key: &str) -> Option<(&str, &str)> {
    let rest = key.strip_prefix(UPLOADS_PREFIX)?;
    let (company, file) = rest.split_once('/')?;
    (!company.is_empty() && !file.is_empty() && !file.contains('/')).then_some((company, file))
}

impl Entity for FileRecord {
    const NAME: &'static str = "file";

    fn keys(&self) -> Keys {
        Keys::new(keys::file(&self.company_id, &self.id), Self::NAME).gsi1(
            keys::user_files(&self.company_id, &self.owner_id),
            self.id.clone(),
        )
    }
}

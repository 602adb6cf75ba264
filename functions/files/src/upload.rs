use std::time::Duration;

use axum::{extract::State, response::Response};
use campus::{
    ApiError, ApiResult, AppState,
    audit::Audit,
    auth::AuthUser,
    clock,
    db::Cond,
    error::ErrorBody,
    http::{ValidJson, created, non_blank},
    model::{FilePurpose, FileRecord, FileStatus},
    storage::PresignedPost,
    uploads,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

/// How long a presigned POST may be used.
const UPLOAD_TTL: Duration = Duration::from_secs(15 * 60);

#[derive(Deserialize, Validate, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UploadBody {
    /// Kept without any folder part.
    #[validate(length(min = 1, max = 255))]
    pub filename: String,
    /// Avatars: `image/png`, `image/jpeg`, `image/gif`, `image/webp`. Course
    /// material and attachments also PDF, MP4, MP3, zip, Office documents (docx,
    /// pptx, xlsx) and plain text, CSV and Markdown.
    #[validate(length(min = 1, max = 200))]
    pub content_type: String,
    /// In bytes: at most 5 MB for an avatar, 100 MB otherwise (413 beyond).
    pub size: u64,
    pub purpose: FilePurpose,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UploadTicket {
    pub file_id: String,
    /// POST a multipart form to `url`: every field of `fields`, then the file as
    /// `file`. The policy admits this key, this content type and up to the declared
    /// size only.
    pub upload: PresignedPost,
    pub expires_at: String,
    pub file: FileRecord,
}

/// The last path segment, without control characters or quotes (it ends up in a
/// `Content-Disposition` header).
fn clean_filename(raw: &str) -> ApiResult<String> {
    let base = raw.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = base
        .chars()
        .filter(|c| !c.is_control() && *c != '"')
        .collect();
    non_blank("filename", &cleaned)
}

/// Ask to upload a file (any user): 201 with a presigned POST for the bucket. The
/// file is `pending` until its check: `POST /api/files/{id}/complete`, or the
/// bucket's event.
#[utoipa::path(post, path = "/api/upload", tag = "files", security(("bearer" = [])),
    request_body = UploadBody,
    responses((status = 201, body = UploadTicket), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 413, description = "Larger than the purpose allows", body = ErrorBody),
        (status = 415, description = "A type the purpose does not accept", body = ErrorBody)))]
pub async fn request(
    State(state): State<AppState>,
    AuthUser(p): AuthUser,
    audit: Audit,
    ValidJson(b): ValidJson<UploadBody>,
) -> ApiResult<Response> {
    let filename = clean_filename(&b.filename)?;
    let content_type = uploads::accept(b.purpose, &b.content_type).ok_or_else(|| {
        ApiError::UnsupportedMediaType(format!(
            "This purpose accepts {}",
            uploads::accepted(b.purpose).join(", ")
        ))
    })?;
    if b.size == 0 {
        return Err(ApiError::field("size", "must be at least 1 byte"));
    }
    if b.size > uploads::size_limit(b.purpose) {
        return Err(ApiError::PayloadTooLarge);
    }
    let now = clock::now_rfc3339();
    let file = FileRecord {
        id: clock::new_id(),
        company_id: p.company_id.clone(),
        owner_id: p.user_id.clone(),
        filename,
        content_type: content_type.to_string(),
        size: b.size,
        purpose: b.purpose,
        status: FileStatus::Pending,
        rejection: None,
        created_at: now.clone(),
        updated_at: now,
    };
    let upload =
        state
            .storage
            .presigned_post(&file.object_key(), content_type, file.size, UPLOAD_TTL)?;
    let tx = state.db.tx().put(&file, Cond::absent());
    Ok(audit
        .commit(
            &state.db,
            tx,
            created(
                &file.id.clone(),
                UploadTicket {
                    file_id: file.id.clone(),
                    expires_at: upload.expires_at.clone(),
                    upload,
                    file,
                },
            ),
        )
        .await?)
}

//! What may be uploaded, and the check every upload goes through once its object has
//! landed (from `POST /api/files/{id}/complete` or the bucket's S3 event, whichever
//! comes first): its real size, and its first bytes against the declared type.

use crate::{
    ApiError, ApiResult, AppState,
    audit::{AuditSlot, AuditTx},
    clock,
    db::{Cond, Field, StoreError, Update, keys, lists},
    model::{FilePurpose, FileRecord, FileStatus, file},
};

pub const MB: u64 = 1024 * 1024;

/// The most one purpose may upload.
pub fn size_limit(purpose: FilePurpose) -> u64 {
    match purpose {
        FilePurpose::Avatar => 5 * MB,
        FilePurpose::CourseMaterial | FilePurpose::Attachment => 100 * MB,
    }
}

type Matcher = fn(&[u8]) -> bool;

/// Every type accepted, with what its first bytes must look like, and whether it
/// may be an avatar.
const TYPES: &[(&str, Matcher, bool)] = &[
    ("image/png", infer::image::is_png, true),
    ("image/jpeg", infer::image::is_jpeg, true),
    ("image/gif", infer::image::is_gif, true),
    ("image/webp", infer::image::is_webp, true),
    ("application/pdf", infer::archive::is_pdf, false),
    ("video/mp4", infer::video::is_mp4, false),
    ("audio/mpeg", infer::audio::is_mp3, false),
    ("application/zip", infer::archive::is_zip, false),
    // Office documents are zip containers; their first bytes are the zip's.
    (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        infer::archive::is_zip,
        false,
    ),
    (
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        infer::archive::is_zip,
        false,
    ),
    (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        infer::archive::is_zip,
        false,
    ),
    ("text/plain", is_text, false),
    ("text/csv", is_text, false),
    ("text/markdown", is_text, false),
];

/// How many leading bytes the check reads.
pub const HEAD_BYTES: u64 = 4096;

/// Text has no magic: UTF-8 (a character cut at the end of the head aside) without
/// NUL bytes, and nothing a known binary format starts with.
fn is_text(head: &[u8]) -> bool {
    let utf8 = match std::str::from_utf8(head) {
        Ok(_) => true,
        Err(e) => e.error_len().is_none(),
    };
    utf8 && !head.contains(&0) && infer::get(head).is_none()
}

/// The types a purpose accepts.
pub fn accepted(purpose: FilePurpose) -> Vec<&'static str> {
    TYPES
        .iter()
        .filter(|(_, _, avatar)| purpose != FilePurpose::Avatar || *avatar)
        .map(|(t, _, _)| *t)
        .collect()
}

/// A declared content type without its parameters, lower-case, if `purpose`
/// accepts it.
pub fn accept(purpose: FilePurpose, content_type: &str) -> Option<&'static str> {
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    accepted(purpose).into_iter().find(|t| *t == essence)
}

/// Whether the first bytes are of the declared type.
pub fn bytes_match(content_type: &str, head: &[u8]) -> bool {
    TYPES
        .iter()
        .find(|(t, _, _)| *t == content_type)
        .is_some_and(|(_, matches, _)| matches(head))
}

/// What the bytes say of a file as declared: `None` when they are fine.
pub fn verdict(f: &FileRecord, head: &[u8], size: u64) -> Option<String> {
    if size == 0 {
        Some("The file is empty".into())
    } else if size > f.size {
        Some(format!(
            "The file has {size} bytes, more than the {} declared",
            f.size
        ))
    } else if size > size_limit(f.purpose) {
        Some(format!(
            "The file is larger than {} MB",
            size_limit(f.purpose) / MB
        ))
    } else if !bytes_match(&f.content_type, head) {
        Some(format!("The content is not {}", f.content_type))
    } else {
        None
    }
}

/// The public address of a ready avatar (a redirect to a short-lived download).
pub fn avatar_url(state: &AppState, f: &FileRecord) -> String {
    format!(
        "{}/api/avatars/{}/{}",
        state.config.api_base_url.trim_end_matches('/'),
        f.company_id,
        f.id
    )
}

/// Checks a pending file's object and marks it `ready` (an avatar also becomes its
/// owner's `avatarUrl`, in the same transaction) or `rejected` (and deletes the
/// object). Whoever comes second finds it checked and answers what the first found.
/// `None` while no object has landed (nothing changes then).
/// `audit` (a request's) is written in the same transaction.
pub async fn check(
    state: &AppState,
    mut f: FileRecord,
    audit: Option<&AuditSlot>,
) -> ApiResult<Option<FileRecord>> {
    if f.status != FileStatus::Pending {
        return Ok(Some(f));
    }
    let key = f.object_key();
    let Some((head, size)) = state.storage.head_bytes(&key, HEAD_BYTES).await? else {
        return Ok(None);
    };
    let rejection = verdict(&f, &head, size);
    f.status = if rejection.is_some() {
        FileStatus::Rejected
    } else {
        FileStatus::Ready
    };
    f.size = size;
    f.rejection = rejection;
    f.updated_at = clock::now_rfc3339();
    let mut tx = state
        .db
        .tx()
        .put(&f, FileRecord::STATUS.eq(FileStatus::Pending));
    if f.status == FileStatus::Ready && f.purpose == FilePurpose::Avatar {
        tx = tx.update(
            &keys::user(&f.company_id, &f.owner_id),
            Update::new()
                .set(crate::model::User::AVATAR_URL, avatar_url(state, &f))
                .set(Field::UPDATED_AT, &f.updated_at)
                .add(Field::VERSION, 1),
            Cond::present(),
        );
    }
    if let Some(a) = audit {
        tx = tx.audit(a, 200, None);
    }
    match state.db.commit(tx).await {
        Ok(()) => {}
        // Checked meanwhile, or its owner is gone: what is stored now stands.
        Err(StoreError::Refused(_)) => {
            let now: Option<FileRecord> = state
                .db
                .get_consistent(&keys::file(&f.company_id, &f.id))
                .await?;
            return now.map(Some).ok_or(ApiError::NotFound);
        }
        Err(e) => return Err(e.into()),
    }
    if f.status == FileStatus::Rejected {
        // Recorded first: should this fail, the object lingers but is never offered
        // for download.
        if let Err(e) = state.storage.delete(&key).await {
            tracing::warn!(file = %f.id, error = ?e, "could not delete a rejected upload");
        }
    }
    tracing::info!(file = %f.id, status = ?f.status, size, "upload checked");
    Ok(Some(f))
}

/// Runs the check for an object an S3 event names, if it is a pending upload's.
pub async fn check_object(state: &AppState, object_key: &str) -> ApiResult<Option<FileRecord>> {
    let Some((company_id, file_id)) = file::parse_object_key(object_key) else {
        tracing::warn!(key = object_key, "not an upload's object");
        return Ok(None);
    };
    let found: Option<FileRecord> = state
        .db
        .get_consistent(&keys::file(company_id, file_id))
        .await?;
    let Some(f) = found else {
        tracing::warn!(key = object_key, "an object without a file record");
        return Ok(None);
    };
    check(state, f, None).await
}

/// Deletes every file a user owns, objects first (a user being deleted).
pub async fn delete_owned_by(state: &AppState, company_id: &str, user_id: &str) -> ApiResult<()> {
    let owned: Vec<FileRecord> = state
        .db
        .all(&lists::user_files(company_id, user_id))
        .await?;
    for f in &owned {
        state.storage.delete(&f.object_key()).await?;
    }
    let keys: Vec<_> = owned
        .iter()
        .map(|f| keys::file(company_id, &f.id))
        .collect();
    Ok(state.db.delete_many(&keys).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";

    #[test]
    fn types_are_told_by_their_first_bytes() {
        assert!(bytes_match("image/png", PNG));
        assert!(!bytes_match("image/png", b"GIF89a......"));
        assert!(!bytes_match("image/jpeg", PNG));
        assert!(bytes_match("application/pdf", b"%PDF-1.7\n"));
        assert!(bytes_match("text/plain", "Grüße\nline two".as_bytes()));
        // A character cut at the end of the head is still text.
        assert!(bytes_match("text/csv", &"a,é".as_bytes()[..4]));
        assert!(!bytes_match("text/plain", PNG), "a PNG is not text");
        assert!(!bytes_match("text/plain", b"abc\0def"));
        assert!(!bytes_match("application/x-msdownload", b"MZ"));
    }

    #[test]
    fn avatars_are_images_only() {
        assert_eq!(
            accept(FilePurpose::Avatar, "Image/PNG; q=1"),
            Some("image/png")
        );
        assert_eq!(accept(FilePurpose::Avatar, "application/pdf"), None);
        assert_eq!(
            accept(FilePurpose::Attachment, "application/pdf"),
            Some("application/pdf")
        );
        assert_eq!(accept(FilePurpose::Attachment, "text/html"), None);
    }
}

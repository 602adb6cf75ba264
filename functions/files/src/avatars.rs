use std::time::Duration;

use axum::{
    extract::{Path, State},
    http::{StatusCode, header},
    response::{IntoResponse, Response},
};
use campus::{
    ApiError, ApiResult, AppState,
    db::keys,
    error::ErrorBody,
    model::{FilePurpose, FileRecord, FileStatus},
};

/// How long the redirect's target works, and how long clients may cache the redirect.
const AVATAR_TTL: Duration = Duration::from_secs(60 * 60);
const CACHE_SECONDS: u64 = 50 * 60;

/// A user's avatar, for `<img src>` (no sign-in: the ids are unguessable and only
/// ready avatars answer): 302 to a download valid for an hour.
#[utoipa::path(get, path = "/api/avatars/{companyId}/{fileId}", tag = "files",
    params(("companyId" = String, Path), ("fileId" = String, Path)),
    responses((status = 302, description = "To the image, for an hour"), (status = 404, body = ErrorBody)))]
pub async fn show(
    State(state): State<AppState>,
    Path((company_id, file_id)): Path<(String, String)>,
) -> ApiResult<Response> {
    let file: FileRecord = state.db.find(&keys::file(&company_id, &file_id)).await?;
    if file.purpose != FilePurpose::Avatar || file.status != FileStatus::Ready {
        return Err(ApiError::NotFound);
    }
    let url = state
        .storage
        .presigned_get(
            &file.object_key(),
            &file.content_type,
            &file.filename,
            AVATAR_TTL,
        )
        .await?;
    Ok((
        StatusCode::FOUND,
        [
            (header::LOCATION, url),
            (
                header::CACHE_CONTROL,
                format!("private, max-age={CACHE_SECONDS}"),
            ),
        ],
    )
        .into_response())
}

//! `/api/upload`, `/api/files`: files go straight from the browser to the bucket by a
//! presigned POST whose policy fixes the key, the type and the size; then the same
//! check as the bucket's S3 event (`upload-checker`) marks each `ready` or `rejected`.
//! Downloads are short-lived presigned GETs; a ready avatar is its owner's
//! `avatarUrl`, served by a public redirect.

mod avatars;
mod files;
mod upload;

use axum::Router;
use campus::AppState;

campus::api!(
    upload::request,
    files::list,
    files::get,
    files::delete,
    files::complete,
    avatars::show,
);

pub fn router(state: AppState) -> Router {
    campus::http::stack(routes(), state)
}

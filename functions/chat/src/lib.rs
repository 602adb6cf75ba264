//! `/api/chat`: the AI tutor. Replies come from an OpenAI-compatible chat completions
//! API (base URL, key and model from configuration); asking needs the `pro` plan,
//! reading one's own history does not. Conversations live in the user's partition
//! and go with the user.

mod conversations;
mod tutor;

use axum::{Extension, Router};
use campus::AppState;

campus::api!(
    conversations::message,
    conversations::history,
    conversations::feedback,
);

pub fn router(state: AppState) -> Router {
    let tutor = tutor::Tutor::new(&state.config.ai);
    campus::http::stack(routes().layer(Extension(tutor)), state)
}

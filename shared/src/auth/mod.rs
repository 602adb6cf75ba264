//! Identity: access tokens, refresh tokens, password hashing, and the extractor that
//! turns a request's bearer token into an authenticated, still-signed-in user.

pub(crate) mod extract;
pub mod jwt;
pub mod lockout;
pub mod password;
pub mod sessions;
pub mod tokens;

pub use extract::{
    API_KEY_PREFIX, Admin, AdminRole, ApiKeyClaim, AuthUser, Gate, Instructor, InstructorRole,
    Manager, ManagerRole, MinRole, ParticipantRole, Principal, principal_of, require,
};
pub use jwt::Claims;

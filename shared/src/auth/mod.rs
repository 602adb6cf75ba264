//! Identity at the door: the extractors that turn a request's bearer credential
//! into an authenticated, still-signed-in [`Principal`] of at least some role. The
//! identity itself (tokens, passwords, sessions) is `campus_domain::auth`.

pub(crate) mod extract;

pub use campus_domain::auth::*;
pub use extract::{
    API_KEY_PREFIX, Admin, AdminRole, ApiKeyClaim, AuthUser, ClientOrigin, Gate, Instructor,
    InstructorRole, Manager, ManagerRole, MinRole, Operator, ParticipantRole, SuperAdminRole,
    principal_of,
};

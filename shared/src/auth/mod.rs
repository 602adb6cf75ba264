//! Identity: access tokens, refresh tokens, password hashing, and the extractor that
//! turns a request's bearer token into an authenticated, still-signed-in user.

mod extract;
pub mod jwt;
pub mod password;
pub mod sessions;
pub mod tokens;

pub use extract::{
    Admin, AuthUser, Gate, Instructor, Manager, MinRole, Principal, principal_of, require,
};
pub use jwt::Claims;

//! The plan gate a handler puts in its signature to require a feature: 401, then
//! 403 (role), then 402 (plan). What plans allow is `campus_domain::plans`.

use std::marker::PhantomData;

use axum::{extract::FromRequestParts, http::request::Parts};

pub use campus_domain::plans::*;

use crate::{
    ApiError,
    auth::{MinRole, ParticipantRole, Principal, extract},
    db::{entity_of, keys},
    model::Company,
    state::AppState,
};

/// A signed-in user of at least role `R` whose company's plan has feature `F`: 401,
/// then 403 (role), then 402 (plan). The credential and the company are read in one
/// round trip, so the gate costs no more than the plain [`crate::auth::AuthUser`].
pub struct Entitled<F: Gated, R: MinRole = ParticipantRole>(
    pub Principal,
    pub Company,
    pub PhantomData<(F, R)>,
);

impl<F, R> FromRequestParts<AppState> for Entitled<F, R>
where
    F: Gated + Send + Sync,
    R: MinRole + Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let (p, items) =
            extract::authenticate(parts, state, |company| vec![keys::company(company)]).await?;
        crate::auth::require(&p, R::ROLE)?;
        let company: Company = entity_of(&items)?.ok_or(ApiError::NotFound)?;
        require(&company, F::FEATURE)?;
        Ok(Self(p, company, PhantomData))
    }
}

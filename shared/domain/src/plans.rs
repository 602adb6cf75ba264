//! Plans: the feature check (402 otherwise), the features as types for the web
//! layer's gate, and the seat count kept on the company item by the writes that add
//! or remove a user. What each plan allows is [`Plan`], stored with the company.

use crate::{
    ApiError,
    db::{Cond, Guard, Tx, Update, keys},
    model::Company,
};

pub use crate::model::{Feature, Plan};

/// 402 unless `company`'s plan has `feature`.
pub fn require(company: &Company, feature: Feature) -> Result<(), ApiError> {
    if company.plan.allows(feature) {
        return Ok(());
    }
    Err(ApiError::PaymentRequired(format!(
        "The {} feature needs the {} plan or higher; this company is on {}",
        feature.as_str(),
        Plan::lowest_with(feature),
        company.plan
    )))
}

/// A feature, as a type, so a handler's signature states what plan it needs.
pub trait Gated {
    const FEATURE: Feature;
}

macro_rules! gated {
    ($($name:ident => $feature:expr),*) => {$(
        pub struct $name;
        impl Gated for $name {
            const FEATURE: Feature = $feature;
        }
    )*};
}
gated!(ReportsFeature => Feature::Reports, ExportsFeature => Feature::Exports, AiChatFeature => Feature::AiChat);

/// Why a user cannot join.
pub fn no_free_seat() -> ApiError {
    ApiError::PaymentRequired(
        "Every seat of the company's plan is taken; upgrade the plan or remove a user".into(),
    )
}

/// 402 unless the company has a free seat now (an early answer for invites; the
/// joining write itself is what holds the limit, through [`take_seat`]).
pub fn check_seat(company: &Company) -> Result<(), ApiError> {
    if company.seats_used < company.seats {
        Ok(())
    } else {
        Err(no_free_seat())
    }
}

/// What refuses a user joining a company whose every seat is taken.
pub const SEAT_FREE: Guard = Guard::named("SeatFree");

/// Adds to `tx` the update that takes one seat of the company, conditioned on a
/// free one: two users joining at once cannot both take the last seat.
pub fn take_seat(tx: Tx, company_id: &str) -> Tx {
    tx.update(
        &keys::company(company_id),
        Update::new().add(Company::SEATS_USED, 1),
        Cond::present()
            .and(
                Company::SEATS_USED
                    .missing()
                    .or(Company::SEATS_USED.lt_field(Company::SEATS)),
            )
            .named(SEAT_FREE),
    )
}

/// Adds to `tx` the update that gives a user's seat back.
pub fn free_seat(tx: Tx, company_id: &str) -> Tx {
    tx.update(
        &keys::company(company_id),
        Update::new().add(Company::SEATS_USED, -1),
        Cond::present(),
    )
}

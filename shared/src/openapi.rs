//! Pieces every function's OpenAPI document shares.

use utoipa::{
    Modify, OpenApi,
    openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme},
};

use crate::error::{ErrorBody, ErrorInfo};

/// The base document: title, the bearer scheme, the error body.
#[derive(OpenApi)]
#[openapi(
    info(title = "Campus API", description = "The backend of a company training platform. Errors always have the body `ErrorBody`."),
    components(schemas(ErrorBody, ErrorInfo)),
    modifiers(&Bearer)
)]
pub struct Base;

struct Bearer;

impl Modify for Bearer {
    fn modify(&self, api: &mut utoipa::openapi::OpenApi) {
        let c = api.components.get_or_insert_with(Default::default);
        c.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
    }
}

//! Pieces every function's OpenAPI document shares.

use utoipa::{
    Modify, OpenApi,
    openapi::{
        Ref, RefOr, ResponseBuilder,
        header::Header,
        path::{Operation, ParameterBuilder, ParameterIn},
        schema::{ObjectBuilder, Type},
        security::{HttpAuthScheme, HttpBuilder, SecurityScheme},
    },
};

use crate::error::{ErrorBody, ErrorInfo};

/// The base document: title, the bearer scheme, the error body.
#[derive(OpenApi)]
#[openapi(
    info(title = "Campus API", description = "The backend of a company training platform. Errors always have the body `ErrorBody`.\n\nRate limits (per minute in fixed windows; these are the defaults, each configurable): 100 per IP without a valid token, 1000 per user, 500 per user on team endpoints, 10 uploads per user. Counted answers carry `X-RateLimit-Limit`, `X-RateLimit-Remaining` and `X-RateLimit-Reset` (epoch seconds when the window ends); over the limit the answer is 429 `RATE_LIMITED` with `Retry-After` in seconds. Health and webhooks are not counted."),
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
                    .bearer_format("JWT access token, or an API key (ck.…)")
                    .description(Some(
                        "An access token from sign-in, or an admin's API key from POST /api/users/me/api-keys, which acts as its user with the user's current role.",
                    ))
                    .build(),
            ),
        );
    }
}

/// What the shared HTTP stack adds to every operation it serves: 429 when the
/// caller's rate limit is reached, with the window's headers; on every POST, the
/// optional `Idempotency-Key` and its 409.
pub fn add_common_responses(doc: &mut utoipa::openapi::OpenApi) {
    let number = |description: &str| {
        let mut h = Header::new(ObjectBuilder::new().schema_type(Type::Integer));
        h.description = Some(description.into());
        h
    };
    let limited = ResponseBuilder::new()
        .description("RATE_LIMITED: the caller's rate limit is reached")
        .content(
            "application/json",
            utoipa::openapi::ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("ErrorBody")))
                .build(),
        )
        .header("Retry-After", number("Seconds until the window ends"))
        .header("X-RateLimit-Limit", number("Requests allowed per window"))
        .header(
            "X-RateLimit-Remaining",
            number("Requests left in the window"),
        )
        .header(
            "X-RateLimit-Reset",
            number("Epoch seconds when the window ends"),
        )
        .build();
    let key = ParameterBuilder::new()
        .name("Idempotency-Key")
        .parameter_in(ParameterIn::Header)
        .description(Some(
            "Makes the POST safe to retry: a repeat by the same caller within 24 hours with the same method, path, query and body answers the first successful answer (with `Idempotent-Replayed: true`) without doing it again. The same key with another request, or while the first still runs, answers 409 `CONFLICT`. An error answer is not kept.",
        ))
        .schema(Some(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .min_length(Some(1))
                .max_length(Some(255)),
        ))
        .build();
    let reused = ResponseBuilder::new()
        .description("CONFLICT: the Idempotency-Key was used with another request, or its first request still runs (or another conflict of this operation)")
        .content(
            "application/json",
            utoipa::openapi::ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("ErrorBody")))
                .build(),
        )
        .build();
    let c = doc.components.get_or_insert_with(Default::default);
    c.responses.insert("RateLimited".into(), RefOr::T(limited));
    c.responses
        .insert("IdempotencyConflict".into(), RefOr::T(reused));
    c.parameters.insert("IdempotencyKey".into(), RefOr::T(key));
    for (path, item) in doc.paths.paths.iter_mut() {
        if !crate::http::is_limited(path) {
            continue;
        }
        if let Some(post) = item.post.as_mut() {
            let params = post.parameters.get_or_insert_with(Vec::new);
            // Handlers that document the header themselves keep their words.
            let named = params.iter().any(
                |p| matches!(p, RefOr::T(p) if p.name.eq_ignore_ascii_case("idempotency-key")),
            );
            if !named {
                params.push(RefOr::Ref(Ref::new(
                    "#/components/parameters/IdempotencyKey",
                )));
            }
            post.responses
                .responses
                .entry("409".into())
                .or_insert_with(|| {
                    RefOr::Ref(Ref::new("#/components/responses/IdempotencyConflict"))
                });
        }
        let ops: [&mut Option<Operation>; 5] = [
            &mut item.get,
            &mut item.post,
            &mut item.put,
            &mut item.patch,
            &mut item.delete,
        ];
        for op in ops.into_iter().flatten() {
            op.responses
                .responses
                .entry("429".into())
                .or_insert_with(|| RefOr::Ref(Ref::new("#/components/responses/RateLimited")));
        }
    }
}

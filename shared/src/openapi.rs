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
    info(title = "Campus API", description = "The backend of a company training platform. Errors always have the body `ErrorBody`.\n\nRate limits (per minute in fixed windows; these are the defaults, each configurable): 100 per IP without a valid token, 1000 per user, 500 per user on team endpoints, 10 uploads per user, 5 GDPR exports (`GET /api/users/me/export`) per user. Counted answers carry `X-RateLimit-Limit`, `X-RateLimit-Remaining` and `X-RateLimit-Reset` (epoch seconds when the window ends); over the limit the answer is 429 `RATE_LIMITED` with `Retry-After` in seconds. Health and webhooks are not counted.\n\nCompression: an answer over 1 KiB is sent compressed (`Content-Encoding: gzip`, with `Vary: Accept-Encoding`) when the request's `Accept-Encoding` allows gzip; PDFs and images are sent as they are. The `ETag` is of the bytes sent, so each encoding has its own."),
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

/// An error answer with the contract's body.
fn error_response(description: &str) -> utoipa::openapi::Response {
    ResponseBuilder::new()
        .description(description)
        .content(
            "application/json",
            utoipa::openapi::ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("ErrorBody")))
                .build(),
        )
        .build()
}

fn response_ref(name: &str) -> RefOr<utoipa::openapi::Response> {
    RefOr::Ref(Ref::new(format!("#/components/responses/{name}")))
}

/// What the shared HTTP stack adds to every operation it serves: 401 where a token
/// is needed, 400 (and 413, 415 for bodies) where there is input to refuse, 429 when
/// the caller's rate limit is reached (with the window's headers), 503 when a
/// dependency fails; on every POST, the optional `Idempotency-Key` and its 409.
pub fn add_common_responses(doc: &mut utoipa::openapi::OpenApi) {
    let number = |description: &str| {
        let mut h = Header::new(ObjectBuilder::new().schema_type(Type::Integer));
        h.description = Some(description.into());
        h
    };
    let mut limited = error_response("RATE_LIMITED: the caller's rate limit is reached");
    for (name, what) in [
        ("Retry-After", "Seconds until the window ends"),
        ("X-RateLimit-Limit", "Requests allowed per window"),
        ("X-RateLimit-Remaining", "Requests left in the window"),
        ("X-RateLimit-Reset", "Epoch seconds when the window ends"),
    ] {
        limited.headers.insert(name.into(), RefOr::T(number(what)));
    }
    let mut unavailable =
        error_response("UNAVAILABLE: a dependency failed; retry after `Retry-After` seconds");
    unavailable.headers.insert(
        "Retry-After".into(),
        RefOr::T(number("Seconds to wait before retrying")),
    );
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
    let if_none_match = ParameterBuilder::new()
        .name("If-None-Match")
        .parameter_in(ParameterIn::Header)
        .description(Some(
            "The `ETag` of an answer kept from before: when it is still the current one, the answer is 304 with no body. Every JSON answer to a GET carries an `ETag` and `Cache-Control: private, no-cache`.",
        ))
        .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
        .build();
    let not_modified = ResponseBuilder::new()
        .description("NOT MODIFIED: `If-None-Match` names the current `ETag`; no body")
        .build();
    let reused = error_response(
        "CONFLICT: the Idempotency-Key was used with another request, or its first request still runs (or another conflict of this operation)",
    );
    let c = doc.components.get_or_insert_with(Default::default);
    for (name, response) in [
        ("RateLimited", limited),
        ("NotModified", not_modified),
        ("IdempotencyConflict", reused),
        ("Unavailable", unavailable),
        (
            "BadRequest",
            error_response("VALIDATION_FAILED or MALFORMED_JSON: the input is refused"),
        ),
        (
            "Unauthenticated",
            error_response("UNAUTHENTICATED, TOKEN_EXPIRED or SESSION_REVOKED"),
        ),
        (
            "PayloadTooLarge",
            error_response("PAYLOAD_TOO_LARGE: the body is over the limit"),
        ),
        (
            "UnsupportedMediaType",
            error_response("UNSUPPORTED_MEDIA_TYPE: the body must be JSON"),
        ),
    ] {
        c.responses.insert(name.into(), RefOr::T(response));
    }
    c.parameters.insert("IdempotencyKey".into(), RefOr::T(key));
    c.parameters
        .insert("IfNoneMatch".into(), RefOr::T(if_none_match));
    for (path, item) in doc.paths.paths.iter_mut() {
        let path_params = path.contains('{');
        let static_doc = path == "/api/docs" || path == "/api/version";
        let limited = crate::http::is_limited(path);
        let ops: [(bool, bool, &mut Option<Operation>); 5] = [
            (false, true, &mut item.get),
            (true, false, &mut item.post),
            (false, false, &mut item.put),
            (false, false, &mut item.patch),
            (false, false, &mut item.delete),
        ];
        for (post, get, op) in ops {
            let Some(op) = op.as_mut() else { continue };
            let keyed = post && limited;
            if keyed {
                let params = op.parameters.get_or_insert_with(Vec::new);
                // Handlers that document the header themselves keep their words.
                let named = params.iter().any(
                    |p| matches!(p, RefOr::T(p) if p.name.eq_ignore_ascii_case("idempotency-key")),
                );
                if !named {
                    params.push(RefOr::Ref(Ref::new(
                        "#/components/parameters/IdempotencyKey",
                    )));
                }
            }
            let signed_in = op.security.as_ref().is_some_and(|s| !s.is_empty());
            let has_input = path_params
                || op.request_body.is_some()
                || op.parameters.as_ref().is_some_and(|p| !p.is_empty());
            let body = op.request_body.is_some();
            // Added after `has_input`: the tag is no input to refuse (no 400 for it).
            if get {
                op.parameters
                    .get_or_insert_with(Vec::new)
                    .push(RefOr::Ref(Ref::new("#/components/parameters/IfNoneMatch")));
            }
            let wanted = [
                (signed_in, "401", "Unauthenticated"),
                (has_input, "400", "BadRequest"),
                (body, "413", "PayloadTooLarge"),
                (body, "415", "UnsupportedMediaType"),
                (!static_doc, "503", "Unavailable"),
                (limited, "429", "RateLimited"),
                (keyed, "409", "IdempotencyConflict"),
                (get, "304", "NotModified"),
            ];
            for (_, status, name) in wanted.into_iter().filter(|(on, ..)| *on) {
                op.responses
                    .responses
                    .entry(status.into())
                    .or_insert_with(|| response_ref(name));
            }
        }
    }
}

/// A `PATCH` beside every `PUT` whose path also has a `GET` (what `http::patch`
/// serves): the same rules, answers and schema, any subset of its fields as a JSON
/// merge patch.
pub fn add_patches(doc: &mut utoipa::openapi::OpenApi) {
    for item in doc.paths.paths.values_mut() {
        let (Some(get), Some(put), None) = (&item.get, &item.put, &item.patch) else {
            continue;
        };
        if !same_resource(get, put) {
            continue;
        }
        let Some(RefOr::T(body)) = put.request_body.clone() else {
            continue;
        };
        let Some(json) = body.content.get("application/json").cloned() else {
            continue;
        };
        let mut op = put.clone();
        op.summary = Some(format!(
            "{} (partial: a JSON merge patch)",
            put.summary.clone().unwrap_or_default()
        ));
        op.description = Some(
            "A JSON merge patch (RFC 7396) of the writable fields the PUT of this path takes: fields left out stay as they are, `null` clears an optional field (in a free-form map, removes the key). The patch is applied to the current representation and written as that PUT would write it, with the same roles, validation and audit. `version` may be sent; without it the version read is used, so a change in between answers 409.".into(),
        );
        let mut patch_body = body;
        patch_body.description = Some("Any subset of the PUT's fields".into());
        patch_body.content = [
            ("application/merge-patch+json".to_string(), json.clone()),
            ("application/json".to_string(), json),
        ]
        .into_iter()
        .collect();
        op.request_body = Some(RefOr::T(patch_body));
        item.patch = Some(op);
    }
}

/// Whether a path's `GET` and `PUT` answer the same resource, as a `PATCH` needs: the
/// same schema, or the `GET` its `…Detail` (the resource with its parts: a course
/// with its modules). `PUT /api/notifications` (the preferences) beside
/// `GET /api/notifications` (the inbox) is not.
pub fn same_resource(get: &Operation, put: &Operation) -> bool {
    let answer = |op: &Operation| {
        op.responses
            .responses
            .get("200")
            .and_then(|r| serde_json::to_value(r).ok())
            .map(|r| r["content"]["application/json"]["schema"].clone())
            .filter(|s| !s.is_null())
    };
    let (Some(read), Some(written)) = (answer(get), answer(put)) else {
        return false;
    };
    let name = |s: &serde_json::Value| {
        s["$ref"]
            .as_str()
            .map(|r| r.rsplit('/').next().unwrap_or_default().to_string())
    };
    read == written
        || matches!((name(&read), name(&written)), (Some(r), Some(w)) if r == format!("{w}Detail"))
}

//! `PATCH` with a JSON merge patch (RFC 7396) on every resource that takes `PUT` and
//! is read by a `GET` on the same path. A `PATCH` route sits beside each such pair
//! (under the whole middleware stack: counted, audited as a `PATCH`). It confirms
//! the caller once, reads the current representation through the function's own
//! `GET`, cuts it to what the `PUT` writes (its request schema's properties),
//! applies the patch and hands the result to the `PUT`. So a `PATCH` is exactly as
//! allowed, validated, versioned and audited as the `PUT` it becomes, and no handler
//! has a second write path. The `version` read goes along unless the patch names
//! one, so a change made between the read and the write answers 409.
//!
//! At the top level of a resource with named fields, `null` goes to the `PUT` as
//! `null` where its schema takes one (an `Option`: cleared), and is left out where
//! not (the `PUT`'s default, or its refusal of a missing required field); in a
//! free-form map (settings, notification preferences) `null` removes the key.

use std::{
    collections::HashMap,
    sync::{Arc, OnceLock},
};

use axum::{
    Router,
    body::{Body, to_bytes},
    extract::{MatchedPath, Request, State},
    http::{HeaderValue, Method, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde_json::{Map, Value};
use tower::ServiceExt;
use utoipa::openapi::{HttpMethod, OpenApi, RefOr, Schema};

use crate::{ApiError, AppState};

/// What a `PUT` writes: named fields, or any key of a map.
#[derive(Clone, Debug)]
enum Writable {
    /// Each field's name, and whether the `PUT` takes `null` for it (else `null` in a
    /// patch leaves the field out, for the `PUT`'s default or its refusal).
    Fields(Vec<(String, bool)>),
    Map,
}

type Table = HashMap<String, Writable>;

/// What the `PATCH` routes of one function share: its routes without them (what a
/// `PATCH` calls, once the state is known) and, read on the first `PATCH`, what each
/// path's `PUT` writes.
struct Patches {
    docs: fn() -> OpenApi,
    table: OnceLock<Table>,
    routes: Router<AppState>,
    served: OnceLock<Router>,
}

/// `routes` with a `PATCH` on every path in `pairs` (path, methods) that has a `GET`
/// and a `PUT`. Whether the two are one resource is read from `docs` on the first
/// `PATCH`; where they are not, the `PATCH` answers 405.
pub fn with_patches(
    routes: Router<AppState>,
    pairs: &[(String, Vec<HttpMethod>)],
    docs: fn() -> OpenApi,
) -> Router<AppState> {
    let mut paths: Vec<&str> = pairs
        .iter()
        .map(|(p, _)| p.as_str())
        .filter(|p| {
            let has = |m: HttpMethod| pairs.iter().any(|(q, ms)| q == p && ms.contains(&m));
            has(HttpMethod::Get) && has(HttpMethod::Put)
        })
        .collect();
    paths.sort_unstable();
    paths.dedup();
    let shared = Arc::new(Patches {
        docs,
        table: OnceLock::new(),
        routes: routes.clone(),
        served: OnceLock::new(),
    });
    paths.into_iter().fold(routes, |router, path| {
        let shared = shared.clone();
        router.route(
            path,
            axum::routing::patch(move |State(state): State<AppState>, req: Request| {
                let shared = shared.clone();
                async move { shared.serve(state, req).await }
            }),
        )
    })
}

impl Patches {
    async fn serve(&self, state: AppState, req: Request) -> Response {
        let table = self.table.get_or_init(|| patchable(&(self.docs)()));
        let writable = req
            .extensions()
            .get::<MatchedPath>()
            .and_then(|m| table.get(m.as_str()).cloned());
        let Some(writable) = writable else {
            return ApiError::MethodNotAllowed.into_response();
        };
        let routes = self
            .served
            .get_or_init(|| self.routes.clone().with_state(state.clone()))
            .clone();
        patch(&state, routes, writable, req)
            .await
            .unwrap_or_else(IntoResponse::into_response)
    }
}

/// The paths of `doc` with a `GET` and a `PUT` with a JSON body, and what that body
/// may hold.
fn patchable(doc: &OpenApi) -> Table {
    let mut table = Table::new();
    for (path, item) in &doc.paths.paths {
        let (Some(get), Some(put)) = (&item.get, &item.put) else {
            continue;
        };
        if !crate::openapi::same_resource(get, put) {
            continue;
        }
        let Some(schema) = put
            .request_body
            .as_ref()
            .and_then(|b| match b {
                RefOr::T(b) => b.content.get("application/json"),
                RefOr::Ref(_) => None,
            })
            .and_then(|c| match c {
                RefOr::T(c) => c.schema.as_ref(),
                RefOr::Ref(_) => None,
            })
        else {
            continue;
        };
        table.insert(path.clone(), writable(doc, schema));
    }
    table
}

fn writable(doc: &OpenApi, schema: &RefOr<Schema>) -> Writable {
    let resolved = match schema {
        RefOr::T(s) => Some(s),
        RefOr::Ref(r) => doc.components.as_ref().and_then(|c| {
            c.schemas
                .get(r.ref_location.rsplit('/').next().unwrap_or_default())
                .and_then(|s| match s {
                    RefOr::T(s) => Some(s),
                    RefOr::Ref(_) => None,
                })
        }),
    };
    match resolved {
        Some(Schema::Object(o)) if !o.properties.is_empty() => Writable::Fields(
            o.properties
                .iter()
                .map(|(k, v)| (k.clone(), takes_null(v)))
                .collect(),
        ),
        _ => Writable::Map,
    }
}

async fn patch(
    state: &AppState,
    inner: Router,
    writable: Writable,
    req: Request,
) -> Result<Response, ApiError> {
    let (mut parts, body) = req.into_parts();
    // The caller is confirmed once, here (first, as a PUT's gate comes before its
    // body): the GET and the PUT get the principal and do not read the session again.
    crate::auth::extract::authenticate(&mut parts, state, |_| Vec::new()).await?;
    let merge_patch = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase())
        .is_some_and(|v| v == "application/json" || v == "application/merge-patch+json");
    if !merge_patch {
        return Err(ApiError::UnsupportedMediaType(
            "A PATCH body is a JSON merge patch: application/merge-patch+json or application/json"
                .into(),
        ));
    }
    let echo = |method: Method, body: Body| {
        let mut r = Request::new(body);
        *r.method_mut() = method;
        *r.uri_mut() = parts.uri.clone();
        *r.headers_mut() = parts.headers.clone();
        // What the stack learnt of the request, and nothing of its routing (the
        // routes match the path again).
        let (from, to) = (&parts.extensions, r.extensions_mut());
        if let Some(v) = from.get::<crate::audit::AuditSlot>() {
            to.insert(v.clone());
        }
        if let Some(v) = from.get::<crate::auth::Principal>() {
            to.insert(v.clone());
        }
        if let Some(v) = from.get::<super::Caller>() {
            to.insert(v.clone());
        }
        if let Some(v) = from.get::<crate::audit::ClientIp>() {
            to.insert(v.clone());
        }
        r.headers_mut().remove(header::IF_NONE_MATCH);
        r
    };
    let bytes = to_bytes(body, state.config.max_body_bytes)
        .await
        .map_err(|_| ApiError::PayloadTooLarge)?;
    let mut patch: Value =
        serde_json::from_slice(&bytes).map_err(|e| ApiError::MalformedJson(e.to_string()))?;
    let Some(fields) = patch.as_object_mut() else {
        return Err(ApiError::field(
            "body",
            "must be a JSON object (a merge patch)",
        ));
    };
    // `version` is a guard, not a field: nulled, it would turn the check off.
    if fields.get("version").is_some_and(Value::is_null) {
        fields.remove("version");
    }

    let mut get = echo(Method::GET, Body::empty());
    get.headers_mut().remove(header::CONTENT_TYPE);
    get.headers_mut().remove(header::CONTENT_LENGTH);
    let current = inner
        .clone()
        .oneshot(get)
        .await
        .unwrap_or_else(|e| match e {});
    if current.status() != StatusCode::OK {
        // The PUT's own gate decides first, as for a PUT: a caller whose role may not
        // write hears 403, not the read's 404. Its body (`null`) can never be written:
        // the body is read after every gate.
        let mut probe = echo(Method::PUT, Body::from("null"));
        probe.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        probe.headers_mut().remove(header::CONTENT_LENGTH);
        let verdict = inner
            .clone()
            .oneshot(probe)
            .await
            .unwrap_or_else(|e| match e {});
        if matches!(
            verdict.status(),
            StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN
        ) {
            return Ok(verdict);
        }
        return Ok(current);
    }
    let current = to_bytes(current.into_body(), usize::MAX)
        .await
        .ok()
        .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
        .ok_or_else(|| ApiError::internal("the GET of a PATCH answered no JSON"))?;

    let merged = apply(current, &patch, &writable);
    let body = serde_json::to_vec(&merged).map_err(ApiError::internal)?;
    let mut put = echo(Method::PUT, Body::from(body));
    put.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    put.headers_mut().remove(header::CONTENT_LENGTH);
    Ok(inner.oneshot(put).await.unwrap_or_else(|e| match e {}))
}

/// Whether a property's schema admits `null` (`Option<T>`: a `null` type, or one of
/// its alternatives).
fn takes_null(schema: &RefOr<Schema>) -> bool {
    let v = serde_json::to_value(schema).unwrap_or_default();
    let null_type = |t: &Value| match t {
        Value::String(s) => s == "null",
        Value::Array(a) => a.iter().any(|x| x == "null"),
        _ => false,
    };
    null_type(&v["type"])
        || ["oneOf", "anyOf"].iter().any(|k| {
            v[*k]
                .as_array()
                .is_some_and(|a| a.iter().any(|x| null_type(&x["type"])))
        })
}

/// The `PUT` body: what the `PUT` writes of `current`, with `patch` applied.
fn apply(current: Value, patch: &Value, writable: &Writable) -> Value {
    let mut target = match (writable, current) {
        (Writable::Map, current) => current,
        (Writable::Fields(fields), Value::Object(o)) => Value::Object(
            o.into_iter()
                .filter(|(k, _)| fields.iter().any(|(f, _)| f == k))
                .collect::<Map<_, _>>(),
        ),
        (Writable::Fields(_), _) => Value::Object(Map::new()),
    };
    match (writable, patch, &mut target) {
        (Writable::Fields(fields), Value::Object(p), Value::Object(t)) => {
            for (k, v) in p {
                match v {
                    Value::Null => {
                        let nullable = fields.iter().any(|(f, n)| f == k && *n);
                        if nullable {
                            t.insert(k.clone(), Value::Null);
                        } else {
                            t.remove(k);
                        }
                    }
                    v => merge(t.entry(k.clone()).or_insert(Value::Null), v),
                }
            }
        }
        _ => merge(&mut target, patch),
    }
    target
}

/// RFC 7396: objects merge key by key, `null` removes, anything else replaces.
fn merge(target: &mut Value, patch: &Value) {
    let Value::Object(p) = patch else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = Value::Object(Map::new());
    }
    if let Value::Object(t) = target {
        for (k, v) in p {
            if v.is_null() {
                t.remove(k);
            } else {
                merge(t.entry(k.clone()).or_insert(Value::Null), v);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn merge_follows_rfc_7396() {
        // The examples of RFC 7396, section 3.
        let mut doc = json!({"title": "Goodbye!", "author": {"givenName": "John", "familyName": "Doe"},
            "tags": ["example", "sample"], "content": "This will be unchanged"});
        merge(
            &mut doc,
            &json!({"title": "Hello!", "phoneNumber": "+01-123-456-7890",
                "author": {"familyName": null}, "tags": ["example"]}),
        );
        assert_eq!(
            doc,
            json!({"title": "Hello!", "author": {"givenName": "John"}, "tags": ["example"],
                "content": "This will be unchanged", "phoneNumber": "+01-123-456-7890"})
        );
        let mut scalar = json!({"a": "b"});
        merge(&mut scalar, &json!({"a": {"bb": {"ccc": null}}}));
        assert_eq!(scalar, json!({"a": {"bb": {}}}));
    }

    #[test]
    fn fields_keep_what_the_put_writes_and_nulls_clear() {
        let fields = Writable::Fields(vec![
            ("name".into(), false),
            ("bio".into(), true),
            ("version".into(), true),
        ]);
        let current = json!({"id": "u1", "name": "Ada", "bio": "Hi", "version": 3});
        assert_eq!(
            apply(current.clone(), &json!({"bio": null}), &fields),
            json!({"name": "Ada", "bio": null, "version": 3})
        );
        assert_eq!(
            apply(
                current.clone(),
                &json!({"name": "Bea", "version": 2}),
                &fields
            ),
            json!({"name": "Bea", "bio": "Hi", "version": 2})
        );
        // Not nullable: left out, for the PUT's default (or its refusal).
        assert_eq!(
            apply(current, &json!({"name": null}), &fields),
            json!({"bio": "Hi", "version": 3})
        );
        let map = apply(
            json!({"a": 1, "b": 2}),
            &json!({"a": null, "c": 3}),
            &Writable::Map,
        );
        assert_eq!(map, json!({"b": 2, "c": 3}));
    }
}

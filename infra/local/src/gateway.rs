//! One local HTTP server in front of every function, routed by `template.yaml`.
//!
//! Like API Gateway, it matches the request against the template's routes itself and
//! hands the chosen function a fresh request; the function's own router does the rest.

use std::{net::SocketAddr, sync::Arc};

use axum::{
    Router,
    body::Body,
    extract::{ConnectInfo, Request},
    response::Response,
};
use campus::{AppState, audit::ClientIp};
use tower::ServiceExt;

use crate::{functions, template::Template};

#[derive(Debug, Clone, PartialEq)]
enum Segment {
    Fixed(String),
    Param,
    /// `{name+}`: the rest of the path.
    Greedy,
}

struct Route {
    method: String,
    segments: Vec<Segment>,
    function: usize,
}

fn parse(path: &str) -> Vec<Segment> {
    path.trim_matches('/')
        .split('/')
        .map(
            |s| match s.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                Some(p) if p.ends_with('+') => Segment::Greedy,
                Some(_) => Segment::Param,
                None => Segment::Fixed(s.to_string()),
            },
        )
        .collect()
}

/// How specifically `route` matches `path`: more fixed segments win, as in API Gateway.
fn score(route: &[Segment], path: &[&str]) -> Option<usize> {
    let mut fixed = 0;
    for (i, seg) in route.iter().enumerate() {
        match seg {
            Segment::Greedy => return (path.len() > i).then_some(fixed),
            Segment::Param => {
                if path.get(i).is_none_or(|p| p.is_empty()) {
                    return None;
                }
            }
            Segment::Fixed(f) => {
                if path.get(i) != Some(&f.as_str()) {
                    return None;
                }
                fixed += 1;
            }
        }
    }
    (route.len() == path.len()).then_some(fixed)
}

struct Table {
    routes: Vec<Route>,
    functions: Vec<Router>,
    /// The `$default` route's function.
    fallback: usize,
}

impl Table {
    /// The function for this request: the best route of its method; a CORS preflight
    /// goes to its path's function (in AWS the gateway answers it from the API's CORS
    /// settings); anything else to the `$default` route's function, as in AWS (its
    /// stack answers 404, or 405 for a path of its own).
    fn pick(&self, method: &str, path: &str) -> usize {
        let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
        let best = |same_method: bool| {
            self.routes
                .iter()
                .filter(|r| !same_method || r.method == method || r.method == "ANY")
                .filter_map(|r| score(&r.segments, &parts).map(|s| (s, r.function)))
                .max_by_key(|(s, _)| *s)
                .map(|(_, f)| f)
        };
        best(true)
            .or_else(|| (method == "OPTIONS").then(|| best(false)).flatten())
            .unwrap_or(self.fallback)
    }
}

pub fn gateway(template: &Template, state: AppState) -> Result<Router, String> {
    let fallback = template
        .default_function()
        .ok_or("template.yaml has no $default route on the HTTP API")?;
    let mut table = Table {
        fallback: functions::HTTP_FUNCTIONS
            .iter()
            .position(|f| f.name == fallback)
            .ok_or_else(|| {
                format!("the $default route names {fallback:?}, which the gateway does not know")
            })?,
        routes: Vec::new(),
        functions: functions::HTTP_FUNCTIONS
            .iter()
            .map(|f| (f.router)(state.for_function(f.name)))
            .collect(),
    };
    for route in template.routes() {
        let function = functions::HTTP_FUNCTIONS
            .iter()
            .position(|f| f.name == route.function)
            .ok_or_else(|| {
                format!(
                    "template.yaml names function {:?}, which the gateway does not know",
                    route.function
                )
            })?;
        table.routes.push(Route {
            method: route.method,
            segments: parse(&route.path),
            function,
        });
    }
    let table = Arc::new(table);
    // The WebSocket API and its Management API sit beside the HTTP API, as in AWS.
    Ok(crate::websocket::routes(state.for_function("ws"))
        .fallback(move |req: Request| dispatch(table.clone(), req)))
}

async fn dispatch(table: Arc<Table>, req: Request) -> Response {
    let function = table.pick(req.method().as_str(), req.uri().path());
    let (parts, body) = req.into_parts();
    let mut fresh = Request::builder()
        .method(parts.method)
        .uri(parts.uri)
        .version(parts.version)
        .body(Body::new(body))
        .expect("parts of a valid request make a valid request");
    *fresh.headers_mut() = parts.headers;
    // API Gateway tells a function the caller's address; locally the socket does.
    if let Some(ConnectInfo(addr)) = parts.extensions.get::<ConnectInfo<SocketAddr>>() {
        fresh
            .extensions_mut()
            .insert(ClientIp(addr.ip().to_string()));
    }
    match table.functions[function].clone().oneshot(fresh).await {
        Ok(res) => res,
        Err(never) => match never {},
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(path: &str) -> Vec<&str> {
        path.trim_matches('/').split('/').collect()
    }

    #[test]
    fn matching_prefers_fixed_segments() {
        let by_id = parse("/api/users/{id}");
        let export = parse("/api/users/me/export");
        let proxy = parse("/api/files/{proxy+}");
        assert_eq!(score(&by_id, &s("/api/users/42")), Some(2));
        assert_eq!(score(&by_id, &s("/api/users/42/x")), None);
        assert_eq!(score(&by_id, &s("/api/users/")), None);
        assert_eq!(score(&export, &s("/api/users/me/export")), Some(4));
        assert_eq!(score(&proxy, &s("/api/files/a/b")), Some(2));
        assert_eq!(score(&proxy, &s("/api/files")), None);
    }
}

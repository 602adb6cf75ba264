//! One local HTTP server in front of every function, routed by `template.yaml`.

use std::net::SocketAddr;

use axum::{
    Router,
    extract::{ConnectInfo, Request},
    middleware::{self, Next},
    response::Response,
    routing::MethodFilter,
};
use campus::{AppState, audit::ClientIp};

use crate::{functions, template::Template};

/// API Gateway's `{proxy+}` is axum's `{*proxy}`; plain `{id}` is the same.
fn axum_path(path: &str) -> String {
    path.split('/')
        .map(
            |seg| match seg.strip_prefix('{').and_then(|s| s.strip_suffix("+}")) {
                Some(name) => format!("{{*{name}}}"),
                None => seg.to_string(),
            },
        )
        .collect::<Vec<_>>()
        .join("/")
}

fn method_filter(method: &str) -> Option<MethodFilter> {
    Some(match method {
        "GET" => MethodFilter::GET,
        "POST" => MethodFilter::POST,
        "PUT" => MethodFilter::PUT,
        "PATCH" => MethodFilter::PATCH,
        "DELETE" => MethodFilter::DELETE,
        "HEAD" => MethodFilter::HEAD,
        "OPTIONS" => MethodFilter::OPTIONS,
        "ANY" => MethodFilter::GET
            .or(MethodFilter::POST)
            .or(MethodFilter::PUT)
            .or(MethodFilter::PATCH)
            .or(MethodFilter::DELETE),
        _ => return None,
    })
}

/// The gateway: each template route forwards the request, unchanged, to the router
/// of the function the template names; what no route matches gets that of `system`
/// (a contract 404 or 405 either way).
pub fn gateway(template: &Template, state: AppState) -> Result<Router, String> {
    let mut app = Router::new();
    let mut paths: std::collections::BTreeMap<String, axum::routing::MethodRouter> =
        Default::default();
    for route in template.routes() {
        let f = functions::by_name(&route.function).ok_or_else(|| {
            format!(
                "template.yaml names function {:?}, which the gateway does not know",
                route.function
            )
        })?;
        let filter = method_filter(&route.method)
            .ok_or_else(|| format!("unknown method {}", route.method))?;
        let service = (f.router)(state.clone());
        // Other methods on a known path reach the function too, which answers a
        // contract 405 (or a CORS preflight) from its own stack.
        let entry = paths.remove(&route.path).unwrap_or_else(|| {
            axum::routing::MethodRouter::new().fallback_service(service.clone())
        });
        paths.insert(route.path.clone(), entry.on_service(filter, service));
    }
    for (path, methods) in paths {
        app = app.route(&axum_path(&path), methods);
    }
    let fallback = (functions::HTTP_FUNCTIONS[0].router)(state);
    // CORS preflights go to the function too, as API Gateway's would.
    let app = app.fallback_service(fallback);
    Ok(app.layer(middleware::from_fn(client_ip)))
}

/// API Gateway tells a function the caller's address; locally the socket does.
async fn client_ip(mut req: Request, next: Next) -> Response {
    if let Some(ConnectInfo(addr)) = req.extensions().get::<ConnectInfo<SocketAddr>>().copied() {
        req.extensions_mut().insert(ClientIp(addr.ip().to_string()));
    }
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::axum_path;

    #[test]
    fn proxy_paths() {
        assert_eq!(axum_path("/api/users/{id}"), "/api/users/{id}");
        assert_eq!(axum_path("/api/x/{proxy+}"), "/api/x/{*proxy}");
    }
}

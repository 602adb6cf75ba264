//! The whole API's OpenAPI document, merged from every function's own.

use crate::functions::HTTP_FUNCTIONS;
use utoipa::{OpenApi, openapi::path::Operation};

pub fn document() -> utoipa::openapi::OpenApi {
    let mut doc = campus::openapi::Base::openapi();
    doc.info.version = env!("CARGO_PKG_VERSION").to_string();
    for f in HTTP_FUNCTIONS {
        doc.merge((f.openapi)());
    }
    campus::openapi::add_common_responses(&mut doc);
    // Handler names repeat across modules (`list`, `create`); ids must not.
    for (path, item) in doc.paths.paths.iter_mut() {
        let ops: [(&str, &mut Option<Operation>); 5] = [
            ("get", &mut item.get),
            ("post", &mut item.post),
            ("put", &mut item.put),
            ("patch", &mut item.patch),
            ("delete", &mut item.delete),
        ];
        for (method, op) in ops {
            if let Some(op) = op {
                op.operation_id = Some(operation_id(method, path));
            }
        }
    }
    doc
}

/// `GET /api/users/{id}` → `getUsersById`.
fn operation_id(method: &str, path: &str) -> String {
    let mut id = method.to_string();
    for seg in path
        .trim_start_matches("/api")
        .split(['/', '-'])
        .filter(|s| !s.is_empty())
    {
        let word = match seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            Some(param) => format!("by_{param}"),
            None => seg.to_string(),
        };
        for part in word.split('_') {
            let mut c = part.chars();
            if let Some(first) = c.next() {
                id.push(first.to_ascii_uppercase());
                id.extend(c);
            }
        }
    }
    id
}

pub fn json() -> String {
    let mut text = document().to_pretty_json().unwrap_or_default();
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_from_paths() {
        assert_eq!(operation_id("get", "/api/users/{id}"), "getUsersById");
        assert_eq!(
            operation_id("post", "/api/auth/refresh-token"),
            "postAuthRefreshToken"
        );
    }
}

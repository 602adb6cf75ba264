//! The whole API's OpenAPI document, merged from every function's own.

use crate::functions::HTTP_FUNCTIONS;
use utoipa::{OpenApi, openapi::path::Operation};

pub fn document() -> utoipa::openapi::OpenApi {
    let mut doc = campus::openapi::Base::openapi();
    doc.info.version = env!("CARGO_PKG_VERSION").to_string();
    for f in HTTP_FUNCTIONS {
        doc.merge((f.openapi)());
    }
    campus::openapi::add_patches(&mut doc);
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

/// Schema names two functions use for different things. Merging keeps the first, so
/// the other's operations would be documented with the wrong shape.
pub fn collisions() -> Vec<String> {
    let mut seen: std::collections::BTreeMap<String, (String, serde_json::Value)> =
        Default::default();
    let mut clashes = Vec::new();
    for f in HTTP_FUNCTIONS {
        let doc = (f.openapi)();
        for (name, schema) in doc.components.map(|c| c.schemas).unwrap_or_default() {
            let value = serde_json::to_value(&schema).unwrap_or_default();
            match seen.get(&name) {
                Some((first, v)) if *v != value => {
                    clashes.push(format!("{name}: {first} and {}", f.name));
                }
                Some(_) => {}
                None => {
                    seen.insert(name, (f.name.to_string(), value));
                }
            }
        }
    }
    clashes
}

/// `$ref`s of the document that name no component.
pub fn dangling_refs(doc: &serde_json::Value) -> Vec<String> {
    fn walk(v: &serde_json::Value, root: &serde_json::Value, out: &mut Vec<String>) {
        match v {
            serde_json::Value::Object(map) => {
                if let Some(serde_json::Value::String(r)) = map.get("$ref") {
                    let found = r
                        .strip_prefix('#')
                        .and_then(|ptr| root.pointer(ptr))
                        .is_some();
                    if !found {
                        out.push(r.clone());
                    }
                }
                map.values().for_each(|v| walk(v, root, out));
            }
            serde_json::Value::Array(items) => items.iter().for_each(|v| walk(v, root, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(doc, doc, &mut out);
    out.sort();
    out.dedup();
    out
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
    fn no_two_functions_give_one_schema_name_two_shapes() {
        assert_eq!(collisions(), Vec::<String>::new());
    }

    #[test]
    fn every_reference_resolves() {
        let doc = serde_json::to_value(document()).unwrap();
        assert_eq!(dangling_refs(&doc), Vec::<String>::new());
    }

    #[test]
    fn ids_from_paths() {
        assert_eq!(operation_id("get", "/api/users/{id}"), "getUsersById");
        assert_eq!(
            operation_id("post", "/api/auth/refresh-token"),
            "postAuthRefreshToken"
        );
    }
}

//! The deployed shape and the code agree: routes, OpenAPI, fixtures.

use std::collections::BTreeSet;

use campus_local::{functions::HTTP_FUNCTIONS, openapi, template::Template};

/// What API Gateway routes (template.yaml) is exactly what the routers serve.
#[test]
fn template_routes_equal_router_routes() {
    let template: BTreeSet<(String, String, String)> = Template::find()
        .unwrap()
        .routes()
        .into_iter()
        .map(|r| (r.function, r.method, r.path))
        .collect();
    let mut routers = BTreeSet::new();
    for f in HTTP_FUNCTIONS {
        let mut doc = (f.openapi)();
        // The PATCH beside each resource's GET and PUT (`http::patch`).
        campus::openapi::add_patches(&mut doc);
        let json = serde_json::to_value(&doc).unwrap();
        for (path, item) in json["paths"].as_object().unwrap() {
            for method in item.as_object().unwrap().keys() {
                routers.insert((f.name.to_string(), method.to_uppercase(), path.clone()));
            }
        }
    }
    let missing_in_template: Vec<_> = routers.difference(&template).collect();
    let missing_in_code: Vec<_> = template.difference(&routers).collect();
    assert!(
        missing_in_template.is_empty(),
        "routes served but not in template.yaml: {missing_in_template:?}"
    );
    assert!(
        missing_in_code.is_empty(),
        "routes in template.yaml that no router serves: {missing_in_code:?}"
    );
}

#[test]
fn committed_openapi_document_is_current() {
    let committed =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/openapi.json"))
            .unwrap();
    assert!(
        committed == openapi::json(),
        "docs/openapi.json is stale: run `make openapi` and commit it"
    );
}

#[test]
fn every_function_directory_is_deployed() {
    let template =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../template.yaml")).unwrap();
    for entry in std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../functions")).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        assert!(
            template.contains(&format!("Binary: {name}")),
            "functions/{name} is not in template.yaml"
        );
    }
}

#[test]
fn table_definition_is_read_from_the_template() {
    let table = Template::find().unwrap().table().unwrap();
    let keys: Vec<_> = table
        .key_schema
        .iter()
        .map(|k| k.attribute_name.as_str())
        .collect();
    assert_eq!(keys, ["pk", "sk"]);
    assert_eq!(
        table.time_to_live_specification.unwrap().attribute_name,
        "ttl"
    );
}

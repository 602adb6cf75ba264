//! Reads `template.yaml`: the HTTP routes of each function and the table's keys, so
//! the local stack cannot drift from what is deployed.

use std::{collections::BTreeSet, path::Path};

use serde::Deserialize;
use serde_norway::Value;

/// One `HttpApi` event: which function serves `METHOD path`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Route {
    pub method: String,
    /// API Gateway syntax: `/api/users/{id}`.
    pub path: String,
    pub function: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AttributeDefinition {
    pub attribute_name: String,
    pub attribute_type: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct KeySchemaElement {
    pub attribute_name: String,
    pub key_type: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Projection {
    pub projection_type: String,
    #[serde(default)]
    pub non_key_attributes: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct GlobalSecondaryIndex {
    pub index_name: String,
    pub key_schema: Vec<KeySchemaElement>,
    pub projection: Projection,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct TtlSpec {
    pub attribute_name: String,
}

/// The table resource's key definitions.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct TableDefinition {
    pub attribute_definitions: Vec<AttributeDefinition>,
    pub key_schema: Vec<KeySchemaElement>,
    #[serde(default)]
    pub global_secondary_indexes: Vec<GlobalSecondaryIndex>,
    pub time_to_live_specification: Option<TtlSpec>,
    pub stream_specification: Option<StreamSpec>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct StreamSpec {
    pub stream_view_type: String,
}

pub struct Template {
    root: Value,
}

impl Template {
    pub fn load(path: &Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("reading {}: {e}", path.display()))?;
        Self::parse(&text)
    }

    pub fn parse(text: &str) -> Result<Self, String> {
        let root: Value =
            serde_norway::from_str(text).map_err(|e| format!("template.yaml: {e}"))?;
        Ok(Self { root })
    }

    /// The template beside the workspace root, wherever the binary runs from.
    pub fn find() -> Result<Self, String> {
        let here = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../template.yaml");
        Self::load(&here)
    }

    /// The whole document, for readers of parts this module does not type.
    pub fn root(&self) -> &Value {
        &self.root
    }

    fn resources(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.root
            .get("Resources")
            .and_then(Value::as_mapping)
            .into_iter()
            .flat_map(|m| m.iter())
            .filter_map(|(k, v)| Some((k.as_str()?, v)))
    }

    /// Every HTTP route, with the binary name of the function behind it.
    pub fn routes(&self) -> Vec<Route> {
        let mut out = BTreeSet::new();
        for (_, res) in self.resources() {
            if res.get("Type").and_then(Value::as_str) != Some("AWS::Serverless::Function") {
                continue;
            }
            let Some(binary) = res
                .get("Metadata")
                .and_then(|m| m.get("BuildProperties"))
                .and_then(|b| b.get("Binary"))
                .and_then(Value::as_str)
            else {
                continue;
            };
            let events = res
                .get("Properties")
                .and_then(|p| p.get("Events"))
                .and_then(Value::as_mapping);
            for (_, ev) in events.into_iter().flat_map(|m| m.iter()) {
                if ev.get("Type").and_then(Value::as_str) != Some("HttpApi") {
                    continue;
                }
                let props = ev.get("Properties");
                let path = props.and_then(|p| p.get("Path")).and_then(Value::as_str);
                let method = props.and_then(|p| p.get("Method")).and_then(Value::as_str);
                // API Gateway's catch-all, not a route: see `default_function`.
                if path == Some("$default") {
                    continue;
                }
                if let (Some(path), Some(method)) = (path, method) {
                    out.insert(Route {
                        method: method.to_ascii_uppercase(),
                        path: path.to_string(),
                        function: binary.to_string(),
                    });
                }
            }
        }
        out.into_iter().collect()
    }

    /// The function behind the HTTP API's `$default` route: what answers a request no
    /// route matches (path or method).
    pub fn default_function(&self) -> Option<String> {
        self.resources().find_map(|(_, res)| {
            let events = res.get("Properties")?.get("Events")?.as_mapping()?;
            events
                .iter()
                .any(|(_, ev)| {
                    ev.get("Type").and_then(Value::as_str) == Some("HttpApi")
                        && ev
                            .get("Properties")
                            .and_then(|p| p.get("Path"))
                            .and_then(Value::as_str)
                            == Some("$default")
                })
                .then(|| {
                    res.get("Metadata")?
                        .get("BuildProperties")?
                        .get("Binary")?
                        .as_str()
                        .map(str::to_string)
                })
                .flatten()
        })
    }

    /// The single DynamoDB table's keys, indexes and TTL attribute.
    pub fn table(&self) -> Result<TableDefinition, String> {
        let (_, res) = self
            .resources()
            .find(|(_, r)| r.get("Type").and_then(Value::as_str) == Some("AWS::DynamoDB::Table"))
            .ok_or("template.yaml has no AWS::DynamoDB::Table")?;
        let props = res
            .get("Properties")
            .ok_or("the table has no Properties")?
            .clone();
        serde_norway::from_value(props).map_err(|e| format!("table properties: {e}"))
    }
}

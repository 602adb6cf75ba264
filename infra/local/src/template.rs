//! Reads `template.yaml`: the HTTP routes of each function and the table's keys, so
//! the local stack cannot drift from what is deployed.

use std::{
    collections::{BTreeMap, BTreeSet},
    path::Path,
};

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

    /// Every Lambda function built from this workspace: its binary name (as
    /// `BuildProperties.Binary` says) and its resource.
    pub fn functions(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.resources().filter_map(|(_, res)| {
            if res.get("Type").and_then(Value::as_str) != Some("AWS::Serverless::Function") {
                return None;
            }
            let binary = res
                .get("Metadata")?
                .get("BuildProperties")?
                .get("Binary")?
                .as_str()?;
            Some((binary, res))
        })
    }

    /// The memory (MB) Lambda gives the function built as `binary`: its own, or the
    /// globals'.
    pub fn memory_mb(&self, binary: &str) -> Option<u64> {
        let (_, res) = self.functions().find(|(b, _)| *b == binary)?;
        res.get("Properties")
            .and_then(|p| p.get("MemorySize"))
            .or_else(|| self.root.get("Globals")?.get("Function")?.get("MemorySize"))
            .and_then(Value::as_u64)
    }

    /// The settings each function's environment has, by binary name: the globals' and
    /// its own (a value set only under a condition counts as set).
    pub fn environments(&self) -> BTreeMap<String, BTreeSet<String>> {
        let globals: BTreeSet<String> =
            variables(self.root.get("Globals").and_then(|g| g.get("Function")))
                .map(|(k, _)| k.to_string())
                .collect();
        self.functions()
            .map(|(binary, res)| {
                let mut vars = globals.clone();
                vars.extend(variables(res.get("Properties")).map(|(k, _)| k.to_string()));
                (binary.to_string(), vars)
            })
            .collect()
    }

    /// Each function's settings that name a secret (`secretsmanager:…`), as they are
    /// deployed with the secrets' default names; by binary name.
    pub fn secret_references(&self) -> BTreeMap<String, Vec<(String, String)>> {
        let names = self.secret_names();
        let reference = |v: &Value| -> Option<String> {
            // A value set under a condition: the branch that sets it.
            let v = match tag(v)? {
                (t, Value::Sequence(branches)) if t == "If" => branches.get(1)?,
                _ => v,
            };
            let s = match tag(v)? {
                (t, Value::String(s)) if t == "Sub" => sub(s, &names),
                _ => return None,
            };
            // An optional secret whose name is left empty is not deployed.
            let name = s.strip_prefix("secretsmanager:")?;
            (!name.is_empty() && !name.starts_with('#')).then_some(s)
        };
        self.functions()
            .map(|(binary, res)| {
                let refs = variables(res.get("Properties"))
                    .filter_map(|(k, v)| Some((k.to_string(), reference(v)?)))
                    .collect();
                (binary.to_string(), refs)
            })
            .collect()
    }

    /// Installs the template's environments in this process, so each function of the
    /// local stack goes without the secret settings it is not given in AWS.
    pub fn withhold_secrets(&self) {
        let environments = self.environments();
        campus::config::install_environments(Box::new(move |function, setting| {
            environments
                .get(function)
                .is_some_and(|vars| vars.contains(setting))
        }));
    }

    /// Each `…SecretName` parameter with its default: the secrets' names.
    pub fn secret_names(&self) -> BTreeMap<String, String> {
        self.root
            .get("Parameters")
            .and_then(Value::as_mapping)
            .into_iter()
            .flatten()
            .filter_map(|(name, p)| {
                let name = name.as_str()?;
                let default = p.get("Default")?.as_str()?;
                name.ends_with("SecretName")
                    .then(|| (name.to_string(), default.to_string()))
            })
            .collect()
    }

    /// Every `HttpApi` event, `$default` included.
    fn http_events(&self) -> impl Iterator<Item = Route> {
        self.functions().flat_map(|(binary, res)| {
            let events = res
                .get("Properties")
                .and_then(|p| p.get("Events"))
                .and_then(Value::as_mapping);
            events
                .into_iter()
                .flat_map(|m| m.iter())
                .filter(|(_, ev)| ev.get("Type").and_then(Value::as_str) == Some("HttpApi"))
                .filter_map(move |(_, ev)| {
                    let props = ev.get("Properties")?;
                    Some(Route {
                        method: props.get("Method")?.as_str()?.to_ascii_uppercase(),
                        path: props.get("Path")?.as_str()?.to_string(),
                        function: binary.to_string(),
                    })
                })
        })
    }

    /// Every HTTP route, with the binary name of the function behind it.
    pub fn routes(&self) -> Vec<Route> {
        // API Gateway's catch-all is not a route: see `default_function`.
        let out: BTreeSet<Route> = self
            .http_events()
            .filter(|r| r.path != "$default")
            .collect();
        out.into_iter().collect()
    }

    /// The function behind the HTTP API's `$default` route: what answers a request no
    /// route matches (path or method).
    pub fn default_function(&self) -> Option<String> {
        self.http_events()
            .find(|r| r.path == "$default")
            .map(|r| r.function)
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

/// The `Environment.Variables` of a function's properties (or the globals'), by name.
fn variables(props: Option<&Value>) -> impl Iterator<Item = (&str, &Value)> {
    props
        .and_then(|p| p.get("Environment")?.get("Variables")?.as_mapping())
        .into_iter()
        .flatten()
        .filter_map(|(k, v)| Some((k.as_str()?, v)))
}

/// An intrinsic function's name without its `!`, and its argument.
pub(crate) fn tag(v: &Value) -> Option<(String, &Value)> {
    match v {
        Value::Tagged(t) => Some((
            t.tag.to_string().trim_start_matches('!').to_string(),
            &t.value,
        )),
        _ => None,
    }
}

/// A `!Sub` string with `parameters` filled in (the rest, `${AWS::…}` and resource
/// attributes, left as they are).
pub(crate) fn sub(text: &str, parameters: &BTreeMap<String, String>) -> String {
    parameters
        .iter()
        .fold(text.to_string(), |s, (name, value)| {
            s.replace(&format!("${{{name}}}"), value)
        })
}

//! Secrets read from Secrets Manager once, at init.
//!
//! A setting whose value is `secretsmanager:NAME` is that secret's string, and
//! `secretsmanager:NAME#field` one field of a JSON secret. So a function's
//! configuration shows where its secrets are, never the secrets, and a secret rotated
//! in Secrets Manager reaches each function at its next cold start, without a deploy.
//! Each secret is fetched once per process however many settings name it, and all of
//! them at the same time, while the process is still in init (which Lambda does not
//! bill); a secret that cannot be read stops the start, naming the setting.

use std::collections::{BTreeSet, HashMap};

use aws_smithy_types::error::display::DisplayErrorContext;

use crate::{
    aws::Aws,
    config::{AwsSettings, Config, ConfigError},
};

pub const REFERENCE: &str = "secretsmanager:";

/// The config from the process's environment (empty values count as unset), its
/// secrets read: what every function's start, and the local stack, use.
pub async fn from_environment() -> Result<Config, ConfigError> {
    let settings = std::env::vars()
        .filter(|(_, v)| !v.trim().is_empty())
        .collect();
    load(settings, None).await
}

/// The config from `settings`, each secret reference read through clients acting as
/// `function` (the local stack names one; in Lambda, `None`).
pub async fn load(
    settings: HashMap<String, String>,
    function: Option<&'static str>,
) -> Result<Config, ConfigError> {
    let settings = if settings.values().any(|v| v.starts_with(REFERENCE)) {
        let source = |k: &str| settings.get(k).cloned();
        let mut aws = Aws::from_settings(&AwsSettings::from_source(&source)?);
        if let Some(function) = function {
            aws = aws.for_function(function);
        }
        resolve(settings, &aws).await?
    } else {
        settings
    };
    Config::from_source(&|k: &str| settings.get(k).filter(|v| !v.trim().is_empty()).cloned())
}

/// `settings` with every reference replaced by the secret it names.
pub async fn resolve(
    mut settings: HashMap<String, String>,
    aws: &Aws,
) -> Result<HashMap<String, String>, ConfigError> {
    let refs: Vec<(String, String, Option<String>)> = settings
        .iter()
        .filter_map(|(setting, value)| {
            let reference = value.strip_prefix(REFERENCE)?;
            let (name, field) = match reference.split_once('#') {
                Some((name, field)) => (name, Some(field.to_string())),
                None => (reference, None),
            };
            Some((setting.clone(), name.to_string(), field))
        })
        .collect();
    let names: BTreeSet<&str> = refs.iter().map(|(_, name, _)| name.as_str()).collect();
    let client = aws.secrets_manager();
    let mut reads = tokio::task::JoinSet::new();
    for name in names {
        let (client, name) = (client.clone(), name.to_string());
        reads.spawn(async move {
            let read = client.get_secret_value().secret_id(&name).send().await;
            (name, read.map(|out| out.secret_string))
        });
    }
    let mut secrets = HashMap::new();
    while let Some(read) = reads.join_next().await {
        let (name, read) = read.map_err(|e| ConfigError(format!("reading a secret: {e}")))?;
        secrets.insert(name, read);
    }
    for (setting, name, field) in refs {
        let bad = |why: String| ConfigError(format!("setting {setting}: secret {name} {why}"));
        let value = match secrets.get(&name) {
            Some(Ok(Some(value))) => value,
            Some(Ok(None)) => return Err(bad("holds no string".into())),
            Some(Err(e)) => {
                return Err(bad(format!(
                    "could not be read: {}",
                    DisplayErrorContext(e)
                )));
            }
            None => return Err(bad("was not read".into())),
        };
        let value = match &field {
            None => value.clone(),
            Some(field) => serde_json::from_str::<serde_json::Value>(value)
                .ok()
                .and_then(|json| json.get(field)?.as_str().map(str::to_string))
                .ok_or_else(|| bad(format!("is not JSON with a string field {field:?}")))?,
        };
        settings.insert(setting, value);
    }
    Ok(settings)
}

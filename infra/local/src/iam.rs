//! Each function's AWS calls judged against its policy in `template.yaml`.
//!
//! The emulator grants everything, so without this a handler that starts calling a
//! new action (or a new index, key prefix or bucket prefix) passes every local test
//! and fails in AWS with AccessDenied. The test stack installs [`enforce`]: each call
//! a named function's clients make (see `campus::aws_calls`) is turned into the IAM
//! requests AWS would authorise (action, resource, condition keys) and refused,
//! as AWS would refuse it, unless an Allow statement of that function's policy
//! covers it. Every judgement is also appended to a directory, from which
//! `campus-local iam-report` fails the run on any refusal and lists the grants no
//! test used.

use std::{
    collections::{BTreeMap, BTreeSet, HashSet},
    io::Write,
    path::{Path, PathBuf},
    sync::Mutex,
};

use campus::aws_calls::AwsCall;
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;
use serde_norway::Value;

use crate::template::{Template, sub, tag};

/// One IAM request: what AWS authorises for (part of) a call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub action: String,
    /// In the template's own terms: `${Table.Arn}/index/gsi1`, `arn:${AWS::Partition}:s3:::${Bucket}/uploads/x`.
    pub resource: String,
    /// Condition keys and their values: `dynamodb:LeadingKeys` (the partition keys
    /// touched), `dynamodb:Attributes`, `dynamodb:ReturnValues`, `ses:FromAddress`.
    pub context: BTreeMap<String, Vec<String>>,
}

/// One condition: IAM's string operators only.
#[derive(Debug, Clone)]
struct Test {
    /// Every value of the key must match (`ForAllValues:`); else its single value.
    for_all: bool,
    like: bool,
    /// `…IfExists`: a request without the key passes.
    if_exists: bool,
    key: String,
    values: Vec<String>,
}

#[derive(Debug, Clone)]
struct Statement {
    actions: Vec<String>,
    resources: Vec<String>,
    tests: Vec<Test>,
}

/// A grant as the report names it: one action on one resource pattern.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Grant {
    pub function: String,
    pub action: String,
    pub resource: String,
}

/// Every function's Allow statements, by binary name.
pub struct Policies {
    functions: BTreeMap<String, Vec<Statement>>,
    /// The partition key attribute of the table (`""`) and of each index.
    hash_keys: BTreeMap<String, String>,
    table_name: String,
    bucket_name: String,
}

/// What the local settings stand for in the template's terms.
pub struct Names {
    pub table: String,
    pub bucket: String,
    /// Template parameters a policy refers to (`MailFrom`, the secrets' names).
    pub parameters: BTreeMap<String, String>,
}

/// A policy value as a pattern in the template's terms.
fn pattern(
    v: &Value,
    parameters: &BTreeMap<String, String>,
    bucket: &str,
) -> Result<Vec<String>, String> {
    let raw = match v {
        Value::String(s) => vec![s.clone()],
        Value::Sequence(items) => {
            let mut out = Vec::new();
            for i in items {
                out.extend(pattern(i, parameters, bucket)?);
            }
            return Ok(out);
        }
        _ => match tag(v) {
            Some((t, Value::String(s))) if t == "GetAtt" => vec![format!("${{{s}}}")],
            Some((t, Value::String(s))) if t == "Sub" => vec![sub(s, parameters)],
            // Either branch may be deployed; the check allows what either allows.
            Some((t, Value::Sequence(branches))) if t == "If" && branches.len() == 3 => {
                let mut out = Vec::new();
                for b in &branches[1..] {
                    out.extend(pattern(b, parameters, bucket)?);
                }
                return Ok(out);
            }
            Some((t, Value::String(s))) if t == "Ref" && s == "AWS::NoValue" => vec![],
            Some((t, Value::String(s))) if t == "Ref" => {
                vec![
                    parameters
                        .get(s)
                        .cloned()
                        .unwrap_or_else(|| format!("${{{s}}}")),
                ]
            }
            _ => return Err(format!("a policy value this check cannot read: {v:?}")),
        },
    };
    Ok(raw
        .into_iter()
        .map(|s| {
            let s = s.replace("${Bucket.Arn}", "arn:${AWS::Partition}:s3:::${Bucket}");
            if bucket.is_empty() {
                s
            } else {
                s.replace(bucket, "${Bucket}")
            }
        })
        .collect())
}

fn strings(v: &Value) -> Vec<String> {
    match v {
        Value::String(s) => vec![s.clone()],
        Value::Sequence(items) => items.iter().flat_map(strings).collect(),
        _ => Vec::new(),
    }
}

impl Policies {
    pub fn from_template(template: &Template, names: &Names) -> Result<Self, String> {
        let root = template.root();
        let resources = root
            .get("Resources")
            .and_then(Value::as_mapping)
            .ok_or("no Resources")?;
        // The bucket's name as the template spells it, so a policy naming the bucket
        // by name (the upload checker must) reads as `${Bucket}`.
        let bucket = resources
            .iter()
            .find(|(_, r)| r.get("Type").and_then(Value::as_str) == Some("AWS::S3::Bucket"))
            .and_then(|(_, r)| r.get("Properties")?.get("BucketName"))
            .and_then(|n| match tag(n) {
                Some((t, Value::String(s))) if t == "Sub" => Some(s.clone()),
                _ => n.as_str().map(str::to_string),
            })
            .unwrap_or_default();
        let mut functions = BTreeMap::new();
        for (binary, res) in template.functions() {
            let mut statements = Vec::new();
            let policies = res.get("Properties").and_then(|p| p.get("Policies"));
            for policy in policies.and_then(Value::as_sequence).into_iter().flatten() {
                let list = policy
                    .get("Statement")
                    .and_then(Value::as_sequence)
                    .ok_or_else(|| {
                        format!(
                            "{binary}: only inline Statement policies are checked, not {policy:?}"
                        )
                    })?;
                for s in list {
                    if s.get("Effect").and_then(Value::as_str) != Some("Allow") {
                        return Err(format!("{binary}: only Allow statements are checked"));
                    }
                    let mut tests = Vec::new();
                    if let Some(cond) = s.get("Condition").and_then(Value::as_mapping) {
                        for (op, keys) in cond {
                            let op = op.as_str().unwrap_or_default();
                            for (key, values) in keys.as_mapping().into_iter().flatten() {
                                let key = key.as_str().unwrap_or_default().to_string();
                                let values = pattern(values, &names.parameters, "")?;
                                let (for_all, rest) = match op.strip_prefix("ForAllValues:") {
                                    Some(rest) => (true, rest),
                                    None => (false, op),
                                };
                                let (if_exists, rest) = match rest.strip_suffix("IfExists") {
                                    Some(rest) => (true, rest),
                                    None => (false, rest),
                                };
                                let like = match rest {
                                    "StringEquals" => false,
                                    "StringLike" => true,
                                    _ => {
                                        return Err(format!(
                                            "{binary}: condition {op} is not checked here; teach infra/local/src/iam.rs"
                                        ));
                                    }
                                };
                                tests.push(Test {
                                    for_all,
                                    like,
                                    if_exists,
                                    key,
                                    values,
                                });
                            }
                        }
                    }
                    statements.push(Statement {
                        actions: s.get("Action").map(strings).unwrap_or_default(),
                        resources: pattern(
                            s.get("Resource")
                                .ok_or_else(|| format!("{binary}: a statement without Resource"))?,
                            &names.parameters,
                            &bucket,
                        )?,
                        tests,
                    });
                }
            }
            functions.insert(binary.to_string(), statements);
        }
        let table = template.table()?;
        let hash = |schema: &[crate::template::KeySchemaElement]| {
            schema
                .iter()
                .find(|k| k.key_type == "HASH")
                .map(|k| k.attribute_name.clone())
                .unwrap_or_default()
        };
        let mut hash_keys = BTreeMap::from([(String::new(), hash(&table.key_schema))]);
        for gsi in &table.global_secondary_indexes {
            hash_keys.insert(gsi.index_name.clone(), hash(&gsi.key_schema));
        }
        Ok(Self {
            functions,
            hash_keys,
            table_name: names.table.clone(),
            bucket_name: names.bucket.clone(),
        })
    }

    pub fn function_names(&self) -> impl Iterator<Item = &str> {
        self.functions.keys().map(String::as_str)
    }

    /// Every grant of every function, for the report of unused ones.
    pub fn grants(&self) -> BTreeSet<Grant> {
        let mut out = BTreeSet::new();
        for (function, statements) in &self.functions {
            for s in statements {
                for action in &s.actions {
                    for resource in &s.resources {
                        out.insert(Grant {
                            function: function.clone(),
                            action: action.clone(),
                            resource: resource.clone(),
                        });
                    }
                }
            }
        }
        out
    }

    /// The grants that allow `req` for `function`; empty when none does.
    pub fn allowing(&self, function: &str, req: &Request) -> Vec<Grant> {
        let mut out = Vec::new();
        for s in self.functions.get(function).into_iter().flatten() {
            if !s.tests.iter().all(|t| passes(t, req)) {
                continue;
            }
            for action in s.actions.iter().filter(|a| glob(a, &req.action)) {
                for resource in s.resources.iter().filter(|r| glob(r, &req.resource)) {
                    out.push(Grant {
                        function: function.to_string(),
                        action: action.clone(),
                        resource: resource.clone(),
                    });
                }
            }
        }
        out
    }

    fn table(&self, name: &str) -> String {
        if name == self.table_name {
            "${Table.Arn}".to_string()
        } else {
            format!(
                "arn:${{AWS::Partition}}:dynamodb:${{AWS::Region}}:${{AWS::AccountId}}:table/{name}"
            )
        }
    }

    fn bucket(&self, name: &str) -> String {
        let name = if name == self.bucket_name {
            "${Bucket}"
        } else {
            name
        };
        format!("arn:${{AWS::Partition}}:s3:::{name}")
    }

    /// The IAM requests AWS would authorise for `call`.
    pub fn requests(&self, call: &AwsCall<'_>) -> Result<Vec<Request>, String> {
        match call.service {
            "DynamoDB" => self.dynamodb(call),
            "S3" => self.s3(call),
            "SESv2" => Ok(ses(call)),
            "ApiGatewayManagementApi" => Ok(vec![manage_connections(call)]),
            "SecretsManager" | "Secrets Manager" => Ok(vec![secret(call)]),
            other => Err(format!("a {other} call, which this check does not know")),
        }
    }

    fn dynamodb(&self, call: &AwsCall<'_>) -> Result<Vec<Request>, String> {
        let body: Json = serde_json::from_slice(call.body)
            .map_err(|e| format!("DynamoDB {} body: {e}", call.operation))?;
        let hash = self.hash_keys.get("").cloned().unwrap_or_default();
        let key_of = |item: &Json| {
            item.get(&hash)
                .and_then(|v| v["S"].as_str())
                .map(str::to_string)
        };
        let one = |action: &str, table: &Json, keys: Vec<String>| Request {
            action: format!("dynamodb:{action}"),
            resource: self.table(table.as_str().unwrap_or_default()),
            context: BTreeMap::from([("dynamodb:LeadingKeys".to_string(), keys)]),
        };
        // A single-item request also says which attributes it names and what it
        // returns (`dynamodb:Attributes`, `dynamodb:ReturnValues`).
        let single = |action: &str, part: &Json, item: &Json| {
            let mut req = one(
                action,
                &part["TableName"],
                key_of(item).into_iter().collect(),
            );
            let mut names: BTreeSet<String> = item
                .as_object()
                .into_iter()
                .flatten()
                .map(|(k, _)| k.clone())
                .collect();
            names.extend(
                part["ExpressionAttributeNames"]
                    .as_object()
                    .into_iter()
                    .flatten()
                    .filter_map(|(_, v)| v.as_str().map(str::to_string)),
            );
            req.context
                .insert("dynamodb:Attributes".into(), names.into_iter().collect());
            if let Some(r) = part["ReturnValues"].as_str() {
                req.context
                    .insert("dynamodb:ReturnValues".into(), vec![r.to_string()]);
            }
            req
        };
        let op = call.operation;
        Ok(match op {
            "GetItem" | "DeleteItem" | "UpdateItem" => vec![single(op, &body, &body["Key"])],
            "PutItem" => vec![single(op, &body, &body["Item"])],
            "Query" => {
                let index = body["IndexName"].as_str();
                let hash = self
                    .hash_keys
                    .get(index.unwrap_or_default())
                    .cloned()
                    .unwrap_or_default();
                // AWS always knows a Query's partition key; a check that cannot tell
                // it would pass any LeadingKeys condition, so it refuses instead.
                let key = query_key(&body, &hash).ok_or_else(|| {
                    format!(
                        "a Query whose partition key this check cannot read: {}",
                        body["KeyConditionExpression"]
                    )
                })?;
                let mut req = one(op, &body["TableName"], vec![key]);
                if let Some(index) = index {
                    req.resource = format!("{}/index/{index}", req.resource);
                }
                vec![req]
            }
            "BatchGetItem" | "BatchWriteItem" => {
                let mut out = Vec::new();
                for (table, v) in body["RequestItems"].as_object().into_iter().flatten() {
                    let keys = if op == "BatchGetItem" {
                        v["Keys"]
                            .as_array()
                            .into_iter()
                            .flatten()
                            .filter_map(key_of)
                            .collect()
                    } else {
                        v.as_array()
                            .into_iter()
                            .flatten()
                            .filter_map(|w| {
                                key_of(&w["PutRequest"]["Item"])
                                    .or_else(|| key_of(&w["DeleteRequest"]["Key"]))
                            })
                            .collect()
                    };
                    out.push(one(op, &Json::String(table.clone()), keys));
                }
                out
            }
            // A transaction has no action of its own: each item is authorised as the
            // single-item action it is.
            "TransactWriteItems" | "TransactGetItems" => {
                let mut out = Vec::new();
                for item in body["TransactItems"].as_array().into_iter().flatten() {
                    for (kind, action) in [
                        ("Put", "PutItem"),
                        ("Update", "UpdateItem"),
                        ("Delete", "DeleteItem"),
                        ("ConditionCheck", "ConditionCheckItem"),
                        ("Get", "GetItem"),
                    ] {
                        let part = &item[kind];
                        if part.is_object() {
                            let key = if part["Key"].is_object() {
                                &part["Key"]
                            } else {
                                &part["Item"]
                            };
                            out.push(single(action, part, key));
                        }
                    }
                }
                out
            }
            _ => vec![one(op, &body["TableName"], Vec::new())],
        })
    }

    fn s3(&self, call: &AwsCall<'_>) -> Result<Vec<Request>, String> {
        let (bucket, key) = s3_target(call.uri);
        let object = |key: &str| format!("{}/{key}", self.bucket(&bucket));
        let req = |action: &str, resource: String| Request {
            action: format!("s3:{action}"),
            resource,
            context: BTreeMap::new(),
        };
        Ok(match call.operation {
            // A presigned GET is used by a browser; a read the function makes itself
            // relies on S3 saying NoSuchKey (404), which S3 says only to a caller that
            // may also list the bucket: to anyone else a missing key is AccessDenied.
            "GetObject" | "HeadObject" if call.uri.contains("X-Amz-Signature=") => {
                vec![req("GetObject", object(&key))]
            }
            "GetObject" | "HeadObject" => vec![
                req("GetObject", object(&key)),
                req("ListBucket", self.bucket(&bucket)),
            ],
            "PutObject" | "PostObject" => vec![req("PutObject", object(&key))],
            "DeleteObject" => vec![req("DeleteObject", object(&key))],
            "CopyObject" => {
                let (from_bucket, from_key) = s3_target(&format!(
                    "/{}",
                    call.copy_source.unwrap_or_default().trim_start_matches('/')
                ));
                vec![
                    req("PutObject", object(&key)),
                    req(
                        "GetObject",
                        format!("{}/{from_key}", self.bucket(&from_bucket)),
                    ),
                ]
            }
            "DeleteObjects" => xml_keys(call.body)
                .iter()
                .map(|k| req("DeleteObject", object(k)))
                .collect(),
            "ListObjectsV2" | "ListObjects" | "HeadBucket" => {
                vec![req("ListBucket", self.bucket(&bucket))]
            }
            op => vec![req(
                op,
                if key.is_empty() {
                    self.bucket(&bucket)
                } else {
                    object(&key)
                },
            )],
        })
    }
}

/// The partition key a Query reads: `hash = :v` in its key condition.
fn query_key(body: &Json, hash: &str) -> Option<String> {
    let expr = body["KeyConditionExpression"].as_str()?;
    for part in expr.split(" AND ").flat_map(|p| p.split(" and ")) {
        let Some((left, right)) = part.split_once('=') else {
            continue;
        };
        let left = left.trim().trim_start_matches('(');
        let name = if left.starts_with('#') {
            body["ExpressionAttributeNames"][left].as_str()?
        } else {
            left
        };
        if name == hash {
            let value = right.trim().trim_end_matches(')');
            return body["ExpressionAttributeValues"][value]["S"]
                .as_str()
                .map(str::to_string);
        }
    }
    None
}

/// Bucket and key of a path-style S3 URI (the emulator's; presigned too).
fn s3_target(uri: &str) -> (String, String) {
    let path = uri
        .split_once("://")
        .map_or(uri, |(_, rest)| rest.find('/').map_or("", |i| &rest[i..]));
    let path = path
        .split('?')
        .next()
        .unwrap_or_default()
        .trim_start_matches('/');
    let (bucket, key) = path.split_once('/').unwrap_or((path, ""));
    let decode = |s: &str| percent_decode(s);
    (decode(bucket), decode(key))
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(b) = s
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn xml_keys(body: &[u8]) -> Vec<String> {
    let text = String::from_utf8_lossy(body);
    text.split("<Key>")
        .skip(1)
        .filter_map(|s| s.split("</Key>").next())
        .map(str::to_string)
        .collect()
}

fn ses(call: &AwsCall<'_>) -> Vec<Request> {
    let identity = |name: &str| {
        format!("arn:${{AWS::Partition}}:ses:${{AWS::Region}}:${{AWS::AccountId}}:identity/{name}")
    };
    let mut req = Request {
        action: format!("ses:{}", call.operation),
        resource: "*".to_string(),
        context: BTreeMap::new(),
    };
    match call.operation {
        "SendEmail" => {
            let body: Json = serde_json::from_slice(call.body).unwrap_or_default();
            // SES v2's one SendEmail is authorised by what it sends.
            if body["Content"]["Raw"].is_object() {
                req.action = "ses:SendRawEmail".into();
            } else if body["Content"]["Template"].is_object() {
                req.action = "ses:SendTemplatedEmail".into();
            }
            let from = body["FromEmailAddress"]
                .as_str()
                .map(str::to_string)
                .or_else(|| raw_from(&body))
                .unwrap_or_default();
            let domain = from.rsplit('@').next().unwrap_or_default().to_string();
            req.resource = identity(&domain);
            req.context.insert("ses:FromAddress".into(), vec![from]);
        }
        "GetEmailIdentity" => {
            let name = call.uri.split("/identities/").nth(1).unwrap_or_default();
            req.resource = identity(&percent_decode(name.split('?').next().unwrap_or_default()));
        }
        _ => {}
    }
    vec![req]
}

/// The address in a raw message's `From:` header.
fn raw_from(body: &Json) -> Option<String> {
    use base64::Engine;
    let data = body["Content"]["Raw"]["Data"].as_str()?;
    let raw = base64::engine::general_purpose::STANDARD
        .decode(data)
        .ok()?;
    let text = String::from_utf8_lossy(&raw);
    let line = text
        .lines()
        .find(|l| l.to_ascii_lowercase().starts_with("from:"))?;
    let value = line[5..].trim();
    Some(match (value.rfind('<'), value.rfind('>')) {
        (Some(a), Some(b)) if a < b => value[a + 1..b].to_string(),
        _ => value.to_string(),
    })
}

/// A secret's ARN ends in six characters Secrets Manager adds to its name, which is
/// why policies name `NAME-??????`; a call by name stands for that ARN.
fn secret(call: &AwsCall<'_>) -> Request {
    let body: Json = serde_json::from_slice(call.body).unwrap_or_default();
    let id = body["SecretId"].as_str().unwrap_or_default();
    let name = match id.split_once(":secret:") {
        Some((_, name)) => name.to_string(),
        None => format!("{id}-AbCdEf"),
    };
    Request {
        action: format!("secretsmanager:{}", call.operation),
        resource: format!(
            "arn:${{AWS::Partition}}:secretsmanager:${{AWS::Region}}:${{AWS::AccountId}}:secret:{name}"
        ),
        context: BTreeMap::new(),
    }
}

fn manage_connections(call: &AwsCall<'_>) -> Request {
    let id = call.uri.split("/@connections/").nth(1).unwrap_or_default();
    Request {
        action: "execute-api:ManageConnections".into(),
        resource: format!(
            "arn:${{AWS::Partition}}:execute-api:${{AWS::Region}}:${{AWS::AccountId}}:${{WebSocketApi}}/${{Stage}}/{}/@connections/{}",
            call.method,
            percent_decode(id.split('?').next().unwrap_or_default())
        ),
        context: BTreeMap::new(),
    }
}

fn passes(test: &Test, req: &Request) -> bool {
    let matches = |v: &String| {
        test.values
            .iter()
            .any(|p| if test.like { glob(p, v) } else { p == v })
    };
    match req.context.get(&test.key) {
        // ForAllValues over no values holds, as in IAM.
        None => test.if_exists || test.for_all,
        Some(values) if test.for_all => values.iter().all(matches),
        Some(values) => values.len() == 1 && matches(&values[0]),
    }
}

/// IAM's wildcards: `*` any run of characters (`/` included), `?` any one.
pub fn glob(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    let (mut pi, mut ti, mut star, mut mark) = (0, 0, None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

/// One line of the record `iam-report` reads.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
enum Line {
    Used(Grant),
    Refused {
        function: String,
        action: String,
        resource: String,
    },
}

struct Recorder {
    file: Option<std::fs::File>,
    seen: HashSet<Grant>,
}

/// [`enforce`] with the policies read from `template` for the names `cfg` gives
/// the table, the bucket and the sender.
pub fn enforce_template(
    template: &Template,
    cfg: &campus::config::Config,
    record_dir: Option<PathBuf>,
) -> Result<(), String> {
    // Locally the secrets go by the names the template defaults to.
    let mut parameters = template.secret_names();
    parameters.insert("MailFrom".to_string(), cfg.mail_from.clone());
    let names = Names {
        table: cfg.table_name.clone(),
        bucket: cfg.bucket_name.clone(),
        parameters,
    };
    enforce(Policies::from_template(template, &names)?, record_dir);
    Ok(())
}

/// Installs the guard: every call of a named function is judged, refused calls fail
/// as AccessDenied would, and judgements go to `record_dir` (when given).
pub fn enforce(policies: Policies, record_dir: Option<PathBuf>) {
    let file = record_dir.and_then(|dir| {
        std::fs::create_dir_all(&dir).ok()?;
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(dir.join(format!("{}.jsonl", std::process::id())))
            .ok()
    });
    let recorder = Mutex::new(Recorder {
        file,
        seen: HashSet::new(),
    });
    campus::aws_calls::install(Box::new(move |call| {
        let requests = policies.requests(call)?;
        let mut out = Ok(());
        let mut lines = Vec::new();
        for req in &requests {
            let allowed = policies.allowing(call.function, req);
            if allowed.is_empty() {
                let message = format!(
                    "IAM: function {} may not {} on {} ({:?}): template.yaml's policy for it allows no such call",
                    call.function, req.action, req.resource, req.context
                );
                eprintln!("{message}");
                lines.push(Line::Refused {
                    function: call.function.into(),
                    action: req.action.clone(),
                    resource: req.resource.clone(),
                });
                out = Err(message);
            }
            lines.extend(allowed.into_iter().map(Line::Used));
        }
        let mut rec = recorder.lock().unwrap_or_else(|e| e.into_inner());
        let Recorder { file, seen } = &mut *rec;
        if let Some(file) = file {
            for line in lines {
                if let Line::Used(g) = &line
                    && !seen.insert(g.clone())
                {
                    continue;
                }
                if let Ok(text) = serde_json::to_string(&line) {
                    let _ = writeln!(file, "{text}");
                }
            }
        }
        out
    }));
}

/// Reads every record in `dir`: the refused calls, and the grants no call used.
pub fn report(policies: &Policies, dir: &Path) -> Result<String, String> {
    let mut used = BTreeSet::new();
    let mut refused = BTreeSet::new();
    let entries = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    for entry in entries.flatten() {
        let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
        for line in text.lines() {
            match serde_json::from_str::<Line>(line) {
                Ok(Line::Used(g)) => {
                    used.insert(g);
                }
                Ok(Line::Refused {
                    function,
                    action,
                    resource,
                }) => {
                    refused.insert(format!("{function}: {action} on {resource}"));
                }
                Err(_) => {}
            }
        }
    }
    let grants = policies.grants();
    let unused: Vec<_> = grants.difference(&used).collect();
    let mut out = format!(
        "IAM: {} of {} grants used by the tests, across {} functions\n",
        grants.len() - unused.len(),
        grants.len(),
        used.iter()
            .map(|g| &g.function)
            .collect::<BTreeSet<_>>()
            .len()
    );
    if !unused.is_empty() {
        out.push_str("Granted, and used by no test (needed only off the tested paths, or no longer needed):\n");
        for g in unused {
            out.push_str(&format!(
                "  {}: {} on {}\n",
                g.function, g.action, g.resource
            ));
        }
    }
    if refused.is_empty() {
        Ok(out)
    } else {
        out.push_str("Calls outside their function's policy:\n");
        for r in refused {
            out.push_str(&format!("  {r}\n"));
        }
        Err(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_are_iams() {
        assert!(glob("RATE#*", "RATE#u1#2026"));
        assert!(!glob("RATE#*", "C#1"));
        assert!(glob("${Table.Arn}", "${Table.Arn}"));
        assert!(!glob("${Table.Arn}", "${Table.Arn}/index/gsi1"));
        assert!(glob("a/*/@connections/*", "a/POST/@connections/x"));
        assert!(!glob("identity/*", "*"));
        assert!(glob("*", "identity/x"));
    }

    #[test]
    fn the_template_reads() {
        let template = Template::find().expect("template");
        let names = Names {
            table: "t".into(),
            bucket: "b".into(),
            parameters: BTreeMap::from([("MailFrom".into(), "no-reply@campus.local".into())]),
        };
        let p = Policies::from_template(&template, &names).expect("policies");
        let get_rate = Request {
            action: "dynamodb:GetItem".into(),
            resource: "${Table.Arn}".into(),
            context: BTreeMap::from([("dynamodb:LeadingKeys".into(), vec!["RATE#x".into()])]),
        };
        assert!(!p.allowing("system", &get_rate).is_empty());
        let scan = Request {
            action: "dynamodb:Scan".into(),
            ..get_rate.clone()
        };
        assert!(p.allowing("system", &scan).is_empty());
        let put_user = Request {
            action: "dynamodb:PutItem".into(),
            context: BTreeMap::from([("dynamodb:LeadingKeys".into(), vec!["C#1".into()])]),
            ..get_rate
        };
        assert!(p.allowing("system", &put_user).is_empty());
        assert!(!p.allowing("users", &put_user).is_empty());
    }

    fn policies() -> Policies {
        let template = Template::find().expect("template");
        let mut parameters = template.secret_names();
        parameters.insert("MailFrom".into(), "no-reply@campus.local".into());
        let names = Names {
            table: "campus-t".into(),
            bucket: "campus-b".into(),
            parameters,
        };
        Policies::from_template(&template, &names).expect("policies")
    }

    #[test]
    fn a_secret_is_read_only_by_the_functions_given_it() {
        let p = policies();
        let read = |function, id: &str| {
            let body = format!(r#"{{"SecretId":"{id}"}}"#);
            may(
                &p,
                function,
                "SecretsManager",
                "GetSecretValue",
                "/",
                body.as_bytes(),
            )
        };
        assert!(read("courses", "campus/jwt-secret"));
        assert!(read("auth", "campus/oauth"));
        assert!(read("stripe-webhook", "campus/stripe-webhook"));
        // The webhook, open to the internet, may not read the API key.
        assert!(!read("stripe-webhook", "campus/stripe"));
        assert!(read("billing", "campus/stripe"));
        // Functions that sign and verify no token never hold the JWT secret.
        for f in [
            "system",
            "mailer",
            "reminders",
            "stripe-webhook",
            "search-indexer",
        ] {
            assert!(!read(f, "campus/jwt-secret"), "{f}");
        }
        assert!(!read("courses", "campus/stripe"));
        assert!(!read("courses", "campus/jwt-secret-extra"));
        let arn = "arn:aws:secretsmanager:eu-west-1:1:secret:campus/ai-api-key-Xy12Zq";
        assert!(read("chat", arn));
    }

    fn call<'a>(
        function: &'static str,
        service: &'a str,
        operation: &'a str,
        uri: &'a str,
        body: &'a [u8],
    ) -> AwsCall<'a> {
        AwsCall {
            function,
            service,
            operation,
            method: "POST",
            uri,
            copy_source: None,
            body,
        }
    }

    /// Whether AWS would let `function` make this call, by its policy.
    fn may(
        p: &Policies,
        function: &'static str,
        service: &str,
        operation: &str,
        uri: &str,
        body: &[u8],
    ) -> bool {
        allowed(p, &call(function, service, operation, uri, body))
    }

    /// Whether AWS would let `function` make the call, by its policy.
    fn allowed(p: &Policies, c: &AwsCall<'_>) -> bool {
        let reqs = p.requests(c).expect("a call this check knows");
        !reqs.is_empty() && reqs.iter().all(|r| !p.allowing(c.function, r).is_empty())
    }

    #[test]
    fn an_index_is_its_own_resource() {
        let p = policies();
        let body = br##"{"TableName":"campus-t","IndexName":"gsi3","KeyConditionExpression":"#p = :p","ExpressionAttributeNames":{"#p":"gsi3pk"},"ExpressionAttributeValues":{":p":{"S":"DUE#2026-12-01"}}}"##;
        assert!(may(&p, "reminders", "DynamoDB", "Query", "/", body));
        assert!(!may(&p, "users", "DynamoDB", "Query", "/", body));
        // Another table is nobody's.
        let other = br##"{"TableName":"elsewhere","KeyConditionExpression":"pk = :p","ExpressionAttributeValues":{":p":{"S":"C#1"}}}"##;
        assert!(!may(&p, "users", "DynamoDB", "Query", "/", other));
    }

    #[test]
    fn a_transaction_is_authorised_item_by_item() {
        let p = policies();
        let body = br##"{"TransactItems":[{"Put":{"TableName":"campus-t","Item":{"pk":{"S":"C#1"},"sk":{"S":"X"}}}},{"ConditionCheck":{"TableName":"campus-t","Key":{"pk":{"S":"C#1"},"sk":{"S":"TEAM#1"}},"ConditionExpression":"attribute_exists(pk)"}}]}"##;
        let c = call("prompts", "DynamoDB", "TransactWriteItems", "/", body);
        let actions: Vec<_> = p
            .requests(&c)
            .unwrap()
            .into_iter()
            .map(|r| r.action)
            .collect();
        assert_eq!(actions, ["dynamodb:PutItem", "dynamodb:ConditionCheckItem"]);
        assert!(allowed(&p, &c));
        // The mailer may put, but checks no condition on another item.
        assert!(!may(
            &p,
            "mailer",
            "DynamoDB",
            "TransactWriteItems",
            "/",
            body
        ));
    }

    #[test]
    fn an_api_keys_last_use_is_all_a_reader_may_update() {
        let p = policies();
        let noted = br##"{"TableName":"campus-t","Key":{"pk":{"S":"C#1#U#2"},"sk":{"S":"APIKEY#3"}},"UpdateExpression":"SET #a = :a, #b = :b","ConditionExpression":"attribute_exists(#p)","ExpressionAttributeNames":{"#a":"lastUsedAt","#b":"lastUsedEpoch","#p":"pk"},"ExpressionAttributeValues":{":a":{"S":"x"},":b":{"N":"1"}}}"##;
        assert!(may(&p, "audit", "DynamoDB", "UpdateItem", "/", noted));
        let role = br##"{"TableName":"campus-t","Key":{"pk":{"S":"C#1#U#2"},"sk":{"S":"USER"}},"UpdateExpression":"SET #r = :r","ExpressionAttributeNames":{"#r":"role"},"ExpressionAttributeValues":{":r":{"S":"admin"}}}"##;
        assert!(!may(&p, "audit", "DynamoDB", "UpdateItem", "/", role));
        assert!(may(&p, "users", "DynamoDB", "UpdateItem", "/", role));
    }

    #[test]
    fn s3_and_ses_are_judged_by_bucket_prefix_and_sender() {
        let p = policies();
        let pdf = "http://127.0.0.1:4566/campus-b/certificates/c1/x.pdf?X-Amz-Signature=abc";
        assert!(may(&p, "certificates", "S3", "GetObject", pdf, b""));
        assert!(!may(&p, "search", "S3", "GetObject", pdf, b""));
        let upload = "http://127.0.0.1:4566/campus-b/uploads/c1/f1";
        assert!(may(&p, "upload-checker", "S3", "DeleteObject", upload, b""));
        assert!(!may(&p, "upload-checker", "S3", "DeleteObject", pdf, b""));
        let ours =
            br##"{"FromEmailAddress":"no-reply@campus.local","Content":{"Raw":{"Data":""}}}"##;
        let theirs = br##"{"FromEmailAddress":"ceo@campus.local","Content":{"Raw":{"Data":""}}}"##;
        let simple = br##"{"FromEmailAddress":"no-reply@campus.local","Content":{"Simple":{}}}"##;
        // The mailer sends raw MIME: ses:SendRawEmail, not ses:SendEmail.
        assert!(!may(
            &p,
            "mailer",
            "SESv2",
            "SendEmail",
            "/v2/email/outbound-emails",
            simple
        ));
        assert!(may(
            &p,
            "mailer",
            "SESv2",
            "SendEmail",
            "/v2/email/outbound-emails",
            ours
        ));
        assert!(!may(
            &p,
            "mailer",
            "SESv2",
            "SendEmail",
            "/v2/email/outbound-emails",
            theirs
        ));
        assert!(!may(
            &p,
            "users",
            "SESv2",
            "SendEmail",
            "/v2/email/outbound-emails",
            ours
        ));
    }
}

//! Locally, the table's stream reaches the search indexer through the emulator's
//! DynamoDB Streams API, read here the way Lambda's event source mapping reads it
//! (shard iterator, records in order) and handed to the same handler the Lambda
//! runs, as the `{"Records": [...]}` event Lambda would build.
//!
//! The reader keeps the sequence number of the last record it handed on. An iterator
//! lapses after 15 minutes and records after 24 hours, in AWS and in the local
//! emulator alike, so whenever an iterator fails the reader asks for a fresh one
//! after that sequence number, and says so when records were lost.

use campus::{AppState, config::Config};
use serde_json::{Value, json};
use tokio::sync::Mutex;

/// One reader of the table's stream: where it has got to.
pub struct StreamReader {
    cfg: Config,
    http: reqwest::Client,
    at: Mutex<Position>,
}

#[derive(Default)]
struct Position {
    /// The iterator to read next, if one is held.
    iterator: Option<String>,
    /// The stream and shard read, and the last record handed on from it.
    shard: Option<(String, String)>,
    sequence: Option<String>,
}

/// An answer of the Streams API that is not a success: its error type and all of it.
struct CallError {
    kind: String,
    message: String,
}

impl From<CallError> for String {
    fn from(e: CallError) -> Self {
        e.message
    }
}

impl StreamReader {
    pub fn new(cfg: &Config) -> Self {
        Self {
            cfg: cfg.clone(),
            // Built once (it loads the system's root certificates): it keeps no idle
            // connection, so callers on different runtimes (tests) can share it.
            http: reqwest::Client::builder()
                .pool_max_idle_per_host(0)
                .build()
                .unwrap_or_default(),
            at: Mutex::new(Position::default()),
        }
    }

    /// One DynamoDB Streams call; the emulator checks no signature, only that the
    /// credential scope names DynamoDB.
    async fn call(&self, action: &str, body: Value) -> Result<Value, CallError> {
        let fail = |message: String| CallError {
            kind: String::new(),
            message,
        };
        let endpoint = self
            .cfg
            .aws
            .endpoint_url
            .as_deref()
            .ok_or_else(|| fail("no local emulator configured".into()))?;
        let res = self
            .http
            .post(endpoint)
            .header("content-type", "application/x-amz-json-1.0")
            .header("x-amz-target", format!("DynamoDBStreams_20120810.{action}"))
            .header(
                "authorization",
                format!(
                    "AWS4-HMAC-SHA256 Credential=test/20260101/{}/dynamodb/aws4_request, SignedHeaders=host, Signature=0",
                    self.cfg.aws.region
                ),
            )
            .body(body.to_string())
            .send()
            .await
            .map_err(|e| fail(format!("{action}: {e}")))?;
        let status = res.status();
        let v: Value = res
            .json()
            .await
            .map_err(|e| fail(format!("{action}: {e}")))?;
        if !status.is_success() {
            let kind = v["__type"]
                .as_str()
                .and_then(|t| t.rsplit('#').next())
                .unwrap_or_default()
                .to_string();
            return Err(CallError {
                kind,
                message: format!("{action}: {status} {v}"),
            });
        }
        Ok(v)
    }

    /// A fresh iterator: after the last record handed on when the reader has got
    /// somewhere in this shard, else at the oldest record kept.
    async fn iterator(&self, at: &mut Position) -> Result<String, CallError> {
        let fail = |message: String| CallError {
            kind: String::new(),
            message,
        };
        let table = campus::aws::Aws::new(&self.cfg)
            .dynamodb()
            .describe_table()
            .table_name(&self.cfg.table_name)
            .send()
            .await
            .map_err(|e| fail(format!("describing the table: {e:?}")))?;
        let arn = table
            .table
            .and_then(|t| t.latest_stream_arn)
            .ok_or_else(|| fail("the table has no stream".into()))?;
        let stream = self
            .call("DescribeStream", json!({"StreamArn": arn}))
            .await?;
        let shard = stream["StreamDescription"]["Shards"][0]["ShardId"]
            .as_str()
            .ok_or_else(|| fail("the stream has no shard".into()))?
            .to_string();
        let here = (arn.clone(), shard.clone());
        if at.shard.as_ref() != Some(&here) {
            if at.shard.is_some() {
                tracing::warn!(stream = %arn, "the table's stream changed; reading it from its oldest record");
            }
            at.shard = Some(here);
            at.sequence = None;
        }
        let oldest =
            json!({"StreamArn": arn, "ShardId": shard, "ShardIteratorType": "TRIM_HORIZON"});
        let it = match &at.sequence {
            None => self.call("GetShardIterator", oldest).await?,
            Some(seq) => {
                let after = json!({"StreamArn": arn, "ShardId": shard, "ShardIteratorType": "AFTER_SEQUENCE_NUMBER", "SequenceNumber": seq});
                match self.call("GetShardIterator", after).await {
                    Err(e) if e.kind == "TrimmedDataAccessException" => {
                        tracing::warn!(
                            after = %seq,
                            "stream records past the reader's position lapsed unread; reading on from the oldest kept"
                        );
                        self.call("GetShardIterator", oldest).await?
                    }
                    Err(e) if e.kind == "ValidationException" => {
                        tracing::warn!(
                            after = %seq,
                            "the stream does not know the reader's position; reading it from its oldest record"
                        );
                        at.sequence = None;
                        self.call("GetShardIterator", oldest).await?
                    }
                    other => other?,
                }
            }
        };
        it["ShardIterator"]
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| fail("no shard iterator".into()))
    }

    /// Hands every record written since the last call to the search indexer; how
    /// many records there were.
    pub async fn drain_once(&self, state: &AppState) -> Result<usize, String> {
        let mut at = self.at.lock().await;
        let mut handed = 0;
        let mut renewed = false;
        loop {
            let iterator = match at.iterator.clone() {
                Some(i) => i,
                None => self.iterator(&mut at).await?,
            };
            let got = match self
                .call(
                    "GetRecords",
                    json!({"ShardIterator": iterator, "Limit": 1000}),
                )
                .await
            {
                Ok(got) => got,
                Err(e) => {
                    // Lapsed or unknown: a fresh one from the sequence number, once.
                    at.iterator = None;
                    let stale = ["ExpiredIteratorException", "ValidationException"];
                    if !renewed && stale.contains(&e.kind.as_str()) {
                        tracing::info!(error = %e.message, "stream iterator renewed by sequence number");
                        renewed = true;
                        continue;
                    }
                    return Err(e.into());
                }
            };
            let mut records = got["Records"].as_array().cloned().unwrap_or_default();
            for r in &mut records {
                lambda_record(r);
            }
            if !records.is_empty() {
                let out = campus_search_indexer::handle(state, json!({ "Records": records }))
                    .await
                    .map_err(|e| format!("{e:?}"))?;
                // A reported record: the batch is read again whole next time (Lambda
                // would resume at that record; indexing twice changes nothing).
                if out["batchItemFailures"]
                    .as_array()
                    .is_some_and(|f| !f.is_empty())
                {
                    return Err(format!("indexing stopped at {}", out["batchItemFailures"]));
                }
                at.sequence = records
                    .last()
                    .and_then(|r| r["dynamodb"]["SequenceNumber"].as_str())
                    .map(str::to_string);
            }
            // Moved on only once handled: a failed batch is read again next time.
            at.iterator = got["NextShardIterator"]
                .as_str()
                .map(str::to_string)
                .or(Some(iterator));
            if records.is_empty() {
                return Ok(handed);
            }
            handed += records.len();
        }
    }
}

/// A Streams API record as Lambda hands it on: the creation time as epoch seconds
/// (dropped: the indexer does not read it), and the TTL service's identity spelt
/// `principalId` / `type`.
fn lambda_record(r: &mut Value) {
    if let Some(d) = r.get_mut("dynamodb").and_then(Value::as_object_mut) {
        d.remove("ApproximateCreationDateTime");
    }
    if let Some(id) = r.get_mut("userIdentity").and_then(Value::as_object_mut) {
        for (from, to) in [("PrincipalId", "principalId"), ("Type", "type")] {
            if let Some(v) = id.remove(from) {
                id.insert(to.to_string(), v);
            }
        }
    }
}

//! Locally, the table's stream reaches the search indexer through the emulator's
//! DynamoDB Streams API, read here the way Lambda's event source mapping reads it
//! (shard iterator, records in order) and handed to the same handler the Lambda
//! runs, as the `{"Records": [...]}` event Lambda would build.

use campus::{AppState, config::Config};
use serde_json::{Value, json};
use tokio::sync::Mutex;

/// One reader of the table's stream: where it has got to.
pub struct StreamReader {
    cfg: Config,
    next: Mutex<Option<String>>,
}

impl StreamReader {
    pub fn new(cfg: &Config) -> Self {
        Self {
            cfg: cfg.clone(),
            next: Mutex::new(None),
        }
    }

    /// One DynamoDB Streams call; the emulator checks no signature, only that the
    /// credential scope names DynamoDB.
    async fn call(&self, action: &str, body: Value) -> Result<Value, String> {
        let endpoint = self
            .cfg
            .aws_endpoint_url
            .as_deref()
            .ok_or("no local emulator configured")?;
        // A client per call: callers may run on different runtimes (tests).
        let client = reqwest::Client::builder()
            .pool_max_idle_per_host(0)
            .build()
            .map_err(|e| e.to_string())?;
        let res = client
            .post(endpoint)
            .header("content-type", "application/x-amz-json-1.0")
            .header("x-amz-target", format!("DynamoDBStreams_20120810.{action}"))
            .header(
                "authorization",
                format!(
                    "AWS4-HMAC-SHA256 Credential=test/20260101/{}/dynamodb/aws4_request, SignedHeaders=host, Signature=0",
                    self.cfg.aws_region
                ),
            )
            .body(body.to_string())
            .send()
            .await
            .map_err(|e| format!("{action}: {e}"))?;
        let status = res.status();
        let v: Value = res.json().await.map_err(|e| format!("{action}: {e}"))?;
        if !status.is_success() {
            return Err(format!("{action}: {status} {v}"));
        }
        Ok(v)
    }

    async fn first_iterator(&self) -> Result<String, String> {
        let table = campus::aws::Aws::new(&self.cfg)
            .dynamodb()
            .describe_table()
            .table_name(&self.cfg.table_name)
            .send()
            .await
            .map_err(|e| format!("describing the table: {e:?}"))?;
        let arn = table
            .table
            .and_then(|t| t.latest_stream_arn)
            .ok_or("the table has no stream")?;
        let stream = self
            .call("DescribeStream", json!({"StreamArn": arn}))
            .await?;
        let shard = stream["StreamDescription"]["Shards"][0]["ShardId"]
            .as_str()
            .ok_or("the stream has no shard")?
            .to_string();
        let it = self
            .call(
                "GetShardIterator",
                json!({"StreamArn": arn, "ShardId": shard, "ShardIteratorType": "TRIM_HORIZON"}),
            )
            .await?;
        it["ShardIterator"]
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| "no shard iterator".to_string())
    }

    /// Hands every record written since the last call to the search indexer; how
    /// many records there were.
    pub async fn drain_once(&self, state: &AppState) -> Result<usize, String> {
        let mut next = self.next.lock().await;
        let mut handed = 0;
        loop {
            let iterator = match next.clone() {
                Some(i) => i,
                None => self.first_iterator().await?,
            };
            let got = self
                .call(
                    "GetRecords",
                    json!({"ShardIterator": iterator, "Limit": 1000}),
                )
                .await?;
            let mut records = got["Records"].as_array().cloned().unwrap_or_default();
            for r in &mut records {
                // Lambda's records carry the creation time as epoch seconds; the
                // indexer does not read it.
                if let Some(d) = r.get_mut("dynamodb").and_then(Value::as_object_mut) {
                    d.remove("ApproximateCreationDateTime");
                }
            }
            if !records.is_empty() {
                campus_search_indexer::handle(state, json!({ "Records": records }))
                    .await
                    .map_err(|e| format!("{e:?}"))?;
            }
            // Moved on only once handled: a failed batch is read again next time.
            *next = got["NextShardIterator"]
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

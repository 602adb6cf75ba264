//! The single table. Nothing else in the code base talks to DynamoDB.
//!
//! Items are an entity's own fields (via serde_dynamo) plus the key attributes its
//! [`Entity::keys`] builds. Updates are whole-item puts guarded by a condition
//! (usually the `version` read), so a concurrent writer gets a conflict, not a lost update.

pub mod cursor;
pub mod keys;
pub mod metrics;

use std::collections::HashMap;

use aws_sdk_dynamodb::{
    Client,
    error::{ProvideErrorMetadata, SdkError},
    types::{Delete, Put, TransactWriteItem},
};
use serde::{Serialize, de::DeserializeOwned};

pub use aws_sdk_dynamodb::types::AttributeValue;
pub use keys::{Key, Keys};

use crate::error::ApiError;

pub type Item = HashMap<String, AttributeValue>;

/// A stored entity: its name (the `entity` attribute every item carries, by which
/// readers tell items apart) and how its item's keys are made.
pub trait Entity: Serialize + DeserializeOwned {
    const NAME: &'static str;
    fn keys(&self) -> Keys;
}

#[derive(Clone, Debug)]
pub struct Db {
    client: Client,
    table: String,
    /// Signs list cursors, so the only cursors followed are ones this API handed out.
    cursors: cursor::Signer,
}

/// Why a write did not happen.
#[derive(Debug)]
pub enum WriteError {
    /// A condition failed; for a transaction, the index of the first failing item.
    Condition(Option<usize>),
    Api(ApiError),
}

impl WriteError {
    /// The API's answer to a failed write: `refused` when its condition failed.
    pub fn or(self, refused: ApiError) -> ApiError {
        match self {
            WriteError::Condition(_) => refused,
            WriteError::Api(e) => e,
        }
    }
}

/// A write whose refused condition means it is done already (gone, or applied).
pub trait Settled {
    fn settled(self) -> Result<(), ApiError>;
}

impl Settled for Result<(), WriteError> {
    fn settled(self) -> Result<(), ApiError> {
        match self {
            Ok(()) | Err(WriteError::Condition(_)) => Ok(()),
            Err(WriteError::Api(e)) => Err(e),
        }
    }
}

impl From<WriteError> for ApiError {
    fn from(e: WriteError) -> Self {
        match e {
            WriteError::Condition(_) => {
                ApiError::Conflict("The resource was changed or already exists".into())
            }
            WriteError::Api(e) => e,
        }
    }
}

/// A secondary index of the table.
#[derive(Clone, Copy, Debug)]
pub enum Index {
    /// Projects everything: alternative listings of whole entities.
    Gsi1,
    /// Projects a few attributes: company-wide rows for reports.
    Gsi2,
    /// Open assignments by due day (reminders).
    Gsi3,
}

impl Index {
    fn name(self) -> &'static str {
        match self {
            Self::Gsi1 => "gsi1",
            Self::Gsi2 => "gsi2",
            Self::Gsi3 => "gsi3",
        }
    }
    fn attrs(index: Option<Self>) -> (&'static str, &'static str) {
        match index {
            None => ("pk", "sk"),
            Some(Self::Gsi1) => ("gsi1pk", "gsi1sk"),
            Some(Self::Gsi2) => ("gsi2pk", "gsi2sk"),
            Some(Self::Gsi3) => ("gsi3pk", "gsi3sk"),
        }
    }
}

/// One page of a query.
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

/// A filter on a query, applied by DynamoDB after the key condition, and the order.
#[derive(Clone, Default)]
pub struct Filter {
    pub expression: Vec<String>,
    pub values: Vec<(String, AttributeValue)>,
    pub names: Vec<(String, String)>,
    /// Descending sort-key order (newest first, for ULID keys).
    pub descending: bool,
    /// Sort keys from..=to, in place of the prefix (a time range of ULID keys).
    pub range: Option<(String, String)>,
}

impl Filter {
    /// Only sort keys in `from..=to` (the key condition, not a filter: nothing
    /// outside is read).
    pub fn between(mut self, from: String, to: String) -> Self {
        self.range = Some((from, to));
        self
    }

    /// Newest first: descending sort-key order.
    pub fn newest_first(mut self) -> Self {
        self.descending = true;
        self
    }

    /// `attr = value`
    pub fn eq(mut self, attr: &str, value: impl Serialize) -> Result<Self, ApiError> {
        let n = self.values.len();
        self.names.push((format!("#f{n}"), attr.to_string()));
        self.values.push((format!(":f{n}"), to_value(value)?));
        self.expression.push(format!("#f{n} = :f{n}"));
        Ok(self)
    }
    /// `(a = x OR b = y ...)`: any one of the equalities holds.
    pub fn eq_any(mut self, pairs: &[(&str, AttributeValue)]) -> Self {
        let mut any = Vec::new();
        for (attr, value) in pairs {
            let n = self.values.len();
            self.names.push((format!("#f{n}"), attr.to_string()));
            self.values.push((format!(":f{n}"), value.clone()));
            any.push(format!("#f{n} = :f{n}"));
        }
        self.expression.push(format!("({})", any.join(" OR ")));
        self
    }
    /// `contains(attr, value)`
    pub fn contains(mut self, attr: &str, value: &str) -> Result<Self, ApiError> {
        let n = self.values.len();
        self.names.push((format!("#f{n}"), attr.to_string()));
        self.values.push((format!(":f{n}"), to_value(value)?));
        self.expression.push(format!("contains(#f{n}, :f{n})"));
        Ok(self)
    }
}

/// Every `#word` in an expression, mapped to the attribute `word`.
pub fn hash_names(expression: &str) -> Vec<(String, String)> {
    let mut names: Vec<(String, String)> = Vec::new();
    let mut rest = expression;
    while let Some(i) = rest.find('#') {
        let tail = &rest[i + 1..];
        let end = tail
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(tail.len());
        let word = &tail[..end];
        if !word.is_empty() && !names.iter().any(|(n, _)| n[1..] == *word) {
            names.push((format!("#{word}"), word.to_string()));
        }
        rest = &tail[end..];
    }
    names
}

pub fn to_value(v: impl Serialize) -> Result<AttributeValue, ApiError> {
    serde_dynamo::to_attribute_value(v).map_err(ApiError::internal)
}

/// DynamoDB's limits on key attributes, in bytes.
const MAX_PARTITION_KEY: usize = 2048;
const MAX_SORT_KEY: usize = 1024;

/// A key built from ids in the path: one too long for DynamoDB names nothing that can
/// exist, so it answers 404 rather than letting DynamoDB refuse it with a 500.
fn to_key(key: &Key) -> Result<Item, ApiError> {
    if key.pk.len() > MAX_PARTITION_KEY || key.sk.len() > MAX_SORT_KEY {
        return Err(ApiError::NotFound);
    }
    serde_dynamo::to_item(key).map_err(ApiError::internal)
}

pub fn to_stored_item<E: Entity>(entity: &E) -> Result<Item, ApiError> {
    let k = entity.keys();
    to_key(&k.key())?;
    let mut item: Item = serde_dynamo::to_item(entity).map_err(ApiError::internal)?;
    let keys: Item = serde_dynamo::to_item(k).map_err(ApiError::internal)?;
    item.extend(keys);
    Ok(item)
}

fn expired(item: &Item) -> bool {
    // DynamoDB deletes expired items lazily (days later, or never in the emulator).
    match item.get("ttl").and_then(|v| v.as_n().ok()) {
        Some(n) => n
            .parse::<i64>()
            .is_ok_and(|t| t <= crate::clock::now().unix_timestamp()),
        None => false,
    }
}

fn from_stored<T: DeserializeOwned>(item: Item) -> Result<T, ApiError> {
    serde_dynamo::from_item(item).map_err(ApiError::internal)
}

/// Maps an SDK failure to what a client should see: throttling and network trouble
/// are worth a retry (503), anything else is our bug (500).
pub fn sdk_error<E, R>(err: SdkError<E, R>) -> ApiError
where
    E: ProvideErrorMetadata + std::fmt::Debug,
    R: std::fmt::Debug,
{
    match &err {
        SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) | SdkError::ResponseError(_) => {
            tracing::warn!(error = ?err, "DynamoDB unreachable");
            ApiError::Unavailable { retry_after: 2 }
        }
        SdkError::ServiceError(se) => match se.err().code() {
            Some(
                "ProvisionedThroughputExceededException"
                | "ThrottlingException"
                | "RequestLimitExceeded"
                | "InternalServerError"
                | "ServiceUnavailable",
            ) => ApiError::Unavailable { retry_after: 2 },
            _ => ApiError::Internal(format!("DynamoDB: {:?}", se.err())),
        },
        _ => ApiError::Internal(format!("DynamoDB: {err:?}")),
    }
}

fn is_condition_failure<E: ProvideErrorMetadata, R>(err: &SdkError<E, R>) -> bool {
    matches!(err, SdkError::ServiceError(se) if se.err().code() == Some("ConditionalCheckFailedException"))
}

/// Adds a condition, its values and every `#name` (the condition's and `extra`'s) to
/// any of the SDK's request builders, which share the method names but not a trait.
macro_rules! with_cond {
    ($builder:expr, $cond:expr) => {
        with_cond!($builder, $cond, Vec::<(String, String)>::new())
    };
    ($builder:expr, $cond:expr, $extra_names:expr) => {{
        let mut b = $builder;
        let mut names: Vec<(String, String)> = $extra_names;
        if let Some(c) = $cond {
            b = b.condition_expression(c.expression);
            for (k, v) in c.values {
                b = b.expression_attribute_values(k, v);
            }
            names.extend(c.names);
        }
        names.sort();
        names.dedup();
        for (k, v) in names {
            b = b.expression_attribute_names(k, v);
        }
        b
    }};
}

/// A condition on a write, with its placeholders' values.
#[derive(Clone, Debug, Default)]
pub struct Cond {
    pub expression: String,
    pub values: Vec<(String, AttributeValue)>,
    /// `#name` placeholders: every attribute in an expression goes through one, so no
    /// DynamoDB reserved word (`status`, `name`, ...) can break it.
    pub names: Vec<(String, String)>,
}

impl Cond {
    /// The item must not exist yet.
    pub fn absent() -> Option<Self> {
        Some(Self {
            expression: "attribute_not_exists(pk)".into(),
            ..Self::default()
        })
    }
    /// The item must exist.
    pub fn present() -> Option<Self> {
        Some(Self {
            expression: "attribute_exists(pk)".into(),
            ..Self::default()
        })
    }
    /// The stored item's `version` must still be the one read.
    pub fn version(v: u64) -> Option<Self> {
        Some(Self {
            expression: "#version = :expected_version".into(),
            values: vec![(":expected_version".into(), AttributeValue::N(v.to_string()))],
            names: vec![("#version".into(), "version".into())],
        })
    }
    /// `expression` over `#attr` names and `:value` placeholders; each `#attr` maps to
    /// the attribute of the same name.
    pub fn expr(expression: &str, values: Vec<(String, AttributeValue)>) -> Option<Self> {
        Some(Self {
            expression: expression.into(),
            values,
            names: hash_names(expression),
        })
    }
}

/// A multi-item write that all happens or none does.
#[derive(Default)]
pub struct Tx {
    items: Vec<TransactWriteItem>,
    table: String,
    error: Option<ApiError>,
    audit: Option<crate::audit::AuditSlot>,
}

impl Tx {
    /// How many writes the transaction holds: the index the next one will have, for
    /// telling which condition failed.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    pub fn put<E: Entity>(mut self, entity: &E, cond: Option<Cond>) -> Self {
        match to_stored_item(entity) {
            Ok(item) => {
                let put = with_cond!(
                    Put::builder().table_name(&self.table).set_item(Some(item)),
                    cond
                );
                self.push(
                    put.build()
                        .map(|p| TransactWriteItem::builder().put(p).build()),
                )
            }
            Err(e) => {
                self.error.get_or_insert(e);
                self
            }
        }
    }

    pub fn delete(mut self, key: &Key, cond: Option<Cond>) -> Self {
        match to_key(key) {
            Ok(k) => {
                let del = with_cond!(
                    Delete::builder().table_name(&self.table).set_key(Some(k)),
                    cond
                );
                self.push(
                    del.build()
                        .map(|d| TransactWriteItem::builder().delete(d).build()),
                )
            }
            Err(e) => {
                self.error.get_or_insert(e);
                self
            }
        }
    }

    /// A condition on an item the transaction does not write (it must still hold
    /// when the rest is written).
    pub fn check(mut self, key: &Key, cond: Option<Cond>) -> Self {
        let key = match to_key(key) {
            Ok(k) => k,
            Err(e) => {
                self.error.get_or_insert(e);
                return self;
            }
        };
        let check = with_cond!(
            aws_sdk_dynamodb::types::ConditionCheck::builder()
                .table_name(&self.table)
                .set_key(Some(key)),
            cond
        );
        self.push(
            check
                .build()
                .map(|c| TransactWriteItem::builder().condition_check(c).build()),
        )
    }

    /// An update expression (`SET #a = :a`) on one item.
    pub fn update(
        mut self,
        key: &Key,
        expression: &str,
        values: Vec<(String, AttributeValue)>,
        cond: Option<Cond>,
    ) -> Self {
        let key = match to_key(key) {
            Ok(k) => k,
            Err(e) => {
                self.error.get_or_insert(e);
                return self;
            }
        };
        let up = aws_sdk_dynamodb::types::Update::builder()
            .table_name(&self.table)
            .set_key(Some(key))
            .update_expression(expression)
            .set_expression_attribute_values(
                (!values.is_empty()).then(|| values.into_iter().collect()),
            );
        let up = with_cond!(up, cond, hash_names(expression));
        self.push(
            up.build()
                .map(|u| TransactWriteItem::builder().update(u).build()),
        )
    }

    /// `SET`s the named attributes of one item, creating it if need be, under its
    /// entity name: an item an update creates has no other key attributes, and
    /// readers that pick items by entity (`entity_of`) would not find it otherwise.
    /// For items two writers fill in parts, neither undoing the other.
    pub fn upsert<E: Entity>(
        self,
        key: &Key,
        fields: Vec<(&str, AttributeValue)>,
        cond: Option<Cond>,
    ) -> Self {
        let fields = std::iter::once(("entity", AttributeValue::S(E::NAME.into()))).chain(fields);
        let (sets, values): (Vec<String>, Vec<(String, AttributeValue)>) = fields
            .map(|(name, v)| (format!("#{name} = :{name}"), (format!(":{name}"), v)))
            .unzip();
        self.update(key, &format!("SET {}", sets.join(", ")), values, cond)
    }

    /// Writes every attribute of `entity` except the key and `keep`, as one update:
    /// what other writers change in `keep` meanwhile (a set of attendees) survives.
    pub fn put_except<E: Entity>(mut self, entity: &E, keep: &[&str], cond: Option<Cond>) -> Self {
        let item = match to_stored_item(entity) {
            Ok(i) => i,
            Err(e) => {
                self.error.get_or_insert(e);
                return self;
            }
        };
        let key = entity.keys().key();
        let mut sets = Vec::new();
        let mut values = Vec::new();
        let mut attrs: Vec<_> = item
            .into_iter()
            .filter(|(name, _)| name != "pk" && name != "sk" && !keep.contains(&name.as_str()))
            .collect();
        attrs.sort_by(|a, b| a.0.cmp(&b.0));
        for (n, (name, value)) in attrs.into_iter().enumerate() {
            sets.push(format!("#{name} = :v{n}"));
            values.push((format!(":v{n}"), value));
        }
        let expression = format!("SET {}", sets.join(", "));
        self.update(&key, &expression, values, cond)
    }

    /// Writes this request's audit entry (with the status the handler will answer)
    /// in the same transaction, so the middleware need not write it separately.
    pub fn audit(
        mut self,
        audit: &crate::audit::Audit,
        status: u16,
        resource_id: Option<&str>,
    ) -> Self {
        match audit.0.entry(status, resource_id) {
            Some(entry) => {
                self.audit = Some(audit.0.clone());
                self.put(&entry, None)
            }
            None => self,
        }
    }

    fn push<E: std::fmt::Display>(mut self, item: Result<TransactWriteItem, E>) -> Self {
        match item {
            Ok(i) => self.items.push(i),
            Err(e) => {
                self.error.get_or_insert(ApiError::internal(e));
            }
        }
        self
    }
}

impl Db {
    /// `secret`: the server's secret, from which the cursor-signing key is derived.
    pub fn new(client: Client, table: impl Into<String>, secret: &str) -> Self {
        Self {
            client,
            table: table.into(),
            cursors: cursor::Signer::new(secret),
        }
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    pub fn table(&self) -> &str {
        &self.table
    }

    /// Reads one item; an item past its TTL counts as absent.
    pub async fn get<T: DeserializeOwned>(&self, key: &Key) -> Result<Option<T>, ApiError> {
        self.get_with(key, false).await
    }

    /// Reads one item a request names; 404 when it does not exist (or lies in another
    /// company's partition, which the key makes the same thing).
    pub async fn find<T: DeserializeOwned>(&self, key: &Key) -> Result<T, ApiError> {
        self.get(key).await?.ok_or(ApiError::NotFound)
    }

    /// A strongly consistent read, for checks that must see the latest write (sessions).
    pub async fn get_consistent<T: DeserializeOwned>(
        &self,
        key: &Key,
    ) -> Result<Option<T>, ApiError> {
        self.get_with(key, true).await
    }

    async fn get_with<T: DeserializeOwned>(
        &self,
        key: &Key,
        consistent: bool,
    ) -> Result<Option<T>, ApiError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(to_key(key)?))
            .consistent_read(consistent)
            .send()
            .await
            .map_err(sdk_error)?;
        match out.item {
            Some(item) if !expired(&item) => Ok(Some(from_stored(item)?)),
            _ => Ok(None),
        }
    }

    /// Reads several items in one round trip (at most 100 keys); missing ones are skipped.
    pub async fn get_many(&self, keys: &[Key]) -> Result<Vec<Item>, ApiError> {
        self.get_many_with(keys, false).await
    }

    /// [`Db::get_many`], strongly consistent: for items written a moment ago.
    pub async fn get_many_consistent(&self, keys: &[Key]) -> Result<Vec<Item>, ApiError> {
        self.get_many_with(keys, true).await
    }

    async fn get_many_with(&self, keys: &[Key], consistent: bool) -> Result<Vec<Item>, ApiError> {
        if keys.is_empty() {
            return Ok(vec![]);
        }
        let mut ka =
            aws_sdk_dynamodb::types::KeysAndAttributes::builder().consistent_read(consistent);
        for k in keys {
            ka = ka.keys(to_key(k)?);
        }
        let ka = ka.build().map_err(ApiError::internal)?;
        let mut pending = HashMap::from([(self.table.clone(), ka)]);
        let mut found = Vec::new();
        // Unprocessed keys come back under load; a few retries settle them.
        for _ in 0..5 {
            let out = self
                .client
                .batch_get_item()
                .set_request_items(Some(pending))
                .send()
                .await
                .map_err(sdk_error)?;
            if let Some(mut res) = out.responses {
                found.extend(
                    res.remove(&self.table)
                        .unwrap_or_default()
                        .into_iter()
                        .filter(|i| !expired(i)),
                );
            }
            match out.unprocessed_keys {
                Some(u) if !u.is_empty() => pending = u,
                _ => return Ok(found),
            }
        }
        Err(ApiError::Unavailable { retry_after: 1 })
    }

    pub async fn put<E: Entity>(&self, entity: &E, cond: Option<Cond>) -> Result<(), WriteError> {
        let item = to_stored_item(entity).map_err(WriteError::Api)?;
        let req = with_cond!(
            self.client
                .put_item()
                .table_name(&self.table)
                .set_item(Some(item)),
            cond
        );
        match req.send().await {
            Ok(_) => Ok(()),
            Err(e) if is_condition_failure(&e) => Err(WriteError::Condition(None)),
            Err(e) => Err(WriteError::Api(sdk_error(e))),
        }
    }

    pub async fn delete(&self, key: &Key, cond: Option<Cond>) -> Result<(), WriteError> {
        let key = to_key(key).map_err(WriteError::Api)?;
        let req = with_cond!(
            self.client
                .delete_item()
                .table_name(&self.table)
                .set_key(Some(key)),
            cond
        );
        match req.send().await {
            Ok(_) => Ok(()),
            Err(e) if is_condition_failure(&e) => Err(WriteError::Condition(None)),
            Err(e) => Err(WriteError::Api(sdk_error(e))),
        }
    }

    /// Deletes an item and answers what it was, in one call: `None` if there was
    /// none (or it had expired). Two takers of one item: only one gets it.
    pub async fn take<T: DeserializeOwned>(&self, key: &Key) -> Result<Option<T>, ApiError> {
        let req = with_cond!(
            self.client
                .delete_item()
                .table_name(&self.table)
                .set_key(Some(to_key(key)?))
                .return_values(aws_sdk_dynamodb::types::ReturnValue::AllOld),
            Cond::present()
        );
        match req.send().await {
            Ok(out) => match out.attributes {
                Some(item) if !expired(&item) => from_stored(item).map(Some),
                _ => Ok(None),
            },
            Err(e) if is_condition_failure(&e) => Ok(None),
            Err(e) => Err(sdk_error(e)),
        }
    }

    /// An update expression on one item (`SET #a = :a`), for changes that must not
    /// read first (flags, counters). Placeholders' values come serialised.
    pub async fn update(
        &self,
        key: &Key,
        expression: &str,
        values: Vec<(String, AttributeValue)>,
        cond: Option<Cond>,
    ) -> Result<(), WriteError> {
        self.update_item(key, expression, values, cond, false)
            .await
            .map(|_| ())
    }

    /// An update that answers the item as it is afterwards (`ALL_NEW`).
    pub async fn update_returning<T: DeserializeOwned>(
        &self,
        key: &Key,
        expression: &str,
        values: Vec<(String, AttributeValue)>,
        cond: Option<Cond>,
    ) -> Result<T, WriteError> {
        let item = self
            .update_item(key, expression, values, cond, true)
            .await?;
        from_stored(item.unwrap_or_default()).map_err(WriteError::Api)
    }

    async fn update_item(
        &self,
        key: &Key,
        expression: &str,
        values: Vec<(String, AttributeValue)>,
        cond: Option<Cond>,
        return_new: bool,
    ) -> Result<Option<Item>, WriteError> {
        let req = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(to_key(key).map_err(WriteError::Api)?))
            .update_expression(expression)
            .set_expression_attribute_values(
                (!values.is_empty()).then(|| values.into_iter().collect()),
            )
            .return_values(if return_new {
                aws_sdk_dynamodb::types::ReturnValue::AllNew
            } else {
                aws_sdk_dynamodb::types::ReturnValue::None
            });
        match with_cond!(req, cond, hash_names(expression)).send().await {
            Ok(out) => Ok(out.attributes),
            Err(e) if is_condition_failure(&e) => Err(WriteError::Condition(None)),
            Err(e) => Err(WriteError::Api(sdk_error(e))),
        }
    }

    pub fn tx(&self) -> Tx {
        Tx {
            table: self.table.clone(),
            ..Tx::default()
        }
    }

    pub async fn commit(&self, tx: Tx) -> Result<(), WriteError> {
        if let Some(e) = tx.error {
            return Err(WriteError::Api(e));
        }
        if tx.items.is_empty() {
            return Ok(());
        }
        let audit = tx.audit;
        let res = self
            .client
            .transact_write_items()
            .set_transact_items(Some(tx.items))
            .send()
            .await;
        match res {
            Ok(_) => {
                if let Some(slot) = audit {
                    slot.mark_written();
                }
                Ok(())
            }
            Err(SdkError::ServiceError(se)) if se.err().is_transaction_canceled_exception() => {
                let aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError::TransactionCanceledException(tc) = se.err() else {
                    unreachable!("checked above")
                };
                let reasons = tc.cancellation_reasons();
                let failed = reasons
                    .iter()
                    .position(|r| r.code() == Some("ConditionalCheckFailed"));
                if failed.is_some() || reasons.is_empty() {
                    Err(WriteError::Condition(failed))
                } else {
                    // Conflicts with another transaction in flight: worth a retry.
                    Err(WriteError::Api(ApiError::Unavailable { retry_after: 1 }))
                }
            }
            Err(e) => Err(WriteError::Api(sdk_error(e))),
        }
    }

    /// One page of items in `partition` whose sort key starts with `prefix`, in
    /// sort-key order, optionally filtered.
    pub async fn query<T: DeserializeOwned>(
        &self,
        partition: &str,
        prefix: &str,
        limit: i32,
        cursor: Option<&str>,
        filter: Filter,
    ) -> Result<Page<T>, ApiError> {
        self.query_on(None, partition, prefix, limit, cursor, filter)
            .await
    }

    /// Up to `max` items of [`Db::query`], page after page (for reports and exports
    /// that read a bounded range whole), and whether more were left.
    pub async fn query_up_to<T: DeserializeOwned>(
        &self,
        partition: &str,
        prefix: &str,
        filter: Filter,
        max: usize,
    ) -> Result<(Vec<T>, bool), ApiError> {
        let page_size = max.clamp(1, 1000) as i32;
        let mut out = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let page = self
                .query::<T>(
                    partition,
                    prefix,
                    page_size,
                    cursor.as_deref(),
                    filter.clone(),
                )
                .await?;
            out.extend(page.items);
            if out.len() >= max {
                let more = out.len() > max || page.next_cursor.is_some();
                out.truncate(max);
                return Ok((out, more));
            }
            match page.next_cursor {
                Some(c) => cursor = Some(c),
                None => return Ok((out, false)),
            }
        }
    }

    /// [`Db::query`] on the `gsi1` index (`gsi1pk`, `gsi1sk`).
    pub async fn query_index<T: DeserializeOwned>(
        &self,
        partition: &str,
        prefix: &str,
        limit: i32,
        cursor: Option<&str>,
        filter: Filter,
    ) -> Result<Page<T>, ApiError> {
        self.query_on(Some(Index::Gsi1), partition, prefix, limit, cursor, filter)
            .await
    }

    async fn query_on<T: DeserializeOwned>(
        &self,
        index: Option<Index>,
        partition: &str,
        prefix: &str,
        limit: i32,
        cursor: Option<&str>,
        filter: Filter,
    ) -> Result<Page<T>, ApiError> {
        let (pk, sk) = Index::attrs(index);
        let start = cursor
            .map(|c| self.cursors.decode(c, pk, partition))
            .transpose()?;
        let mut req = self
            .client
            .query()
            .table_name(&self.table)
            .set_index_name(index.map(|i| i.name().to_string()))
            .expression_attribute_names("#qpk", pk)
            .expression_attribute_values(":pk", AttributeValue::S(partition.into()))
            .set_exclusive_start_key(start)
            .scan_index_forward(!filter.descending)
            .limit(limit);
        // DynamoDB refuses `begins_with` on an empty prefix: a whole partition is
        // asked for by its key alone.
        req = if let Some((from, to)) = &filter.range {
            req.key_condition_expression("#qpk = :pk AND #qsk BETWEEN :from AND :to")
                .expression_attribute_names("#qsk", sk)
                .expression_attribute_values(":from", AttributeValue::S(from.clone()))
                .expression_attribute_values(":to", AttributeValue::S(to.clone()))
        } else if prefix.is_empty() {
            req.key_condition_expression("#qpk = :pk")
        } else {
            req.key_condition_expression("#qpk = :pk AND begins_with(#qsk, :prefix)")
                .expression_attribute_names("#qsk", sk)
                .expression_attribute_values(":prefix", AttributeValue::S(prefix.into()))
        };
        if !filter.expression.is_empty() {
            req = req.filter_expression(filter.expression.join(" AND "));
            for (k, v) in filter.values {
                req = req.expression_attribute_values(k, v);
            }
            for (k, v) in filter.names {
                req = req.expression_attribute_names(k, v);
            }
        }
        let out = req.send().await.map_err(sdk_error)?;
        let items = out
            .items
            .unwrap_or_default()
            .into_iter()
            .filter(|i| !expired(i))
            .map(from_stored)
            .collect::<Result<Vec<T>, _>>()?;
        Ok(Page {
            items,
            next_cursor: out.last_evaluated_key.and_then(|k| self.cursors.encode(k)),
        })
    }

    /// Every item under a sort-key prefix of a partition, following pages.
    pub async fn all_with_prefix<T: DeserializeOwned>(
        &self,
        partition: &str,
        prefix: &str,
    ) -> Result<Vec<T>, ApiError> {
        let mut out = Vec::new();
        let mut cursor = None;
        loop {
            let page = self
                .query::<T>(partition, prefix, 100, cursor.as_deref(), Filter::default())
                .await?;
            out.extend(page.items);
            match page.next_cursor {
                Some(c) => cursor = Some(c),
                None => return Ok(out),
            }
        }
    }

    /// Every item of a partition (an aggregate read whole: a course with its modules
    /// and lessons), following pages.
    pub async fn all_in(&self, partition: &str) -> Result<Vec<Item>, ApiError> {
        self.query_all(None, partition, None, false).await
    }

    /// Every key in a partition (for deleting all of it), following pages.
    pub async fn keys_in(&self, partition: &str) -> Result<Vec<Key>, ApiError> {
        let items = self.query_all(None, partition, None, true).await?;
        items.into_iter().map(from_stored).collect()
    }

    /// Every primary key under an index partition (`gsi1pk`), following pages.
    pub async fn keys_in_index(&self, partition: &str) -> Result<Vec<Key>, ApiError> {
        let items = self
            .query_all(Some(Index::Gsi1), partition, None, true)
            .await?;
        items.into_iter().map(from_stored).collect()
    }

    /// Every row under an index partition, following pages (a report's input).
    pub async fn rows<T: DeserializeOwned>(
        &self,
        index: Index,
        partition: &str,
    ) -> Result<Vec<T>, ApiError> {
        let items = self.query_all(Some(index), partition, None, false).await?;
        items.into_iter().map(from_stored).collect()
    }

    /// Every item of a partition whose sort key lies in `from..=to`, following pages.
    pub async fn between<T: DeserializeOwned>(
        &self,
        partition: &str,
        from: &str,
        to: &str,
    ) -> Result<Vec<T>, ApiError> {
        let items = self
            .query_all(None, partition, Some((from, to)), false)
            .await?;
        items.into_iter().map(from_stored).collect()
    }

    /// [`Db::between`] on an index partition.
    pub async fn rows_between<T: DeserializeOwned>(
        &self,
        index: Index,
        partition: &str,
        from: &str,
        to: &str,
    ) -> Result<Vec<T>, ApiError> {
        let items = self
            .query_all(Some(index), partition, Some((from, to)), false)
            .await?;
        items.into_iter().map(from_stored).collect()
    }

    async fn query_all(
        &self,
        index: Option<Index>,
        partition: &str,
        range: Option<(&str, &str)>,
        keys_only: bool,
    ) -> Result<Vec<Item>, ApiError> {
        let (pk, sk) = Index::attrs(index);
        let mut items = Vec::new();
        let mut start = None;
        loop {
            let mut req = self
                .client
                .query()
                .table_name(&self.table)
                .set_index_name(index.map(|i| i.name().to_string()))
                .expression_attribute_names("#qpk", pk)
                .expression_attribute_values(":pk", AttributeValue::S(partition.into()));
            req = match range {
                None => req.key_condition_expression("#qpk = :pk"),
                Some((from, to)) => req
                    .key_condition_expression("#qpk = :pk AND #qsk BETWEEN :from AND :to")
                    .expression_attribute_names("#qsk", sk)
                    .expression_attribute_values(":from", AttributeValue::S(from.into()))
                    .expression_attribute_values(":to", AttributeValue::S(to.into())),
            };
            let out = req
                .set_projection_expression(keys_only.then(|| "pk, sk".to_string()))
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(sdk_error)?;
            items.extend(
                out.items
                    .unwrap_or_default()
                    .into_iter()
                    .filter(|i| keys_only || !expired(i)),
            );
            match out.last_evaluated_key {
                Some(k) if !k.is_empty() => start = Some(k),
                _ => return Ok(items),
            }
        }
    }

    /// One conditioned write per item read by `read`, 99 per transaction (the first
    /// also carries the request's audit entry). When a condition fails (an item changed
    /// meanwhile), reads again and goes on, for up to three rounds. Answers how many
    /// items the last round wrote.
    pub async fn write_each<T, Fut>(
        &self,
        read: impl Fn() -> Fut,
        op: impl Fn(Tx, &T) -> Tx,
        audit: &crate::audit::Audit,
    ) -> Result<usize, ApiError>
    where
        Fut: std::future::Future<Output = Result<Vec<T>, ApiError>>,
    {
        'round: for _ in 0..3 {
            let items = read().await?;
            for (i, chunk) in items.chunks(99).enumerate() {
                let mut tx = chunk.iter().fold(self.tx(), &op);
                if i == 0 {
                    tx = tx.audit(audit, 200, None);
                }
                match self.commit(tx).await {
                    Ok(()) => {}
                    Err(WriteError::Condition(_)) => continue 'round,
                    Err(WriteError::Api(e)) => return Err(e),
                }
            }
            return Ok(items.len());
        }
        Err(ApiError::Unavailable { retry_after: 1 })
    }

    /// Deletes an item that must exist, in one transaction with the request's audit
    /// entry; 404 when there is nothing to delete.
    pub async fn delete_audited(
        &self,
        key: &Key,
        audit: &crate::audit::Audit,
    ) -> Result<(), ApiError> {
        let tx = self
            .tx()
            .delete(key, Cond::present())
            .audit(audit, 204, None);
        match self.commit(tx).await {
            Ok(()) => Ok(()),
            Err(WriteError::Condition(_)) => Err(ApiError::NotFound),
            Err(WriteError::Api(e)) => Err(e),
        }
    }

    /// Deletes every item of a partition (what hung off a deleted record).
    pub async fn delete_partition(&self, partition: &str) -> Result<(), ApiError> {
        let keys = self.keys_in(partition).await?;
        self.delete_many(&keys).await
    }

    /// Deletes many items, 25 per request, retrying what DynamoDB leaves unprocessed.
    pub async fn delete_many(&self, keys: &[Key]) -> Result<(), ApiError> {
        use aws_sdk_dynamodb::types::{DeleteRequest, WriteRequest};
        let mut reqs = Vec::with_capacity(keys.len());
        for k in keys {
            let del = DeleteRequest::builder()
                .set_key(Some(to_key(k)?))
                .build()
                .map_err(ApiError::internal)?;
            reqs.push(WriteRequest::builder().delete_request(del).build());
        }
        self.batch_write(reqs).await
    }

    /// Writes many independent new items (a fan-out of notifications), 25 per
    /// request. Not atomic: each item stands alone.
    pub async fn put_items(&self, items: Vec<Item>) -> Result<(), ApiError> {
        use aws_sdk_dynamodb::types::{PutRequest, WriteRequest};
        let mut reqs = Vec::with_capacity(items.len());
        for item in items {
            let put = PutRequest::builder()
                .set_item(Some(item))
                .build()
                .map_err(ApiError::internal)?;
            reqs.push(WriteRequest::builder().put_request(put).build());
        }
        self.batch_write(reqs).await
    }

    async fn batch_write(
        &self,
        reqs: Vec<aws_sdk_dynamodb::types::WriteRequest>,
    ) -> Result<(), ApiError> {
        for chunk in reqs.chunks(25) {
            let mut pending = HashMap::from([(self.table.clone(), chunk.to_vec())]);
            for attempt in 0.. {
                let out = self
                    .client
                    .batch_write_item()
                    .set_request_items(Some(pending))
                    .send()
                    .await
                    .map_err(sdk_error)?;
                match out.unprocessed_items {
                    Some(u) if !u.is_empty() && attempt < 5 => pending = u,
                    Some(u) if !u.is_empty() => {
                        return Err(ApiError::Unavailable { retry_after: 1 });
                    }
                    _ => break,
                }
            }
        }
        Ok(())
    }
}

fn is_entity(item: &Item, entity: &str) -> bool {
    item.get("entity")
        .and_then(|v| v.as_s().ok())
        .map(String::as_str)
        == Some(entity)
}

/// Every `T` among raw items (from [`Db::all_in`]).
pub fn entities_of<T: Entity>(items: &[Item]) -> Result<Vec<T>, ApiError> {
    items
        .iter()
        .filter(|i| is_entity(i, T::NAME))
        .map(|i| from_stored(i.clone()))
        .collect()
}

/// The `T` among raw items (from [`Db::get_many`]), by its `entity` attribute.
pub fn entity_of<T: Entity>(items: &[Item]) -> Result<Option<T>, ApiError> {
    stored_of(items, T::NAME)
}

/// An item by its `entity` attribute, as any shape: for the library's own records
/// that are not entities (a rate window's count).
pub(crate) fn stored_of<T: DeserializeOwned>(
    items: &[Item],
    entity: &str,
) -> Result<Option<T>, ApiError> {
    items
        .iter()
        .find(|i| is_entity(i, entity))
        .map(|i| from_stored(i.clone()))
        .transpose()
}

#[cfg(test)]
mod tests {
    use super::hash_names;

    #[test]
    fn names_from_expression() {
        assert_eq!(
            hash_names("#status = :p AND #gen = :g OR #status <> :x"),
            vec![
                ("#status".to_string(), "status".to_string()),
                ("#gen".to_string(), "gen".to_string())
            ]
        );
    }
}

//! The single table. Nothing else in the code base talks to DynamoDB.
//!
//! Items are an entity's own fields (via serde_dynamo) plus the key attributes its
//! [`Entity::keys`] builds. Updates are whole-item puts guarded by a condition
//! (usually the `version` read), so a concurrent writer gets a conflict, not a lost update.

pub mod cursor;
mod error;
mod expr;
pub mod keys;
pub mod lists;
pub mod metrics;
mod range;

use std::collections::HashMap;

use aws_sdk_dynamodb::{
    Client,
    error::{ProvideErrorMetadata, SdkError},
    types::{ConditionCheck, Delete, Put, TransactWriteItem},
};
use serde::{Serialize, de::DeserializeOwned};

pub use aws_sdk_dynamodb::types::AttributeValue;
pub use error::{Settled, StoreError, sdk_error};
pub use expr::{Cond, Field, Filter, Guard, Update};
pub use keys::{Key, Keys};
pub use range::{PageAt, Range};

use expr::Placeholders;

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

pub fn to_value(v: impl Serialize) -> Result<AttributeValue, StoreError> {
    serde_dynamo::to_attribute_value(v).map_err(StoreError::internal)
}

/// DynamoDB's limits on key attributes, in bytes.
const MAX_PARTITION_KEY: usize = 2048;
const MAX_SORT_KEY: usize = 1024;

/// A key built from ids in the path: one too long for DynamoDB names nothing that can
/// exist, so it answers 404 rather than letting DynamoDB refuse it with a 500.
fn to_key(key: &Key) -> Result<Item, StoreError> {
    if key.pk.len() > MAX_PARTITION_KEY || key.sk.len() > MAX_SORT_KEY {
        return Err(StoreError::NotFound);
    }
    serde_dynamo::to_item(key).map_err(StoreError::internal)
}

pub fn to_stored_item<E: Entity>(entity: &E) -> Result<Item, StoreError> {
    let k = entity.keys();
    to_key(&k.key())?;
    let mut item: Item = serde_dynamo::to_item(entity).map_err(StoreError::internal)?;
    let keys: Item = serde_dynamo::to_item(k).map_err(StoreError::internal)?;
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

fn from_stored<T: DeserializeOwned>(item: Item) -> Result<T, StoreError> {
    serde_dynamo::from_item(item).map_err(StoreError::internal)
}

/// A range's key condition. DynamoDB refuses `begins_with` on an empty prefix: a
/// whole partition is asked for by its key alone.
fn key_condition<T>(p: &mut Placeholders, range: &Range<T>, pk: &str, sk: &str) -> String {
    let part = p.key(pk, &range.partition);
    if let Some((from, to)) = &range.between {
        let (name, lo, hi) = (p.key_name(sk), p.key_value(from), p.key_value(to));
        format!("{part} AND {name} BETWEEN {lo} AND {hi}")
    } else if range.prefix.is_empty() {
        part
    } else {
        let (name, prefix) = (p.key_name(sk), p.key_value(&range.prefix));
        format!("{part} AND begins_with({name}, {prefix})")
    }
}

/// A single write's outcome: a refusal by its condition names the guard.
fn written<T, E, R>(res: Result<T, SdkError<E, R>>, guard: Option<Guard>) -> Result<T, StoreError>
where
    E: ProvideErrorMetadata + std::fmt::Debug,
    R: std::fmt::Debug,
{
    match res {
        Ok(out) => Ok(out),
        Err(e) if is_condition_failure(&e) => Err(refused(guard)),
        Err(e) => Err(sdk_error(e)),
    }
}

/// The refusal of a write whose condition failed.
fn refused(guard: Option<Guard>) -> StoreError {
    StoreError::Refused(guard.unwrap_or(Guard::CONDITION))
}

fn is_condition_failure<E: ProvideErrorMetadata, R>(err: &SdkError<E, R>) -> bool {
    matches!(err, SdkError::ServiceError(se) if se.err().code() == Some("ConditionalCheckFailedException"))
}

/// Puts a request's placeholders (attribute names and values) on any of the SDK's
/// request builders, which share the method names but not a trait.
macro_rules! with_placeholders {
    ($builder:expr, $p:expr) => {{
        let p: Placeholders = $p;
        let mut b = $builder;
        for (k, v) in p.names {
            b = b.expression_attribute_names(k, v);
        }
        for (k, v) in p.values {
            b = b.expression_attribute_values(k, v);
        }
        b
    }};
}

/// A condition rendered for a request, and the guard it stands for.
fn condition(
    p: &mut Placeholders,
    cond: Option<Cond>,
) -> Result<(Option<String>, Option<Guard>), StoreError> {
    match cond {
        Some(c) => Ok((Some(p.condition(&c)?), Some(c.guard()))),
        None => Ok((None, None)),
    }
}

/// A multi-item write that all happens or none does.
#[derive(Default)]
pub struct Tx {
    items: Vec<TransactWriteItem>,
    /// Each item's guard, by position: what a cancellation reason points at.
    guards: Vec<Option<Guard>>,
    table: String,
    error: Option<StoreError>,
    after: Vec<Box<dyn FnOnce() + Send>>,
}

impl Tx {
    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Adds the write `make` builds (from the table's name), with the guard of its
    /// condition; the first failure to build one fails the whole transaction.
    fn add(
        mut self,
        make: impl FnOnce(&str) -> Result<(TransactWriteItem, Option<Guard>), StoreError>,
    ) -> Self {
        match make(&self.table) {
            Ok((item, guard)) => {
                self.items.push(item);
                self.guards.push(guard);
            }
            Err(e) => {
                self.error.get_or_insert(e);
            }
        }
        self
    }

    pub fn put<E: Entity>(self, entity: &E, cond: impl Into<Option<Cond>>) -> Self {
        let cond = cond.into();
        self.add(|table| {
            let mut p = Placeholders::default();
            let (expr, guard) = condition(&mut p, cond)?;
            let put = with_placeholders!(
                Put::builder()
                    .table_name(table)
                    .set_item(Some(to_stored_item(entity)?))
                    .set_condition_expression(expr),
                p
            )
            .build()
            .map_err(StoreError::internal)?;
            Ok((TransactWriteItem::builder().put(put).build(), guard))
        })
    }

    pub fn delete(self, key: &Key, cond: impl Into<Option<Cond>>) -> Self {
        let cond = cond.into();
        self.add(|table| {
            let mut p = Placeholders::default();
            let (expr, guard) = condition(&mut p, cond)?;
            let del = with_placeholders!(
                Delete::builder()
                    .table_name(table)
                    .set_key(Some(to_key(key)?))
                    .set_condition_expression(expr),
                p
            )
            .build()
            .map_err(StoreError::internal)?;
            Ok((TransactWriteItem::builder().delete(del).build(), guard))
        })
    }

    /// A condition on an item the transaction does not write (it must still hold
    /// when the rest is written).
    pub fn check(self, key: &Key, cond: Cond) -> Self {
        self.add(|table| {
            let mut p = Placeholders::default();
            let expr = p.condition(&cond)?;
            let check = with_placeholders!(
                ConditionCheck::builder()
                    .table_name(table)
                    .set_key(Some(to_key(key)?))
                    .condition_expression(expr),
                p
            )
            .build()
            .map_err(StoreError::internal)?;
            let item = TransactWriteItem::builder().condition_check(check).build();
            Ok((item, Some(cond.guard())))
        })
    }

    /// Changes some attributes of one item.
    pub fn update(self, key: &Key, update: Update, cond: impl Into<Option<Cond>>) -> Self {
        let cond = cond.into();
        self.add(|table| {
            let mut p = Placeholders::default();
            let expression = p.update(&update)?;
            let (expr, guard) = condition(&mut p, cond)?;
            let up = with_placeholders!(
                aws_sdk_dynamodb::types::Update::builder()
                    .table_name(table)
                    .set_key(Some(to_key(key)?))
                    .update_expression(expression)
                    .set_condition_expression(expr),
                p
            )
            .build()
            .map_err(StoreError::internal)?;
            Ok((TransactWriteItem::builder().update(up).build(), guard))
        })
    }

    /// [`Tx::update`] of an item that may not exist yet, under its entity name: an
    /// item an update creates has no other key attributes, and readers that pick
    /// items by entity (`entity_of`) would not find it otherwise. For items two
    /// writers fill in parts, neither undoing the other.
    pub fn upsert<E: Entity>(
        self,
        key: &Key,
        update: Update,
        cond: impl Into<Option<Cond>>,
    ) -> Self {
        self.update(key, update.set(Field::ENTITY, E::NAME), cond)
    }

    /// Writes every attribute of `entity` except the key and `keep`, as one update:
    /// what other writers change in `keep` meanwhile (a set of attendees) survives.
    pub fn put_except<E: Entity>(
        self,
        entity: &E,
        keep: &[Field],
        cond: impl Into<Option<Cond>>,
    ) -> Self {
        let item = match to_stored_item(entity) {
            Ok(i) => i,
            Err(e) => return self.add(|_| Err(e)),
        };
        let key = entity.keys().key();
        let mut attrs: Vec<_> = item
            .into_iter()
            .filter(|(name, _)| {
                name != "pk" && name != "sk" && !keep.iter().any(|f| f.name() == name)
            })
            .collect();
        attrs.sort_by(|a, b| a.0.cmp(&b.0));
        let update = attrs
            .into_iter()
            .fold(Update::new(), |u, (name, value)| u.set_stored(name, value));
        self.update(&key, update, cond)
    }

    /// Runs `f` once the transaction has committed (not if it fails): for whoever
    /// put something into it that must know it landed.
    pub fn on_commit(mut self, f: impl FnOnce() + Send + 'static) -> Self {
        self.after.push(Box::new(f));
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
    pub async fn get<T: DeserializeOwned>(&self, key: &Key) -> Result<Option<T>, StoreError> {
        self.get_with(key, false).await
    }

    /// Reads one item a request names; 404 when it does not exist (or lies in another
    /// company's partition, which the key makes the same thing).
    pub async fn find<T: DeserializeOwned>(&self, key: &Key) -> Result<T, StoreError> {
        self.get(key).await?.ok_or(StoreError::NotFound)
    }

    /// A strongly consistent read, for checks that must see the latest write (sessions).
    pub async fn get_consistent<T: DeserializeOwned>(
        &self,
        key: &Key,
    ) -> Result<Option<T>, StoreError> {
        self.get_with(key, true).await
    }

    async fn get_with<T: DeserializeOwned>(
        &self,
        key: &Key,
        consistent: bool,
    ) -> Result<Option<T>, StoreError> {
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

    /// Reads several items, 100 keys per round trip (BatchGetItem's limit), so any
    /// number may be asked for; missing ones are skipped.
    pub async fn get_many(&self, keys: &[Key]) -> Result<Vec<Item>, StoreError> {
        self.get_many_with(keys, false).await
    }

    /// [`Db::get_many`], strongly consistent: for items written a moment ago.
    pub async fn get_many_consistent(&self, keys: &[Key]) -> Result<Vec<Item>, StoreError> {
        self.get_many_with(keys, true).await
    }

    async fn get_many_with(&self, keys: &[Key], consistent: bool) -> Result<Vec<Item>, StoreError> {
        let mut found = Vec::new();
        for chunk in keys.chunks(100) {
            found.extend(self.get_batch(chunk, consistent).await?);
        }
        Ok(found)
    }

    /// One BatchGetItem of at most 100 keys, its unprocessed keys retried.
    async fn get_batch(&self, keys: &[Key], consistent: bool) -> Result<Vec<Item>, StoreError> {
        if keys.is_empty() {
            return Ok(vec![]);
        }
        let mut ka =
            aws_sdk_dynamodb::types::KeysAndAttributes::builder().consistent_read(consistent);
        for k in keys {
            ka = ka.keys(to_key(k)?);
        }
        let ka = ka.build().map_err(StoreError::internal)?;
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
        Err(StoreError::Unavailable { retry_after: 1 })
    }

    pub async fn put<E: Entity>(
        &self,
        entity: &E,
        cond: impl Into<Option<Cond>>,
    ) -> Result<(), StoreError> {
        let item = to_stored_item(entity)?;
        let mut p = Placeholders::default();
        let (expr, guard) = condition(&mut p, cond.into())?;
        let req = with_placeholders!(
            self.client
                .put_item()
                .table_name(&self.table)
                .set_item(Some(item))
                .set_condition_expression(expr),
            p
        );
        written(req.send().await, guard).map(|_| ())
    }

    pub async fn delete(&self, key: &Key, cond: impl Into<Option<Cond>>) -> Result<(), StoreError> {
        let key = to_key(key)?;
        let mut p = Placeholders::default();
        let (expr, guard) = condition(&mut p, cond.into())?;
        let req = with_placeholders!(
            self.client
                .delete_item()
                .table_name(&self.table)
                .set_key(Some(key))
                .set_condition_expression(expr),
            p
        );
        written(req.send().await, guard).map(|_| ())
    }

    /// Deletes an item and answers what it was, in one call: `None` if there was
    /// none (or it had expired). Two takers of one item: only one gets it.
    pub async fn take<T: DeserializeOwned>(&self, key: &Key) -> Result<Option<T>, StoreError> {
        let mut p = Placeholders::default();
        let (expr, _) = condition(&mut p, Some(Cond::present()))?;
        let req = with_placeholders!(
            self.client
                .delete_item()
                .table_name(&self.table)
                .set_key(Some(to_key(key)?))
                .set_condition_expression(expr)
                .return_values(aws_sdk_dynamodb::types::ReturnValue::AllOld),
            p
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

    /// Changes some attributes of one item without reading it first (flags,
    /// counters).
    pub async fn update(
        &self,
        key: &Key,
        update: Update,
        cond: impl Into<Option<Cond>>,
    ) -> Result<(), StoreError> {
        self.update_item(key, update, cond.into(), false)
            .await
            .map(|_| ())
    }

    /// An update that answers the item as it is afterwards (`ALL_NEW`).
    pub async fn update_returning<T: DeserializeOwned>(
        &self,
        key: &Key,
        update: Update,
        cond: impl Into<Option<Cond>>,
    ) -> Result<T, StoreError> {
        let item = self.update_item(key, update, cond.into(), true).await?;
        from_stored(item.unwrap_or_default())
    }

    async fn update_item(
        &self,
        key: &Key,
        update: Update,
        cond: Option<Cond>,
        return_new: bool,
    ) -> Result<Option<Item>, StoreError> {
        let mut p = Placeholders::default();
        let expression = p.update(&update)?;
        let (expr, guard) = condition(&mut p, cond)?;
        let req = with_placeholders!(
            self.client
                .update_item()
                .table_name(&self.table)
                .set_key(Some(to_key(key)?))
                .update_expression(expression)
                .set_condition_expression(expr)
                .return_values(if return_new {
                    aws_sdk_dynamodb::types::ReturnValue::AllNew
                } else {
                    aws_sdk_dynamodb::types::ReturnValue::None
                }),
            p
        );
        written(req.send().await, guard).map(|out| out.attributes)
    }

    pub fn tx(&self) -> Tx {
        Tx {
            table: self.table.clone(),
            ..Tx::default()
        }
    }

    /// Writes a transaction; a refusal names the guard of the first item whose
    /// condition failed.
    pub async fn commit(&self, tx: Tx) -> Result<(), StoreError> {
        if let Some(e) = tx.error {
            return Err(e);
        }
        if tx.items.is_empty() {
            return Ok(());
        }
        let res = self
            .client
            .transact_write_items()
            .set_transact_items(Some(tx.items))
            .send()
            .await;
        match res {
            Ok(_) => {
                for f in tx.after {
                    f();
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
                match failed {
                    Some(i) => {
                        let guard = tx.guards.get(i).copied().flatten();
                        tracing::debug!(guard = %refused(guard), item = i, "transaction refused");
                        Err(refused(guard))
                    }
                    None if reasons.is_empty() => Err(refused(None)),
                    // Conflicts with another transaction in flight: worth a retry.
                    None => Err(StoreError::Conflicted),
                }
            }
            Err(e) => Err(sdk_error(e)),
        }
    }

    /// One page of a range, in sort-key order (or newest first), filtered.
    pub async fn page<T: DeserializeOwned>(
        &self,
        range: &Range<T>,
        at: PageAt<'_>,
        filter: Filter,
    ) -> Result<Page<T>, StoreError> {
        let (pk, sk) = Index::attrs(range.index);
        let start = at
            .cursor
            .map(|c| self.cursors.decode(c, pk, &range.partition))
            .transpose()?;
        let mut p = Placeholders::default();
        let key = key_condition(&mut p, range, pk, sk);
        let req = self
            .client
            .query()
            .table_name(&self.table)
            .set_index_name(range.index.map(|i| i.name().to_string()))
            .key_condition_expression(key)
            .set_filter_expression(filter.expression(&mut p)?)
            .set_exclusive_start_key(start)
            .scan_index_forward(!filter.descending)
            .limit(at.limit);
        let out = with_placeholders!(req, p).send().await.map_err(sdk_error)?;
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

    /// Up to `max` items of a range, page after page (for reports and exports that
    /// read a bounded range whole), and whether more were left.
    pub async fn up_to<T: DeserializeOwned>(
        &self,
        range: &Range<T>,
        filter: Filter,
        max: usize,
    ) -> Result<(Vec<T>, bool), StoreError> {
        let limit = max.clamp(1, 1000) as i32;
        let mut out = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let at = PageAt {
                limit,
                cursor: cursor.as_deref(),
            };
            let page = self.page(range, at, filter.clone()).await?;
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

    /// Every item of a range, following pages.
    pub async fn all<T: DeserializeOwned>(&self, range: &Range<T>) -> Result<Vec<T>, StoreError> {
        let items = self.query_all(range, false).await?;
        items.into_iter().map(from_stored).collect()
    }

    /// Every item of a partition (an aggregate read whole: a course with its modules
    /// and lessons), following pages.
    pub async fn all_in(&self, partition: &str) -> Result<Vec<Item>, StoreError> {
        self.query_all(&Range::<Item>::table(partition.into(), ""), false)
            .await
    }

    /// Every key in a partition (for deleting all of it), following pages.
    pub async fn keys_in(&self, partition: &str) -> Result<Vec<Key>, StoreError> {
        let items = self
            .query_all(&Range::<Key>::table(partition.into(), ""), true)
            .await?;
        items.into_iter().map(from_stored).collect()
    }

    /// Every primary key under an index partition (`gsi1pk`), following pages.
    pub async fn keys_in_index(&self, partition: &str) -> Result<Vec<Key>, StoreError> {
        let items = self
            .query_all(
                &Range::<Key>::index(Index::Gsi1, partition.into(), ""),
                true,
            )
            .await?;
        items.into_iter().map(from_stored).collect()
    }

    async fn query_all<T>(
        &self,
        range: &Range<T>,
        keys_only: bool,
    ) -> Result<Vec<Item>, StoreError> {
        let (pk, sk) = Index::attrs(range.index);
        let mut items = Vec::new();
        let mut start = None;
        loop {
            let mut p = Placeholders::default();
            let key = key_condition(&mut p, range, pk, sk);
            let req = self
                .client
                .query()
                .table_name(&self.table)
                .set_index_name(range.index.map(|i| i.name().to_string()))
                .key_condition_expression(key)
                .set_projection_expression(keys_only.then(|| "pk, sk".to_string()))
                .set_exclusive_start_key(start);
            let out = with_placeholders!(req, p).send().await.map_err(sdk_error)?;
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

    /// One conditioned write per item read by `read`, 99 per transaction (`first`
    /// adds to the first what the whole change carries once). When a condition fails
    /// (an item changed meanwhile), reads again and goes on, for up to three rounds.
    /// Answers how many items the last round wrote.
    pub async fn write_each<T, Fut, E>(
        &self,
        read: impl Fn() -> Fut,
        op: impl Fn(Tx, &T) -> Tx,
        first: impl Fn(Tx) -> Tx,
    ) -> Result<usize, E>
    where
        Fut: std::future::Future<Output = Result<Vec<T>, E>>,
        E: From<StoreError>,
    {
        'round: for _ in 0..3 {
            let items = read().await?;
            for (i, chunk) in items.chunks(99).enumerate() {
                let mut tx = chunk.iter().fold(self.tx(), &op);
                if i == 0 {
                    tx = first(tx);
                }
                match self.commit(tx).await {
                    Ok(()) => {}
                    Err(StoreError::Refused(_)) => continue 'round,
                    Err(e) => return Err(e.into()),
                }
            }
            return Ok(items.len());
        }
        Err(StoreError::Unavailable { retry_after: 1 }.into())
    }

    /// Deletes every item of a partition (what hung off a deleted record).
    pub async fn delete_partition(&self, partition: &str) -> Result<(), StoreError> {
        let keys = self.keys_in(partition).await?;
        self.delete_many(&keys).await
    }

    /// Deletes many items, 25 per request, retrying what DynamoDB leaves unprocessed.
    pub async fn delete_many(&self, keys: &[Key]) -> Result<(), StoreError> {
        use aws_sdk_dynamodb::types::{DeleteRequest, WriteRequest};
        let mut reqs = Vec::with_capacity(keys.len());
        for k in keys {
            let del = DeleteRequest::builder()
                .set_key(Some(to_key(k)?))
                .build()
                .map_err(StoreError::internal)?;
            reqs.push(WriteRequest::builder().delete_request(del).build());
        }
        self.batch_write(reqs).await
    }

    /// Writes many independent new items (a fan-out of notifications), 25 per
    /// request. Not atomic: each item stands alone.
    pub async fn put_items(&self, items: Vec<Item>) -> Result<(), StoreError> {
        use aws_sdk_dynamodb::types::{PutRequest, WriteRequest};
        let mut reqs = Vec::with_capacity(items.len());
        for item in items {
            let put = PutRequest::builder()
                .set_item(Some(item))
                .build()
                .map_err(StoreError::internal)?;
            reqs.push(WriteRequest::builder().put_request(put).build());
        }
        self.batch_write(reqs).await
    }

    async fn batch_write(
        &self,
        reqs: Vec<aws_sdk_dynamodb::types::WriteRequest>,
    ) -> Result<(), StoreError> {
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
                        return Err(StoreError::Unavailable { retry_after: 1 });
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

/// Whether a stream record's image is a `T`, by its `entity` attribute.
pub fn image_is<T: Entity>(image: &serde_dynamo::Item) -> bool {
    image
        .get("entity")
        .is_some_and(|v| *v == serde_dynamo::AttributeValue::S(T::NAME.into()))
}

/// Every `T` among raw items (from [`Db::all_in`]).
pub fn entities_of<T: Entity>(items: &[Item]) -> Result<Vec<T>, StoreError> {
    items
        .iter()
        .filter(|i| is_entity(i, T::NAME))
        .map(|i| from_stored(i.clone()))
        .collect()
}

/// The `T` among raw items (from [`Db::get_many`]), by its `entity` attribute.
pub fn entity_of<T: Entity>(items: &[Item]) -> Result<Option<T>, StoreError> {
    stored_of(items, T::NAME)
}

/// An item by its `entity` attribute, as any shape: for the library's own records
/// that are not entities (a rate window's count).
pub(crate) fn stored_of<T: DeserializeOwned>(
    items: &[Item],
    entity: &str,
) -> Result<Option<T>, StoreError> {
    items
        .iter()
        .find(|i| is_entity(i, entity))
        .map(|i| from_stored(i.clone()))
        .transpose()
}

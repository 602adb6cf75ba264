//! A list's key range: one partition (of the table or of an index) and the sort keys
//! under a prefix or between two bounds, typed by what it holds. Ranges are built in
//! `keys.rs` beside the keys, so a list is a Query on a designed key by construction.

use std::marker::PhantomData;

use super::Index;

pub struct Range<T> {
    pub(crate) index: Option<Index>,
    pub(crate) partition: String,
    pub(crate) prefix: String,
    pub(crate) between: Option<(String, String)>,
    of: PhantomData<fn() -> T>,
}

impl<T> Range<T> {
    /// Sort keys under `prefix` in a partition of the table.
    pub(crate) fn table(partition: String, prefix: &str) -> Self {
        Self::on(None, partition, prefix)
    }

    /// Sort keys under `prefix` in a partition of an index.
    pub(crate) fn index(index: Index, partition: String, prefix: &str) -> Self {
        Self::on(Some(index), partition, prefix)
    }

    fn on(index: Option<Index>, partition: String, prefix: &str) -> Self {
        Self {
            index,
            partition,
            prefix: prefix.to_string(),
            between: None,
            of: PhantomData,
        }
    }

    /// Only sort keys from `{prefix}{from}` to `{prefix}{to}`, both included (a time
    /// range of ULID or date keys): the key condition, so nothing outside is read.
    pub fn between(mut self, from: &str, to: &str) -> Self {
        self.between = Some((
            format!("{}{from}", self.prefix),
            format!("{}{to}", self.prefix),
        ));
        self
    }

    /// The same range read as another shape: an index's projected rows.
    pub fn rows<U>(self) -> Range<U> {
        Range {
            index: self.index,
            partition: self.partition,
            prefix: self.prefix,
            between: self.between,
            of: PhantomData,
        }
    }
}

/// Where a page starts and how long it is.
#[derive(Clone, Copy, Debug)]
pub struct PageAt<'a> {
    pub limit: i32,
    /// `nextCursor` of the page before, as this store signed it.
    pub cursor: Option<&'a str>,
}

impl PageAt<'_> {
    /// The first page, up to `limit` items.
    pub fn first(limit: i32) -> Self {
        Self {
            limit,
            cursor: None,
        }
    }
}

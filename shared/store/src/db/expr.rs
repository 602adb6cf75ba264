//! Conditions, updates and filters built from field constants. The store writes the
//! DynamoDB expressions: no caller spells one, so none can misspell an attribute, lose
//! a placeholder or trip over a reserved word.

use std::collections::BTreeMap;

use aws_sdk_dynamodb::types::AttributeValue;
use serde::Serialize;

use super::{StoreError, to_value};

/// An attribute of a stored item, named once beside its entity.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Field(&'static str);

impl Field {
    pub const fn new(name: &'static str) -> Self {
        Self(name)
    }

    pub fn name(self) -> &'static str {
        self.0
    }

    /// Attributes every entity carries.
    pub const VERSION: Field = Field("version");
    pub const UPDATED_AT: Field = Field("updatedAt");
    pub const TTL: Field = Field("ttl");
    pub const ENTITY: Field = Field("entity");
    /// The lower-cased text that `q` filters look in.
    pub const SEARCH: Field = Field("search");

    fn cmp(self, op: &'static str, v: impl Serialize) -> Cond {
        Cond::of(match to_value(v) {
            Ok(v) => Expr::Cmp(self, op, Operand::Value(v)),
            Err(e) => Expr::Invalid(e.to_string()),
        })
    }

    pub fn eq(self, v: impl Serialize) -> Cond {
        self.cmp("=", v)
    }
    pub fn ne(self, v: impl Serialize) -> Cond {
        self.cmp("<>", v)
    }
    pub fn lt(self, v: impl Serialize) -> Cond {
        self.cmp("<", v)
    }
    pub fn le(self, v: impl Serialize) -> Cond {
        self.cmp("<=", v)
    }
    pub fn gt(self, v: impl Serialize) -> Cond {
        self.cmp(">", v)
    }
    pub fn ge(self, v: impl Serialize) -> Cond {
        self.cmp(">=", v)
    }
    /// This attribute below another of the same item (`seatsUsed < seats`).
    pub fn lt_field(self, other: Field) -> Cond {
        Cond::of(Expr::Cmp(self, "<", Operand::Field(other)))
    }
    /// This attribute at most another of the same item.
    pub fn le_field(self, other: Field) -> Cond {
        Cond::of(Expr::Cmp(self, "<=", Operand::Field(other)))
    }
    /// The item has no such attribute.
    pub fn missing(self) -> Cond {
        Cond::of(Expr::Missing(self))
    }
    pub fn exists(self) -> Cond {
        Cond::of(Expr::Exists(self))
    }
    /// A string attribute holds `v`, or a list or set has it as a member.
    pub fn contains(self, v: impl Serialize) -> Cond {
        Cond::of(match to_value(v) {
            Ok(v) => Expr::Contains(self, v),
            Err(e) => Expr::Invalid(e.to_string()),
        })
    }
}

/// What a condition guards, by name: a refused write says which guard refused it
/// ([`StoreError::Refused`]), so a transaction of several conditions needs no
/// counting of positions to tell "email taken" from "no free seat".
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Guard(&'static str);

impl Guard {
    pub const fn named(name: &'static str) -> Self {
        Self(name)
    }
    pub fn name(self) -> &'static str {
        self.0
    }
    /// The item must not exist yet: a new id, or one of a kind (a unique value).
    pub const ABSENT: Guard = Guard("Absent");
    /// The item must exist.
    pub const PRESENT: Guard = Guard("Present");
    /// The stored version must still be the one read.
    pub const VERSION: Guard = Guard("Version");
    /// A condition its writer did not name.
    pub const CONDITION: Guard = Guard("Condition");
}

impl std::fmt::Display for Guard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)
    }
}

#[derive(Clone, Debug)]
enum Operand {
    Value(AttributeValue),
    Field(Field),
}

#[derive(Clone, Debug)]
enum Expr {
    Absent,
    Present,
    Cmp(Field, &'static str, Operand),
    Missing(Field),
    Exists(Field),
    Contains(Field, AttributeValue),
    All(Vec<Expr>),
    Any(Vec<Expr>),
    Invalid(String),
}

/// A condition on a write, and the guard it stands for.
#[derive(Clone, Debug)]
pub struct Cond {
    expr: Expr,
    guard: Guard,
}

impl Cond {
    fn of(expr: Expr) -> Self {
        Self {
            expr,
            guard: Guard::CONDITION,
        }
    }

    /// The item must not exist yet.
    pub fn absent() -> Self {
        Self {
            expr: Expr::Absent,
            guard: Guard::ABSENT,
        }
    }

    /// The item must not exist, or be past its TTL (DynamoDB deletes expired items
    /// days late): what a reader treats as absent may be replaced.
    pub fn absent_or_expired(now_epoch: i64) -> Self {
        Self::absent().or(Field::TTL.le(now_epoch))
    }

    /// The item must exist.
    pub fn present() -> Self {
        Self {
            expr: Expr::Present,
            guard: Guard::PRESENT,
        }
    }

    /// The stored item's `version` must still be the one read.
    pub fn version(v: u64) -> Self {
        Field::VERSION.eq(v).named(Guard::VERSION)
    }

    /// Both must hold. The guard is this condition's.
    pub fn and(mut self, other: Cond) -> Self {
        self.expr = match self.expr {
            Expr::All(mut all) => {
                all.push(other.expr);
                Expr::All(all)
            }
            e => Expr::All(vec![e, other.expr]),
        };
        self
    }

    /// Either may hold. The guard is this condition's.
    pub fn or(mut self, other: Cond) -> Self {
        self.expr = match self.expr {
            Expr::Any(mut any) => {
                any.push(other.expr);
                Expr::Any(any)
            }
            e => Expr::Any(vec![e, other.expr]),
        };
        self
    }

    /// What this condition guards, for the refusal to name.
    pub fn named(mut self, guard: Guard) -> Self {
        self.guard = guard;
        self
    }

    pub fn guard(&self) -> Guard {
        self.guard
    }
}

/// Placeholders of one request: every attribute goes through a `#name` (so no
/// reserved word can break an expression) and every value through a `:vN`.
#[derive(Default)]
pub(crate) struct Placeholders {
    pub names: BTreeMap<String, String>,
    pub values: Vec<(String, AttributeValue)>,
}

impl Placeholders {
    fn name(&mut self, f: Field) -> String {
        self.attr(f.0)
    }

    fn attr(&mut self, attr: &str) -> String {
        let key = format!("#{attr}");
        self.names.insert(key.clone(), attr.to_string());
        key
    }

    fn value(&mut self, v: AttributeValue) -> String {
        let key = format!(":v{}", self.values.len());
        self.values.push((key.clone(), v));
        key
    }

    /// `#attr = :v` on a key attribute (`pk`, `gsi1pk`, ...).
    pub fn key(&mut self, attr: &str, value: &str) -> String {
        let name = self.attr(attr);
        format!("{name} = {}", self.key_value(value))
    }

    pub fn key_name(&mut self, attr: &str) -> String {
        self.attr(attr)
    }

    pub fn key_value(&mut self, value: &str) -> String {
        self.value(AttributeValue::S(value.to_string()))
    }

    pub fn condition(&mut self, c: &Cond) -> Result<String, StoreError> {
        self.expr(&c.expr)
    }

    fn expr(&mut self, e: &Expr) -> Result<String, StoreError> {
        Ok(match e {
            Expr::Absent => "attribute_not_exists(pk)".into(),
            Expr::Present => "attribute_exists(pk)".into(),
            Expr::Cmp(f, op, rhs) => {
                let l = self.name(*f);
                let r = match rhs {
                    Operand::Value(v) => self.value(v.clone()),
                    Operand::Field(g) => self.name(*g),
                };
                format!("{l} {op} {r}")
            }
            Expr::Missing(f) => format!("attribute_not_exists({})", self.name(*f)),
            Expr::Exists(f) => format!("attribute_exists({})", self.name(*f)),
            Expr::Contains(f, v) => {
                let l = self.name(*f);
                format!("contains({l}, {})", self.value(v.clone()))
            }
            Expr::All(all) => self.join(all, " AND ")?,
            Expr::Any(any) => self.join(any, " OR ")?,
            Expr::Invalid(e) => return Err(StoreError::Internal(e.clone())),
        })
    }

    fn join(&mut self, parts: &[Expr], op: &str) -> Result<String, StoreError> {
        let parts = parts
            .iter()
            .map(|p| self.expr(p))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(format!("({})", parts.join(op)))
    }

    pub fn update(&mut self, u: &Update) -> Result<String, StoreError> {
        if let Some(e) = &u.error {
            return Err(StoreError::Internal(e.clone()));
        }
        let mut clauses = Vec::new();
        if !u.set.is_empty() {
            let sets: Vec<String> = u
                .set
                .iter()
                .map(|(f, v)| format!("{} = {}", self.attr(f), self.value(v.clone())))
                .collect();
            clauses.push(format!("SET {}", sets.join(", ")));
        }
        if !u.add.is_empty() {
            let adds: Vec<String> = u
                .add
                .iter()
                .map(|(f, v)| format!("{} {}", self.attr(f), self.value(v.clone())))
                .collect();
            clauses.push(format!("ADD {}", adds.join(", ")));
        }
        if !u.remove.is_empty() {
            let removes: Vec<String> = u.remove.iter().map(|f| self.attr(f)).collect();
            clauses.push(format!("REMOVE {}", removes.join(", ")));
        }
        if !u.delete.is_empty() {
            let deletes: Vec<String> = u
                .delete
                .iter()
                .map(|(f, v)| format!("{} {}", self.attr(f), self.value(v.clone())))
                .collect();
            clauses.push(format!("DELETE {}", deletes.join(", ")));
        }
        Ok(clauses.join(" "))
    }
}

/// A change to some attributes of one item, for writes that must not read first
/// (flags, counters) or must leave the rest of the item to other writers.
#[derive(Clone, Debug, Default)]
pub struct Update {
    set: Vec<(String, AttributeValue)>,
    add: Vec<(String, AttributeValue)>,
    remove: Vec<String>,
    delete: Vec<(String, AttributeValue)>,
    error: Option<String>,
}

impl Update {
    pub fn new() -> Self {
        Self::default()
    }

    /// `field = v`.
    pub fn set(mut self, f: Field, v: impl Serialize) -> Self {
        match to_value(v) {
            Ok(v) => self.set.push((f.0.to_string(), v)),
            Err(e) => {
                self.error.get_or_insert(e.to_string());
            }
        }
        self
    }

    /// Adds `n` to a number (a missing one counts as 0): counters that two writers
    /// move at once without losing either's step.
    pub fn add(mut self, f: Field, n: i64) -> Self {
        self.add
            .push((f.0.to_string(), AttributeValue::N(n.to_string())));
        self
    }

    /// Puts members into a string set (created if missing); one already there stays
    /// once. No members, no change (DynamoDB has no empty set).
    pub fn add_members(mut self, f: Field, members: Vec<String>) -> Self {
        if !members.is_empty() {
            self.add
                .push((f.0.to_string(), AttributeValue::Ss(members)));
        }
        self
    }

    /// Takes members out of a string set (absent ones are no error).
    pub fn remove_members(mut self, f: Field, members: Vec<String>) -> Self {
        if !members.is_empty() {
            self.delete
                .push((f.0.to_string(), AttributeValue::Ss(members)));
        }
        self
    }

    /// Drops the attribute.
    pub fn remove(mut self, f: Field) -> Self {
        self.remove.push(f.0.to_string());
        self
    }

    /// Sets an attribute already in stored form (from an item written whole).
    pub(crate) fn set_stored(mut self, attr: String, v: AttributeValue) -> Self {
        self.set.push((attr, v));
        self
    }
}

/// A filter on a query (applied by DynamoDB after the key condition: what it drops
/// is still read), and the order.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    pub(crate) conds: Vec<Cond>,
    /// Descending sort-key order (newest first, for ULID keys).
    pub(crate) descending: bool,
}

impl Filter {
    pub fn new() -> Self {
        Self::default()
    }

    /// Newest first: descending sort-key order.
    pub fn newest_first(mut self) -> Self {
        self.descending = true;
        self
    }

    /// Only items where `c` holds.
    pub fn when(mut self, c: Cond) -> Self {
        self.conds.push(c);
        self
    }

    /// `field = v`
    pub fn eq(self, f: Field, v: impl Serialize) -> Self {
        self.when(f.eq(v))
    }

    /// `contains(field, v)`
    pub fn contains(self, f: Field, v: impl Serialize) -> Self {
        self.when(f.contains(v))
    }

    pub(crate) fn expression(&self, p: &mut Placeholders) -> Result<Option<String>, StoreError> {
        if self.conds.is_empty() {
            return Ok(None);
        }
        let parts = self
            .conds
            .iter()
            .map(|c| p.condition(c))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Some(parts.join(" AND ")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conditions_render_with_placeholders() {
        let c = Cond::present().and(Field::new("status").eq("pending")).and(
            Field::new("seatsUsed")
                .missing()
                .or(Field::new("seatsUsed").lt_field(Field::new("seats"))),
        );
        let mut p = Placeholders::default();
        assert_eq!(
            p.condition(&c).unwrap(),
            "(attribute_exists(pk) AND #status = :v0 AND (attribute_not_exists(#seatsUsed) OR #seatsUsed < #seats))"
        );
        assert_eq!(p.names.len(), 3);
        assert_eq!(c.guard(), Guard::PRESENT);
    }

    #[test]
    fn updates_render_set_add_remove_in_order() {
        let u = Update::new()
            .set(Field::UPDATED_AT, "now")
            .add(Field::new("lessonCount"), -1)
            .add(Field::VERSION, 1)
            .remove(Field::TTL);
        let mut p = Placeholders::default();
        assert_eq!(
            p.update(&u).unwrap(),
            "SET #updatedAt = :v0 ADD #lessonCount :v1, #version :v2 REMOVE #ttl"
        );
        // A condition after the update numbers its values on from the update's.
        assert_eq!(p.condition(&Cond::version(3)).unwrap(), "#version = :v3");
    }
}

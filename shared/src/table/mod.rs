//! The single-table port: the handful of DynamoDB operations hallway uses,
//! and nothing else, so both adapters stay small and every domain store in
//! [`crate::store`] runs unchanged on either.
//!
//! Semantics both adapters share (checked by the conformance suite in
//! `tests/e2e/conformance_table.rs`):
//!
//! - Items are [`Item`]s (DynamoDB attribute maps) with string keys `pk` and
//!   `sk`, optional `gsi1pk`/`gsi1sk` for the one GSI, and an optional `ttl`
//!   (a number, Unix seconds).
//! - **TTL-aware**: an item whose `ttl` is in the past (by the adapter's
//!   [`Clock`](crate::clock::Clock)) reads as absent everywhere: `get`, queries,
//!   and conditions (a condition sees an expired item as a missing one).
//!   DynamoDB deletes expired items only eventually, so this must be ours.
//! - Conditions are checked atomically with the write they guard.
//! - Updates merge into the existing item (creating it when absent), like
//!   DynamoDB's `UpdateItem`; `put` replaces the whole item.
//! - Queries return items in sort-key order, at most `limit` per page, with an
//!   opaque cursor for the next page. A short page does not mean the end:
//!   only a missing cursor does. A query narrows the sort key by a prefix or
//!   by an inclusive range, not both.
//! - `get_many` reads up to [`MAX_GET_MANY`] distinct keys in one request
//!   (strongly consistent, answers in the order asked): what a request
//!   needs from several items costs one round trip instead of one each.

pub mod dynamo;
// The local bundle's and the tests' store; Lambda binaries leave it out.
#[cfg(feature = "embedded")]
pub mod embedded;

use async_trait::async_trait;
use serde::Serialize;
use serde::de::DeserializeOwned;

pub use serde_dynamo::{AttributeValue as Value, Item};

pub const PK: &str = "pk";
pub const SK: &str = "sk";
pub const GSI1_PK: &str = "gsi1pk";
pub const GSI1_SK: &str = "gsi1sk";
pub const TTL: &str = "ttl";
/// The name of the one global secondary index.
pub const GSI1: &str = "gsi1";
/// The most keys one [`Table::get_many`] takes (DynamoDB's `BatchGetItem`
/// limit).
pub const MAX_GET_MANY: usize = 100;
/// Sorts after every character a key can hold: `{prefix}{SORT_KEY_MAX}` is
/// the upper end of the range of sort keys starting with `prefix`.
pub const SORT_KEY_MAX: &str = "\u{10FFFF}";

/// A primary key. Built only by [`crate::keys`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Key {
    pub pk: String,
    pub sk: String,
}

/// A condition on the current item, evaluated atomically with a write.
/// An expired item is seen as absent.
#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    /// The item exists.
    Exists,
    /// The item does not exist.
    NotExists,
    /// The item exists and `attr` equals the value.
    Equals(String, Value),
    /// `attr` is absent (true for a missing item too).
    AttrMissing(String),
    /// `attr` is absent or a number below the value (true for a missing
    /// item): counters with a ceiling, locks that lapse.
    Below(String, i64),
    /// All of them.
    All(Vec<Condition>),
}

impl Condition {
    /// The condition's value on a missing (or expired) item, which DynamoDB
    /// evaluates as an item with no attributes.
    pub fn holds_on_missing(&self) -> bool {
        match self {
            Condition::Exists | Condition::Equals(..) => false,
            Condition::NotExists | Condition::AttrMissing(_) | Condition::Below(..) => true,
            Condition::All(all) => all.iter().all(Condition::holds_on_missing),
        }
    }

    /// Evaluates against a live item (`None` when missing or expired).
    pub fn holds(&self, item: Option<&Item>) -> bool {
        let Some(item) = item else {
            return self.holds_on_missing();
        };
        match self {
            Condition::Exists => true,
            Condition::NotExists => false,
            Condition::Equals(attr, value) => item.get(attr) == Some(value),
            Condition::AttrMissing(attr) => !item.contains_key(attr),
            Condition::Below(attr, limit) => match item.get(attr) {
                None => true,
                Some(Value::N(n)) => n.parse::<f64>().is_ok_and(|v| v < *limit as f64),
                Some(_) => false,
            },
            Condition::All(all) => all.iter().all(|c| c.holds(Some(item))),
        }
    }
}

/// Changes to apply to an item. Empty parts are skipped.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Update {
    pub set: Vec<(String, Value)>,
    /// Sets only where the attribute is absent (first-seen timestamps).
    pub set_if_missing: Vec<(String, Value)>,
    pub remove: Vec<String>,
    /// Adds to a number attribute (treating a missing one as 0).
    pub add: Vec<(String, i64)>,
}

impl Update {
    pub fn set(mut self, attr: impl Into<String>, value: Value) -> Self {
        self.set.push((attr.into(), value));
        self
    }

    pub fn set_if_missing(mut self, attr: impl Into<String>, value: Value) -> Self {
        self.set_if_missing.push((attr.into(), value));
        self
    }

    pub fn remove(mut self, attr: impl Into<String>) -> Self {
        self.remove.push(attr.into());
        self
    }

    pub fn add(mut self, attr: impl Into<String>, by: i64) -> Self {
        self.add.push((attr.into(), by));
        self
    }

    pub fn is_empty(&self) -> bool {
        self.set.is_empty()
            && self.set_if_missing.is_empty()
            && self.remove.is_empty()
            && self.add.is_empty()
    }

    /// Applies the update to an item in memory (the embedded adapter's
    /// implementation, and the reference for DynamoDB's).
    pub fn apply(&self, item: &mut Item) -> Result<(), TableError> {
        for (attr, value) in &self.set {
            item.insert(attr.clone(), value.clone());
        }
        for (attr, value) in &self.set_if_missing {
            item.entry(attr.clone()).or_insert_with(|| value.clone());
        }
        for attr in &self.remove {
            item.remove(attr);
        }
        for (attr, by) in &self.add {
            let current = match item.get(attr) {
                None => 0,
                Some(Value::N(n)) => n.parse::<i64>().map_err(|_| {
                    TableError::Invalid(format!("attribute {attr} is not an integer"))
                })?,
                Some(_) => {
                    return Err(TableError::Invalid(format!(
                        "attribute {attr} is not a number"
                    )));
                }
            };
            item.insert(attr.clone(), Value::N((current + by).to_string()));
        }
        Ok(())
    }
}

/// One write of a transaction.
#[derive(Debug, Clone)]
pub enum Write {
    Put {
        item: Item,
        condition: Option<Condition>,
    },
    Update {
        key: Key,
        update: Update,
        condition: Option<Condition>,
    },
    Delete {
        key: Key,
        condition: Option<Condition>,
    },
    Check {
        key: Key,
        condition: Condition,
    },
}

impl Write {
    pub fn key(&self) -> Result<Key, TableError> {
        match self {
            Write::Put { item, .. } => key_of(item),
            Write::Update { key, .. } | Write::Delete { key, .. } | Write::Check { key, .. } => {
                Ok(key.clone())
            }
        }
    }
}

/// Which key a query walks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Index {
    Primary,
    Gsi1,
}

#[derive(Debug, Clone)]
pub struct Query {
    pub index: Index,
    pub pk: String,
    /// Only items whose sort key starts with this.
    pub sk_prefix: Option<String>,
    /// Only items whose sort key is within this inclusive range.
    pub sk_between: Option<(String, String)>,
    /// Page size (1..=1000).
    pub limit: u32,
    pub cursor: Option<Cursor>,
    pub descending: bool,
}

impl Query {
    pub fn partition(pk: impl Into<String>) -> Self {
        Self {
            index: Index::Primary,
            pk: pk.into(),
            sk_prefix: None,
            sk_between: None,
            limit: 100,
            cursor: None,
            descending: false,
        }
    }

    pub fn gsi1(pk: impl Into<String>) -> Self {
        Self {
            index: Index::Gsi1,
            ..Self::partition(pk)
        }
    }

    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.sk_prefix = Some(prefix.into());
        self
    }

    /// Sort keys from `low` to `high`, both included.
    pub fn between(mut self, low: impl Into<String>, high: impl Into<String>) -> Self {
        self.sk_between = Some((low.into(), high.into()));
        self
    }

    /// The query's sort-key bounds, both inclusive (`None`: unbounded), or
    /// why it has none.
    pub(crate) fn sort_key_bounds(&self) -> Result<(Option<String>, Option<String>), TableError> {
        match (&self.sk_prefix, &self.sk_between) {
            (Some(_), Some(_)) => Err(TableError::Invalid(
                "a query takes a sort-key prefix or a range, not both".into(),
            )),
            (Some(p), None) if !p.is_empty() => {
                Ok((Some(p.clone()), Some(format!("{p}{SORT_KEY_MAX}"))))
            }
            (_, Some((low, high))) if low > high => Err(TableError::Invalid(
                "a sort-key range must not end before it starts".into(),
            )),
            (_, Some((low, high))) => Ok((Some(low.clone()), Some(high.clone()))),
            _ => Ok((None, None)),
        }
    }

    pub fn limit(mut self, limit: u32) -> Self {
        self.limit = limit.clamp(1, 1000);
        self
    }

    pub fn after(mut self, cursor: Option<Cursor>) -> Self {
        self.cursor = cursor;
        self
    }

    pub fn descending(mut self) -> Self {
        self.descending = true;
        self
    }

    /// Starts after the item with sort key `sk` in this query's partition
    /// (primary index). A cursor built here cannot point into another
    /// partition, whatever an API client sends.
    pub fn after_sort_key(mut self, sk: impl Into<String>) -> Self {
        self.cursor = Some(
            CursorKey {
                pk: self.pk.clone(),
                sk: sk.into(),
                gpk: None,
                gsk: None,
            }
            .encode(),
        );
        self
    }
}

/// Where the next page starts: the encoded key of the last item returned.
/// Opaque to callers; safe to hand to API clients.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor(pub String);

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub(crate) struct CursorKey {
    pub pk: String,
    pub sk: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub gpk: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub gsk: Option<String>,
}

impl CursorKey {
    pub(crate) fn encode(&self) -> Cursor {
        use base64::Engine;
        let json = serde_json::to_vec(self).unwrap_or_default();
        Cursor(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json))
    }

    pub(crate) fn decode(cursor: &Cursor) -> Result<Self, TableError> {
        use base64::Engine;
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(&cursor.0)
            .map_err(|_| TableError::Invalid("malformed page cursor".into()))?;
        serde_json::from_slice(&bytes)
            .map_err(|_| TableError::Invalid("malformed page cursor".into()))
    }
}

#[derive(Debug, Clone)]
pub struct Page {
    pub items: Vec<Item>,
    pub next: Option<Cursor>,
}

#[derive(Debug, thiserror::Error)]
pub enum TableError {
    /// The write's condition did not hold; nothing was written.
    #[error("the condition did not hold")]
    ConditionFailed,
    /// A transaction was cancelled because these writes' conditions failed;
    /// nothing was written.
    #[error("transaction cancelled; conditions failed at {failed:?}")]
    TransactionConflict { failed: Vec<usize> },
    /// Bad input from our own code (a key attribute missing, a malformed
    /// cursor): a bug or a tampered cursor, not worth retrying.
    #[error("invalid table request: {0}")]
    Invalid(String),
    /// The store could not be reached or failed; worth retrying later.
    #[error("table unavailable: {0}")]
    Unavailable(String),
}

impl TableError {
    pub fn is_condition_failure(&self) -> bool {
        matches!(
            self,
            TableError::ConditionFailed | TableError::TransactionConflict { .. }
        )
    }
}

/// The table port.
#[async_trait]
pub trait Table: Send + Sync + 'static {
    /// A strongly consistent read. Expired items read as `None`.
    async fn get(&self, key: &Key) -> Result<Option<Item>, TableError>;

    /// Strongly consistent reads of up to [`MAX_GET_MANY`] distinct keys in
    /// one request; the answers are in the order of `keys`, expired items
    /// read as `None`. Repeated keys are [`TableError::Invalid`].
    async fn get_many(&self, keys: &[Key]) -> Result<Vec<Option<Item>>, TableError>;

    /// Replaces the whole item (keys taken from it) if the condition holds.
    async fn put(&self, item: Item, condition: Option<Condition>) -> Result<(), TableError>;

    /// Merges changes into the item if the condition holds; returns the item
    /// as it is after the update.
    async fn update(
        &self,
        key: &Key,
        update: Update,
        condition: Option<Condition>,
    ) -> Result<Item, TableError>;

    /// Deletes the item if the condition holds; returns the live item it
    /// removed, if there was one. A `Some` from a delete conditioned on
    /// [`Condition::Exists`] is a single-use consume: exactly one of several
    /// racing callers gets it.
    async fn delete(
        &self,
        key: &Key,
        condition: Option<Condition>,
    ) -> Result<Option<Item>, TableError>;

    /// One page of a partition, in sort-key order. Expired items are skipped.
    async fn query(&self, query: Query) -> Result<Page, TableError>;

    /// All writes or none (at most 25, each to a different item).
    async fn transact(&self, writes: Vec<Write>) -> Result<(), TableError>;
}

pub type SharedTable = std::sync::Arc<dyn Table>;

/// Checks a [`Table::get_many`] request: both adapters refuse the same.
pub(crate) fn validate_keys(keys: &[Key]) -> Result<(), TableError> {
    if keys.len() > MAX_GET_MANY {
        return Err(TableError::Invalid(format!(
            "at most {MAX_GET_MANY} keys in one read, not {}",
            keys.len()
        )));
    }
    let distinct: std::collections::HashSet<&Key> = keys.iter().collect();
    if distinct.len() != keys.len() {
        return Err(TableError::Invalid("a key is asked for twice".into()));
    }
    Ok(())
}

/// Every item of a query, page after page, as typed records.
/// One page of a query, decoded.
pub async fn one_page<T: DeserializeOwned>(
    table: &dyn Table,
    query: Query,
) -> Result<Vec<T>, TableError> {
    table
        .query(query)
        .await?
        .items
        .into_iter()
        .map(from_item)
        .collect()
}

pub async fn all_records<T: DeserializeOwned>(
    table: &dyn Table,
    query: Query,
) -> Result<Vec<T>, TableError> {
    let mut out = Vec::new();
    let mut cursor = query.cursor.clone();
    loop {
        let page = table.query(query.clone().after(cursor)).await?;
        for item in page.items {
            out.push(from_item(item)?);
        }
        match page.next {
            Some(next) => cursor = Some(next),
            None => return Ok(out),
        }
    }
}

/// The key attributes of an item.
pub fn key_of(item: &Item) -> Result<Key, TableError> {
    let get = |name: &str| match item.get(name) {
        Some(Value::S(s)) => Ok(s.clone()),
        _ => Err(TableError::Invalid(format!("item has no string {name}"))),
    };
    Ok(Key {
        pk: get(PK)?,
        sk: get(SK)?,
    })
}

/// Reads a string attribute.
pub fn str_attr<'a>(item: &'a Item, name: &str) -> Option<&'a str> {
    match item.get(name) {
        Some(Value::S(s)) => Some(s),
        _ => None,
    }
}

/// Reads an integer attribute.
pub fn int_attr(item: &Item, name: &str) -> Option<i64> {
    match item.get(name) {
        Some(Value::N(n)) => n.parse().ok(),
        _ => None,
    }
}

/// Whether an item is expired at `now_secs`.
pub fn is_expired(item: &Item, now_secs: i64) -> bool {
    int_attr(item, TTL).is_some_and(|ttl| ttl < now_secs)
}

/// A string value.
pub fn s(value: impl Into<String>) -> Value {
    Value::S(value.into())
}

/// A number value.
pub fn n(value: i64) -> Value {
    Value::N(value.to_string())
}

/// Builds an item from a typed record plus its key attributes. The record's
/// own fields become top-level attributes, so conditions can name them.
pub fn record_item<T: Serialize>(key: &Key, record: &T) -> Result<Item, TableError> {
    let mut item: Item = serde_dynamo::to_item(record)
        .map_err(|e| TableError::Invalid(format!("record does not serialise: {e}")))?;
    // `None` fields would become NULL attributes, which `AttrMissing`
    // conditions would then see as present.
    item.retain(|_, v| !matches!(v, Value::Null(_)));
    item.insert(PK.into(), s(&key.pk));
    item.insert(SK.into(), s(&key.sk));
    Ok(item)
}

/// Reads a typed record back from an item (key attributes are ignored).
pub fn from_item<T: DeserializeOwned>(item: Item) -> Result<T, TableError> {
    serde_dynamo::from_item(item)
        .map_err(|e| TableError::Invalid(format!("stored item does not match its record: {e}")))
}

/// The limits DynamoDB puts on `TransactWriteItems`, checked by both adapters
/// so the embedded one never accepts what DynamoDB would refuse.
pub(crate) fn validate_transaction(writes: &[Write]) -> Result<(), TableError> {
    if writes.is_empty() || writes.len() > 25 {
        return Err(TableError::Invalid(format!(
            "a transaction holds 1-25 writes, not {}",
            writes.len()
        )));
    }
    let mut keys = std::collections::HashSet::new();
    for w in writes {
        if !keys.insert(w.key()?) {
            return Err(TableError::Invalid(
                "a transaction may touch each item only once".into(),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(pairs: &[(&str, Value)]) -> Item {
        let mut i = Item::default();
        for (k, v) in pairs {
            i.insert((*k).to_owned(), v.clone());
        }
        i
    }

    #[test]
    fn conditions_on_missing_items_follow_dynamodb() {
        assert!(!Condition::Exists.holds(None));
        assert!(Condition::NotExists.holds(None));
        assert!(Condition::AttrMissing("x".into()).holds(None));
        assert!(!Condition::Equals("x".into(), n(1)).holds(None));
        assert!(
            !Condition::All(vec![Condition::Exists, Condition::AttrMissing("x".into())])
                .holds(None)
        );
    }

    #[test]
    fn conditions_on_live_items() {
        let it = item(&[("pk", s("a")), ("v", n(3))]);
        assert!(Condition::Exists.holds(Some(&it)));
        assert!(!Condition::NotExists.holds(Some(&it)));
        assert!(Condition::Equals("v".into(), n(3)).holds(Some(&it)));
        assert!(!Condition::Equals("v".into(), n(4)).holds(Some(&it)));
        assert!(!Condition::AttrMissing("v".into()).holds(Some(&it)));
        assert!(Condition::Below("v".into(), 4).holds(Some(&it)));
        assert!(!Condition::Below("v".into(), 3).holds(Some(&it)));
        assert!(Condition::Below("absent".into(), 0).holds(Some(&it)));
        assert!(Condition::Below("v".into(), 0).holds(None));
    }

    #[test]
    fn updates_set_remove_and_add() {
        let mut it = item(&[("a", s("x")), ("b", s("y")), ("count", n(2))]);
        Update::default()
            .set("a", s("z"))
            .remove("b")
            .add("count", 3)
            .add("fresh", 1)
            .set_if_missing("a", s("ignored"))
            .set_if_missing("first", s("kept"))
            .apply(&mut it)
            .unwrap();
        assert_eq!(str_attr(&it, "first"), Some("kept"));
        assert_eq!(it.get("a"), Some(&s("z")));
        assert!(!it.contains_key("b"));
        assert_eq!(int_attr(&it, "count"), Some(5));
        assert_eq!(int_attr(&it, "fresh"), Some(1));
        let err = Update::default().add("a", 1).apply(&mut it).unwrap_err();
        assert!(matches!(err, TableError::Invalid(_)));
    }

    #[test]
    fn ttl_in_the_past_is_expired() {
        let it = item(&[("ttl", n(100))]);
        assert!(!is_expired(&it, 100));
        assert!(is_expired(&it, 101));
        assert!(!is_expired(&item(&[]), i64::MAX));
    }

    #[test]
    fn records_round_trip_through_items() {
        #[derive(Serialize, serde::Deserialize, PartialEq, Debug)]
        struct R {
            name: String,
            count: u32,
            tag: Option<String>,
        }
        let key = Key {
            pk: "P".into(),
            sk: "S".into(),
        };
        let r = R {
            name: "n".into(),
            count: 7,
            tag: None,
        };
        let it = record_item(&key, &r).unwrap();
        assert_eq!(key_of(&it).unwrap(), key);
        assert_eq!(from_item::<R>(it).unwrap(), r);
    }

    #[test]
    fn cursors_round_trip_and_reject_junk() {
        let k = CursorKey {
            pk: "a".into(),
            sk: "b#c".into(),
            gpk: None,
            gsk: None,
        };
        let c = k.encode();
        let back = CursorKey::decode(&c).unwrap();
        assert_eq!(back.sk, "b#c");
        assert!(CursorKey::decode(&Cursor("%%%".into())).is_err());
    }
}

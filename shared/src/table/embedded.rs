//! The embedded table adapter, for the local bundle and fast tests: a redb
//! database (a well-kept, pure-Rust, transactional B-tree store) in one file
//! under the data directory, or in memory.
//!
//! Items live in one redb table keyed by `(pk, sk)`, so a partition query is a
//! range scan, exactly as in DynamoDB. The GSI is a second redb table keyed by
//! `(gsi1pk, gsi1sk, pk, sk)`, kept in step inside the same write transaction.
//! redb runs one write transaction at a time, which makes every conditional
//! write and every [`Table::transact`] atomic without further locking.
//! Values are the items' DynamoDB JSON.

use std::ops::Bound;
use std::path::Path;
use std::sync::Arc;

use async_trait::async_trait;
use redb::{Database, ReadableDatabase, ReadableTable, TableDefinition};

use super::{
    Condition, Cursor, CursorKey, GSI1_PK, GSI1_SK, Index, Item, Key, Page, Query, Table,
    TableError, Update, Write, is_expired, key_of, str_attr, validate_transaction,
};
use crate::clock::SharedClock;

const ITEMS: TableDefinition<(&str, &str), &[u8]> = TableDefinition::new("items");
const GSI1_TABLE: TableDefinition<(&str, &str, &str, &str), ()> = TableDefinition::new("gsi1");
const HIGH: &str = super::SORT_KEY_MAX;

pub struct EmbeddedTable {
    db: Arc<Database>,
    clock: SharedClock,
}

impl std::fmt::Debug for EmbeddedTable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmbeddedTable").finish_non_exhaustive()
    }
}

fn unavailable(e: impl std::fmt::Display) -> TableError {
    TableError::Unavailable(e.to_string())
}

impl EmbeddedTable {
    /// Opens (or creates) `hallway.redb` in `dir`, creating the directory.
    pub fn open_dir(dir: &Path, clock: SharedClock) -> Result<Self, TableError> {
        std::fs::create_dir_all(dir)
            .map_err(|e| unavailable(format!("cannot create {}: {e}", dir.display())))?;
        let path = dir.join("hallway.redb");
        let db = Database::create(&path)
            .map_err(|e| unavailable(format!("cannot open {}: {e}", path.display())))?;
        Self::init(db, clock)
    }

    /// A fresh table that lives only as long as this value.
    pub fn in_memory(clock: SharedClock) -> Result<Self, TableError> {
        let db = Database::builder()
            .create_with_backend(redb::backends::InMemoryBackend::new())
            .map_err(unavailable)?;
        Self::init(db, clock)
    }

    /// Every stored item, expired ones included: what a DynamoDB `Scan`
    /// of the table returns, for looking into the local store (and the
    /// tests that check nothing of someone is left behind).
    pub async fn scan_all(&self) -> Result<Vec<Item>, TableError> {
        self.blocking(|db, _| {
            let tx = db.begin_read().map_err(unavailable)?;
            let items = tx.open_table(ITEMS).map_err(unavailable)?;
            let mut out = Vec::new();
            for entry in items.iter().map_err(unavailable)? {
                let (_, bytes) = entry.map_err(unavailable)?;
                out.push(decode(bytes.value())?);
            }
            Ok(out)
        })
        .await
    }

    fn init(db: Database, clock: SharedClock) -> Result<Self, TableError> {
        let tx = db.begin_write().map_err(unavailable)?;
        tx.open_table(ITEMS).map_err(unavailable)?;
        tx.open_table(GSI1_TABLE).map_err(unavailable)?;
        tx.commit().map_err(unavailable)?;
        Ok(Self {
            db: Arc::new(db),
            clock,
        })
    }

    /// One conditional write in its own transaction. `change` gets the
    /// stored item (expired or not: updates merge into it) and the live one,
    /// and returns what to store (`None` deletes) and what to answer.
    async fn write_one<R, F>(
        &self,
        key: Key,
        condition: Option<Condition>,
        change: F,
    ) -> Result<R, TableError>
    where
        R: Send + 'static,
        F: FnOnce(Option<Item>, Option<Item>) -> Result<(Option<Item>, R), TableError>
            + Send
            + 'static,
    {
        self.blocking(move |db, now| {
            let tx = db.begin_write().map_err(unavailable)?;
            let answer = {
                let mut items = tx.open_table(ITEMS).map_err(unavailable)?;
                let mut gsi = tx.open_table(GSI1_TABLE).map_err(unavailable)?;
                let live = live_item(&items, &key, now)?;
                if !check(condition.as_ref(), live.as_ref()) {
                    // Dropping the transaction without commit aborts it.
                    return Err(TableError::ConditionFailed);
                }
                let old = stored_item(&items, &key)?;
                let (new, answer) = change(old.clone(), live)?;
                if new.is_some() || old.is_some() {
                    store(&mut items, &mut gsi, &key, old.as_ref(), new.as_ref())?;
                }
                answer
            };
            tx.commit().map_err(unavailable)?;
            Ok(answer)
        })
        .await
    }

    async fn blocking<T, F>(&self, f: F) -> Result<T, TableError>
    where
        T: Send + 'static,
        F: FnOnce(&Database, i64) -> Result<T, TableError> + Send + 'static,
    {
        let db = Arc::clone(&self.db);
        let now = self.clock.now_secs();
        tokio::task::spawn_blocking(move || f(&db, now))
            .await
            .map_err(|e| unavailable(format!("embedded store task failed: {e}")))?
    }
}

fn decode(bytes: &[u8]) -> Result<Item, TableError> {
    serde_json::from_slice(bytes).map_err(|e| unavailable(format!("corrupt stored item: {e}")))
}

fn encode(item: &Item) -> Result<Vec<u8>, TableError> {
    serde_json::to_vec(item).map_err(|e| TableError::Invalid(e.to_string()))
}

type ItemsTable<'t> = redb::Table<'t, (&'static str, &'static str), &'static [u8]>;
type GsiTable<'t> = redb::Table<'t, (&'static str, &'static str, &'static str, &'static str), ()>;

/// The live item at `key`, in a read or a write transaction.
fn live_item(
    items: &impl ReadableTable<(&'static str, &'static str), &'static [u8]>,
    key: &Key,
    now: i64,
) -> Result<Option<Item>, TableError> {
    let Some(guard) = items
        .get((key.pk.as_str(), key.sk.as_str()))
        .map_err(unavailable)?
    else {
        return Ok(None);
    };
    let item = decode(guard.value())?;
    Ok((!is_expired(&item, now)).then_some(item))
}

/// The stored item at `key`, live or expired (updates merge into it).
fn stored_item(items: &ItemsTable<'_>, key: &Key) -> Result<Option<Item>, TableError> {
    items
        .get((key.pk.as_str(), key.sk.as_str()))
        .map_err(unavailable)?
        .map(|g| decode(g.value()))
        .transpose()
}

fn gsi_key(item: &Item) -> Option<(&str, &str)> {
    Some((str_attr(item, GSI1_PK)?, str_attr(item, GSI1_SK)?))
}

/// Writes `new` (or removes the item when `None`), keeping the GSI in step.
fn store(
    items: &mut ItemsTable<'_>,
    gsi: &mut GsiTable<'_>,
    key: &Key,
    old: Option<&Item>,
    new: Option<&Item>,
) -> Result<(), TableError> {
    if let Some((gpk, gsk)) = old.and_then(gsi_key) {
        gsi.remove((gpk, gsk, key.pk.as_str(), key.sk.as_str()))
            .map_err(unavailable)?;
    }
    match new {
        Some(item) => {
            items
                .insert((key.pk.as_str(), key.sk.as_str()), encode(item)?.as_slice())
                .map_err(unavailable)?;
            if let Some((gpk, gsk)) = gsi_key(item) {
                gsi.insert((gpk, gsk, key.pk.as_str(), key.sk.as_str()), ())
                    .map_err(unavailable)?;
            }
        }
        None => {
            items
                .remove((key.pk.as_str(), key.sk.as_str()))
                .map_err(unavailable)?;
        }
    }
    Ok(())
}

fn check(condition: Option<&Condition>, live: Option<&Item>) -> bool {
    condition.is_none_or(|c| c.holds(live))
}

fn updated(stored: Option<Item>, key: &Key, update: &Update) -> Result<Item, TableError> {
    let mut item = stored.unwrap_or_default();
    item.insert(super::PK.into(), super::s(&key.pk));
    item.insert(super::SK.into(), super::s(&key.sk));
    update.apply(&mut item)?;
    Ok(item)
}

#[async_trait]
impl Table for EmbeddedTable {
    async fn get(&self, key: &Key) -> Result<Option<Item>, TableError> {
        let key = key.clone();
        self.blocking(move |db, now| {
            let tx = db.begin_read().map_err(unavailable)?;
            let items = tx.open_table(ITEMS).map_err(unavailable)?;
            live_item(&items, &key, now)
        })
        .await
    }

    async fn get_many(&self, keys: &[Key]) -> Result<Vec<Option<Item>>, TableError> {
        super::validate_keys(keys)?;
        let keys = keys.to_vec();
        self.blocking(move |db, now| {
            let tx = db.begin_read().map_err(unavailable)?;
            let items = tx.open_table(ITEMS).map_err(unavailable)?;
            keys.iter().map(|k| live_item(&items, k, now)).collect()
        })
        .await
    }

    async fn put(&self, item: Item, condition: Option<Condition>) -> Result<(), TableError> {
        let key = key_of(&item)?;
        self.write_one(key, condition, move |_, _| Ok((Some(item), ())))
            .await
    }

    async fn update(
        &self,
        key: &Key,
        update: Update,
        condition: Option<Condition>,
    ) -> Result<Item, TableError> {
        let key = key.clone();
        let k = key.clone();
        self.write_one(key, condition, move |stored, _| {
            let new = updated(stored, &k, &update)?;
            Ok((Some(new.clone()), new))
        })
        .await
    }

    async fn delete(
        &self,
        key: &Key,
        condition: Option<Condition>,
    ) -> Result<Option<Item>, TableError> {
        self.write_one(key.clone(), condition, |_, live| Ok((None, live)))
            .await
    }

    async fn query(&self, query: Query) -> Result<Page, TableError> {
        self.blocking(move |db, now| {
            let tx = db.begin_read().map_err(unavailable)?;
            let items = tx.open_table(ITEMS).map_err(unavailable)?;
            let (low, high) = query.sort_key_bounds()?;
            let prefix = low.unwrap_or_default();
            let high = high.unwrap_or_else(|| HIGH.to_owned());
            let after = query.cursor.as_ref().map(CursorKey::decode).transpose()?;
            let limit = query.limit.clamp(1, 1000) as usize;
            let mut out = Vec::new();
            let mut more = false;
            match query.index {
                Index::Primary => {
                    let pk = query.pk.as_str();
                    let mut lower = Bound::Included((pk, prefix.as_str()));
                    let mut upper = Bound::Included((pk, high.as_str()));
                    if let Some(c) = &after {
                        if query.descending {
                            upper = Bound::Excluded((pk, c.sk.as_str()));
                        } else {
                            lower = Bound::Excluded((pk, c.sk.as_str()));
                        }
                    }
                    let range = items
                        .range::<(&str, &str)>((lower, upper))
                        .map_err(unavailable)?;
                    let entries: Box<dyn Iterator<Item = _>> = if query.descending {
                        Box::new(range.rev())
                    } else {
                        Box::new(range)
                    };
                    for entry in entries {
                        let (_, v) = entry.map_err(unavailable)?;
                        let item = decode(v.value())?;
                        if is_expired(&item, now) {
                            continue;
                        }
                        if out.len() == limit {
                            more = true;
                            break;
                        }
                        out.push(item);
                    }
                }
                Index::Gsi1 => {
                    let gsi = tx.open_table(GSI1_TABLE).map_err(unavailable)?;
                    let gpk = query.pk.as_str();
                    let mut lower = Bound::Included((gpk, prefix.as_str(), "", ""));
                    let mut upper = Bound::Included((gpk, high.as_str(), HIGH, HIGH));
                    let cursor_parts;
                    if let Some(c) = &after {
                        cursor_parts = (
                            c.gsk.clone().unwrap_or_default(),
                            c.pk.clone(),
                            c.sk.clone(),
                        );
                        let bound = (
                            gpk,
                            cursor_parts.0.as_str(),
                            cursor_parts.1.as_str(),
                            cursor_parts.2.as_str(),
                        );
                        if query.descending {
                            upper = Bound::Excluded(bound);
                        } else {
                            lower = Bound::Excluded(bound);
                        }
                    }
                    let range = gsi
                        .range::<(&str, &str, &str, &str)>((lower, upper))
                        .map_err(unavailable)?;
                    let entries: Box<dyn Iterator<Item = _>> = if query.descending {
                        Box::new(range.rev())
                    } else {
                        Box::new(range)
                    };
                    for entry in entries {
                        let (k, _) = entry.map_err(unavailable)?;
                        let (_, _, pk, sk) = k.value();
                        let Some(guard) = items.get((pk, sk)).map_err(unavailable)? else {
                            continue;
                        };
                        let item = decode(guard.value())?;
                        if is_expired(&item, now) {
                            continue;
                        }
                        if out.len() == limit {
                            more = true;
                            break;
                        }
                        out.push(item);
                    }
                }
            }
            let next = if more {
                out.last()
                    .map(|last| cursor_for(query.index, last))
                    .transpose()?
            } else {
                None
            };
            Ok(Page { items: out, next })
        })
        .await
    }

    async fn transact(&self, writes: Vec<Write>) -> Result<(), TableError> {
        validate_transaction(&writes)?;
        self.blocking(move |db, now| {
            let tx = db.begin_write().map_err(unavailable)?;
            {
                let mut items = tx.open_table(ITEMS).map_err(unavailable)?;
                let mut gsi = tx.open_table(GSI1_TABLE).map_err(unavailable)?;
                let mut failed = Vec::new();
                for (i, w) in writes.iter().enumerate() {
                    let live = live_item(&items, &w.key()?, now)?;
                    let cond = match w {
                        Write::Put { condition, .. }
                        | Write::Update { condition, .. }
                        | Write::Delete { condition, .. } => condition.as_ref(),
                        Write::Check { condition, .. } => Some(condition),
                    };
                    if !check(cond, live.as_ref()) {
                        failed.push(i);
                    }
                }
                if !failed.is_empty() {
                    // Dropping the transaction without commit aborts it.
                    return Err(TableError::TransactionConflict { failed });
                }
                for w in &writes {
                    let key = w.key()?;
                    let old = stored_item(&items, &key)?;
                    match w {
                        Write::Put { item, .. } => {
                            store(&mut items, &mut gsi, &key, old.as_ref(), Some(item))?
                        }
                        Write::Update { update, .. } => {
                            let new = updated(old.clone(), &key, update)?;
                            store(&mut items, &mut gsi, &key, old.as_ref(), Some(&new))?
                        }
                        Write::Delete { .. } => {
                            if old.is_some() {
                                store(&mut items, &mut gsi, &key, old.as_ref(), None)?
                            }
                        }
                        Write::Check { .. } => {}
                    }
                }
            }
            tx.commit().map_err(unavailable)
        })
        .await
    }
}

pub(crate) fn cursor_for(index: Index, item: &Item) -> Result<Cursor, TableError> {
    let key = key_of(item)?;
    let (gpk, gsk) = match index {
        Index::Primary => (None, None),
        Index::Gsi1 => (
            str_attr(item, GSI1_PK).map(str::to_owned),
            str_attr(item, GSI1_SK).map(str::to_owned),
        ),
    };
    Ok(CursorKey {
        pk: key.pk,
        sk: key.sk,
        gpk,
        gsk,
    }
    .encode())
}

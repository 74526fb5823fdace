//! The DynamoDB table adapter (aws-sdk-dynamodb), one table per deployment.
//!
//! Table shape (also in `infra/template.yaml`, kept equal by a test): string
//! `pk` + `sk`, GSI `gsi1` on `gsi1pk` + `gsi1sk` projecting everything, TTL on
//! the number attribute `ttl`, on-demand billing.
//!
//! TTL awareness is done here, not by DynamoDB (which deletes expired items
//! only eventually): reads drop expired items, and every condition is wrapped
//! so that an expired item satisfies exactly what a missing one would.

use std::collections::HashMap;
use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue as Av, BillingMode, ConditionCheck, Delete,
    GlobalSecondaryIndex, KeySchemaElement, KeyType, KeysAndAttributes, Projection, ProjectionType,
    Put, ReturnValue, ScalarAttributeType, TimeToLiveSpecification, TransactWriteItem,
    Update as DynUpdate,
};

use super::{
    Condition, CursorKey, GSI1, GSI1_PK, GSI1_SK, Index, Item, Key, PK, Page, Query, SK, TTL,
    Table, TableError, Update, Write, is_expired,
};
use crate::clock::SharedClock;

/// How often [`Table::get_many`] asks again for keys DynamoDB left unread.
const UNPROCESSED_RETRIES: u32 = 5;

pub struct DynamoTable {
    client: Client,
    table: String,
    clock: SharedClock,
}

impl std::fmt::Debug for DynamoTable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DynamoTable")
            .field("table", &self.table)
            .finish_non_exhaustive()
    }
}

fn unavailable<E, R>(e: SdkError<E, R>) -> TableError
where
    E: std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    TableError::Unavailable(DisplayErrorContext(e).to_string())
}

/// A failed conditional write is the caller's business; anything else is
/// the store being unavailable.
fn write_error<E, R>(e: SdkError<E, R>) -> TableError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    if e.as_service_error().and_then(ProvideErrorMetadata::code)
        == Some("ConditionalCheckFailedException")
    {
        TableError::ConditionFailed
    } else {
        unavailable(e)
    }
}

fn to_aws(item: Item) -> HashMap<String, Av> {
    item.into()
}

fn from_aws(item: HashMap<String, Av>) -> Item {
    item.into()
}

fn key_map(key: &Key) -> HashMap<String, Av> {
    HashMap::from([
        (PK.to_owned(), Av::S(key.pk.clone())),
        (SK.to_owned(), Av::S(key.sk.clone())),
    ])
}

/// Collects expression attribute names and values as an expression is built.
#[derive(Default)]
struct Expr {
    names: HashMap<String, String>,
    values: HashMap<String, Av>,
}

impl Expr {
    fn name(&mut self, attr: &str) -> String {
        let placeholder = format!("#n{}", self.names.len());
        // Reuse a placeholder when the attribute repeats.
        if let Some((p, _)) = self.names.iter().find(|(_, a)| *a == attr) {
            return p.clone();
        }
        self.names.insert(placeholder.clone(), attr.to_owned());
        placeholder
    }

    fn value(&mut self, value: Av) -> String {
        let placeholder = format!(":v{}", self.values.len());
        self.values.insert(placeholder.clone(), value);
        placeholder
    }

    fn condition(&mut self, c: &Condition) -> String {
        match c {
            Condition::Exists => format!("attribute_exists({})", self.name(PK)),
            Condition::NotExists => format!("attribute_not_exists({})", self.name(PK)),
            Condition::Equals(attr, v) => {
                let n = self.name(attr);
                let v = self.value(v.clone().into());
                format!("{n} = {v}")
            }
            Condition::AttrMissing(attr) => format!("attribute_not_exists({})", self.name(attr)),
            Condition::Below(attr, limit) => {
                let n = self.name(attr);
                let v = self.value(Av::N(limit.to_string()));
                // No outer parentheses: callers add them, and DynamoDB refuses
                // doubled ones ("redundant parentheses").
                format!("attribute_not_exists({n}) OR {n} < {v}")
            }
            Condition::All(all) if all.is_empty() => {
                // Always true: the item either has a pk or it does not.
                let pk = self.name(PK);
                format!("attribute_exists({pk}) OR attribute_not_exists({pk})")
            }
            Condition::All(all) => all
                .iter()
                .map(|c| format!("({})", self.condition(c)))
                .collect::<Vec<_>>()
                .join(" AND "),
        }
    }

    /// The condition as DynamoDB must see it so that an expired item behaves
    /// like a missing one.
    fn ttl_aware(&mut self, c: &Condition, now_secs: i64) -> String {
        let ttl = self.name(TTL);
        let now = self.value(Av::N(now_secs.to_string()));
        let inner = self.condition(c);
        if c.holds_on_missing() {
            format!("({ttl} < {now}) OR ({inner})")
        } else {
            format!("(attribute_not_exists({ttl}) OR {ttl} >= {now}) AND ({inner})")
        }
    }

    fn update(&mut self, u: &Update) -> Option<String> {
        let mut parts = Vec::new();
        let mut sets: Vec<String> = u
            .set
            .iter()
            .map(|(a, v)| {
                let n = self.name(a);
                let v = self.value(v.clone().into());
                format!("{n} = {v}")
            })
            .collect();
        sets.extend(u.set_if_missing.iter().map(|(a, v)| {
            let n = self.name(a);
            let v = self.value(v.clone().into());
            format!("{n} = if_not_exists({n}, {v})")
        }));
        if !sets.is_empty() {
            parts.push(format!("SET {}", sets.join(", ")));
        }
        if !u.remove.is_empty() {
            let names: Vec<String> = u.remove.iter().map(|a| self.name(a)).collect();
            parts.push(format!("REMOVE {}", names.join(", ")));
        }
        if !u.add.is_empty() {
            let adds: Vec<String> = u
                .add
                .iter()
                .map(|(a, by)| {
                    let n = self.name(a);
                    let v = self.value(Av::N(by.to_string()));
                    format!("{n} {v}")
                })
                .collect();
            parts.push(format!("ADD {}", adds.join(", ")));
        }
        (!parts.is_empty()).then(|| parts.join(" "))
    }

    fn names(&self) -> Option<HashMap<String, String>> {
        (!self.names.is_empty()).then(|| self.names.clone())
    }

    fn values(&self) -> Option<HashMap<String, Av>> {
        (!self.values.is_empty()).then(|| self.values.clone())
    }
}

impl DynamoTable {
    pub fn new(client: Client, table: impl Into<String>, clock: SharedClock) -> Self {
        Self {
            client,
            table: table.into(),
            clock,
        }
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    pub fn table_name(&self) -> &str {
        &self.table
    }

    /// Opens `connections` connections of the pool before the first
    /// request needs them (Lambda init runs on a boosted CPU; the first
    /// request does not). Each is one `DescribeTable`, not retried: a
    /// warm-up that fails costs the first request a connect, a retried one
    /// would cost init its backoff.
    pub async fn warm(&self, connections: usize) -> Result<(), TableError> {
        let mut calls = tokio::task::JoinSet::new();
        for _ in 0..connections {
            let (client, table) = (self.client.clone(), self.table.clone());
            calls.spawn(async move {
                client
                    .describe_table()
                    .table_name(table)
                    .customize()
                    .config_override(
                        aws_sdk_dynamodb::Config::builder()
                            .retry_config(aws_sdk_dynamodb::config::retry::RetryConfig::disabled()),
                    )
                    .send()
                    .await
            });
        }
        while let Some(done) = calls.join_next().await {
            done.map_err(|e| TableError::Unavailable(e.to_string()))?
                .map_err(unavailable)?;
        }
        Ok(())
    }

    fn live(&self, item: HashMap<String, Av>) -> Option<Item> {
        let item = from_aws(item);
        (!is_expired(&item, self.clock.now_secs())).then_some(item)
    }

    fn transact_item(&self, w: Write, now: i64) -> Result<TransactWriteItem, TableError> {
        let built = |e: aws_sdk_dynamodb::error::BuildError| TableError::Invalid(e.to_string());
        let mut expr = Expr::default();
        let item = match w {
            Write::Put { item, condition } => {
                let cond = condition.map(|c| expr.ttl_aware(&c, now));
                TransactWriteItem::builder()
                    .put(
                        Put::builder()
                            .table_name(&self.table)
                            .set_item(Some(to_aws(item)))
                            .set_condition_expression(cond)
                            .set_expression_attribute_names(expr.names())
                            .set_expression_attribute_values(expr.values())
                            .build()
                            .map_err(built)?,
                    )
                    .build()
            }
            Write::Update {
                key,
                update,
                condition,
            } => {
                let cond = condition.map(|c| expr.ttl_aware(&c, now));
                let upd = expr.update(&update).ok_or_else(|| {
                    TableError::Invalid("an update in a transaction must change something".into())
                })?;
                TransactWriteItem::builder()
                    .update(
                        DynUpdate::builder()
                            .table_name(&self.table)
                            .set_key(Some(key_map(&key)))
                            .update_expression(upd)
                            .set_condition_expression(cond)
                            .set_expression_attribute_names(expr.names())
                            .set_expression_attribute_values(expr.values())
                            .build()
                            .map_err(built)?,
                    )
                    .build()
            }
            Write::Delete { key, condition } => {
                let cond = condition.map(|c| expr.ttl_aware(&c, now));
                TransactWriteItem::builder()
                    .delete(
                        Delete::builder()
                            .table_name(&self.table)
                            .set_key(Some(key_map(&key)))
                            .set_condition_expression(cond)
                            .set_expression_attribute_names(expr.names())
                            .set_expression_attribute_values(expr.values())
                            .build()
                            .map_err(built)?,
                    )
                    .build()
            }
            Write::Check { key, condition } => {
                let cond = expr.ttl_aware(&condition, now);
                TransactWriteItem::builder()
                    .condition_check(
                        ConditionCheck::builder()
                            .table_name(&self.table)
                            .set_key(Some(key_map(&key)))
                            .condition_expression(cond)
                            .set_expression_attribute_names(expr.names())
                            .set_expression_attribute_values(expr.values())
                            .build()
                            .map_err(built)?,
                    )
                    .build()
            }
        };
        Ok(item)
    }
}

#[async_trait]
impl Table for DynamoTable {
    async fn get(&self, key: &Key) -> Result<Option<Item>, TableError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key_map(key)))
            .consistent_read(true)
            .send()
            .await
            .map_err(unavailable)?;
        Ok(out.item.and_then(|i| self.live(i)))
    }

    async fn get_many(&self, keys: &[Key]) -> Result<Vec<Option<Item>>, TableError> {
        super::validate_keys(keys)?;
        let mut found: HashMap<Key, Item> = HashMap::with_capacity(keys.len());
        let mut pending: Vec<HashMap<String, Av>> = keys.iter().map(key_map).collect();
        let mut attempt = 0u32;
        while !pending.is_empty() {
            let asked = KeysAndAttributes::builder()
                .set_keys(Some(std::mem::take(&mut pending)))
                .consistent_read(true)
                .build()
                .map_err(|e| TableError::Invalid(e.to_string()))?;
            let out = self
                .client
                .batch_get_item()
                .request_items(&self.table, asked)
                .send()
                .await
                .map_err(unavailable)?;
            for item in out
                .responses
                .and_then(|mut r| r.remove(&self.table))
                .unwrap_or_default()
            {
                if let Some(item) = self.live(item) {
                    found.insert(super::key_of(&item)?, item);
                }
            }
            // DynamoDB may leave keys unread when it is throttled or the
            // answer would pass 16 MB; they are asked again after a pause,
            // as its documentation asks, a few times before giving up.
            if let Some(left) = out
                .unprocessed_keys
                .and_then(|mut u| u.remove(&self.table))
                .filter(|k| !k.keys().is_empty())
            {
                attempt += 1;
                if attempt > UNPROCESSED_RETRIES {
                    return Err(TableError::Unavailable(format!(
                        "{} keys still unread after {UNPROCESSED_RETRIES} retries",
                        left.keys().len()
                    )));
                }
                tokio::time::sleep(Duration::from_millis(25 << attempt)).await;
                pending = left.keys;
            }
        }
        Ok(keys.iter().map(|k| found.remove(k)).collect())
    }

    async fn put(&self, item: Item, condition: Option<Condition>) -> Result<(), TableError> {
        super::key_of(&item)?;
        let mut expr = Expr::default();
        let cond = condition.map(|c| expr.ttl_aware(&c, self.clock.now_secs()));
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(to_aws(item)))
            .set_condition_expression(cond)
            .set_expression_attribute_names(expr.names())
            .set_expression_attribute_values(expr.values())
            .send()
            .await
            .map_err(write_error)?;
        Ok(())
    }

    async fn update(
        &self,
        key: &Key,
        update: Update,
        condition: Option<Condition>,
    ) -> Result<Item, TableError> {
        let mut expr = Expr::default();
        let cond = condition.map(|c| expr.ttl_aware(&c, self.clock.now_secs()));
        let upd = expr.update(&update);
        let out = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key_map(key)))
            .set_update_expression(upd)
            .set_condition_expression(cond)
            .set_expression_attribute_names(expr.names())
            .set_expression_attribute_values(expr.values())
            .return_values(ReturnValue::AllNew)
            .send()
            .await
            .map_err(write_error)?;
        Ok(from_aws(out.attributes.unwrap_or_else(|| key_map(key))))
    }

    async fn delete(
        &self,
        key: &Key,
        condition: Option<Condition>,
    ) -> Result<Option<Item>, TableError> {
        let mut expr = Expr::default();
        let cond = condition.map(|c| expr.ttl_aware(&c, self.clock.now_secs()));
        let out = self
            .client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(key_map(key)))
            .set_condition_expression(cond)
            .set_expression_attribute_names(expr.names())
            .set_expression_attribute_values(expr.values())
            .return_values(ReturnValue::AllOld)
            .send()
            .await
            .map_err(write_error)?;
        Ok(out.attributes.and_then(|i| self.live(i)))
    }

    async fn query(&self, query: Query) -> Result<Page, TableError> {
        let mut expr = Expr::default();
        let (pk_attr, sk_attr) = match query.index {
            Index::Primary => (PK, SK),
            Index::Gsi1 => (GSI1_PK, GSI1_SK),
        };
        let pk_name = expr.name(pk_attr);
        let pk_value = expr.value(Av::S(query.pk.clone()));
        let mut key_cond = format!("{pk_name} = {pk_value}");
        query.sort_key_bounds()?;
        if let Some((low, high)) = &query.sk_between {
            let sk_name = expr.name(sk_attr);
            let (low, high) = (
                expr.value(Av::S(low.clone())),
                expr.value(Av::S(high.clone())),
            );
            key_cond.push_str(&format!(" AND {sk_name} BETWEEN {low} AND {high}"));
        } else if let Some(prefix) = query.sk_prefix.as_ref().filter(|p| !p.is_empty()) {
            let sk_name = expr.name(sk_attr);
            let v = expr.value(Av::S(prefix.clone()));
            key_cond.push_str(&format!(" AND begins_with({sk_name}, {v})"));
        }
        let ttl = expr.name(TTL);
        let now = expr.value(Av::N(self.clock.now_secs().to_string()));
        let filter = format!("attribute_not_exists({ttl}) OR {ttl} >= {now}");
        let start = match &query.cursor {
            None => None,
            Some(c) => {
                let c = CursorKey::decode(c)?;
                let mut key =
                    HashMap::from([(PK.to_owned(), Av::S(c.pk)), (SK.to_owned(), Av::S(c.sk))]);
                if query.index == Index::Gsi1 {
                    let (Some(gpk), Some(gsk)) = (c.gpk, c.gsk) else {
                        return Err(TableError::Invalid("malformed page cursor".into()));
                    };
                    key.insert(GSI1_PK.to_owned(), Av::S(gpk));
                    key.insert(GSI1_SK.to_owned(), Av::S(gsk));
                }
                Some(key)
            }
        };
        let out = self
            .client
            .query()
            .table_name(&self.table)
            .set_index_name((query.index == Index::Gsi1).then(|| GSI1.to_owned()))
            .consistent_read(query.index == Index::Primary)
            .key_condition_expression(key_cond)
            .filter_expression(filter)
            .set_expression_attribute_names(expr.names())
            .set_expression_attribute_values(expr.values())
            .limit(query.limit.clamp(1, 1000) as i32)
            .scan_index_forward(!query.descending)
            .set_exclusive_start_key(start)
            .send()
            .await
            .map_err(unavailable)?;
        let items = out
            .items
            .unwrap_or_default()
            .into_iter()
            .filter_map(|i| self.live(i))
            .collect();
        let next = match out.last_evaluated_key {
            None => None,
            Some(k) => {
                let get = |name: &str| match k.get(name) {
                    Some(Av::S(s)) => Some(s.clone()),
                    _ => None,
                };
                let (Some(pk), Some(sk)) = (get(PK), get(SK)) else {
                    return Err(TableError::Unavailable(
                        "DynamoDB returned a last key without pk/sk".into(),
                    ));
                };
                Some(
                    CursorKey {
                        pk,
                        sk,
                        gpk: get(GSI1_PK),
                        gsk: get(GSI1_SK),
                    }
                    .encode(),
                )
            }
        };
        Ok(Page { items, next })
    }

    async fn transact(&self, writes: Vec<Write>) -> Result<(), TableError> {
        super::validate_transaction(&writes)?;
        let now = self.clock.now_secs();
        let items = writes
            .into_iter()
            .map(|w| self.transact_item(w, now))
            .collect::<Result<Vec<_>, _>>()?;
        let result = self
            .client
            .transact_write_items()
            .set_transact_items(Some(items))
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(e) => {
                let failed: Vec<usize> = e
                    .as_service_error()
                    .and_then(|s| match s {
                        aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError::TransactionCanceledException(c) => Some(c),
                        _ => None,
                    })
                    .map(|c| {
                        c.cancellation_reasons()
                            .iter()
                            .enumerate()
                            .filter(|(_, r)| r.code() == Some("ConditionalCheckFailed"))
                            .map(|(i, _)| i)
                            .collect()
                    })
                    .unwrap_or_default();
                if failed.is_empty() {
                    Err(unavailable(e))
                } else {
                    Err(TableError::TransactionConflict { failed })
                }
            }
        }
    }
}

/// Creates the table with hallway's shape if it does not exist, and turns on
/// TTL. For tests and emulators; deployments get it from the SAM template.
pub async fn create_table_if_missing(client: &Client, table: &str) -> anyhow::Result<()> {
    use anyhow::Context;
    let exists = client.describe_table().table_name(table).send().await;
    match exists {
        Ok(_) => return Ok(()),
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_resource_not_found_exception()) => {}
        Err(e) => {
            return Err(anyhow::anyhow!(DisplayErrorContext(e).to_string()))
                .context("describing the table");
        }
    }
    let attr = |name: &str| {
        AttributeDefinition::builder()
            .attribute_name(name)
            .attribute_type(ScalarAttributeType::S)
            .build()
    };
    let key = |name: &str, kind: KeyType| {
        KeySchemaElement::builder()
            .attribute_name(name)
            .key_type(kind)
            .build()
    };
    client
        .create_table()
        .table_name(table)
        .billing_mode(BillingMode::PayPerRequest)
        .attribute_definitions(attr(PK)?)
        .attribute_definitions(attr(SK)?)
        .attribute_definitions(attr(GSI1_PK)?)
        .attribute_definitions(attr(GSI1_SK)?)
        .key_schema(key(PK, KeyType::Hash)?)
        .key_schema(key(SK, KeyType::Range)?)
        .global_secondary_indexes(
            GlobalSecondaryIndex::builder()
                .index_name(GSI1)
                .key_schema(key(GSI1_PK, KeyType::Hash)?)
                .key_schema(key(GSI1_SK, KeyType::Range)?)
                .projection(
                    Projection::builder()
                        .projection_type(ProjectionType::All)
                        .build(),
                )
                .build()?,
        )
        .send()
        .await
        .map_err(|e| anyhow::anyhow!(DisplayErrorContext(e).to_string()))
        .context("creating the table")?;
    client
        .update_time_to_live()
        .table_name(table)
        .time_to_live_specification(
            TimeToLiveSpecification::builder()
                .attribute_name(TTL)
                .enabled(true)
                .build()?,
        )
        .send()
        .await
        .map_err(|e| anyhow::anyhow!(DisplayErrorContext(e).to_string()))
        .context("enabling TTL")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::{n, s};

    #[test]
    fn conditions_that_hold_on_missing_items_also_hold_on_expired_ones() {
        let mut e = Expr::default();
        let text = e.ttl_aware(&Condition::NotExists, 100);
        assert_eq!(text, "(#n0 < :v0) OR (attribute_not_exists(#n1))");
        assert_eq!(e.names["#n0"], "ttl");
        assert_eq!(e.names["#n1"], "pk");
        assert_eq!(e.values[":v0"], Av::N("100".into()));
    }

    #[test]
    fn conditions_that_fail_on_missing_items_also_fail_on_expired_ones() {
        let mut e = Expr::default();
        let text = e.ttl_aware(
            &Condition::All(vec![
                Condition::Exists,
                Condition::AttrMissing("used_at".into()),
            ]),
            7,
        );
        assert_eq!(
            text,
            "(attribute_not_exists(#n0) OR #n0 >= :v0) AND ((attribute_exists(#n1)) AND (attribute_not_exists(#n2)))"
        );
    }

    #[test]
    fn update_expressions_cover_set_remove_add() {
        let mut e = Expr::default();
        let u = Update::default()
            .set("status", s("sent"))
            .remove("lock")
            .add("version", 1);
        assert_eq!(
            e.update(&u).unwrap(),
            "SET #n0 = :v0 REMOVE #n1 ADD #n2 :v1"
        );
        assert_eq!(e.values[":v1"], Av::N("1".into()));
        assert!(Expr::default().update(&Update::default()).is_none());
        let _ = n(0);
    }

    #[test]
    fn repeated_attributes_share_a_placeholder() {
        let mut e = Expr::default();
        assert_eq!(e.name("a"), "#n0");
        assert_eq!(e.name("b"), "#n1");
        assert_eq!(e.name("a"), "#n0");
    }
}

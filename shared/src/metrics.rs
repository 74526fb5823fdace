//! Operator metrics without extra calls: CloudWatch Embedded Metric Format
//! (EMF) documents, written as log lines that CloudWatch Logs turns into
//! metrics (<https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html>).
//!
//! Code records with [`count`] and [`millis`]; the records of one request or
//! batch are written together by [`flush`] (the routers' trace layer after
//! each answer, the worker after each batch): one line per set of
//! dimensions, counts summed, latencies as value arrays. On Lambda
//! ([`enable`], from `telemetry::init_lambda`) the lines go to stdout;
//! elsewhere they are dropped after a debug log, so the local bundle and
//! the tests print no metric noise.
//!
//! Dimensions are bounded sets: a function, a route, a Slack method and
//! error code, a job kind. A team is never a dimension (thousands of
//! workspaces would be thousands of metrics); it is a property of the
//! document where known, for Logs Insights. Each metric is also published
//! without dimensions, which is what the alarms read.
//!
//! | metric | unit | dimensions | from |
//! | --- | --- | --- | --- |
//! | `Requests`, `ServerErrors` | Count | `Route` | every HTTP answer (Slack's endpoints included) |
//! | `Latency` | Milliseconds | `Route` | every HTTP answer |
//! | `SlackCalls` | Count | `Method` | each Web API call |
//! | `SlackErrors` | Count | `Method`, `Error` | each call Slack refused or failed (429s included, as `ratelimited`) |
//! | `SlackRateLimited` | Count | `Method` | each 429 |
//! | `JobsDone`, `JobsWaited`, `JobsRetried`, `JobsDeadLettered`, `RecordsPutBack` | Count | `Kind` | each worker record |
//! | `InvitesDelivered`, `InvitesFailed`, `InvitesRateLimited` | Count | — | invite DMs |
//! | `HistoryBudgetSpent`, `HistoryBudgetExhausted` | Count | — | `conversations.history`/`replies` budget |

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use serde_json::{Map, Value, json};

/// The namespace unless `HALLWAY_METRICS_NAMESPACE` names another (the
/// template sets `hallway/<stack name>`, so two stacks never mix).
pub const DEFAULT_NAMESPACE: &str = "hallway";
pub const NAMESPACE_VAR: &str = "HALLWAY_METRICS_NAMESPACE";

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Unit {
    Count,
    Milliseconds,
}

impl Unit {
    fn as_str(self) -> &'static str {
        match self {
            Unit::Count => "Count",
            Unit::Milliseconds => "Milliseconds",
        }
    }
}

/// One recorded value.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    pub name: &'static str,
    pub unit: Unit,
    pub value: f64,
    pub dimensions: Vec<(&'static str, String)>,
}

static ENABLED: AtomicBool = AtomicBool::new(false);
static PENDING: Mutex<Vec<Record>> = Mutex::new(Vec::new());

/// Writes the documents to stdout from now on (Lambda).
pub fn enable() {
    ENABLED.store(true, Ordering::Relaxed);
}

/// Counts one occurrence.
pub fn count(name: &'static str, dimensions: &[(&'static str, &str)]) {
    record(name, Unit::Count, 1.0, dimensions);
}

/// Records a duration.
pub fn millis(name: &'static str, ms: f64, dimensions: &[(&'static str, &str)]) {
    record(name, Unit::Milliseconds, ms, dimensions);
}

fn record(name: &'static str, unit: Unit, value: f64, dimensions: &[(&'static str, &str)]) {
    let r = Record {
        name,
        unit,
        value,
        dimensions: dimensions
            .iter()
            .map(|(k, v)| (*k, (*v).to_owned()))
            .collect(),
    };
    PENDING.lock().unwrap_or_else(|p| p.into_inner()).push(r);
}

/// Writes what was recorded since the last flush.
pub fn flush() {
    let records = std::mem::take(&mut *PENDING.lock().unwrap_or_else(|p| p.into_inner()));
    if records.is_empty() {
        return;
    }
    let namespace = std::env::var(NAMESPACE_VAR).unwrap_or_else(|_| DEFAULT_NAMESPACE.into());
    let function = std::env::var("AWS_LAMBDA_FUNCTION_NAME").unwrap_or_else(|_| "local".into());
    let now = crate::clock::Clock::now_millis(&crate::clock::SystemClock);
    let lines = documents(&records, &namespace, &function, now);
    if ENABLED.load(Ordering::Relaxed) {
        use std::io::Write;
        let mut out = std::io::stdout().lock();
        for line in lines {
            let _ = writeln!(out, "{line}");
        }
    } else {
        for line in lines {
            tracing::debug!(target: "hallway::metrics", %line, "metrics");
        }
    }
}

/// The EMF documents for `records`: one per set of dimension values.
pub fn documents(records: &[Record], namespace: &str, function: &str, now_ms: i64) -> Vec<String> {
    // dimensions -> metric (name, unit) -> values
    type Metrics = BTreeMap<(&'static str, Unit), Vec<f64>>;
    let mut groups: BTreeMap<Vec<(&'static str, String)>, Metrics> = BTreeMap::new();
    for r in records {
        let values = groups
            .entry(r.dimensions.clone())
            .or_default()
            .entry((r.name, r.unit))
            .or_default();
        match r.unit {
            // Counts are summed: one value per document.
            Unit::Count if !values.is_empty() => values[0] += r.value,
            _ => values.push(r.value),
        }
    }
    let mut out = Vec::new();
    for (dims, metrics) in groups {
        let names: Vec<&str> = dims.iter().map(|(k, _)| *k).collect();
        // Each metric by its own dimensions and by none (what alarms read).
        let sets: Vec<Vec<&str>> = if names.is_empty() {
            vec![vec![]]
        } else {
            vec![names.clone(), vec![]]
        };
        let mut doc = Map::new();
        doc.insert(
            "_aws".into(),
            json!({
                "Timestamp": now_ms,
                "CloudWatchMetrics": [{
                    "Namespace": namespace,
                    "Dimensions": sets,
                    "Metrics": metrics.keys().map(|(name, unit)| json!({"Name": name, "Unit": unit.as_str()})).collect::<Vec<_>>(),
                }],
            }),
        );
        doc.insert("function".into(), Value::from(function));
        for (k, v) in &dims {
            doc.insert((*k).into(), Value::from(v.as_str()));
        }
        for ((name, _), values) in metrics {
            // EMF takes at most 100 values per metric in one document.
            let values: Vec<f64> = values.into_iter().take(100).collect();
            let v = match values.as_slice() {
                [one] => json!(one),
                many => json!(many),
            };
            doc.insert(name.into(), v);
        }
        out.push(Value::Object(doc).to_string());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(name: &'static str, unit: Unit, value: f64, dims: &[(&'static str, &str)]) -> Record {
        Record {
            name,
            unit,
            value,
            dimensions: dims.iter().map(|(k, v)| (*k, (*v).to_owned())).collect(),
        }
    }

    #[test]
    fn documents_follow_the_emf_specification() {
        let records = vec![
            rec(
                "SlackCalls",
                Unit::Count,
                1.0,
                &[("Method", "chat.postMessage")],
            ),
            rec(
                "SlackCalls",
                Unit::Count,
                1.0,
                &[("Method", "chat.postMessage")],
            ),
            rec("SlackCalls", Unit::Count, 1.0, &[("Method", "users.list")]),
            rec(
                "Latency",
                Unit::Milliseconds,
                12.5,
                &[("Route", "/slack/commands")],
            ),
            rec(
                "Latency",
                Unit::Milliseconds,
                7.0,
                &[("Route", "/slack/commands")],
            ),
            rec("InvitesDelivered", Unit::Count, 1.0, &[]),
        ];
        let docs = documents(
            &records,
            "hallway/test",
            "hallway-worker",
            1_700_000_000_000,
        );
        assert_eq!(docs.len(), 4, "{docs:#?}");
        let parsed: Vec<Value> = docs
            .iter()
            .map(|d| serde_json::from_str(d).unwrap())
            .collect();
        let post = parsed
            .iter()
            .find(|d| d["Method"] == "chat.postMessage")
            .unwrap();
        assert_eq!(post["SlackCalls"], 2.0, "counts are summed");
        let meta = &post["_aws"]["CloudWatchMetrics"][0];
        assert_eq!(post["_aws"]["Timestamp"], 1_700_000_000_000i64);
        assert_eq!(meta["Namespace"], "hallway/test");
        assert_eq!(meta["Dimensions"], json!([["Method"], []]));
        assert_eq!(
            meta["Metrics"],
            json!([{"Name": "SlackCalls", "Unit": "Count"}])
        );
        let latency = parsed
            .iter()
            .find(|d| d["Route"] == "/slack/commands")
            .unwrap();
        assert_eq!(latency["Latency"], json!([12.5, 7.0]), "latencies are kept");
        let bare = parsed
            .iter()
            .find(|d| d.get("InvitesDelivered").is_some())
            .unwrap();
        assert_eq!(
            bare["_aws"]["CloudWatchMetrics"][0]["Dimensions"],
            json!([[]])
        );
        assert_eq!(bare["function"], "hallway-worker");
    }
}

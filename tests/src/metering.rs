//! What the bundle's DynamoDB and SQS requests cost, counted by the AWS
//! SDK's interceptors on the test's clients, so production adapters carry no
//! bench-only code (issue 18). The cost benchmark reads these.
//!
//! - [`TableMeter`] asks every table call for the capacity it consumed
//!   (`ReturnConsumedCapacity: TOTAL`, set on the input before it is
//!   serialized) and adds up what successful calls report. A conditional
//!   write that fails consumes capacity too, but the error does not say
//!   how much: such calls count nothing.
//! - [`QueueMeter`] counts SQS requests by the kind SQS bills.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use aws_sdk_dynamodb::config::interceptors::{
    AfterDeserializationInterceptorContextRef, BeforeSerializationInterceptorContextMut,
};
use aws_sdk_dynamodb::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_dynamodb::error::BoxError;
use aws_sdk_dynamodb::types::{ConsumedCapacity, ReturnConsumedCapacity};

/// Capacity units consumed, as DynamoDB reported them.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
pub struct Consumed {
    pub read_units: f64,
    pub write_units: f64,
}

/// Adds up the capacity a DynamoDB client's calls consumed; install with
/// [`TableMeter::install`].
#[derive(Debug, Default, Clone)]
pub struct TableMeter {
    /// Thousandths of a unit (atomics hold integers).
    read_milli: Arc<AtomicU64>,
    write_milli: Arc<AtomicU64>,
}

impl TableMeter {
    /// The same client, metered by `self`.
    pub fn install(&self, client: &aws_sdk_dynamodb::Client) -> aws_sdk_dynamodb::Client {
        let conf = client
            .config()
            .to_builder()
            .interceptor(self.clone())
            .build();
        aws_sdk_dynamodb::Client::from_conf(conf)
    }

    /// Capacity consumed so far by successful calls.
    pub fn consumed(&self) -> Consumed {
        Consumed {
            read_units: self.read_milli.load(Ordering::Relaxed) as f64 / 1000.0,
            write_units: self.write_milli.load(Ordering::Relaxed) as f64 / 1000.0,
        }
    }

    fn add<'a>(&self, write: bool, consumed: impl IntoIterator<Item = &'a ConsumedCapacity>) {
        let units: f64 = consumed
            .into_iter()
            .filter_map(|c| c.capacity_units())
            .sum();
        let counter = if write {
            &self.write_milli
        } else {
            &self.read_milli
        };
        counter.fetch_add((units * 1000.0).round() as u64, Ordering::Relaxed);
    }
}

/// Every operation the table adapter uses, with where its input asks for
/// capacity and where its output reports it.
macro_rules! each_table_operation {
    ($m:ident) => {
        $m!(get_item, GetItemInput, GetItemOutput, read);
        $m!(batch_get_item, BatchGetItemInput, BatchGetItemOutput, read);
        $m!(query, QueryInput, QueryOutput, read);
        $m!(scan, ScanInput, ScanOutput, read);
        $m!(put_item, PutItemInput, PutItemOutput, write);
        $m!(update_item, UpdateItemInput, UpdateItemOutput, write);
        $m!(delete_item, DeleteItemInput, DeleteItemOutput, write);
        $m!(
            transact_write_items,
            TransactWriteItemsInput,
            TransactWriteItemsOutput,
            write
        );
        $m!(
            batch_write_item,
            BatchWriteItemInput,
            BatchWriteItemOutput,
            write
        );
    };
}

impl Intercept for TableMeter {
    fn name(&self) -> &'static str {
        "hallway-tests::TableMeter"
    }

    fn modify_before_serialization(
        &self,
        context: &mut BeforeSerializationInterceptorContextMut<'_>,
        _: &RuntimeComponents,
        _: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let input = context.input_mut();
        macro_rules! ask {
            ($op:ident, $input:ident, $output:ident, $kind:ident) => {
                if let Some(i) = input.downcast_mut::<aws_sdk_dynamodb::operation::$op::$input>() {
                    i.return_consumed_capacity = Some(ReturnConsumedCapacity::Total);
                    return Ok(());
                }
            };
        }
        each_table_operation!(ask);
        Ok(())
    }

    fn read_after_deserialization(
        &self,
        context: &AfterDeserializationInterceptorContextRef<'_>,
        _: &RuntimeComponents,
        _: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let Ok(output) = context.output_or_error() else {
            return Ok(());
        };
        macro_rules! read {
            ($op:ident, $input:ident, $output:ident, $kind:ident) => {
                if let Some(o) = output.downcast_ref::<aws_sdk_dynamodb::operation::$op::$output>()
                {
                    self.add(stringify!($kind) == "write", o.consumed_capacity());
                    return Ok(());
                }
            };
        }
        each_table_operation!(read);
        Ok(())
    }
}

/// SQS requests by the kind SQS bills.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct SqsRequests {
    /// `SendMessage` and `SendMessageBatch` calls.
    pub sends: u64,
    /// `ReceiveMessage` calls that returned messages (on Lambda, the event
    /// source mapping's; one function invocation each).
    pub receives_with_messages: u64,
    /// `ReceiveMessage` calls that returned none (idle long polls).
    pub empty_receives: u64,
    pub deletes: u64,
    pub visibility_changes: u64,
}

/// Counts an SQS client's requests; install with [`QueueMeter::install`].
#[derive(Debug, Default, Clone)]
pub struct QueueMeter {
    counts: Arc<[AtomicU64; 5]>,
}

const SENDS: usize = 0;
const WITH_MESSAGES: usize = 1;
const EMPTY: usize = 2;
const DELETES: usize = 3;
const VISIBILITY: usize = 4;

impl QueueMeter {
    /// The same client, counted by `self`.
    pub fn install(&self, client: &aws_sdk_sqs::Client) -> aws_sdk_sqs::Client {
        let conf = client
            .config()
            .to_builder()
            .interceptor(self.clone())
            .build();
        aws_sdk_sqs::Client::from_conf(conf)
    }

    /// The requests made so far.
    pub fn requests(&self) -> SqsRequests {
        let get = |i: usize| self.counts[i].load(Ordering::Relaxed);
        SqsRequests {
            sends: get(SENDS),
            receives_with_messages: get(WITH_MESSAGES),
            empty_receives: get(EMPTY),
            deletes: get(DELETES),
            visibility_changes: get(VISIBILITY),
        }
    }

    fn bump(&self, i: usize) {
        self.counts[i].fetch_add(1, Ordering::Relaxed);
    }
}

impl Intercept for QueueMeter {
    fn name(&self) -> &'static str {
        "hallway-tests::QueueMeter"
    }

    fn read_after_deserialization(
        &self,
        context: &AfterDeserializationInterceptorContextRef<'_>,
        _: &RuntimeComponents,
        _: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        use aws_sdk_sqs::operation::{
            change_message_visibility::ChangeMessageVisibilityOutput,
            change_message_visibility_batch::ChangeMessageVisibilityBatchOutput,
            delete_message::DeleteMessageOutput, delete_message_batch::DeleteMessageBatchOutput,
            receive_message::ReceiveMessageOutput, send_message::SendMessageOutput,
            send_message_batch::SendMessageBatchOutput,
        };
        // A failed request is billed too; only successes say what they were.
        let Ok(o) = context.output_or_error() else {
            return Ok(());
        };
        if o.downcast_ref::<SendMessageOutput>().is_some()
            || o.downcast_ref::<SendMessageBatchOutput>().is_some()
        {
            self.bump(SENDS);
        } else if let Some(r) = o.downcast_ref::<ReceiveMessageOutput>() {
            self.bump(if r.messages().is_empty() {
                EMPTY
            } else {
                WITH_MESSAGES
            });
        } else if o.downcast_ref::<DeleteMessageOutput>().is_some()
            || o.downcast_ref::<DeleteMessageBatchOutput>().is_some()
        {
            self.bump(DELETES);
        } else if o.downcast_ref::<ChangeMessageVisibilityOutput>().is_some()
            || o.downcast_ref::<ChangeMessageVisibilityBatchOutput>()
                .is_some()
        {
            self.bump(VISIBILITY);
        }
        Ok(())
    }
}

//! The output producer and its delivery accounting.
//!
//! Every record the transport produces (verdict, campaign, dead letter, checkpoint chunk,
//! observation) goes through one idempotent producer. Delivery reports only count failures;
//! "everything sent so far is acknowledged" is the producer's queue being empty, checked either
//! asynchronously (the live loop) or by a blocking flush (the rebalance callback).

use crate::error::KafkaError;
use crate::metric;
use rdkafka::client::ClientContext;
use rdkafka::config::ClientConfig;
use rdkafka::error::RDKafkaErrorCode;
use rdkafka::message::OwnedHeaders;
use rdkafka::producer::{BaseRecord, DeliveryResult, Producer, ProducerContext, ThreadedProducer};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Counts delivery failures.
#[derive(Default)]
pub struct SinkContext {
    failed: AtomicU64,
    last_error: Mutex<String>,
}

impl ClientContext for SinkContext {}

impl ProducerContext for SinkContext {
    type DeliveryOpaque = ();
    fn delivery(&self, result: &DeliveryResult<'_>, _: ()) {
        if let Err((e, _)) = result {
            self.failed.fetch_add(1, Ordering::Relaxed);
            if let Ok(mut last) = self.last_error.lock() {
                *last = e.to_string();
            }
            metrics::counter!(metric::DELIVERY_FAILURES).increment(1);
        }
    }
}

/// One record to produce.
pub struct Out<'a> {
    /// Topic.
    pub topic: &'a str,
    /// Explicit partition (otherwise the key decides).
    pub partition: Option<i32>,
    /// Key.
    pub key: &'a [u8],
    /// Value (`None` is a tombstone).
    pub payload: Option<&'a [u8]>,
    /// Headers.
    pub headers: Option<OwnedHeaders>,
}

/// The shared producer.
#[derive(Clone)]
pub struct Sink {
    producer: ThreadedProducer<SinkContext>,
}

impl Sink {
    /// Create the producer.
    pub fn new(cfg: &ClientConfig) -> Result<Sink, KafkaError> {
        let producer = cfg
            .create_with_context(SinkContext::default())
            .map_err(KafkaError::client("create producer"))?;
        Ok(Sink { producer })
    }

    /// Records not yet acknowledged.
    pub fn in_flight(&self) -> i32 {
        self.producer.in_flight_count()
    }

    /// Enqueue one record, waiting (briefly, blocking) while the local queue is full.
    pub fn send(&self, out: Out<'_>) -> Result<(), KafkaError> {
        let mut rec: BaseRecord<'_, [u8], [u8]> = BaseRecord::to(out.topic).key(out.key);
        if let Some(p) = out.payload {
            rec = rec.payload(p);
        }
        if let Some(p) = out.partition {
            rec = rec.partition(p);
        }
        if let Some(h) = out.headers {
            rec = rec.headers(h);
        }
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            match self.producer.send(rec) {
                Ok(()) => return Ok(()),
                Err((
                    rdkafka::error::KafkaError::MessageProduction(RDKafkaErrorCode::QueueFull),
                    r,
                )) if Instant::now() < deadline => {
                    rec = r;
                    std::thread::sleep(Duration::from_millis(2));
                }
                Err((e, _)) => {
                    return Err(KafkaError::Client {
                        op: "produce",
                        source: e,
                    })
                }
            }
        }
    }

    /// Take the failures counted since the last call.
    fn take_failures(&self) -> Result<(), KafkaError> {
        let ctx = self.producer.context();
        let failed = ctx.failed.swap(0, Ordering::Relaxed);
        if failed == 0 {
            Ok(())
        } else {
            let last = ctx.last_error.lock().map(|l| l.clone()).unwrap_or_default();
            Err(KafkaError::Delivery { failed, last })
        }
    }

    /// Wait (async) until everything sent so far is acknowledged; fail if any record failed.
    pub async fn drain(&self, timeout: Duration) -> Result<(), KafkaError> {
        let deadline = Instant::now() + timeout;
        loop {
            let n = self.in_flight();
            if n == 0 {
                break;
            }
            if Instant::now() >= deadline {
                return Err(KafkaError::FlushTimeout(n));
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        self.take_failures()
    }

    /// Wait (blocking) until everything sent so far is acknowledged; fail if any record failed.
    pub fn flush_blocking(&self, timeout: Duration) -> Result<(), KafkaError> {
        if self.producer.flush(timeout).is_err() {
            return Err(KafkaError::FlushTimeout(self.in_flight()));
        }
        self.take_failures()
    }
}

//! The live loop: consume the request log in a consumer group, feed each partition's engine,
//! advance on the stage watermark, produce outputs, checkpoint and commit; stop cleanly on the
//! shutdown future.
//!
//! At-least-once: an input offset is committed only after (1) every output produced so far is
//! acknowledged and (2) a checkpoint holding the state up to that offset is acknowledged. On a
//! crash, the next owner of a partition restores its newest checkpoint and re-reads from the
//! offset stored in it, so no admitted record is lost; outputs since that checkpoint may be
//! produced twice.

use crate::batch::{self, Batch, Raw};
use crate::clients;
use crate::config::LiveConfig;
use crate::context::{LiveContext, Shared};
use crate::emit::{self, Topics};
use crate::engine::{Engine, EngineFactory, Outputs};
use crate::error::KafkaError;
use crate::health::{self, Health};
use crate::repartition::{decode_back, decode_key, fresh, Back};
use crate::restore::ReaderContext;
use crate::sink::Sink;
use crate::summary::Summary;
use crate::table::Table;
use crate::topics;
use crate::watermark::StageClock;
use distillguard_types::config::WindowsConfig;
use distillguard_types::corr::Evidence;
use distillguard_types::RejectReason;
use rdkafka::consumer::{CommitMode, Consumer, StreamConsumer};
use rdkafka::message::{BorrowedMessage, Message};
use rdkafka::{Offset, TopicPartitionList};
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

type LiveConsumer<F> = StreamConsumer<LiveContext<F>>;

/// Records between watermark advances while records keep arriving.
const ADVANCE_EVERY: usize = 1024;
/// Input records taken (and parsed) together when they are ready.
const BATCH: usize = 512;
/// Housekeeping tick (watermark, idle partitions, checkpoints, liveness).
const TICK: Duration = Duration::from_millis(100);

/// Run the live engine until `shutdown` resolves (or a fatal error), then write final
/// checkpoints, commit, and leave the group.
///
/// `windows` supplies the allowed lateness and the idle-partition timeout; `factory` the
/// per-partition engines (the pipeline) and the record parser.
pub async fn run<F: EngineFactory>(
    live: LiveConfig,
    windows: WindowsConfig,
    factory: F,
    shutdown: impl Future<Output = ()>,
) -> Result<Summary, KafkaError> {
    run_with_health(
        live,
        windows,
        factory,
        Arc::new(Health::new(Duration::from_secs(60))),
        shutdown,
    )
    .await
}

/// [`run`], with the liveness / readiness flags owned by the caller (who may serve them).
pub async fn run_with_health<F: EngineFactory>(
    live: LiveConfig,
    windows: WindowsConfig,
    factory: F,
    health: Arc<Health>,
    shutdown: impl Future<Output = ()>,
) -> Result<Summary, KafkaError> {
    live.validate().map_err(KafkaError::Config)?;
    let server = match live.metrics_listen {
        Some(addr) => {
            let l = tokio::net::TcpListener::bind(addr)
                .await
                .map_err(|source| KafkaError::Listen {
                    addr: addr.to_string(),
                    source,
                })?;
            tracing::info!(%addr, "serving /metrics, /healthz, /readyz");
            Some(tokio::spawn(health::serve(
                l,
                health.clone(),
                health::prometheus(),
            )))
        }
        None => None,
    };
    let result = Live::start(live, windows, factory, health.clone()).await;
    let result = match result {
        Ok(mut l) => l.main(shutdown).await,
        Err(e) => Err(e),
    };
    health.set_ready(false);
    if let Some(s) = server {
        s.abort();
    }
    result
}

struct Live<F: EngineFactory> {
    core: Core<F>,
    health: Arc<Health>,
    parser: F::Parser,
    evs: Vec<Evidence>,
    batch: Batch,
    /// A parsed batch waiting for the engines (taken on the next input message), and the
    /// rebalance generation it was read in.
    ready: Batch,
    ready_gen: u64,
    last_round: Instant,
    round_due: bool,
    since_advance: usize,
    reported: Summary,
}

impl<F: EngineFactory> Live<F> {
    async fn start(
        live: LiveConfig,
        windows: WindowsConfig,
        factory: F,
        health: Arc<Health>,
    ) -> Result<Self, KafkaError> {
        let input_partitions = topics::ensure(&live).await?;
        let sink = Sink::new(&clients::producer(&live))?;
        let topics = Topics {
            input: live.input_topic.clone(),
            verdicts: live.verdict_topic.clone(),
            campaigns: live.campaign_topic.clone(),
            dead_letter: live.dead_letter_topic.clone(),
            observations: live
                .repartition
                .then(|| (live.observation_topic(), input_partitions)),
            evidence: live.repartition.then(|| live.evidence_topic()),
        };
        let internal = if live.repartition {
            let c: StreamConsumer<ReaderContext> = clients::internal(&live)
                .create_with_context(ReaderContext)
                .map_err(KafkaError::client("create internal reader"))?;
            Some(c)
        } else {
            None
        };
        let factory = Arc::new(factory);
        let parser = factory.parser();
        let shared = Arc::new(Shared {
            reader: clients::reader(&live),
            live: live.clone(),
            factory,
            sink,
            table: Mutex::new(Table::default()),
            fatal: Mutex::new(None),
            internal,
            generation: Default::default(),
        });
        let consumer: LiveConsumer<F> = clients::consumer(&live)
            .create_with_context(LiveContext {
                shared: shared.clone(),
            })
            .map_err(KafkaError::client("create consumer"))?;
        consumer
            .subscribe(&[&live.input_topic])
            .map_err(KafkaError::client("subscribe"))?;
        Ok(Live {
            core: Core {
                shared,
                consumer: Arc::new(consumer),
                topics,
                clock: StageClock::new(windows.allowed_lateness, windows.idle_partition),
                out: Outputs::default(),
                advanced_to: i64::MIN,
            },
            health,
            parser,
            evs: Vec::new(),
            batch: Batch::default(),
            ready: Batch::default(),
            ready_gen: 0,
            last_round: Instant::now(),
            round_due: false,
            since_advance: 0,
            reported: Summary::default(),
        })
    }

    fn fatal(&self) -> Result<(), KafkaError> {
        match self
            .core
            .shared
            .fatal
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
        {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    async fn main(&mut self, shutdown: impl Future<Output = ()>) -> Result<Summary, KafkaError> {
        tokio::pin!(shutdown);
        let mut tick = tokio::time::interval(TICK);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        self.health.set_ready(true);
        self.health.beat();
        let consumer = self.core.consumer.clone();
        let shared = self.core.shared.clone();
        let outcome = loop {
            let internal = async {
                match &shared.internal {
                    Some(c) => c.recv().await,
                    None => std::future::pending().await,
                }
            };
            let step = tokio::select! {
                biased;
                _ = &mut shutdown => break Ok(()),
                _ = tick.tick() => self.on_tick().await,
                m = internal => self.on_internal(m).await,
                m = consumer.recv() => self.on_message(m).await,
            };
            if let Err(e) = step {
                break Err(e);
            }
        };
        self.health.set_ready(false);
        match outcome {
            Ok(()) => {
                tracing::info!("shutting down: final checkpoints and commit");
                self.take_ready()?;
                self.advance()?;
                self.round().await?;
                self.core
                    .shared
                    .sink
                    .drain(self.core.shared.live.flush_timeout)
                    .await?;
                self.leave(&consumer).await;
            }
            Err(ref e) => {
                tracing::error!(error = %e, "live loop failed; offsets since the last checkpoint stay uncommitted")
            }
        }
        self.report();
        outcome.map(|()| self.core.shared.table().summary.clone())
    }

    /// Unsubscribe and serve the revocation here (not in the consumer's destructor), so the
    /// group sees this member leave at once instead of after its session timeout.
    async fn leave(&self, consumer: &LiveConsumer<F>) {
        consumer.unsubscribe();
        let deadline = Instant::now() + Duration::from_secs(10);
        while !self.core.shared.table().parts.is_empty() && Instant::now() < deadline {
            if let Ok(Ok(m)) =
                tokio::time::timeout(Duration::from_millis(100), consumer.recv()).await
            {
                tracing::debug!(
                    partition = m.partition(),
                    offset = m.offset(),
                    "dropped after unsubscribe"
                );
            }
        }
        let deadline = Instant::now() + Duration::from_secs(5);
        while consumer.assignment().is_ok_and(|a| a.count() > 0) && Instant::now() < deadline {
            let _ = tokio::time::timeout(Duration::from_millis(50), consumer.recv()).await;
        }
    }

    async fn on_tick(&mut self) -> Result<(), KafkaError> {
        self.fatal()?;
        self.health.beat();
        self.take_ready()?;
        self.advance()?;
        if self.round_due || self.last_round.elapsed() >= self.core.shared.live.checkpoint_interval
        {
            self.round().await?;
        }
        self.report();
        Ok(())
    }

    async fn on_message(
        &mut self,
        m: Result<BorrowedMessage<'_>, rdkafka::error::KafkaError>,
    ) -> Result<(), KafkaError> {
        self.fatal()?;
        let gen = |s: &Shared<F>| s.generation.load(std::sync::atomic::Ordering::Acquire);
        let mut at = gen(&self.core.shared);
        self.batch.clear();
        match m {
            Ok(msg) => self.batch.push(&msg),
            Err(e) => {
                tracing::warn!(error = %e, "consumer error");
                return Ok(());
            }
        }
        // take what else is ready, without waiting
        let consumer = self.core.consumer.clone();
        while self.batch.len() < BATCH {
            match batch::poll_once(consumer.recv()) {
                Some(Ok(msg)) => {
                    if gen(&self.core.shared) != at {
                        // a rebalance ran inside recv: what came before is re-read
                        at = gen(&self.core.shared);
                        self.batch.clear();
                    }
                    self.batch.push(&msg);
                }
                Some(Err(e)) => {
                    tracing::warn!(error = %e, "consumer error");
                    break;
                }
                None => break,
            }
        }
        if self.ready_gen != at {
            // read before a rebalance that repositioned every partition: it comes again
            self.ready.clear();
        }
        // A full batch means the consumer holds more: parse this one while the engines take
        // the one parsed last time (both cores busy), and keep it for the next call. Otherwise
        // the queue is drained and this batch is taken now.
        let more = self.batch.len() == BATCH;
        if self.ready.is_empty() {
            let factory = &*self.core.shared.factory;
            batch::parse_all(factory, &mut self.parser, self.batch.records());
        } else {
            // the engines' side: offer the records, and advance when due (the bulk of the
            // detection work happens in advance)
            let (parser, fresh, ready) = (&mut self.parser, &mut self.batch, &mut self.ready);
            let (round_due, since) = (&mut self.round_due, &mut self.since_advance);
            let factory = self.core.shared.factory.clone();
            let core = &mut self.core;
            let ((), taken) = rayon::join(
                || batch::parse_all(&*factory, parser, fresh.records()),
                || {
                    handle_records(&core.shared, &core.topics, ready.records(), round_due)?;
                    *since += ready.len();
                    if *since >= ADVANCE_EVERY {
                        *since = 0;
                        core.advance()?;
                    }
                    Ok::<(), KafkaError>(())
                },
            );
            taken?;
            self.ready.clear();
        }
        std::mem::swap(&mut self.batch, &mut self.ready);
        self.ready_gen = at;
        let mut n = 0;
        if !more {
            n = self.ready.len();
            let (shared, topics) = (&*self.core.shared, &self.core.topics);
            handle_records(shared, topics, self.ready.records(), &mut self.round_due)?;
            self.ready.clear();
        }
        self.after_messages(n).await
    }

    /// Offer the held parsed batch to the engines now (unless a rebalance ran since it was
    /// read: then it comes again).
    fn take_ready(&mut self) -> Result<(), KafkaError> {
        let at = self
            .core
            .shared
            .generation
            .load(std::sync::atomic::Ordering::Acquire);
        if self.ready_gen == at {
            let (shared, topics) = (&*self.core.shared, &self.core.topics);
            handle_records(shared, topics, self.ready.records(), &mut self.round_due)?;
            self.since_advance += self.ready.len();
        }
        self.ready.clear();
        Ok(())
    }

    /// Split mode: one message of the observation or evidence topic.
    async fn on_internal(
        &mut self,
        m: Result<BorrowedMessage<'_>, rdkafka::error::KafkaError>,
    ) -> Result<(), KafkaError> {
        self.fatal()?;
        let step_done = match m {
            Ok(msg) => handle_internal(
                &self.core.shared,
                &self.core.topics,
                &mut self.evs,
                &mut self.core.out,
                &msg,
            )?,
            Err(e) => {
                tracing::warn!(error = %e, "internal reader error");
                return Ok(());
            }
        };
        if step_done {
            // every key side answered a tick: take the next step now
            self.advance()?;
        }
        self.after_message().await
    }

    /// After any consumed message: advance every `ADVANCE_EVERY` messages, checkpoint when
    /// due, wait for the producer when too much is in flight.
    async fn after_message(&mut self) -> Result<(), KafkaError> {
        self.after_messages(1).await
    }

    /// [`Self::after_message`] for `n` messages.
    async fn after_messages(&mut self, n: usize) -> Result<(), KafkaError> {
        self.since_advance += n;
        if self.since_advance >= ADVANCE_EVERY {
            self.advance()?;
        }
        if self.round_due {
            self.round().await?;
        }
        if self.core.shared.sink.in_flight() as usize > self.core.shared.live.max_in_flight {
            self.core
                .shared
                .sink
                .drain(self.core.shared.live.flush_timeout)
                .await?;
        }
        Ok(())
    }

    /// Advance every owned engine to the stage watermark, produce outputs, pause / resume
    /// partitions that run too far ahead.
    fn advance(&mut self) -> Result<(), KafkaError> {
        self.since_advance = 0;
        self.core.advance()
    }

    /// Checkpoint every partition with progress, then commit their offsets.
    async fn round(&mut self) -> Result<(), KafkaError> {
        self.round_due = false;
        self.last_round = Instant::now();
        self.flush_campaigns()?;
        let live = &self.core.shared.live;
        self.core.shared.sink.drain(live.flush_timeout).await?;
        let round = self.core.shared.table().build_round(
            &live.input_topic,
            live.checkpoint_chunk_bytes,
            |_| true,
        );
        if round.is_empty() {
            return Ok(());
        }
        self.core.shared.send_round(&round.records)?;
        self.core.shared.sink.drain(live.flush_timeout).await?;
        match self.core.consumer.commit(&round.commit, CommitMode::Sync) {
            Ok(()) => self.core.shared.table().finish_round(&round),
            // the checkpoint is written; a new owner restores it, so this is not fatal
            Err(e) => {
                tracing::warn!(error = %e, "offset commit failed (rebalance?); retrying next round")
            }
        }
        Ok(())
    }

    /// Campaign records whose size changed since their last record, from every owned engine.
    fn flush_campaigns(&mut self) -> Result<(), KafkaError> {
        let mut guard = self.core.shared.table();
        let Table { parts, summary, .. } = &mut *guard;
        for (&p, st) in parts.iter_mut() {
            st.engine.flush_campaigns(&mut self.core.out);
            if !self.core.out.is_empty() {
                st.advanced = true;
                emit_task(
                    &self.core.shared.sink,
                    &self.core.topics,
                    p,
                    st,
                    &mut self.core.out,
                    summary,
                )?;
            }
        }
        Ok(())
    }

    /// Push counter deltas to the metrics registry.
    fn report(&mut self) {
        let (now, processed, pending) = {
            let t = self.core.shared.table();
            let processed: u64 = t.parts.values().map(|s| s.engine.processed()).sum();
            let pending: usize = t.parts.values().map(|s| s.engine.pending()).sum();
            (t.summary.clone(), processed, pending)
        };
        metrics::gauge!("distillguard_live_engine_processed").set(processed as f64);
        metrics::gauge!("distillguard_live_engine_pending").set(pending as f64);
        let d = |a: u64, b: u64| a.saturating_sub(b);
        metrics::counter!("distillguard_live_records_total")
            .increment(d(now.records, self.reported.records));
        metrics::counter!("distillguard_live_events_total")
            .increment(d(now.events, self.reported.events));
        metrics::counter!("distillguard_live_dead_letters_total")
            .increment(d(now.dead_letters, self.reported.dead_letters));
        self.reported = now;
    }
}

/// What advancing the engines touches: kept apart from the rest of the loop so that it can run
/// on a rayon worker while the next batch is parsed.
struct Core<F: EngineFactory> {
    shared: Arc<Shared<F>>,
    consumer: Arc<LiveConsumer<F>>,
    topics: Topics,
    clock: StageClock,
    out: Outputs,
    advanced_to: i64,
}

impl<F: EngineFactory> Core<F> {
    /// Advance every owned engine to the stage watermark, produce outputs, pause / resume
    /// partitions that run too far ahead.
    fn advance(&mut self) -> Result<(), KafkaError> {
        let lead = self.shared.live.max_partition_lead.as_millis() as i64;
        let skew = self.shared.live.max_task_skew.as_millis() as i64;
        let max_held = self.shared.live.max_buffered_events;
        let (mut pause, mut resume) = (TopicPartitionList::new(), TopicPartitionList::new());
        {
            let mut guard = self.shared.table();
            let Table {
                parts,
                summary,
                reassigned,
            } = &mut *guard;
            let now = Instant::now();
            for st in parts.values_mut().filter(|s| s.paused) {
                st.last_active = now;
            }
            if std::mem::take(reassigned) {
                // a partition taken over may be behind this instance's watermark: start over
                // from the assigned partitions (engines never go back on their own)
                self.clock.reset();
            }
            let wm = self.clock.update(parts.values().map(|s| s.time()), now);
            if wm == i64::MIN {
                return Ok(());
            }
            metrics::gauge!("distillguard_live_watermark_ms").set(wm as f64);
            self.advanced_to = wm;
            for (&p, st) in parts.iter_mut() {
                if st.rescore_due {
                    st.rescore_due = false;
                    st.engine.rescore(&mut self.out);
                    st.advanced = true;
                }
                // split mode: wait for the key sides to answer the previous step, and stay
                // within max_task_skew of the slowest task. A task whose tick has not been
                // answered yet (just started, or restored from a checkpoint) steps
                // max_task_skew past its earliest pending event: without this bound a task
                // starting behind the stage watermark took its whole backlog in one step, and
                // its accounts were scored for hours of events before any evidence came back.
                let bound = match (&self.topics.observations, st.slowest) {
                    (Some(_), Some(slowest)) => Some(slowest),
                    (Some(_), None) => st.engine.earliest_pending_ms(),
                    _ => None,
                };
                let target = bound.map_or(wm, |b| wm.min(b.saturating_add(skew)));
                let stepping = st.tick.is_none() && wm > st.engine_wm;
                if stepping && target > st.engine_wm {
                    st.engine.advance_to(target, &mut self.out);
                    st.engine_wm = target;
                    st.advanced = true;
                } else if stepping {
                    tracing::debug!(
                        partition = p,
                        wm,
                        engine_wm = st.engine_wm,
                        slowest = ?st.slowest,
                        "held back by max_task_skew"
                    );
                }
                // the step's observations first, then the tick that covers them
                emit_task(
                    &self.shared.sink,
                    &self.topics,
                    p,
                    st,
                    &mut self.out,
                    summary,
                )?;
                if let Some((_, parts)) = self.topics.observations.as_ref().filter(|_| stepping) {
                    // a blocked task ticks again at its watermark to learn of progress
                    emit::ticks(&self.shared.sink, &self.topics, p, st.engine_wm)?;
                    st.tick = Some((st.engine_wm, (0..*parts).collect()));
                }
                let ahead = self
                    .clock
                    .partition_watermark(st.engine.max_event_ms())
                    .saturating_sub(wm);
                // pause only a partition that is both ahead and holding many events: sparse
                // partitions run ahead in event time all the time at no memory cost
                let held = st.engine.pending();
                if !st.paused && ahead > lead && held > max_held {
                    st.paused = true;
                    let _ = pause.add_partition_offset(&self.topics.input, p, Offset::Invalid);
                } else if st.paused && (ahead <= lead / 2 || held <= max_held / 2) {
                    st.paused = false;
                    st.last_active = now;
                    let _ = resume.add_partition_offset(&self.topics.input, p, Offset::Invalid);
                }
            }
            metrics::gauge!("distillguard_live_paused_partitions")
                .set(parts.values().filter(|s| s.paused).count() as f64);
        }
        if pause.count() > 0 {
            tracing::debug!(?pause, "pausing partitions ahead of the watermark");
            self.consumer
                .pause(&pause)
                .map_err(KafkaError::client("pause"))?;
        }
        if resume.count() > 0 {
            self.consumer
                .resume(&resume)
                .map_err(KafkaError::client("resume"))?;
        }
        Ok(())
    }
}

/// Produce what task `p`'s engine emitted (observations numbered from the task's counter).
fn emit_task<E: Engine>(
    sink: &crate::sink::Sink,
    topics: &Topics,
    p: i32,
    st: &mut crate::table::PartState<E>,
    out: &mut Outputs,
    summary: &mut Summary,
) -> Result<(), KafkaError> {
    if out.is_empty() {
        return Ok(());
    }
    emit::outputs(sink, topics, p, &mut st.split.obs_seq, out, summary)
}

/// Parsed input records, in log order: [`handle_record`] each.
fn handle_records<F: EngineFactory>(
    shared: &Shared<F>,
    topics: &Topics,
    records: &mut [Raw],
    round_due: &mut bool,
) -> Result<(), KafkaError> {
    for raw in records {
        handle_record(shared, topics, raw, round_due)?;
    }
    Ok(())
}

/// One parsed input record: offer it to its partition's engine, dead-letter a reject.
fn handle_record<F: EngineFactory>(
    shared: &Shared<F>,
    topics: &Topics,
    raw: &mut Raw,
    round_due: &mut bool,
) -> Result<(), KafkaError> {
    let (p, off) = (raw.partition, raw.offset);
    let mut guard = shared.table();
    let Table { parts, summary, .. } = &mut *guard;
    let Some(st) = parts.get_mut(&p) else {
        summary.skipped += 1;
        return Ok(());
    };
    if st.next_offset.is_some_and(|n| off < n) {
        summary.skipped += 1;
        return Ok(());
    }
    st.next_offset = Some(off + 1);
    st.since_checkpoint += 1;
    st.last_active = Instant::now();
    summary.records += 1;
    if st.since_checkpoint >= shared.live.checkpoint_records {
        *round_due = true;
    }
    let parsed = raw.parsed.take().unwrap_or(Err(RejectReason::BadJson));
    match parsed.and_then(|ev| st.engine.offer(ev)) {
        Ok(()) => {
            summary.events += 1;
            Ok(())
        }
        Err(r) => emit::reject(
            &shared.sink,
            topics,
            r,
            p,
            off,
            raw.key(),
            raw.payload(),
            summary,
        ),
    }
}

/// Split mode: a key-stage message (observation topic) or evidence (evidence topic) for the
/// task of the message's partition. Messages for partitions this instance no longer owns, or
/// already covered by the task's state, are skipped; undecodable ones are counted and skipped.
/// Returns true when the message completed a task's tick.
fn handle_internal<F: EngineFactory>(
    shared: &Shared<F>,
    topics: &Topics,
    evs: &mut Vec<Evidence>,
    out: &mut Outputs,
    msg: &BorrowedMessage<'_>,
) -> Result<bool, KafkaError> {
    let (p, off) = (msg.partition(), msg.offset());
    let is_obs = topics
        .observations
        .as_ref()
        .is_some_and(|(t, _)| t == msg.topic());
    let mut guard = shared.table();
    let Table { parts, summary, .. } = &mut *guard;
    let Some(st) = parts.get_mut(&p) else {
        return Ok(false);
    };
    let next = if is_obs {
        &mut st.split.obs_next
    } else {
        &mut st.split.evi_next
    };
    if next.is_some_and(|n| off < n) {
        return Ok(false);
    }
    *next = Some(off + 1);
    st.since_checkpoint += 1;
    summary.internal += 1;
    let mut step_done = false;
    let bytes = msg.payload().unwrap_or(&[]);
    if is_obs {
        match decode_key(bytes) {
            Ok(env) => {
                for (seq, m) in env.msgs {
                    if fresh(&mut st.split.seen_obs, env.src, seq) {
                        st.engine.key_message(m, evs, out);
                    }
                }
                let seq = &mut st.split.evi_seq;
                emit::evidence(&shared.sink, topics, (p, env.src), seq, evs, summary)?;
                if !out.is_empty() {
                    let seq = &mut st.split.obs_seq;
                    emit::outputs(&shared.sink, topics, p, seq, out, summary)?;
                }
                if let Some(wm) = env.tick {
                    let parts = topics.observations.as_ref().map_or(1, |o| o.1);
                    let slowest = st.split.tick(env.src, wm, parts);
                    st.engine.key_clock(slowest);
                    emit::ack(&shared.sink, topics, (p, env.src), wm, slowest)?;
                }
            }
            Err(e) => corrupt(summary, msg, &e),
        }
    } else {
        match decode_back(bytes) {
            Ok(Back::Evidence { from, items }) => {
                for (seq, ev) in items {
                    if fresh(&mut st.split.seen_evi, from, seq) {
                        st.engine.evidence(&ev);
                        st.rescore_due = true;
                    }
                }
            }
            Ok(Back::Ack { from, wm, slowest }) => {
                if let Some((sent, waiting)) = &mut st.tick {
                    if wm >= *sent && waiting.remove(&from) {
                        st.slowest_pending = st.slowest_pending.min(slowest);
                    }
                    if waiting.is_empty() {
                        st.tick = None;
                        st.slowest = Some(st.slowest_pending);
                        st.slowest_pending = i64::MAX;
                        step_done = true;
                    }
                }
            }
            Err(e) => corrupt(summary, msg, &e),
        }
    }
    Ok(step_done)
}

fn corrupt(summary: &mut Summary, msg: &BorrowedMessage<'_>, error: &str) {
    summary.internal_corrupt += 1;
    metrics::counter!("distillguard_live_internal_corrupt_total").increment(1);
    tracing::error!(
        topic = msg.topic(),
        partition = msg.partition(),
        offset = msg.offset(),
        error,
        "undecodable internal message skipped"
    );
}

//! The live loop: consume the request log in a consumer group, feed each partition's engine,
//! advance on the stage watermark, produce outputs, checkpoint and commit; stop cleanly on the
//! shutdown future.
//!
//! At-least-once: an input offset is committed only after (1) every output produced so far is
//! acknowledged and (2) a checkpoint holding the state up to that offset is acknowledged. On a
//! crash, the next owner of a partition restores its newest checkpoint and re-reads from the
//! offset stored in it, so no admitted record is lost; outputs since that checkpoint may be
//! produced twice.

use crate::batch::{self, Batch, InputRecord};
use crate::clients;
use crate::config::LiveConfig;
use crate::context::{LiveContext, LiveState};
use crate::emit::{self, DeadLetterBody, Topics};
use crate::engine::{Engine, EngineFactory, Outputs};
use crate::error::KafkaError;
use crate::health::{self, Health};
use crate::internal::{self, InternalBatch};
use crate::metric;
use crate::reload::{ReloadRequest, Reloads};
use crate::restore::ReaderContext;
use crate::sink::Sink;
use crate::stalled::{self, StallWatch};
use crate::summary::Summary;
use crate::table::{PartState, Tasks};
use crate::topics;
use crate::unowned::{self, Step, Unowned};
use crate::watermark::StageClock;
use distillguard_types::config::WindowsConfig;
use distillguard_types::{RecordOrigin, RejectReason};
use rayon::prelude::*;
use rdkafka::consumer::{CommitMode, Consumer, StreamConsumer};
use rdkafka::message::{BorrowedMessage, Message};
use rdkafka::{Offset, TopicPartitionList};
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::oneshot;

type LiveConsumer<F> = StreamConsumer<LiveContext<F>>;

/// Records between watermark advances while records keep arriving.
const ADVANCE_EVERY: usize = 1024;
/// Input records taken (and parsed) together when they are ready.
const BATCH: usize = 512;
/// Internal messages (split mode) taken together when they are ready.
const INTERNAL_BATCH: usize = 256;
/// Housekeeping tick (watermark, idle partitions, checkpoints, liveness).
const TICK: Duration = Duration::from_millis(100);
/// Counters and gauges are published on every tick, and between ticks after handling messages
/// at most this often (so progress is visible to within about this).
const REPORT_EVERY: Duration = Duration::from_millis(10);

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
    run_reloadable(live, windows, factory, health, None, shutdown).await
}

/// [`run_with_health`], taking reloads of the engines' settings from `reloads` (see
/// [`crate::reload`]): each is applied between batches, to the factory and every owned engine.
pub async fn run_reloadable<F: EngineFactory>(
    live: LiveConfig,
    windows: WindowsConfig,
    factory: F,
    health: Arc<Health>,
    reloads: Option<Reloads<F::Settings>>,
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
        Ok(mut l) => {
            let r = l.main(reloads, shutdown).await;
            let t = Instant::now();
            drop(l);
            tracing::debug!(took = ?t.elapsed(), "clients closed");
            r
        }
        Err(e) => Err(e),
    };
    health.set_ready(false);
    if let Some(s) = server {
        s.abort();
    }
    result
}

/// An input batch parsed on the rayon pool, handed back with the parser and the rebalance
/// generation it was read in.
struct Parsed<P> {
    batch: Batch,
    parser: P,
    gen: u64,
}

/// What the loop does next.
enum Next<M, P, R> {
    Stop,
    Tick,
    Parsed(P),
    Internal(M),
    Input(M),
    Reload(Option<R>),
}

struct Live<F: EngineFactory> {
    advancer: Advancer<F>,
    health: Arc<Health>,
    /// The record parser, while no batch is being parsed.
    parser: Option<F::Parser>,
    /// Empty batches to read input into (kept: their buffers keep their capacity).
    spare: Vec<Batch>,
    /// The input batch being parsed on the rayon pool (one at a time, in log order).
    parsing: Option<oneshot::Receiver<Parsed<F::Parser>>>,
    /// Split mode: internal messages read together.
    internal: InternalBatch,
    last_round: Instant,
    round_due: bool,
    since_advance: usize,
    reported: Summary,
    last_report: Instant,
    /// How long no input partition has been owned (readiness while the group has lag).
    unowned: Unowned,
    /// Input partitions with lag whose committed offset does not move.
    stall: StallWatch,
    /// Structures whose state gauges have been set.
    footprint_names: Vec<&'static str>,
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
            // Learn the internal topics' leaders now: a fresh client assigned a partition it
            // has no metadata for waits for its next metadata refresh (about a second) before
            // it fetches, and every task's first tick waits on that.
            for topic in [live.observation_topic(), live.evidence_topic()] {
                if let Err(e) = c.fetch_metadata(Some(&topic), live.restore_timeout) {
                    tracing::warn!(%topic, error = %e, "internal topic metadata");
                }
            }
            Some(c)
        } else {
            None
        };
        let factory = Arc::new(factory);
        let parser = factory.parser();
        let shared = Arc::new(LiveState {
            reader: clients::reader(&live),
            live: live.clone(),
            factory,
            sink,
            tasks: Mutex::new(Tasks::default()),
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
            advancer: Advancer {
                shared,
                consumer: Arc::new(consumer),
                topics,
                clock: StageClock::new(windows.allowed_lateness, windows.idle_partition),
                out: Outputs::default(),
                advanced_to: i64::MIN,
            },
            health,
            parser: Some(parser),
            spare: Vec::new(),
            parsing: None,
            internal: InternalBatch::default(),
            last_round: Instant::now(),
            round_due: false,
            since_advance: 0,
            reported: Summary::default(),
            last_report: Instant::now(),
            unowned: Unowned::default(),
            stall: StallWatch::default(),
            footprint_names: Vec::new(),
        })
    }

    fn fatal(&self) -> Result<(), KafkaError> {
        match self
            .advancer
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

    async fn main(
        &mut self,
        mut reloads: Option<Reloads<F::Settings>>,
        shutdown: impl Future<Output = ()>,
    ) -> Result<Summary, KafkaError> {
        tokio::pin!(shutdown);
        let mut tick = tokio::time::interval(TICK);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        self.health.set_ready(true);
        self.health.beat();
        let consumer = self.advancer.consumer.clone();
        let shared = self.advancer.shared.clone();
        let outcome = loop {
            let internal = async {
                match &shared.internal {
                    Some(c) => c.recv().await,
                    None => std::future::pending().await,
                }
            };
            let reload = async {
                match reloads.as_mut() {
                    Some(r) => r.recv().await,
                    None => std::future::pending().await,
                }
            };
            // input is read only when no batch is being parsed
            let parsing = self.parsing.is_some();
            let parsed = async {
                match self.parsing.as_mut() {
                    Some(rx) => rx.await,
                    None => std::future::pending().await,
                }
            };
            let next = tokio::select! {
                biased;
                _ = &mut shutdown => Next::Stop,
                _ = tick.tick() => Next::Tick,
                r = reload => Next::Reload(r),
                p = parsed => Next::Parsed(p.expect("the parse task ends by sending")),
                m = internal => Next::Internal(m),
                m = consumer.recv(), if !parsing => Next::Input(m),
            };
            let step = match next {
                Next::Stop => break Ok(()),
                Next::Tick => self.on_tick().await,
                Next::Parsed(p) => self.on_parsed(p).await,
                Next::Internal(m) => self.on_internal(m).await,
                Next::Input(m) => self.on_input(m),
                Next::Reload(Some(request)) => {
                    self.on_reload(request);
                    Ok(())
                }
                Next::Reload(None) => {
                    // every handle is gone: no more reloads
                    reloads = None;
                    Ok(())
                }
            };
            if let Err(e) = step {
                break Err(e);
            }
        };
        self.health.set_ready(false);
        match outcome {
            Ok(()) => {
                tracing::info!("shutting down: final checkpoints and commit");
                if let Some(rx) = self.parsing.take() {
                    let p = rx.await.expect("the parse task ends by sending");
                    self.parser = Some(p.parser);
                    self.take_batch(p.batch, p.gen)?;
                }
                let t = Instant::now();
                self.advance()?;
                self.round().await?;
                self.advancer
                    .shared
                    .sink
                    .drain(self.advancer.shared.live.flush_timeout)
                    .await?;
                tracing::debug!(took = ?t.elapsed(), "final checkpoints written and committed");
                let t = Instant::now();
                self.leave(&consumer).await;
                tracing::debug!(took = ?t.elapsed(), "left the group");
            }
            Err(ref e) => {
                tracing::error!(error = %e, "live loop failed; offsets since the last checkpoint stay uncommitted")
            }
        }
        self.report();
        outcome.map(|()| self.advancer.shared.tasks().summary.clone())
    }

    /// Unsubscribe and serve the revocation here (not in the consumer's destructor), so the
    /// group sees this member leave at once instead of after its session timeout. The
    /// revocation is served inside `recv`, which returns only with a message, so the loops
    /// look every 10 ms.
    async fn leave(&self, consumer: &LiveConsumer<F>) {
        consumer.unsubscribe();
        let deadline = Instant::now() + Duration::from_secs(10);
        while !self.advancer.shared.tasks().parts.is_empty() && Instant::now() < deadline {
            if let Ok(Ok(m)) =
                tokio::time::timeout(Duration::from_millis(10), consumer.recv()).await
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
            let _ = tokio::time::timeout(Duration::from_millis(10), consumer.recv()).await;
        }
    }

    async fn on_tick(&mut self) -> Result<(), KafkaError> {
        self.fatal()?;
        self.health.beat();
        self.check_unowned().await;
        self.advance()?;
        if self.round_due
            || self.last_round.elapsed() >= self.advancer.shared.live.checkpoint_interval
        {
            self.round().await?;
        }
        self.report();
        Ok(())
    }

    /// A reload, between batches: the factory checks and takes the new settings, then every
    /// owned engine is brought to them, all with the partition table locked (a rebalance
    /// adopts engines under the same lock, so none is made with the old settings after this).
    /// Events admitted before and not yet past the watermark are decided with the new ones.
    fn on_reload(&mut self, request: ReloadRequest<F::Settings>) {
        let shared = &self.advancer.shared;
        let outcome = {
            let mut tasks = shared.tasks();
            let outcome = shared.factory.reload(request.settings);
            if outcome.is_ok() {
                for st in tasks.parts.values_mut() {
                    shared.factory.reconfigure(&mut st.engine);
                }
            }
            outcome
        };
        // the sender may have given up waiting; the settings are applied either way
        let _ = request.reply.send(outcome);
    }

    /// An input message: read it and what else the consumer holds into a batch, and parse
    /// that on the rayon pool.
    fn on_input(
        &mut self,
        m: Result<BorrowedMessage<'_>, rdkafka::error::KafkaError>,
    ) -> Result<(), KafkaError> {
        self.fatal()?;
        match m {
            Ok(msg) => self.start_parse(&msg),
            Err(e) => tracing::warn!(error = %e, "consumer error"),
        }
        Ok(())
    }

    /// Read `first` and what else the consumer holds (up to [`BATCH`], without waiting) into a
    /// batch and parse it on the rayon pool, apart from the engines: the loop goes on with
    /// internal messages and ticks, and takes the batch back in [`Self::on_parsed`].
    fn start_parse(&mut self, first: &BorrowedMessage<'_>) {
        let gen = |s: &LiveState<F>| s.generation.load(std::sync::atomic::Ordering::Acquire);
        let mut at = gen(&self.advancer.shared);
        let mut batch = self.spare.pop().unwrap_or_default();
        batch.clear();
        batch.push(first);
        let consumer = self.advancer.consumer.clone();
        while batch.len() < BATCH {
            match batch::poll_once(consumer.recv()) {
                Some(Ok(msg)) => {
                    if gen(&self.advancer.shared) != at {
                        // a rebalance ran inside recv: what came before is re-read
                        at = gen(&self.advancer.shared);
                        batch.clear();
                    }
                    batch.push(&msg);
                }
                Some(Err(e)) => {
                    tracing::warn!(error = %e, "consumer error");
                    break;
                }
                None => break,
            }
        }
        let mut parser = self.parser.take().expect("one batch is parsed at a time");
        let factory = self.advancer.shared.factory.clone();
        let (tx, rx) = oneshot::channel();
        rayon::spawn(move || {
            batch::parse_all(&*factory, &mut parser, batch.records());
            let _ = tx.send(Parsed {
                batch,
                parser,
                gen: at,
            });
        });
        self.parsing = Some(rx);
    }

    /// A parsed batch is back: start parsing the next one if the consumer holds more (so the
    /// parse of the next batch overlaps the engines' work on this one), then offer this one to
    /// the engines.
    async fn on_parsed(&mut self, p: Parsed<F::Parser>) -> Result<(), KafkaError> {
        self.fatal()?;
        self.parsing = None;
        let Parsed { batch, parser, gen } = p;
        self.parser = Some(parser);
        let consumer = self.advancer.consumer.clone();
        let caught_up = match batch::poll_once(consumer.recv()) {
            Some(Ok(msg)) => {
                self.start_parse(&msg);
                false
            }
            Some(Err(e)) => {
                tracing::warn!(error = %e, "consumer error");
                false
            }
            None => true,
        };
        let n = self.take_batch(batch, gen)?;
        let caught_up = caught_up && n > 0;
        if caught_up {
            // nothing more is ready: advance and publish the counters now rather than on the
            // next tick (up to 100 ms of latency otherwise, at the end of every backlog)
            self.since_advance = ADVANCE_EVERY;
        }
        self.after_messages(n).await?;
        if caught_up {
            self.report();
        }
        Ok(())
    }

    /// Offer a parsed batch to the engines, unless a rebalance ran since it was read (then it
    /// comes again); the records offered.
    fn take_batch(&mut self, mut batch: Batch, gen: u64) -> Result<usize, KafkaError> {
        let at = self
            .advancer
            .shared
            .generation
            .load(std::sync::atomic::Ordering::Acquire);
        let mut n = 0;
        if gen == at {
            n = batch.len();
            let (shared, topics) = (&*self.advancer.shared, &self.advancer.topics);
            handle_records(shared, topics, batch.records(), &mut self.round_due)?;
        }
        batch.clear();
        self.spare.push(batch);
        Ok(n)
    }

    /// Split mode: a message of the observation or evidence topic, and what else the internal
    /// reader holds (up to [`INTERNAL_BATCH`], without waiting), handled per task, tasks in
    /// parallel; the tasks whose tick was answered take their next step.
    async fn on_internal(
        &mut self,
        m: Result<BorrowedMessage<'_>, rdkafka::error::KafkaError>,
    ) -> Result<(), KafkaError> {
        self.fatal()?;
        let shared = self.advancer.shared.clone();
        let Some(reader) = &shared.internal else {
            return Ok(());
        };
        let obs_topic = self
            .advancer
            .topics
            .observations
            .as_ref()
            .map_or("", |o| &o.0);
        self.internal.clear();
        match m {
            Ok(msg) => self.internal.push(&msg, obs_topic),
            Err(e) => {
                tracing::warn!(error = %e, "internal reader error");
                return Ok(());
            }
        }
        while self.internal.len() < INTERNAL_BATCH {
            match batch::poll_once(reader.recv()) {
                Some(Ok(msg)) => self.internal.push(&msg, obs_topic),
                Some(Err(e)) => {
                    tracing::warn!(error = %e, "internal reader error");
                    break;
                }
                None => break,
            }
        }
        let step_done = {
            let mut guard = self.advancer.shared.tasks();
            let Tasks { parts, summary, .. } = &mut *guard;
            let (sink, topics) = (&self.advancer.shared.sink, &self.advancer.topics);
            let batch = &self.internal;
            let (done, counts) = internal::handle_batch(sink, topics, parts, batch)?;
            summary.absorb(&counts);
            done
        };
        if step_done {
            // every key side answered a tick: take the next step now
            self.advance()?;
        }
        let n = self.internal.len();
        self.after_messages(n).await
    }

    /// After `n` consumed messages: advance every `ADVANCE_EVERY` messages, checkpoint when
    /// due, wait for the producer when too much is in flight.
    async fn after_messages(&mut self, n: usize) -> Result<(), KafkaError> {
        self.since_advance += n;
        if self.since_advance >= ADVANCE_EVERY {
            self.advance()?;
        }
        if self.round_due {
            self.round().await?;
        }
        if self.last_report.elapsed() >= REPORT_EVERY {
            self.report();
        }
        if self.advancer.shared.sink.in_flight() as usize > self.advancer.shared.live.max_in_flight
        {
            self.advancer
                .shared
                .sink
                .drain(self.advancer.shared.live.flush_timeout)
                .await?;
        }
        Ok(())
    }

    /// Advance every owned engine to the stage watermark, produce outputs, pause / resume
    /// partitions that run too far ahead.
    fn advance(&mut self) -> Result<(), KafkaError> {
        self.since_advance = 0;
        self.advancer.advance()
    }

    /// Checkpoint every partition with progress, then commit their offsets.
    async fn round(&mut self) -> Result<(), KafkaError> {
        self.round_due = false;
        self.last_round = Instant::now();
        self.report_footprint();
        self.flush_campaigns()?;
        let live = &self.advancer.shared.live;
        self.advancer.shared.sink.drain(live.flush_timeout).await?;
        let round = self.advancer.shared.tasks().build_round(
            &live.input_topic,
            live.checkpoint_chunk_bytes,
            |_| true,
        );
        if round.is_empty() {
            return Ok(());
        }
        self.advancer.shared.send_round(&round.records)?;
        self.advancer.shared.sink.drain(live.flush_timeout).await?;
        match self
            .advancer
            .consumer
            .commit(&round.commit, CommitMode::Sync)
        {
            Ok(()) => self.advancer.shared.tasks().finish_round(&round),
            // the checkpoint is written; a new owner restores it, so this is not fatal
            Err(e) => {
                metrics::counter!(metric::COMMIT_FAILURES).increment(1);
                tracing::warn!(error = %e, "offset commit failed (rebalance?); retrying next round")
            }
        }
        Ok(())
    }

    /// What the owned engines hold, by structure, as gauges (at checkpoint rounds: measuring
    /// walks every account).
    fn report_footprint(&mut self) {
        let mut by: std::collections::BTreeMap<&'static str, (usize, usize)> = Default::default();
        // structures reported before read 0 once no owned engine holds them
        for name in &self.footprint_names {
            by.insert(name, (0, 0));
        }
        for st in self.advancer.shared.tasks().parts.values() {
            for (name, entries, bytes) in st.engine.footprint() {
                let e = by.entry(name).or_default();
                e.0 += entries;
                e.1 += bytes;
            }
        }
        self.footprint_names = by.keys().copied().collect();
        for (name, (entries, bytes)) in by {
            metrics::gauge!(metric::STATE_ENTRIES, "structure" => name).set(entries as f64);
            metrics::gauge!(metric::STATE_BYTES, "structure" => name).set(bytes as f64);
        }
    }

    /// Campaign records whose size changed since their last record, from every owned engine.
    fn flush_campaigns(&mut self) -> Result<(), KafkaError> {
        let mut guard = self.advancer.shared.tasks();
        let Tasks { parts, summary, .. } = &mut *guard;
        for (&p, st) in parts.iter_mut() {
            st.engine.flush_campaigns(&mut self.advancer.out);
            if !self.advancer.out.is_empty() {
                st.advanced = true;
                emit_task(
                    &self.advancer.shared.sink,
                    &self.advancer.topics,
                    p,
                    st,
                    &mut self.advancer.out,
                    None,
                    summary,
                )?;
            }
        }
        Ok(())
    }

    /// Not ready, with the reason, while no input partition has been owned for
    /// `live.unowned_timeout` and the group has lag; ready again once one is (see
    /// [`crate::unowned`]).
    async fn check_unowned(&mut self) {
        let owns = !self.advancer.shared.tasks().parts.is_empty();
        let timeout = self.advancer.shared.live.unowned_timeout;
        match self.unowned.observe(owns, Instant::now(), timeout) {
            Step::Nothing => {}
            Step::Recovered => {
                tracing::info!("partitions assigned again: ready");
                metrics::gauge!(metric::UNOWNED_WITH_LAG).set(0.0);
                self.health.set_ready(true);
            }
            Step::CheckLag { after } => {
                let consumer = self.advancer.consumer.clone();
                let topic = self.advancer.shared.live.input_topic.clone();
                let lag = tokio::task::spawn_blocking(move || {
                    unowned::group_lag(&*consumer, &topic, Duration::from_secs(10))
                })
                .await;
                match lag {
                    Ok(Ok(lag)) if lag > 0 => {
                        let reason = format!(
                            "owns no input partition for {}s while the group has lag {lag}",
                            after.as_secs()
                        );
                        if !self.unowned.flagged {
                            tracing::warn!("{reason}: not ready");
                        }
                        self.unowned.flagged = true;
                        metrics::gauge!(metric::UNOWNED_WITH_LAG).set(1.0);
                        self.health.set_not_ready(reason);
                    }
                    Ok(Ok(_)) => {
                        if std::mem::take(&mut self.unowned.flagged) {
                            metrics::gauge!(metric::UNOWNED_WITH_LAG).set(0.0);
                            self.health.set_ready(true);
                        }
                    }
                    Ok(Err(e)) => tracing::warn!(error = %e, "group lag check failed"),
                    Err(e) => tracing::warn!(error = %e, "group lag check did not finish"),
                }
            }
        }
        self.check_stalled().await;
    }

    /// Log, once per change, and count the input partitions nobody consumes (see
    /// [`crate::stalled`]).
    async fn check_stalled(&mut self) {
        let timeout = self.advancer.shared.live.unowned_timeout;
        let now = Instant::now();
        if !self.stall.due(now, timeout) {
            return;
        }
        let owned: Vec<i32> = self.advancer.shared.tasks().parts.keys().copied().collect();
        let consumer = self.advancer.consumer.clone();
        let topic = self.advancer.shared.live.input_topic.clone();
        let progress = tokio::task::spawn_blocking(move || {
            stalled::group_progress(&*consumer, &topic, Duration::from_secs(10))
        })
        .await;
        let progress = match progress {
            Ok(Ok(p)) => p,
            Ok(Err(e)) => return tracing::warn!(error = %e, "group progress check failed"),
            Err(e) => return tracing::warn!(error = %e, "group progress check did not finish"),
        };
        let stalled = self
            .stall
            .update(&progress, |p| owned.contains(&p), now, timeout);
        if stalled == self.stall.stalled {
            return;
        }
        metrics::gauge!(metric::STALLED_PARTITIONS).set(stalled.len() as f64);
        if stalled.is_empty() {
            tracing::info!("no stalled input partitions");
        } else {
            tracing::warn!(
                partitions = ?stalled,
                "input partitions have lag and their committed offsets have not moved for {}s: \
                 no live member consumes them (a member that died may still hold them in the \
                 group)",
                timeout.as_secs()
            );
        }
        self.stall.stalled = stalled;
    }

    /// Push counter deltas to the metrics registry.
    fn report(&mut self) {
        self.last_report = Instant::now();
        let (now, processed, pending) = {
            let t = self.advancer.shared.tasks();
            let processed: u64 = t.parts.values().map(|s| s.engine.processed()).sum();
            let pending: usize = t.parts.values().map(|s| s.engine.pending()).sum();
            (t.summary.clone(), processed, pending)
        };
        metrics::gauge!(metric::ENGINE_PROCESSED).set(processed as f64);
        metrics::gauge!(metric::ENGINE_PENDING).set(pending as f64);
        let d = |a: u64, b: u64| a.saturating_sub(b);
        metrics::counter!(metric::RECORDS).increment(d(now.records, self.reported.records));
        metrics::counter!(metric::EVENTS).increment(d(now.events, self.reported.events));
        metrics::counter!(metric::RESTORED_EVENTS)
            .increment(d(now.restored_events, self.reported.restored_events));
        metrics::counter!(metric::DEAD_LETTERS)
            .increment(d(now.dead_letters, self.reported.dead_letters));
        metrics::counter!(metric::INTERNAL).increment(d(now.internal, self.reported.internal));
        self.reported = now;
    }
}

/// What advancing the engines touches: kept apart from the rest of the loop so that it can run
/// on a rayon worker while the next batch is parsed.
struct Advancer<F: EngineFactory> {
    shared: Arc<LiveState<F>>,
    consumer: Arc<LiveConsumer<F>>,
    topics: Topics,
    clock: StageClock,
    out: Outputs,
    advanced_to: i64,
}

impl<F: EngineFactory> Advancer<F> {
    /// Advance every owned engine to the stage watermark, produce outputs, pause / resume
    /// partitions that run too far ahead.
    fn advance(&mut self) -> Result<(), KafkaError> {
        let lead = self.shared.live.max_partition_lead.as_millis() as i64;
        let skew = self.shared.live.max_task_skew.as_millis() as i64;
        let max_held = self.shared.live.max_buffered_events;
        let (mut pause, mut resume) = (TopicPartitionList::new(), TopicPartitionList::new());
        {
            let mut guard = self.shared.tasks();
            let Tasks {
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
            // split mode: an instance whose partitions are all idle follows the rest of the group
            let floor = self.topics.observations.as_ref().and_then(|_| {
                crate::repartition::others_floor(
                    parts.iter().map(|(&p, s)| (p, &s.split)),
                    self.clock.current(),
                )
            });
            let wm = self
                .clock
                .update(parts.values().map(|s| s.time()), now, floor);
            if wm == i64::MIN {
                return Ok(());
            }
            metrics::gauge!(metric::WATERMARK_MS).set(wm as f64);
            self.advanced_to = wm;
            // the tasks with work (evidence to rescore, or a step to take) work in parallel
            let ctx = StepCtx {
                sink: &self.shared.sink,
                topics: &self.topics,
                wm,
                skew,
            };
            let mut work: Vec<(i32, &mut PartState<F::Engine>)> = parts
                .iter_mut()
                .filter(|(_, st)| st.rescore_due || (st.tick.is_none() && wm > st.engine_wm))
                .map(|(&p, st)| (p, st))
                .collect();
            let step = |(p, st): &mut (i32, &mut PartState<F::Engine>)| ctx.step(*p, st);
            let counts: Vec<Result<Summary, KafkaError>> = if work.len() > 1 {
                work.par_iter_mut().map(step).collect()
            } else {
                work.iter_mut().map(step).collect()
            };
            for c in counts {
                summary.absorb(&c?);
            }
            for (&p, st) in parts.iter_mut() {
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
            metrics::gauge!(metric::PAUSED_PARTITIONS)
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

/// What one task's step needs besides its own state (shared by the tasks stepping in parallel).
struct StepCtx<'a> {
    sink: &'a crate::sink::Sink,
    topics: &'a Topics,
    /// The stage watermark.
    wm: i64,
    /// `max_task_skew` in ms.
    skew: i64,
}

impl StepCtx<'_> {
    /// Task `p`: rescore accounts with new evidence, advance towards the stage watermark (in
    /// split mode when the key sides answered the previous step, within `max_task_skew` of the
    /// slowest task), produce what that emitted, then the tick. The counts to add to the
    /// summary.
    fn step<E: Engine>(&self, p: i32, st: &mut PartState<E>) -> Result<Summary, KafkaError> {
        let (wm, skew) = (self.wm, self.skew);
        let mut summary = Summary::default();
        let mut out = Outputs::default();
        if st.rescore_due {
            st.rescore_due = false;
            st.engine.rescore(&mut out);
            st.advanced = true;
        }
        // split mode: wait for the key sides to answer the previous step, and stay within
        // max_task_skew of the slowest task. A task whose tick has not been answered yet (just
        // started, or restored from a checkpoint) steps max_task_skew past its earliest pending
        // event: without this bound a task starting behind the stage watermark took its whole
        // backlog in one step, and its accounts were scored for hours of events before any
        // evidence came back.
        let bound = match (&self.topics.observations, st.slowest) {
            (Some(_), Some(slowest)) => Some(slowest),
            (Some(_), None) => st.engine.earliest_pending_ms(),
            _ => None,
        };
        let target = bound.map_or(wm, |b| wm.min(b.saturating_add(skew)));
        let stepping = st.tick.is_none() && wm > st.engine_wm;
        if stepping && target > st.engine_wm {
            st.engine.advance_to(target, &mut out);
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
        // the step's observations, then the tick that covers them (a blocked task ticks again
        // at its watermark to learn of progress)
        let tick = self.topics.observations.as_ref().filter(|_| stepping);
        let wm_sent = tick.map(|_| st.engine_wm);
        emit_task(
            self.sink,
            self.topics,
            p,
            st,
            &mut out,
            wm_sent,
            &mut summary,
        )?;
        if let Some((_, parts)) = tick {
            st.tick = Some((st.engine_wm, (0..*parts).collect()));
        }
        Ok(summary)
    }
}

/// Produce what task `p`'s engine emitted (observations numbered from the task's counter),
/// then its tick if it stepped (split mode).
fn emit_task<E: Engine>(
    sink: &crate::sink::Sink,
    topics: &Topics,
    p: i32,
    st: &mut PartState<E>,
    out: &mut Outputs,
    tick: Option<i64>,
    summary: &mut Summary,
) -> Result<(), KafkaError> {
    if out.is_empty() && tick.is_none() {
        return Ok(());
    }
    emit::outputs(sink, topics, p, &mut st.split.obs_seq, out, tick, summary)
}

/// Parsed input records, in log order: [`handle_record`] each.
fn handle_records<F: EngineFactory>(
    shared: &LiveState<F>,
    topics: &Topics,
    records: &mut [InputRecord],
    round_due: &mut bool,
) -> Result<(), KafkaError> {
    for raw in records {
        handle_record(shared, topics, raw, round_due)?;
    }
    Ok(())
}

/// One parsed input record: offer it to its partition's engine, dead-letter a reject.
fn handle_record<F: EngineFactory>(
    shared: &LiveState<F>,
    topics: &Topics,
    raw: &mut InputRecord,
    round_due: &mut bool,
) -> Result<(), KafkaError> {
    let (p, off) = (raw.partition, raw.offset);
    let mut guard = shared.tasks();
    let Tasks { parts, summary, .. } = &mut *guard;
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
    let ev = match raw.parsed.take().unwrap_or(Err(RejectReason::BadJson)) {
        Ok(ev) => ev,
        Err(r) => {
            let body = DeadLetterBody::Raw(raw.payload());
            return emit::reject(&shared.sink, topics, r, p, off, raw.key(), body, summary);
        }
    };
    // a well-formed record keeps only its contract fields, now or when refused later
    let kept = || shared.factory.kept_fields(raw.payload().unwrap_or(&[]));
    let origin = || RecordOrigin {
        source: p as u32,
        position: off as u64,
        kept_fields: kept(),
    };
    match st.engine.offer(ev, origin) {
        Ok(()) => {
            summary.events += 1;
            Ok(())
        }
        Err(r) => {
            let fields = if r == RejectReason::Duplicate {
                String::new()
            } else {
                kept()
            };
            let body = DeadLetterBody::KeptFields(fields.as_bytes());
            emit::reject(&shared.sink, topics, r, p, off, raw.key(), body, summary)
        }
    }
}

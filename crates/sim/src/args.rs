//! The `simulate` command: CLI arguments and the function the binary calls.

use crate::corpus::Corpus;
use crate::error::SimError;
use crate::net::IpSpace;
use crate::output::{write_labels, Sink};
use crate::record::Class;
use crate::scenario::Scenario;
use crate::sim::{Resources, Simulator};
use std::path::PathBuf;
use std::time::Instant;

/// Arguments of `distillguard simulate`.
#[derive(Debug, Clone, clap::Args)]
pub struct SimulateArgs {
    /// Shipped scenario name (seed-campaign, multi-campaign, stealth, false-positive-traps) or a TOML file.
    #[arg(long, default_value = "seed-campaign")]
    pub scenario: String,
    /// RNG seed: same seed, same bytes.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Population scale: every population (accounts and campaign exchanges) is multiplied by it.
    #[arg(long, default_value_t = 1.0)]
    pub scale: f64,
    /// Directory of real prompt JSONL files (`organic_*`, `tasks_*`) with a `text` field.
    #[arg(long)]
    pub corpus: Option<PathBuf>,
    /// ASN database CSV `start,end,asn,org` (optionally .gz) to draw real routed addresses.
    #[arg(long)]
    pub asn_db: Option<PathBuf>,
    /// Output JSONL (`.zst` / `.gz` compress; `-` = stdout).
    #[arg(long, default_value = "-")]
    pub output: PathBuf,
    /// Ground-truth labels CSV (`account_id,class,campaign`).
    #[arg(long)]
    pub labels: Option<PathBuf>,
}

/// What a simulation produced.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SimSummary {
    /// Scenario name.
    pub scenario: String,
    /// Records written.
    pub records: u64,
    /// Records per class: organic, automation, attack, cohort.
    pub records_by_class: [u64; 4],
    /// Accounts per class: organic, automation, attack, cohort.
    pub accounts_by_class: [u64; 4],
    /// Window [start, end) in epoch ms.
    pub window_ms: (i64, i64),
    /// Wall-clock seconds.
    pub elapsed_s: f64,
}

impl SimSummary {
    /// Records per second of wall time.
    pub fn records_per_sec(&self) -> f64 {
        self.records as f64 / self.elapsed_s.max(1e-9)
    }
}

fn class_idx(c: Class) -> usize {
    match c {
        Class::Organic => 0,
        Class::Automation => 1,
        Class::Attack => 2,
        Class::Cohort => 3,
    }
}

/// Loads the optional resources named by the arguments.
pub fn load_resources(args: &SimulateArgs) -> Result<Resources, SimError> {
    let corpus = args.corpus.as_deref().map(Corpus::load).transpose()?;
    let ip_space = args
        .asn_db
        .as_deref()
        .map(IpSpace::from_asn_db)
        .transpose()?;
    Ok(Resources { corpus, ip_space })
}

/// Runs a simulation: writes records and labels; `progress(done, expected)` is called now and then.
pub fn run_simulate(
    args: &SimulateArgs,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<SimSummary, SimError> {
    let t0 = Instant::now();
    let scenario = Scenario::load(&args.scenario)?;
    let resources = load_resources(args)?;
    let mut sim = Simulator::new(&scenario, args.seed, args.scale, resources)?;
    let mut summary = SimSummary {
        scenario: scenario.name.clone(),
        window_ms: sim.window(),
        ..Default::default()
    };
    for l in sim.labels() {
        summary.accounts_by_class[class_idx(l.class)] += 1;
    }
    if let Some(path) = &args.labels {
        write_labels(path, &sim.labels())?;
    }
    let mut sink = Sink::open(&args.output)?;
    let mut buf: Vec<u8> = Vec::with_capacity(1 << 20);
    progress(0, sim.expected_records());
    while let Some(rec) = sim.next_record() {
        rec.write_json(&mut buf);
        summary.records_by_class[class_idx(rec.class)] += 1;
        summary.records += 1;
        if buf.len() >= 1 << 20 {
            sink.write_all(&buf)
                .map_err(|e| SimError::io(&args.output, e))?;
            buf.clear();
        }
        if summary.records % 65_536 == 0 {
            progress(summary.records, sim.expected_records());
        }
    }
    sink.write_all(&buf)
        .map_err(|e| SimError::io(&args.output, e))?;
    sink.finish().map_err(|e| SimError::io(&args.output, e))?;
    progress(summary.records, summary.records);
    summary.elapsed_s = t0.elapsed().as_secs_f64();
    Ok(summary)
}

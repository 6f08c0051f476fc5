//! Standalone simulate runner (the real CLI is `distillguard simulate`):
//! `cargo run --release -p distillguard-sim --example simulate -- --scenario seed-campaign --scale 0.05 --output /tmp/x.jsonl.zst --labels /tmp/l.csv`

use clap::Parser;
use distillguard_sim::{run_simulate, SimulateArgs};

#[derive(Parser)]
struct Cli {
    #[command(flatten)]
    args: SimulateArgs,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let cli = Cli::parse();
    let s = run_simulate(&cli.args, &mut |_, _| {})?;
    eprintln!(
        "scenario={} records={} by_class(organic,automation,attack,cohort)={:?} accounts={:?} elapsed={:.1}s rate={:.0} rec/s",
        s.scenario,
        s.records,
        s.records_by_class,
        s.accounts_by_class,
        s.elapsed_s,
        s.records_per_sec()
    );
    Ok(())
}

//! End-to-end tuning on hand-built trajectories (see `sweep::tests` for the scores).

use super::sweep::tests::{labels, test_step, traj, SCORES};
use super::*;

fn spec() -> GridSpec {
    // values 0.5 0.6 0.7 0.8 0.9 1.0 -> 5 + 4 + 3 + 2 + 1 = 15 points
    GridSpec {
        min: 0.5,
        max: 1.0,
        step: 0.1,
        monitor_gap: 0.2,
    }
}

#[test]
fn picks_the_hand_computed_point() {
    // One of the four benign accounts may be throttled, none suspended. m1 peaks at
    // 0.92 so suspend must be 1.0, and o1 peaks at 0.62 so throttle must be >= 0.7. At
    // 0.7, a1 (request 3) and a2 (request 4) are caught; at 0.8 only a1.
    let objective = Objective {
        max_benign_throttle: 0.25,
    };
    let r = tune(&traj(SCORES), &labels(), spec(), objective, test_step).unwrap();
    assert_eq!(r.points.len(), 15);
    let feasible: Vec<(f64, f64)> = r
        .points
        .iter()
        .filter(|p| p.feasible)
        .map(|p| (p.thresholds.throttle, p.thresholds.suspend))
        .collect();
    assert_eq!(feasible, [(0.7, 1.0), (0.8, 1.0), (0.9, 1.0)]);
    let c = r.choice.unwrap();
    assert_eq!((c.index, c.feasible), (11, true));
    let p = r.chosen().unwrap();
    assert_eq!(
        p.thresholds,
        Thresholds {
            monitor: 0.5,
            throttle: 0.7,
            suspend: 1.0
        }
    );
    assert_eq!((p.metrics.attack_detected, p.metrics.leaked), (2, 8));
    assert_eq!(p.metrics.requests_to_detect.median, Some(3.5));
    assert_eq!(r.frontier, [11]);
    let text = r.to_string();
    assert!(text.contains("3 meet the constraint"), "{text}");
    assert!(
        text.contains("chosen: monitor 0.500 throttle 0.700 suspend 1.000"),
        "{text}"
    );
}

#[test]
fn run_tune_writes_plot_config_and_json() {
    let dir = tempfile::tempdir().unwrap();
    let labels_path = dir.path().join("labels.csv");
    std::fs::write(
        &labels_path,
        "account_id,class,campaign\na1,attack,c\na2,attack,c\na3,attack,c\no1,organic,\no2,organic,\nm1,automation,\nm2,automation,\n",
    )
    .unwrap();
    let config = dir.path().join("in.toml");
    std::fs::write(
        &config,
        "config_version = \"mine\"\n[score.thresholds]\nthrottle = 0.4\n",
    )
    .unwrap();
    let mut args = TuneArgs {
        labels: labels_path,
        logs: vec![dir.path().join("unused.jsonl")],
        config: Some(config),
        max_benign_throttle: 0.25,
        grid_min: 0.5,
        grid_max: 1.0,
        grid_step: 0.1,
        monitor_gap: 0.2,
        plot: dir.path().join("tune.svg"),
        write_config: Some(dir.path().join("out.toml")),
        json: Some(dir.path().join("tune.json")),
        vary: vec![],
    };
    let text = config_text(args.config.as_deref()).unwrap();
    let r = run_tune_with(&args, &traj(SCORES), &text, test_step).unwrap();
    assert_eq!(
        r.config_written.as_deref(),
        Some(dir.path().join("out.toml").as_path())
    );
    let svg = std::fs::read_to_string(dir.path().join("tune.svg")).unwrap();
    assert!(
        svg.starts_with("<svg") && svg.contains("chosen"),
        "{}",
        &svg[..200]
    );
    let out: toml::Table =
        toml::from_str(&std::fs::read_to_string(dir.path().join("out.toml")).unwrap()).unwrap();
    assert_eq!(out["score"]["thresholds"]["throttle"].as_float(), Some(0.7));
    assert_eq!(out["score"]["thresholds"]["suspend"].as_float(), Some(1.0));
    assert_eq!(out["config_version"].as_str(), Some("mine"));
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("tune.json")).unwrap())
            .unwrap();
    assert_eq!(json["choice"]["index"], 11);
    assert_eq!(json["points"].as_array().unwrap().len(), 15);

    // Nothing feasible: the least harmful point is reported, no config is written.
    args.max_benign_throttle = 0.0;
    args.write_config = Some(dir.path().join("none.toml"));
    args.config = None;
    let r = run_tune_with(&args, &traj(SCORES), "", test_step).unwrap();
    assert!(!r.choice.unwrap().feasible);
    assert!(r.config_written.is_none());
    assert!(!dir.path().join("none.toml").exists());
    assert!(r.to_string().contains("NO point meets the constraint"));

    // A bad default configuration fails before any work.
    assert!(matches!(
        run_tune_with(&args, &traj(SCORES), "score = 1", test_step),
        Err(EvalError::Config(_))
    ));
}

#[test]
fn the_real_ladder_gives_the_same_metrics_as_the_test_ladder() {
    // Escalation is immediate in both, and the metrics only depend on escalation.
    use distillguard_types::ladder::{Hysteresis, LadderState};
    let grid = spec().build().unwrap();
    let hy = Hysteresis::default();
    let real = sweep(
        &traj(SCORES),
        &labels(),
        &grid,
        |s: &mut LadderState, score, ts, t: &Thresholds| s.step(score, ts, t, &hy),
    );
    assert_eq!(real, sweep(&traj(SCORES), &labels(), &grid, test_step));
}

#[test]
fn run_tune_uses_the_shipped_defaults_without_a_config() {
    let dir = tempfile::tempdir().unwrap();
    let labels_path = dir.path().join("labels.csv");
    std::fs::write(
        &labels_path,
        "account_id,class,campaign\na1,attack,c\na2,attack,c\na3,attack,c\no1,organic,\no2,organic,\nm1,automation,\nm2,automation,\n",
    )
    .unwrap();
    let args = TuneArgs {
        labels: labels_path,
        logs: vec![],
        config: None,
        max_benign_throttle: 0.25,
        grid_min: 0.5,
        grid_max: 1.0,
        grid_step: 0.1,
        monitor_gap: 0.2,
        plot: dir.path().join("t.svg"),
        write_config: Some(dir.path().join("tuned.toml")),
        json: None,
        vary: vec![],
    };
    let r = run_tune(&args, &traj(SCORES)).unwrap();
    assert_eq!(r.choice.map(|c| c.index), Some(11));
    let tuned =
        load_config(&std::fs::read_to_string(dir.path().join("tuned.toml")).unwrap()).unwrap();
    assert_eq!(tuned.score.thresholds, r.chosen().unwrap().thresholds);
}

#[test]
fn cli_arguments_parse_with_defaults() {
    use clap::Parser;
    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        args: TuneArgs,
    }
    let cli = Cli::try_parse_from([
        "tune",
        "--labels",
        "l.csv",
        "--logs",
        "a.jsonl",
        "b.jsonl.gz",
    ])
    .unwrap();
    let a = cli.args;
    assert_eq!(a.logs.len(), 2);
    assert_eq!(a.plot, std::path::PathBuf::from("tune.svg"));
    assert_eq!(a.max_benign_throttle, 0.001);
    assert!(a.config.is_none() && a.write_config.is_none());
    assert!(a.grid_spec().build().unwrap().len() > 100);
    assert!(Cli::try_parse_from(["tune", "--labels", "l.csv"]).is_err());
}

#[test]
fn the_variant_whose_best_point_catches_more_wins() {
    // The second variant's engine run scored a3 higher: at the same harm it catches all three.
    let objective = Objective {
        max_benign_throttle: 0.25,
    };
    let better: Vec<(&str, Vec<f64>)> = SCORES
        .iter()
        .map(|(a, s)| {
            let s: Vec<f64> = if *a == "a3" {
                s.iter().map(|x| x.max(0.75)).collect()
            } else {
                s.to_vec()
            };
            (*a, s)
        })
        .collect();
    let better: Vec<(&str, &[f64])> = better.iter().map(|(a, s)| (*a, s.as_slice())).collect();
    let reports = [
        tune(&traj(SCORES), &labels(), spec(), objective, test_step).unwrap(),
        tune(&traj(&better), &labels(), spec(), objective, test_step).unwrap(),
    ];
    assert_eq!(best_variant(objective, &reports), Some(1));
    let labels = ["base".to_string(), "extraction.own=[0.1, 0.3]".to_string()];
    let table = variants_table(&labels, &reports, Some(1));
    let starred: Vec<&str> = table
        .lines()
        .filter(|l| l.trim_start().starts_with('*'))
        .collect();
    assert_eq!(starred.len(), 1, "{table}");
    assert!(starred[0].contains("extraction.own=[0.1, 0.3]"), "{table}");
    assert!(starred[0].contains("(3/3)"), "{table}");
    assert_eq!(best_variant(objective, &[]), None);
}

//! Loading real resources: a prompt corpus directory and an ASN database.

mod common;

use common::{run, small};
use distillguard_sim::{run_simulate, Corpus, IpSpace, Resources, SimulateArgs};
use std::io::Write;

#[test]
fn corpus_from_tiny_dir_feeds_prompts() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("organic_chat.jsonl"),
        "{\"source\":\"x\",\"text\":\"ORGANIC-ONE what is love\"}\n{\"text\":\"ORGANIC-TWO hello\"}\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("tasks_humaneval.jsonl"),
        "{\"text\":\"TASK-A def f(x):\"}\n{\"text\":\"TASK-B def g(y):\"}\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("ignored.txt"), "nope").unwrap();
    let c = Corpus::load(dir.path()).unwrap();
    assert_eq!(c.organic.len(), 2);
    assert_eq!(c.tasks.len(), 1);
    assert_eq!(c.tasks[0].0, "humaneval");
    let (buf, _) = run(
        &small(),
        1,
        0.3,
        Resources {
            corpus: Some(c),
            ip_space: None,
        },
    );
    let text = String::from_utf8(buf).unwrap();
    assert!(text.contains("ORGANIC-ONE") && text.contains("TASK-A") && text.contains("TASK-B"));

    std::fs::write(dir.path().join("organic_bad.jsonl"), "{\"no_text\":1}\n").unwrap();
    assert!(Corpus::load(dir.path()).is_err());
}

#[test]
fn asn_db_from_tiny_csv() {
    let dir = tempfile::tempdir().unwrap();
    let csv = "10.1.0.0,10.1.255.255,64500,\"Example Cable Communications, Inc.\"\n\
               10.2.0.0,10.2.0.255,64501,Example Mobile Wireless\n\
               10.3.0.0,10.3.3.255,64502,Amazon.com Inc.\n\
               10.4.0.0,10.4.0.255,64503,Example Hosting Ltd\n\
               10.5.0.0,10.5.0.255,64504,Some University\n";
    let plain = dir.path().join("asn.csv");
    std::fs::write(&plain, csv).unwrap();
    let gz = dir.path().join("asn.csv.gz");
    let mut enc = flate2::write::GzEncoder::new(
        std::fs::File::create(&gz).unwrap(),
        flate2::Compression::fast(),
    );
    enc.write_all(csv.as_bytes()).unwrap();
    enc.finish().unwrap();
    for p in [&plain, &gz] {
        let space = IpSpace::from_asn_db(p).unwrap();
        assert_eq!(space.counts(), [1, 1, 1, 1]);
        let (buf, _) = run(
            &small(),
            1,
            0.2,
            Resources {
                corpus: None,
                ip_space: Some(space),
            },
        );
        let text = String::from_utf8(buf).unwrap();
        assert!(text.contains("\"asn\":64500") && text.contains("\"asn\":64502"));
        assert!(!text.contains("\"asn\":64504"));
    }
    std::fs::write(
        &plain,
        "10.0.0.1,10.0.0.9,notanumber,X\n10.0.0.1,10.0.0.9,1,Y\n",
    )
    .unwrap();
    assert!(IpSpace::from_asn_db(&plain).is_err());
}

#[test]
fn run_simulate_writes_compressed_output_and_labels() {
    let dir = tempfile::tempdir().unwrap();
    let scen = dir.path().join("small.toml");
    std::fs::write(&scen, common::SMALL).unwrap();
    for ext in ["jsonl", "jsonl.gz", "jsonl.zst"] {
        let out = dir.path().join(format!("logs.{ext}"));
        let labels = dir.path().join("labels.csv");
        let args = SimulateArgs {
            scenario: scen.to_string_lossy().into_owned(),
            seed: 1,
            scale: 0.2,
            corpus: None,
            asn_db: None,
            output: out.clone(),
            labels: Some(labels.clone()),
        };
        let mut calls = 0;
        let summary = run_simulate(&args, &mut |_, _| calls += 1).unwrap();
        assert!(summary.records > 0 && calls >= 2);
        let raw = std::fs::read(&out).unwrap();
        let text = match ext {
            "jsonl.gz" => {
                let mut s = String::new();
                std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&raw[..]), &mut s)
                    .unwrap();
                s
            }
            "jsonl.zst" => String::from_utf8(zstd::decode_all(&raw[..]).unwrap()).unwrap(),
            _ => String::from_utf8(raw).unwrap(),
        };
        assert_eq!(text.lines().count() as u64, summary.records);
        let l = std::fs::read_to_string(&labels).unwrap();
        assert!(l.starts_with("account_id,class,campaign\n"));
        assert!(
            l.contains(",attack,camp-a")
                && l.contains(",organic,\n")
                && l.contains(",automation,\n")
        );
    }
}

#[test]
fn real_shared_data_when_present() {
    let shared = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared");
    let (corpora, asn) = (
        shared.join("corpora"),
        shared.join("netdata/asn-ipv4.csv.gz"),
    );
    if !corpora.is_dir() || !asn.is_file() {
        eprintln!(
            "skipping: {} not present (real corpora / ASN db are optional)",
            shared.display()
        );
        return;
    }
    let corpus = Corpus::load(&corpora).unwrap();
    assert!(corpus.organic.len() > 1000 && corpus.tasks.len() >= 3);
    let space = IpSpace::from_asn_db(&asn).unwrap();
    assert!(
        space.counts().iter().all(|&n| n > 100),
        "{:?}",
        space.counts()
    );
    let (buf, labels) = run(
        &small(),
        1,
        0.1,
        Resources {
            corpus: Some(corpus),
            ip_space: Some(space),
        },
    );
    assert!(!buf.is_empty() && !labels.is_empty());
}

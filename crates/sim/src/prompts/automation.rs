//! Prompts of legitimate automation: CI templates, batch documents, benchmark sets,
//! eval-harness wrappers and shared IDE tools' fixed system prompts.

use super::code::{snippet, CODE_LANGS};
use super::vocab::*;
use crate::ids::mix64;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::fmt::Write;

/// CI pipeline templates (`{lang}`, `{path}`, `{code}` slots); each organisation uses one.
pub const CI_TEMPLATES: &[&str] = &[
    "Write unit tests for the following {lang} function. Return only the test file.\n\n```{lang}\n{code}```",
    "Generate a docstring for this {lang} code from {path}. Output only the docstring.\n\n{code}",
    "You are reviewing a pull request. File: {path}\n\n```{lang}\n{code}```\n\nList potential bugs as JSON: [{\"line\": int, \"issue\": str}]",
    "Translate the following {lang} code to idiomatic TypeScript. Output code only.\n\n{code}",
    "Summarize the change in {path} in one sentence for a changelog entry:\n\n{code}",
    "Add type annotations to this {lang} function without changing behaviour:\n```\n{code}```",
];

/// Batch document-processing templates (`{doc}` slot).
pub const BATCH_TEMPLATES: &[&str] = &[
    "Summarize the following document in 5 bullet points.\n\n{doc}",
    "Extract all parties, dates and monetary amounts from this contract as JSON.\n\n{doc}",
    "Classify this support ticket as billing, bug, feature_request or other, and give a one-line reason.\n\n{doc}",
    "Translate the following text to German, preserving formatting.\n\n{doc}",
];

/// Eval-harness frameworks shared by many customers: (system prompt, item wrapper with `{item}`).
pub const HARNESSES: &[(&str, &str)] = &[
    ("", "{item}"),
    (
        "You are a helpful assistant.",
        "Complete the following task. Return only the answer.\n\n{item}",
    ),
    ("", "Question: {item}\nAnswer:"),
    (
        "You are an expert programmer. Respond with code only.",
        "{item}",
    ),
    (
        "Solve the problem. End your response with 'Answer: <answer>'.",
        "{item}",
    ),
];

/// Appends a procedural business document of a few paragraphs.
pub fn document(rng: &mut impl Rng, out: &mut String) {
    let paras = rng.gen_range(2..7);
    let _ = writeln!(
        out,
        "Ref {}-{}\n",
        pick(rng, NOUNS).to_ascii_uppercase(),
        rng.gen_range(1000..99999)
    );
    for _ in 0..paras {
        for _ in 0..rng.gen_range(3..8) {
            let _ = write!(
                out,
                "{} from {} {} the {} for {} on {} {}, totalling ${}.{:02}. ",
                pick(rng, NAMES),
                pick(rng, CITIES),
                pick(
                    rng,
                    &["submitted", "approved", "disputed", "renewed", "cancelled"]
                ),
                pick(rng, NOUNS),
                pick(rng, DOMAINS),
                pick(rng, &["March", "April", "May", "June"]),
                rng.gen_range(1..29),
                rng.gen_range(10..90000),
                rng.gen_range(0..100)
            );
        }
        out.push_str("\n\n");
    }
}

/// Appends a CI request from the organisation's template.
pub fn ci_prompt(rng: &mut impl Rng, template: usize, out: &mut String) {
    let t = CI_TEMPLATES[template % CI_TEMPLATES.len()];
    let lang = CODE_LANGS[rng.gen_range(0..CODE_LANGS.len())];
    let mut rest = t;
    while let Some(pos) = rest.find('{') {
        let (head, tail) = rest.split_at(pos);
        out.push_str(head);
        if let Some(r) = tail.strip_prefix("{lang}") {
            out.push_str(lang);
            rest = r;
        } else if let Some(r) = tail.strip_prefix("{path}") {
            let _ = write!(
                out,
                "src/{}/{}_{}.{}",
                pick(rng, NOUNS),
                pick(rng, VERBS),
                pick(rng, NOUNS),
                ext(lang)
            );
            rest = r;
        } else if let Some(r) = tail.strip_prefix("{code}") {
            let lines = rng.gen_range(1..8);
            snippet(rng, lang, lines, out);
            rest = r;
        } else {
            out.push('{');
            rest = &tail[1..];
        }
    }
    out.push_str(rest);
}

/// File extension of a snippet language.
pub fn ext(lang: &str) -> &'static str {
    match lang {
        "python" => "py",
        "javascript" => "js",
        "typescript" => "ts",
        "rust" => "rs",
        "go" => "go",
        _ => "java",
    }
}

/// Deterministic procedural benchmarks (used without a corpus): `sizes[b]` items each.
pub fn generate_benchmarks(seed: u64, sizes: &[u32]) -> Vec<(String, Vec<String>)> {
    sizes
        .iter()
        .enumerate()
        .map(|(b, &n)| {
            let mut rng = ChaCha8Rng::seed_from_u64(mix64(seed ^ 0xBE7C_0000 ^ b as u64));
            let items = (0..n)
                .map(|i| {
                    let mut s = String::new();
                    bench_item(&mut rng, b % 4, i, &mut s);
                    s
                })
                .collect();
            (format!("bench{b}"), items)
        })
        .collect()
}

fn bench_item(rng: &mut impl Rng, kind: usize, i: u32, out: &mut String) {
    let v = pick(rng, VERBS);
    let n = pick(rng, NOUNS);
    match kind {
        0 => {
            let _ = write!(
                out,
                "def {v}_{n}s(values: list, k: int) -> list:\n    \"\"\" Given a list of {n}s, return the {} {n}s after applying {}.\n    >>> {v}_{n}s([{}, {}, {}], {})\n    \"\"\"\n",
                pick(rng, &["first k", "largest k", "distinct", "sorted"]),
                pick(rng, ALGOS),
                rng.gen_range(0..50),
                rng.gen_range(0..50),
                rng.gen_range(0..50),
                rng.gen_range(1..4)
            );
        }
        1 => {
            let _ = write!(
                out,
                "Write a python function to {v} the {n}s in a list that {} {}. Task {i}.",
                pick(
                    rng,
                    &[
                        "are divisible by",
                        "are greater than",
                        "occur more than",
                        "differ by"
                    ]
                ),
                rng.gen_range(2..20)
            );
        }
        2 => {
            let _ = write!(
                out,
                "{} has {} {}s. She gives {} to {} and buys {} more at ${} each. How many {}s does she have, and how much did she spend?",
                pick(rng, NAMES),
                rng.gen_range(10..200),
                n,
                rng.gen_range(1..10),
                pick(rng, NAMES),
                rng.gen_range(2..30),
                rng.gen_range(1..20),
                n
            );
        }
        _ => {
            let _ = write!(
                out,
                "{} raises {} when {} is called with an empty {}.\n\nSteps to reproduce:\n1. create a {} with no {}s\n2. call `{v}_{n}()`\n\nExpected: empty result. Actual: exception.",
                pick(rng, TOOLS),
                pick(rng, ERRORS),
                v,
                n,
                pick(rng, NOUNS),
                n
            );
        }
    }
}

/// The fixed system prompt of a shared IDE tool (deterministic in the tool name).
pub fn tool_system_prompt(name: &str) -> String {
    let h = name.bytes().fold(0xcbf2_9ce4_8422_2325u64, |a, b| {
        (a ^ b as u64).wrapping_mul(0x100_0000_01b3)
    });
    let mut rng = ChaCha8Rng::seed_from_u64(h);
    let mut s = format!(
        "You are {name}, an AI pair programmer running inside the user's code editor. You help the user with the file they have open and the code they select.\n\nRules:\n"
    );
    let rules = [
        "Only modify code the user asked about.",
        "Prefer minimal diffs and keep the user's style.",
        "When you propose an edit, output it as a unified diff.",
        "Use the provided tools to read other files before assuming their contents.",
        "Never invent APIs; if unsure, say so.",
        "Keep explanations short unless the user asks for detail.",
        "Respect the project's language version and dependencies.",
        "Do not output secrets found in files.",
    ];
    for (i, r) in rules.iter().enumerate() {
        if rng.gen_bool(0.85) {
            let _ = writeln!(s, "{}. {r}", i + 1);
        }
    }
    let _ = write!(
        s,
        "\nTool protocol version {}.{}.",
        rng.gen_range(1..4),
        rng.gen_range(0..10)
    );
    s
}

/// Appends an IDE tool's wrapped request: the user's open file + their own request.
pub fn tool_user_message(rng: &mut impl Rng, request: &str, out: &mut String) {
    let lang = CODE_LANGS[rng.gen_range(0..CODE_LANGS.len())];
    let _ = writeln!(
        out,
        "<file path=\"src/{}_{}.{}\" language=\"{lang}\">",
        pick(rng, VERBS),
        pick(rng, NOUNS),
        ext(lang)
    );
    let lines = rng.gen_range(1..7);
    snippet(rng, lang, lines, out);
    let a = rng.gen_range(1..40);
    let _ = write!(
        out,
        "</file>\n<selection lines=\"{a}-{}\"/>\n\n{request}",
        a + rng.gen_range(1..20)
    );
}

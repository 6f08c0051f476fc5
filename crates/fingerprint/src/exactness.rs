//! Proof that the optimised fingerprinter is bit-identical to the original one
//! ([`super::reference`]): every field of [`PromptPrint`] is compared on generated text
//! (arbitrary Unicode, tokenizer edge cases, every keyword in every case and position, the
//! token cap, text split into many chunks) and on every prompt of the shipped fixture.

use super::reference;
use super::{PromptPrinter, MAX_TOKENS};
use distillguard_types::hash::tagged_hash;
use distillguard_types::prompt::PromptPrint;
use proptest::prelude::*;

/// Every word `keyword()` knows (the arms of the reference `match`).
#[rustfmt::skip]
const KEYWORDS: &[&str] = &[
    "step", "steps", "by", "chain", "of", "thought", "thoughts", "think", "carefully", "show",
    "your", "work", "reasoning", "explain", "through", "function", "functions", "code", "python",
    "rust", "javascript", "typescript", "java", "golang", "sql", "regex", "implement",
    "implementation", "compile", "compiler", "bug", "debug", "refactor", "class", "method",
    "algorithm", "api", "unit", "tests", "test", "script", "program", "library", "struct",
    "runtime", "exception", "stack", "array", "parser", "query", "agent", "agentic", "tool",
    "tools", "repository", "repo", "terminal", "shell", "command", "commands", "execute",
    "workflow", "plan", "deploy", "commit", "issue", "browse", "navigate", "pipeline", "automate",
    "subtasks", "prove", "proof", "logic", "logical", "deduce", "infer", "puzzle", "justify",
    "rigorous", "argument", "reason", "calculate", "compute", "equation", "integral",
    "probability", "theorem", "derivative", "matrix", "prime", "solve", "geometry", "algebra",
    "essay", "poem", "story", "email", "letter", "rewrite", "paragraph", "summarize", "summary",
    "blog", "article",
];

/// Words that are not keywords but are close to some (prefixes, suffixes, one letter off).
#[rustfmt::skip]
const NEAR_MISSES: &[&str] = &[
    "", "s", "st", "ste", "stepss", "b", "bye", "chains", "off", "o", "though", "thinks",
    "careful", "shows", "you", "works", "reasonings", "explains", "throug", "functio", "codes",
    "pythons", "rusty", "javascrip", "types", "jav", "go", "sq", "regexp", "implemented",
    "implementations", "compiles", "compilers", "bugs", "debugs", "refactored", "classes",
    "methods", "algorithms", "apis", "units", "testss", "tes", "scripts", "programs", "libraries",
    "structs", "runtimes", "exceptions", "stacks", "arrays", "parsers", "queries", "agents",
    "agenti", "too", "toolss", "repositories", "rep", "terminals", "shells", "comman", "executes",
    "workflows", "plans", "deploys", "commits", "issues", "browser", "navigates", "pipelines",
    "automates", "subtask", "proves", "proofs", "logics", "logicals", "deduces", "infers",
    "puzzles", "justifies", "rigor", "arguments", "reasons", "calculates", "computes",
    "equations", "integrals", "probabilities", "theorems", "derivatives", "matrices", "primes",
    "solves", "geometric", "algebras", "essays", "poems", "stories", "emails", "letters",
    "rewrites", "paragraphs", "summarizes", "summaries", "blogs", "articles", "the", "a", "and",
    "http", "https", "www", "abcdefghijklmno", "abcdefghijklmnop", "abcdefghijklmnopq",
];

/// Print `system` chunks and `user` chunks with both implementations; they must agree.
#[track_caller]
fn same(system: &[&str], user: &[&str]) -> PromptPrint {
    let mut new = PromptPrinter::new();
    let mut old = reference::PromptPrinter::new();
    for s in system {
        new.system(s);
        old.system(s);
    }
    for u in user {
        new.user(u);
        old.user(u);
    }
    let (a, b) = (new.finish(), old.finish());
    assert_eq!(a, b, "prints differ for system {system:?} user {user:?}");
    a
}

/// Both implementations on one text as user text, as system text, and split into chunks.
#[track_caller]
fn same_all_ways(text: &str) {
    assert_eq!(super::print_of(text), reference::print_of(text), "{text:?}");
    same(&[], &[text]);
    same(&[text], &[]);
    same(&[text, text], &[text, "", text]);
    // Split at every 7th char boundary: tokens never span chunks, in both implementations.
    let cuts: Vec<usize> = text
        .char_indices()
        .map(|(i, _)| i)
        .step_by(7)
        .chain([text.len()])
        .collect();
    let chunks: Vec<&str> = cuts.windows(2).map(|w| &text[w[0]..w[1]]).collect();
    same(&chunks, &chunks);
}

fn cases(w: &str) -> Vec<String> {
    let mut title = w.to_string();
    if let Some(f) = title.get_mut(0..1) {
        f.make_ascii_uppercase();
    }
    let alternating: String = w
        .chars()
        .enumerate()
        .map(|(i, c)| {
            if i % 2 == 1 {
                c.to_ascii_uppercase()
            } else {
                c
            }
        })
        .collect();
    let last_upper: String = w
        .char_indices()
        .map(|(i, c)| {
            if i + 1 == w.len() {
                c.to_ascii_uppercase()
            } else {
                c
            }
        })
        .collect();
    vec![
        w.to_string(),
        w.to_ascii_uppercase(),
        title,
        alternating,
        last_upper,
    ]
}

#[test]
fn keyword_table_matches_reference_match() {
    for w in KEYWORDS.iter().chain(NEAR_MISSES) {
        for c in cases(w) {
            let lower = c.to_ascii_lowercase();
            let (cap, cue) =
                super::keywords::table().get(tagged_hash(b'w', lower.as_bytes()), lower.as_bytes());
            let (rcap, rcue) = reference::keyword(lower.as_bytes());
            assert_eq!(
                (cap, format!("{cue:?}")),
                (rcap, format!("{rcue:?}")),
                "{c}"
            );
        }
    }
    // Every keyword is found (the list above is complete w.r.t. the reference match).
    for w in KEYWORDS {
        let (cap, cue) = reference::keyword(w.as_bytes());
        assert!(cap != 0 || format!("{cue:?}") != "None", "{w}");
    }
}

#[test]
fn every_keyword_in_every_case_and_position_matches_reference() {
    const AROUND: &[(&str, &str)] = &[
        ("", ""),
        (" ", " "),
        ("(", ")"),
        ("\"", "\""),
        ("`", "`"),
        ("'", "'s"),
        ("x ", "?"),
        ("1 ", ":"),
        ("-", "-"),
        ("é", ""),
        ("", "é"),
        ("_", ""),
        ("", "2"),
        ("please ", ", then go"),
    ];
    for w in KEYWORDS.iter().chain(NEAR_MISSES) {
        for c in cases(w) {
            for (pre, post) in AROUND {
                same_all_ways(&format!("{pre}{c}{post}"));
            }
        }
    }
}

#[test]
fn every_reasoning_cue_window_matches_reference() {
    const CUES: &[&str] = &[
        "step",
        "steps",
        "by",
        "chain",
        "of",
        "thought",
        "thoughts",
        "think",
        "carefully",
        "show",
        "your",
        "work",
        "reasoning",
        "explain",
        "through",
        "code",
        "x",
        "`x`",
        "42",
    ];
    for a in CUES {
        for b in CUES {
            for c in CUES {
                let text = format!("{a} {b} {c}");
                same(&[], &[&text]);
                same(&[], &[a, b, c]);
                same(&[&text], &[&text, a]);
            }
        }
    }
}

#[test]
fn token_cap_matches_reference() {
    let many = "word ".repeat(MAX_TOKENS as usize + 10);
    let tail = format!("{many} think step by step and write a poem");
    same_all_ways(&tail);
    let half = "a1 b ".repeat(MAX_TOKENS as usize / 2 - 1);
    // The cap is reached inside the cue phrase, across chunks.
    for extra in ["", "x", "x y", "x y z"] {
        same(
            &[&tail],
            &[&half, extra, "think step by step", "show your work"],
        );
    }
    let p = same(&[], &[&tail]);
    assert_eq!(p.tokens, MAX_TOKENS);
}

#[test]
fn edge_cases_match_reference() {
    let long = "abcdefghijklmnopqrstuvwxyz";
    let mut texts: Vec<String> = vec![
        String::new(),
        " ".into(),
        "`".into(),
        "``".into(),
        "```".into(),
        "````".into(),
        "``````".into(),
        "```x``".into(),
        "a```b```c".into(),
        "`a\nb`".into(),
        "\"a\nb\"".into(),
        "\"".into(),
        "\"\"".into(),
        format!("`{}`", "x".repeat(198)),
        format!("`{}`", "x".repeat(199)),
        format!("`{}`", "x".repeat(200)),
        format!("\"{}\"", "x".repeat(118)),
        format!("\"{}\"", "x".repeat(119)),
        format!("\"{}\"", "x".repeat(120)),
        "http://a.b/c d https: x www.example.com www: www http https httpx".into(),
        "HTTP://A.B http:".into(),
        "1 1.5 1,000 50% 3x 3_x 3é 1.2.3. 9?".into(),
        "camelCase CamelCase ABC ABCD ABCDE ABCDEF aB Ab A_B a1 é éa aé".into(),
        "what? a: b?: ::".into(),
        "日本語のテキスト 😀 naïve café ÉCOLE".into(),
        "\u{0}\u{7f}\u{80}\u{ff}".into(),
    ];
    for len in [1, 2, 14, 15, 16, 17, 18, 26] {
        let w = &long[..len];
        texts.push(w.into());
        texts.push(w.to_ascii_uppercase());
        texts.push(format!("x {w} {} y", w.to_ascii_uppercase()));
        texts.push(format!(
            "{}{}",
            &w[..len / 2],
            w[len / 2..].to_ascii_uppercase()
        ));
        texts.push(format!("{w}é"));
        texts.push(format!("é{w}"));
    }
    for t in &texts {
        same_all_ways(t);
    }
}

/// Fragments that exercise every branch of the tokenizer.
fn fragment() -> impl Strategy<Value = String> {
    let kw = proptest::sample::select(KEYWORDS)
        .prop_flat_map(|w| proptest::sample::select(cases(w)).prop_map(|c| c.to_string()));
    prop_oneof![
        4 => kw,
        2 => proptest::sample::select(NEAR_MISSES).prop_map(str::to_string),
        2 => "[a-z]{1,20}",
        1 => "[A-Z]{1,8}",
        1 => "[a-z]{1,6}[A-Z][a-z]{0,6}",
        1 => "[A-Za-z0-9_]{1,18}",
        1 => "[a-z]{15,17}",
        1 => "[0-9][0-9.,%]{0,6}[a-z_]{0,2}",
        1 => "(http|https|www|HTTP)[:.]?[a-z/.:]{0,10}",
        1 => "(```|``|`|\"|\n|\\?|:|  |\t)",
        1 => "`[^`\n]{0,10}`?",
        1 => "\"[^\"\n]{0,10}\"?",
        1 => "\\PC{1,4}",
    ]
}

/// Concatenated fragments with random separators.
fn soup() -> impl Strategy<Value = String> {
    proptest::collection::vec((fragment(), "( |  |\n|, |\\. |[-()'!?:;/]|)"), 0..40)
        .prop_map(|parts| parts.into_iter().map(|(f, s)| f + &s).collect())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn arbitrary_unicode_matches_reference(s in "(?s).{0,300}") {
        same_all_ways(&s);
    }

    #[test]
    fn printable_text_matches_reference(s in "\\PC{0,300}") {
        same_all_ways(&s);
    }

    #[test]
    fn ascii_bytes_match_reference(s in "[\\x00-\\x7f]{0,300}") {
        same_all_ways(&s);
    }

    #[test]
    fn tokenizer_soup_matches_reference(s in soup(), sys in soup(), t in soup()) {
        same_all_ways(&s);
        same(&[&sys], &[&s, &t]);
        same(&[&sys, &t], &[&s]);
    }
}

/// The text chunks of a JSON text field: a string, or an array of `{"text": ..}` blocks.
fn text_chunks(v: &serde_json::Value, out: &mut Vec<String>) {
    match v {
        serde_json::Value::String(s) => out.push(s.clone()),
        serde_json::Value::Array(blocks) => {
            for b in blocks {
                match b {
                    serde_json::Value::String(s) => out.push(s.clone()),
                    _ => {
                        if let Some(t) = b.get("text").and_then(|t| t.as_str()) {
                            out.push(t.to_string());
                        }
                    }
                }
            }
        }
        _ => {}
    }
}

#[test]
fn every_fixture_prompt_matches_reference() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../fixtures/sample.jsonl.zst"
    );
    let raw = std::fs::read(path).expect("fixture");
    let text = zstd::decode_all(&raw[..]).expect("zstd fixture");
    let (mut records, mut chunks) = (0usize, 0usize);
    for line in text.split(|b| *b == b'\n') {
        let Ok(v) = serde_json::from_slice::<serde_json::Value>(line) else {
            continue;
        };
        let (mut system, mut user) = (Vec::new(), Vec::new());
        if let Some(s) = v.get("system") {
            text_chunks(s, &mut system);
        }
        if let Some(p) = v.get("prompt") {
            text_chunks(p, &mut user);
        }
        if let Some(ms) = v.get("messages").and_then(|m| m.as_array()) {
            for m in ms {
                let content = m.get("content").unwrap_or(&serde_json::Value::Null);
                match m.get("role").and_then(|r| r.as_str()) {
                    Some("user" | "human") => text_chunks(content, &mut user),
                    Some("system" | "developer") => text_chunks(content, &mut system),
                    _ => {}
                }
            }
        }
        let sys: Vec<&str> = system.iter().map(String::as_str).collect();
        let usr: Vec<&str> = user.iter().map(String::as_str).collect();
        // As the parser feeds them: system text, then every user chunk.
        same(&sys, &usr);
        // And every text on its own, as user and as system text.
        for t in sys.iter().chain(&usr) {
            same(&[], &[t]);
            same(&[t], &[]);
        }
        records += 1;
        chunks += sys.len() + usr.len();
    }
    assert!(records > 10_000, "fixture read: {records} records");
    assert!(chunks > records, "fixture texts read: {chunks}");
}

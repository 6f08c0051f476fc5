//! No import cycles between the files of a crate: a file's dependencies can be read top-down.
//!
//! For every crate under `crates/`, each `.rs` file under its `src/` (except `src/bin/`, whose
//! files are crates of their own) is a node named by its module path: `lib.rs` / `main.rs` is
//! the root, `a.rs` or `a/mod.rs` is `a`, `a/b.rs` is `a::b`.
//!
//! **What counts as an edge** A → B: a path written in A's code that starts with `crate::` or
//! `super::` (in a `use`, braces expanded, or anywhere else in the code) and whose longest
//! module prefix that is a file is B. `super` is resolved from where it is written, inside
//! inline `mod x { … }` blocks too, so a test module's `use super::*` points at its own file.
//! Relative paths (`child::Item`) and `mod x;` declarations are no edges: a parent owning its
//! children is not a cycle. Comments, string and character literals are skipped, and so is
//! `$crate::` in macros. The test fails naming every cycle it finds.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Every `.rs` file under `dir`, except under `src/bin/`.
fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            if path.file_name().is_some_and(|n| n != "bin") {
                sources(&path, out);
            }
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The module path of a file relative to `src/`.
fn module_of(rel: &Path) -> Vec<String> {
    let mut parts: Vec<String> = rel
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    let last = parts.pop().unwrap();
    let stem = last.trim_end_matches(".rs");
    if !(parts.is_empty() && (stem == "lib" || stem == "main")) && stem != "mod" {
        parts.push(stem.to_string());
    }
    parts
}

/// `text` without comments and with string and character literals emptied.
fn strip(text: &str) -> String {
    let b = text.as_bytes();
    let mut out = String::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if b[i..].starts_with(b"//") {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
        } else if b[i..].starts_with(b"/*") {
            let mut depth = 0;
            while i < b.len() {
                if b[i..].starts_with(b"/*") {
                    depth += 1;
                    i += 2;
                } else if b[i..].starts_with(b"*/") {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
        } else if c == b'r'
            && (b[i..].starts_with(b"r#") || b[i..].starts_with(b"r\""))
            && (i == 0 || !is_ident(b[i - 1]))
        {
            // raw string: r"…", r#"…"#, …
            let hashes = b[i + 1..].iter().take_while(|x| **x == b'#').count();
            if b.get(i + 1 + hashes) != Some(&b'"') {
                out.push('r');
                i += 1;
                continue;
            }
            let close: Vec<u8> = std::iter::once(b'"')
                .chain(std::iter::repeat_n(b'#', hashes))
                .collect();
            i += 2 + hashes;
            while i < b.len() && !b[i..].starts_with(&close) {
                i += 1;
            }
            i += close.len();
            out.push_str("\"\"");
        } else if c == b'"' {
            i += 1;
            while i < b.len() && b[i] != b'"' {
                i += if b[i] == b'\\' { 2 } else { 1 };
            }
            i += 1;
            out.push_str("\"\"");
        } else if c == b'\'' {
            // a character literal ('x', '\n', '\u{..}') or a lifetime ('a)
            let end = if b.get(i + 1) == Some(&b'\\') {
                b[i + 2..]
                    .iter()
                    .position(|x| *x == b'\'')
                    .map(|p| i + 3 + p)
            } else {
                let ch = text[i + 1..].chars().next().map_or(1, char::len_utf8);
                (b.get(i + 1 + ch) == Some(&b'\'')).then_some(i + 2 + ch)
            };
            match end {
                Some(e) => {
                    out.push_str("' '");
                    i = e;
                }
                None => {
                    out.push('\'');
                    i += 1;
                }
            }
        } else {
            let ch = text[i..].chars().next().unwrap();
            out.push(ch);
            i += ch.len_utf8();
        }
    }
    out
}

fn is_ident(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

/// Identifiers, `::` and single punctuation characters.
fn tokens(code: &str) -> Vec<String> {
    let b = code.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if is_ident(b[i]) {
            let start = i;
            while i < b.len() && is_ident(b[i]) {
                i += 1;
            }
            out.push(code[start..i].to_string());
        } else if b[i..].starts_with(b"::") {
            out.push("::".to_string());
            i += 2;
        } else if b[i].is_ascii_whitespace() || !b[i].is_ascii() {
            i += 1;
        } else {
            out.push((b[i] as char).to_string());
            i += 1;
        }
    }
    out
}

/// The paths of a `use` tree starting at `t[*i]`, each prefixed by `prefix`.
fn use_tree(t: &[String], i: &mut usize, prefix: Vec<String>, out: &mut Vec<Vec<String>>) {
    let mut path = prefix;
    while *i < t.len() {
        match t[*i].as_str() {
            "{" => {
                *i += 1;
                while *i < t.len() && t[*i] != "}" {
                    use_tree(t, i, path.clone(), out);
                    if *i < t.len() && t[*i] == "," {
                        *i += 1;
                    }
                }
                *i += 1;
                return;
            }
            "*" => {
                *i += 1;
                out.push(path);
                return;
            }
            "::" => *i += 1,
            "self" if !path.is_empty() => *i += 1,
            "as" => *i += 2,
            "," | "}" | ";" => {
                out.push(path);
                return;
            }
            seg => {
                path.push(seg.to_string());
                *i += 1;
            }
        }
    }
    out.push(path);
}

/// Every `crate::` / `super::` path of a file, as (module the path is written in, the path).
fn paths(file_mod: &[String], code: &str) -> Vec<(Vec<String>, Vec<String>)> {
    let t = tokens(code);
    let mut out = Vec::new();
    // inline modules: (name, brace depth inside them)
    let mut inline: Vec<(String, usize)> = Vec::new();
    let mut depth = 0usize;
    let here = |inline: &[(String, usize)]| {
        let mut m = file_mod.to_vec();
        m.extend(inline.iter().map(|(n, _)| n.clone()));
        m
    };
    let mut i = 0;
    while i < t.len() {
        match t[i].as_str() {
            "{" => depth += 1,
            "}" => {
                if inline.last().is_some_and(|(_, d)| *d == depth) {
                    inline.pop();
                }
                depth = depth.saturating_sub(1);
            }
            "mod" if t.get(i + 2).is_some_and(|x| x == "{") => {
                inline.push((t[i + 1].clone(), depth + 1));
                depth += 1;
                i += 3;
                continue;
            }
            "use" => {
                i += 1;
                let mut found = Vec::new();
                use_tree(&t, &mut i, Vec::new(), &mut found);
                for p in found {
                    if matches!(p.first().map(String::as_str), Some("crate" | "super")) {
                        out.push((here(&inline), p));
                    }
                }
                continue;
            }
            "crate" | "super"
                if t.get(i + 1).is_some_and(|x| x == "::")
                    && (i == 0 || (t[i - 1] != "::" && t[i - 1] != "$")) =>
            {
                let mut p = vec![t[i].clone()];
                let mut j = i + 1;
                while t.get(j).is_some_and(|x| x == "::")
                    && t.get(j + 1).is_some_and(|x| {
                        x.as_bytes()[0].is_ascii_alphanumeric() || x.starts_with('_')
                    })
                {
                    p.push(t[j + 1].clone());
                    j += 2;
                }
                out.push((here(&inline), p));
                i = j;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    out
}

/// The file (module path) a path written in module `from` names, if it resolves.
fn resolve(files: &BTreeSet<Vec<String>>, from: &[String], path: &[String]) -> Option<Vec<String>> {
    let mut base: Vec<String> = Vec::new();
    let mut rest = path;
    if rest.first().is_some_and(|s| s == "crate") {
        rest = &rest[1..];
    } else {
        base = from.to_vec();
        while rest.first().is_some_and(|s| s == "super") {
            base.pop()?;
            rest = &rest[1..];
        }
    }
    base.extend(rest.iter().cloned());
    (0..=base.len())
        .rev()
        .map(|n| base[..n].to_vec())
        .find(|m| files.contains(m))
}

/// Every cycle (strongly connected component of more than one file) of `edges`, as a path
/// from its first file back to it.
fn cycles(edges: &Edges) -> Vec<Vec<Vec<String>>> {
    let nodes: Vec<&Vec<String>> = edges.keys().collect();
    let reach = |from: &Vec<String>| {
        let mut seen = BTreeSet::new();
        let mut stack = vec![from.clone()];
        while let Some(n) = stack.pop() {
            for m in edges.get(&n).into_iter().flatten() {
                if seen.insert(m.clone()) {
                    stack.push(m.clone());
                }
            }
        }
        seen
    };
    let reachable: BTreeMap<&Vec<String>, BTreeSet<Vec<String>>> =
        nodes.iter().map(|n| (*n, reach(n))).collect();
    let mut done = BTreeSet::new();
    let mut found = Vec::new();
    for n in &nodes {
        if done.contains(*n) || !reachable[n].contains(*n) {
            continue;
        }
        let component: BTreeSet<Vec<String>> = reachable[n]
            .iter()
            .filter(|m| reachable.get(m).is_some_and(|r| r.contains(*n)))
            .cloned()
            .collect();
        done.extend(component.iter().cloned());
        // shortest way around, breadth first inside the component
        let mut prev: BTreeMap<Vec<String>, Vec<String>> = BTreeMap::new();
        let mut queue = std::collections::VecDeque::from([(*n).clone()]);
        'search: while let Some(a) = queue.pop_front() {
            for b in edges.get(&a).into_iter().flatten() {
                if !component.contains(b) || prev.contains_key(b) {
                    continue;
                }
                prev.insert(b.clone(), a.clone());
                if b == *n {
                    break 'search;
                }
                queue.push_back(b.clone());
            }
        }
        let mut cycle = vec![(*n).clone()];
        let mut at = prev[*n].clone();
        while at != **n {
            cycle.push(at.clone());
            at = prev[&at].clone();
        }
        cycle.push((*n).clone());
        cycle.reverse();
        found.push(cycle);
    }
    found
}

/// The `crate::` / `super::` edges between the files of one crate's `src/`, and each module's
/// file.
type Edges = BTreeMap<Vec<String>, BTreeSet<Vec<String>>>;

fn crate_edges(src: &Path) -> (Edges, BTreeMap<Vec<String>, PathBuf>) {
    let mut files = Vec::new();
    sources(src, &mut files);
    let mods: BTreeMap<Vec<String>, PathBuf> = files
        .iter()
        .map(|f| (module_of(f.strip_prefix(src).unwrap()), f.clone()))
        .collect();
    let names: BTreeSet<Vec<String>> = mods.keys().cloned().collect();
    let mut edges = Edges::new();
    for (m, f) in &mods {
        let code = strip(&std::fs::read_to_string(f).unwrap());
        let to = edges.entry(m.clone()).or_default();
        for (from, p) in paths(m, &code) {
            if let Some(target) = resolve(&names, &from, &p) {
                if target != *m {
                    to.insert(target);
                }
            }
        }
    }
    (edges, mods)
}

/// A file as `crates/<crate>/src/<file>`.
fn show(file: &Path) -> String {
    let parts: Vec<String> = file
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    let from = parts.iter().rposition(|p| p == "crates").unwrap_or(0);
    parts[from..].join("/")
}

#[test]
fn no_crate_has_an_import_cycle_between_its_files() {
    let crates = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .canonicalize()
        .unwrap();
    let mut problems = Vec::new();
    let (mut checked, mut seen) = (0, 0);
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&crates)
        .unwrap()
        .map(|e| e.unwrap().path().join("src"))
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    for src in dirs {
        checked += 1;
        let (edges, files) = crate_edges(&src);
        seen += edges.values().map(BTreeSet::len).sum::<usize>();
        for cycle in cycles(&edges) {
            let names: Vec<String> = cycle.iter().map(|m| show(&files[m])).collect();
            problems.push(names.join(" → "));
        }
    }
    assert!(
        checked >= 10,
        "read {checked} crates under {}",
        crates.display()
    );
    assert!(
        seen >= 100,
        "only {seen} edges found: the checker reads no paths"
    );
    assert!(
        problems.is_empty(),
        "import cycles between files:\n  {}",
        problems.join("\n  ")
    );
}

#[test]
fn the_checker_sees_use_trees_super_in_inline_modules_and_skips_comments() {
    let files: BTreeSet<Vec<String>> = [vec![], vec!["a".into()], vec!["b".into()]].into();
    let code = strip(
        "use crate::{a::X, b::{self, Y}};\n// use crate::c::Z;\nlet s = \"crate::d\";\n\
         mod tests { use super::*; fn f() { crate::b::g(); } }\nlet c = '{';\n",
    );
    let found: BTreeSet<Vec<String>> = paths(&["a".to_string()], &code)
        .into_iter()
        .filter_map(|(from, p)| resolve(&files, &from, &p))
        .collect();
    assert_eq!(found, [vec!["a".to_string()], vec!["b".to_string()]].into());
    let mut edges = BTreeMap::new();
    edges.insert(vec!["a".to_string()], [vec!["b".to_string()]].into());
    edges.insert(vec!["b".to_string()], [vec!["a".to_string()]].into());
    assert_eq!(cycles(&edges).len(), 1);
}

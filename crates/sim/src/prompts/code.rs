//! Procedural source snippets: "the user's own code" in a handful of languages.

use super::vocab::{pick, NOUNS, VERBS};
use rand::Rng;
use std::fmt::Write;

/// Languages the snippet generator can write.
pub const CODE_LANGS: &[&str] = &["python", "javascript", "typescript", "rust", "go", "java"];

fn ident(rng: &mut impl Rng, out: &mut String, snake: bool) {
    let v = pick(rng, VERBS);
    let n = pick(rng, NOUNS);
    if snake {
        let _ = write!(out, "{v}_{n}");
    } else {
        let mut cs = n.chars();
        let first = cs.next().map(|c| c.to_ascii_uppercase()).unwrap_or('X');
        let _ = write!(out, "{v}{first}{}", cs.as_str());
    }
    if rng.gen_bool(0.3) {
        let _ = write!(out, "{}", rng.gen_range(2..9));
    }
}

/// Appends a snippet of `lines` statements in `lang` (one of [`CODE_LANGS`]).
pub fn snippet(rng: &mut impl Rng, lang: &str, lines: usize, out: &mut String) {
    let snake = matches!(lang, "python" | "rust");
    let mut name = String::new();
    ident(rng, &mut name, snake);
    let a = pick(rng, NOUNS);
    let b = pick(rng, NOUNS);
    match lang {
        "python" => {
            let _ = writeln!(out, "def {name}({a}s, {b}=None):");
            for i in 0..lines {
                stmt_py(rng, i, a, b, out);
            }
            let _ = writeln!(out, "    return result");
        }
        "rust" => {
            let _ = writeln!(
                out,
                "fn {name}({a}s: &[{}], {b}: usize) -> Vec<u64> {{",
                cap(a)
            );
            let _ = writeln!(out, "    let mut result = Vec::new();");
            for i in 0..lines {
                match (i + rng.gen_range(0..3)) % 3 {
                    0 => {
                        let _ = writeln!(
                            out,
                            "    for x in {a}s.iter().take({b}) {{ result.push(x.id); }}"
                        );
                    }
                    1 => {
                        let _ = writeln!(
                            out,
                            "    if result.len() > {} {{ result.truncate({b}); }}",
                            rng.gen_range(2..500)
                        );
                    }
                    _ => {
                        let _ =
                            writeln!(out, "    result.sort_unstable(); // {}", pick(rng, VERBS));
                    }
                }
            }
            let _ = writeln!(out, "    result\n}}");
        }
        "go" => {
            let _ = writeln!(
                out,
                "func {name}({a}s []{}, {b} int) ([]int, error) {{",
                cap(a)
            );
            let _ = writeln!(out, "\tresult := make([]int, 0, {b})");
            for _ in 0..lines {
                if rng.gen_bool(0.5) {
                    let _ = writeln!(
                        out,
                        "\tfor _, x := range {a}s {{\n\t\tresult = append(result, x.ID)\n\t}}"
                    );
                } else {
                    let _ = writeln!(
                        out,
                        "\tif len(result) == {} {{\n\t\treturn nil, fmt.Errorf(\"no {a}s\")\n\t}}",
                        rng.gen_range(0..3)
                    );
                }
            }
            let _ = writeln!(out, "\treturn result, nil\n}}");
        }
        "java" => {
            let _ = writeln!(
                out,
                "public List<Integer> {name}(List<{}> {a}s, int {b}) {{",
                cap(a)
            );
            let _ = writeln!(out, "    List<Integer> result = new ArrayList<>();");
            for _ in 0..lines {
                if rng.gen_bool(0.5) {
                    let _ = writeln!(
                        out,
                        "    for ({} x : {a}s) {{ result.add(x.getId()); }}",
                        cap(a)
                    );
                } else {
                    let _ = writeln!(
                        out,
                        "    if (result.size() > {b}) {{ result = result.subList(0, {b}); }}"
                    );
                }
            }
            let _ = writeln!(out, "    return result;\n}}");
        }
        _ => {
            let kw = if lang == "typescript" {
                "export function"
            } else {
                "function"
            };
            let _ = writeln!(out, "{kw} {name}({a}s, {b}) {{");
            let _ = writeln!(out, "  const result = [];");
            for _ in 0..lines {
                match rng.gen_range(0..3) {
                    0 => {
                        let _ =
                            writeln!(out, "  for (const x of {a}s) {{ result.push(x.{b}Id); }}");
                    }
                    1 => {
                        let _ = writeln!(out, "  if (!{b}) {{ throw new Error('missing {b}'); }}");
                    }
                    _ => {
                        let _ = writeln!(out, "  await {}({a}s.length);", pick(rng, VERBS));
                    }
                }
            }
            let _ = writeln!(out, "  return result;\n}}");
        }
    }
}

fn stmt_py(rng: &mut impl Rng, i: usize, a: &str, b: &str, out: &mut String) {
    if i == 0 {
        let _ = writeln!(out, "    result = []");
    }
    match rng.gen_range(0..4) {
        0 => {
            let _ = writeln!(
                out,
                "    for x in {a}s:\n        if x.{b} is not None:\n            result.append(x)"
            );
        }
        1 => {
            let _ = writeln!(
                out,
                "    {b} = {b} or {{}}\n    {b}[\"{}\"] = len(result)",
                pick(rng, NOUNS)
            );
        }
        2 => {
            let _ = writeln!(
                out,
                "    result = sorted(result, key=lambda r: r.{})",
                pick(rng, NOUNS)
            );
        }
        _ => {
            let _ = writeln!(
                out,
                "    if len(result) > {}:\n        result = result[:{}]",
                rng.gen_range(5..200),
                rng.gen_range(1..50)
            );
        }
    }
}

fn cap(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_ascii_uppercase().to_string() + c.as_str(),
        None => String::new(),
    }
}

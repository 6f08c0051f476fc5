//! Lone UTF-16 surrogate escapes, which simd-json would decode to NUL.
//!
//! JSON writes characters outside the Basic Multilingual Plane as a surrogate pair of `\u`
//! escapes (`\ud83d\ude00`). simd-json decodes a high surrogate that is *not* followed by a
//! `\u` escape (`"a\ud800b"`) to U+0000, so distinct ids like `"x\ud800"` and `"x\ud801"`
//! would become the same account. A record with a lone surrogate, high or low, is no valid
//! Unicode text: it is refused as `bad_json` before simd-json sees it.

/// True when `line` holds a `\u` escape of a surrogate that is not half of a high-low pair.
///
/// Backslashes only occur inside strings in valid JSON, so the scan walks escapes without
/// tracking strings; `\\` is skipped as a pair, so `\\ud800` (a backslash, then text) passes.
pub fn has_lone_surrogate(line: &[u8]) -> bool {
    // Most records hold no `\u` escape at all: one vectorised search answers for them.
    if memchr::memmem::find(line, b"\\u").is_none() {
        return false;
    }
    let mut i = 0;
    while let Some(off) = memchr::memchr(b'\\', &line[i..]) {
        i += off;
        match line.get(i + 1) {
            Some(b'u') => match hex4(line, i + 2) {
                Some(0xd800..=0xdbff) => {
                    let low = (line.get(i + 6) == Some(&b'\\') && line.get(i + 7) == Some(&b'u'))
                        .then(|| hex4(line, i + 8))
                        .flatten();
                    if !matches!(low, Some(0xdc00..=0xdfff)) {
                        return true;
                    }
                    i += 12;
                }
                Some(0xdc00..=0xdfff) => return true,
                _ => i += 2,
            },
            _ => i += 2,
        }
        if i >= line.len() {
            return false;
        }
    }
    false
}

fn hex4(line: &[u8], at: usize) -> Option<u32> {
    let digits = line.get(at..at + 4)?;
    let mut v = 0u32;
    for d in digits {
        v = v * 16 + (*d as char).to_digit(16)?;
    }
    Some(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_lone_surrogates_only() {
        let cases: &[(&str, bool)] = &[
            (r#"{"a":"plain"}"#, false),
            (r#"{"a":"\ud83d\ude00"}"#, false),
            (r#"{"a":"\u00e9\n\"\\"}"#, false),
            (r#"{"a":"\\ud800"}"#, false),
            (r#"{"a":"x\ud800b"}"#, true),
            (r#"{"a":"x\ud800"}"#, true),
            (r#"{"a":"\uDBFF\u0041"}"#, true),
            (r#"{"a":"\udc00"}"#, true),
            (r#"{"a":"\ud83d\ude00\udc00"}"#, true),
            (r#"{"a":"\\\ud800"}"#, true),
            ("\\", false),
            ("\\u12", false),
        ];
        for (line, want) in cases {
            assert_eq!(has_lone_surrogate(line.as_bytes()), *want, "{line}");
        }
    }
}

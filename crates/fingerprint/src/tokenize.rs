//! The tokenizer: prompt bytes → token hashes, literals normalised to class tokens.
//!
//! Numbers, identifiers, code, quoted strings and URLs each become one class token; plain words
//! are lower-cased and hashed (`tagged_hash(b'w', word)`) and handed to the caller for keyword
//! classes. Bytes are classified with one table load each, and words are scanned eight bytes at
//! a time (SWAR), which is where the fingerprinter spends its time; plain lower-case words (most
//! of prose) take a shorter path than words that may be identifiers.

use distillguard_types::hash::{finalize, tagged_hash};

const TOK_NUM: u64 = 0x6e75_6d00;
const TOK_ID: u64 = 0x6964_0000;
const TOK_CODE: u64 = 0x636f_6465;
const TOK_STR: u64 = 0x7374_7200;
const TOK_URL: u64 = 0x7572_6c00;
const TOK_Q: u64 = 0x3f00_0000;
const TOK_COLON: u64 = 0x3a00_0000;

/// Byte class bits (see [`CLASS`]).
const WORD: u8 = 0x01; // ASCII letter or digit, `_`, or any byte >= 0x80
const DIGIT: u8 = 0x02; // ASCII digit
const LOWER: u8 = 0x04; // ASCII lower-case letter (`LOWER << 3 == UPPER`)
const UNDERSCORE: u8 = 0x08; // `_`
const NUMBER: u8 = 0x10; // continues a number: ASCII digit, `.`, `,`, `%`
const UPPER: u8 = 0x20; // ASCII upper-case letter (the bit that lower-cases it)
const SPECIAL: u8 = 0x40; // `` ` ``, `"`, `?`, `:`

/// Class bits of every byte value, so the tokenizer tests a byte with one load.
static CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        let b = i as u8;
        let mut k = 0;
        if b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80 {
            k |= WORD;
        }
        if b.is_ascii_digit() {
            k |= DIGIT | NUMBER;
        }
        if matches!(b, b'.' | b',' | b'%') {
            k |= NUMBER;
        }
        if b.is_ascii_lowercase() {
            k |= LOWER;
        }
        if b.is_ascii_uppercase() {
            k |= UPPER;
        }
        if b == b'_' {
            k |= UNDERSCORE;
        }
        if matches!(b, b'`' | b'"' | b'?' | b':') {
            k |= SPECIAL;
        }
        t[i] = k;
        i += 1;
    }
    t
};

#[inline(always)]
fn class(b: u8) -> u8 {
    CLASS[b as usize]
}

/// `0x01` in every byte.
const ONES: u64 = 0x0101_0101_0101_0101;
/// The high bit of every byte.
const HIGHS: u64 = ONES * 0x80;

/// High bit of every byte of `y` (bytes below 0x80) that is `>= c` (`c <= 0x80`).
#[inline(always)]
const fn at_least(y: u64, c: u8) -> u64 {
    ((y | HIGHS) - ONES * c as u64) & HIGHS
}

/// Classes of 8 bytes at once, as the high bit of each byte (SWAR): the word-scanning loop of
/// [`tokenize`] without a table look-up per byte.
struct WordBytes {
    /// A word byte ([`WORD`]).
    word: u64,
    /// An ASCII digit.
    digit: u64,
    /// `_`.
    underscore: u64,
    /// An ASCII upper-case letter.
    upper: u64,
    /// An ASCII lower-case letter.
    lower: u64,
    /// The 8 bytes with ASCII upper-case letters lower-cased.
    lowered: u64,
}

impl WordBytes {
    #[inline(always)]
    fn of(x: u64) -> WordBytes {
        let ascii = !x & HIGHS;
        let y = x & !HIGHS;
        let range = |lo: u8, hi: u8| at_least(y, lo) & !at_least(y, hi + 1) & ascii;
        let digit = range(b'0', b'9');
        let upper = range(b'A', b'Z');
        let lower = range(b'a', b'z');
        let underscore = range(b'_', b'_');
        WordBytes {
            word: (x & HIGHS) | digit | upper | lower | underscore,
            digit,
            underscore,
            upper,
            lower,
            lowered: x | (upper >> 2),
        }
    }
}

/// Number of leading ASCII lower-case bytes of the 8 bytes `x` (little-endian: first byte lowest).
#[inline(always)]
fn lower_prefix(x: u64) -> usize {
    let y = x & !HIGHS;
    let lower = at_least(y, b'a') & !at_least(y, b'z' + 1) & !x;
    ((!lower & HIGHS).trailing_zeros() / 8) as usize
}

/// The end (just past the closing delimiter) of the inline span opened by the delimiter at
/// `s[i]` (a backtick or a double quote), when it closes on the same line within `limit` bytes
/// of `i`.
#[inline(always)]
fn closed_span(s: &[u8], i: usize, limit: usize) -> Option<usize> {
    let delim = s[i];
    let end = (i + limit).min(s.len());
    let p = memchr::memchr2(delim, b'\n', &s[i + 1..end])?;
    (s[i + 1 + p] == delim).then_some(i + 2 + p)
}

/// Tokenise `s`, calling `emit(token_hash, lowercase_word)` per token until it returns false;
/// the word is given only for plain words of at most 16 bytes (for keyword classes).
///
/// Every branch ends in one call of `emit`, so that the caller's per-token work is inlined once.
#[inline(always)]
pub(crate) fn tokenize<F: FnMut(u64, Option<&[u8]>) -> bool>(s: &[u8], mut emit: F) {
    let n = s.len();
    let mut i = 0;
    let mut lower = [0u8; 24];
    'bytes: while i < n {
        let b = s[i];
        let k = class(b);
        let (tok, word) = 'token: {
            if k & WORD != 0 {
                if k & DIGIT != 0 {
                    i += 1;
                    while i < n && class(s[i]) & NUMBER != 0 {
                        i += 1;
                    }
                    if i < n && class(s[i]) & WORD != 0 {
                        i += 1;
                        while i < n && class(s[i]) & WORD != 0 {
                            i += 1;
                        }
                        break 'token (TOK_ID, None);
                    }
                    break 'token (TOK_NUM, None);
                }
                let start = i;
                // `id`: non-zero once a digit, an underscore, or an upper-case letter right after
                // a lower-case one was seen; `all`: AND of the class bits; `prev`: class of the
                // byte before `i`. The word is scanned 8 bytes at a time while 8 bytes remain,
                // then byte by byte; `lower` receives its lower-case bytes (meaningful up to 16).
                let (mut id, mut all, mut prev) = (0u8, 0xFFu8, 0u8);
                'scan: {
                    // Most words of prose: under 16 letters, lower-case but maybe the first, then
                    // a non-word byte; read 8 bytes at a time, and left to the general scan below
                    // at the first other byte. Setting bit 5 of the first byte lower-cases it
                    // (`UPPER`).
                    if k & (LOWER | UPPER) != 0 {
                        let mut fold = u64::from(k & UPPER);
                        let mut off = 0;
                        while off < 16 && i + off + 8 <= n {
                            let mut x = [0u8; 8];
                            x.copy_from_slice(&s[i + off..i + off + 8]);
                            let x = u64::from_le_bytes(x) | fold;
                            lower[off..off + 8].copy_from_slice(&x.to_le_bytes());
                            let len = lower_prefix(x);
                            if len < 8 {
                                let next = s[i + off + len];
                                if class(next) & WORD != 0 {
                                    break;
                                }
                                i += off + len;
                                if next != b':' && next != b'.' {
                                    // No URL starts here: a plain word, and a space after it is
                                    // skipped at once.
                                    let w = &lower[..i - start];
                                    i += usize::from(next == b' ');
                                    break 'token (tagged_hash(b'w', w), Some(w));
                                }
                                all = 0;
                                break 'scan;
                            }
                            fold = 0;
                            off += 8;
                        }
                    }
                    while i + 8 <= n {
                        let mut x = [0u8; 8];
                        x.copy_from_slice(&s[i..i + 8]);
                        let b = WordBytes::of(u64::from_le_bytes(x));
                        let stop = !b.word & HIGHS;
                        // Mask of the bytes before the first non-word byte (all when none).
                        let m = (stop & stop.wrapping_neg()).wrapping_sub(1) & HIGHS;
                        let carry = u64::from(prev & LOWER) << 5;
                        let inner = b.upper & ((b.lower << 8) | carry);
                        id |= u8::from((b.digit | b.underscore | inner) & m != 0);
                        if !b.upper & m != 0 {
                            all = 0;
                        }
                        let off = i - start;
                        if off < 16 {
                            lower[off..off + 8].copy_from_slice(&b.lowered.to_le_bytes());
                        }
                        let count = (stop.trailing_zeros() / 8) as usize;
                        i += count;
                        if count < 8 {
                            break 'scan;
                        }
                        prev = class(s[i - 1]);
                    }
                    while i < n {
                        let c = s[i];
                        let k = class(c);
                        if k & WORD == 0 {
                            break;
                        }
                        id |= k & (DIGIT | UNDERSCORE) | k & (prev << 3) & UPPER;
                        all &= k;
                        prev = k;
                        lower[(i - start) & 15] = c | (k & UPPER);
                        i += 1;
                    }
                }
                let word = &s[start..i];
                let len = word.len();
                if i < n && (3..=5).contains(&len) {
                    let next = s[i];
                    if next == b':' && (word == b"http" || word == b"https" || word == b"www")
                        || next == b'.' && word == b"www"
                    {
                        while i < n && !s[i].is_ascii_whitespace() {
                            i += 1;
                        }
                        break 'token (TOK_URL, None);
                    }
                }
                if id != 0 || all & UPPER != 0 && len > 4 {
                    break 'token (TOK_ID, None);
                }
                if len <= 16 {
                    let w = &lower[..len];
                    break 'token (tagged_hash(b'w', w), Some(w));
                }
                let mut h = 0x00C0_FFEE_u64;
                for &c in word {
                    h = h.wrapping_mul(0x100_0000_01B3) ^ u64::from(c | (class(c) & UPPER));
                }
                break 'token (finalize(h), None);
            }
            if k & SPECIAL == 0 {
                i += 1;
                continue 'bytes;
            }
            match b {
                b'`' if s[i..].starts_with(b"```") => {
                    i = find_fence(s, i + 3).map_or(n, |e| e + 3);
                    (TOK_CODE, None)
                }
                b'`' | b'"' => {
                    // inline code or a quoted string, closed on its line within a limit
                    let (tok, limit) = if b == b'`' {
                        (TOK_CODE, 200)
                    } else {
                        (TOK_STR, 120)
                    };
                    match closed_span(s, i, limit) {
                        Some(end) => {
                            i = end;
                            (tok, None)
                        }
                        None => {
                            i += 1;
                            continue 'bytes;
                        }
                    }
                }
                b'?' => {
                    i += 1;
                    (TOK_Q, None)
                }
                _ => {
                    i += 1;
                    (TOK_COLON, None)
                }
            }
        };
        if !emit(tok, word) {
            return;
        }
    }
}

/// Position of the first "```" at or after `from`.
fn find_fence(s: &[u8], from: usize) -> Option<usize> {
    let n = s.len();
    let mut j = from;
    while j + 3 <= n {
        let p = j + memchr::memchr(b'`', &s[j..n - 2])?;
        if s[p + 1] == b'`' && s[p + 2] == b'`' {
            return Some(p);
        }
        j = p + 1;
    }
    None
}

//! The parser's hot path allocates nothing once its buffers have grown (a counting global
//! allocator; its own test binary so no other test shares the counter).

use distillguard_io::parse::{RecordParser, Strategy};
use distillguard_types::config::InputConfig;
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicU64, Ordering};

struct Counting;
static ALLOCS: AtomicU64 = AtomicU64::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        unsafe { System.alloc(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        unsafe { System.dealloc(p, l) }
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, n: usize) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        unsafe { System.realloc(p, l, n) }
    }
}

#[global_allocator]
static A: Counting = Counting;

#[test]
fn tape_strategy_parses_without_allocating() {
    let lines: Vec<Vec<u8>> = (0..200)
        .map(|i| {
            format!(
                r#"{{"ts":"2026-04-22T10:00:{:02}Z","account_id":"account-{i:06}","ip":"2001:db8::{i:x}","request_id":"r{i}","system":"You are helpful.","messages":[{{"role":"user","content":[{{"type":"text","text":"Fix bug {i} in ```fn x() {{}}```"}}]}},{{"role":"assistant","content":"ok"}}],"max_tokens":4096,"thinking":{{"type":"enabled"}},"tools":[{{}},{{}}],"bad":{i}}}"#,
                i % 60
            )
            .into_bytes()
        })
        .collect();
    let mut parser = RecordParser::with_strategy(&InputConfig::default(), Strategy::Tape);
    let mut scratch = Vec::with_capacity(4096);
    let mut run = |parser: &mut RecordParser| {
        for l in &lines {
            scratch.clear();
            scratch.extend_from_slice(l);
            assert!(parser.parse(&mut scratch).is_ok());
        }
    };
    run(&mut parser); // warm-up: buffers grow
    let before = ALLOCS.load(Ordering::Relaxed);
    run(&mut parser);
    let after = ALLOCS.load(Ordering::Relaxed);
    assert_eq!(
        after - before,
        0,
        "allocations while parsing 200 warm records"
    );
}

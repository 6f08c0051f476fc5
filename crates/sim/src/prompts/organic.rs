//! Organic prompts: what people type (questions, writing help, their own code, homework).

use super::code::{snippet, CODE_LANGS};
use super::vocab::*;
use rand::Rng;
use std::fmt::Write;

/// Appends one organic prompt.
pub fn organic_prompt(rng: &mut impl Rng, out: &mut String) {
    let start = out.len();
    match rng.gen_range(0..100) {
        0..=21 => question(rng, out),
        22..=35 => writing(rng, out),
        36..=57 => code_help(rng, out),
        58..=67 => math(rng, out),
        68..=75 => brainstorm(rng, out),
        76..=81 => translate(rng, out),
        82..=89 => paste_and_ask(rng, out),
        _ => chat(rng, out),
    }
    // People are inconsistent about case and punctuation.
    if rng.gen_bool(0.25) {
        out[start..].make_ascii_lowercase();
    }
    if rng.gen_bool(0.2) && out.ends_with(['?', '.']) {
        out.pop();
    }
}

/// Appends a coding request about the user's own work (shared IDE tools, organic code help).
pub fn code_request(rng: &mut impl Rng, out: &mut String) {
    const ASKS: &[&str] = &[
        "why does this return an empty list when the input has items?",
        "can you add error handling here",
        "refactor this to be more readable",
        "write a test for this function",
        "this is slow on big inputs, any idea why?",
        "explain what this does",
        "add type hints / types please",
        "rename things so it makes sense and add comments",
        "fix the bug on the line with the loop",
        "make this async",
        "convert this to use a dictionary instead",
        "how do I mock the network call in this",
        "is there an off-by-one somewhere?",
        "simplify this",
    ];
    out.push_str(pick(rng, ASKS));
    if rng.gen_bool(0.3) {
        let _ = write!(out, " I'm getting `{}`", pick(rng, ERRORS));
    }
}

fn question(rng: &mut impl Rng, out: &mut String) {
    let t = pick(rng, TOPICS);
    let u = pick(rng, TOPICS);
    match rng.gen_range(0..9) {
        0 => write!(out, "Can you explain {t} like I'm five?"),
        1 => write!(out, "What's the difference between {t} and {u}?"),
        2 => write!(
            out,
            "I keep hearing about {t}. Is it actually worth learning about, and where do I start?"
        ),
        3 => write!(out, "give me a quick summary of {t}"),
        4 => write!(out, "What are the most common misconceptions about {t}?"),
        5 => write!(
            out,
            "My friend {} says {t} is overrated. Who is right?",
            pick(rng, NAMES)
        ),
        6 => write!(out, "How does {t} relate to {u}, if at all?"),
        7 => write!(
            out,
            "Planning a trip to {} in {} — what should I not miss? We like {t}.",
            pick(rng, CITIES),
            pick(rng, &["spring", "July", "winter", "October"])
        ),
        _ => write!(
            out,
            "is {t} a good topic for a {}-minute presentation at work?",
            rng.gen_range(5..30)
        ),
    }
    .ok();
}

fn writing(rng: &mut impl Rng, out: &mut String) {
    let d = pick(rng, DOCS);
    let n = pick(rng, NAMES);
    match rng.gen_range(0..5) {
        0 => write!(out, "Help me write a {d}. Keep it under {} words and make it sound friendly but professional.", rng.gen_range(80..400)),
        1 => write!(out, "Can you make this {d} less awkward?\n\n\"Hi {n}, I wanted to reach out regarding the {} we discussed last week. I think we should {} before {}.\"", pick(rng, NOUNS), pick(rng, VERBS), pick(rng, &["Friday", "the end of the month", "the meeting", "we launch"])),
        2 => write!(out, "write a {d} for {n}, who loves {} and just moved to {}", pick(rng, TOPICS), pick(rng, CITIES)),
        3 => write!(out, "I need a {d} about {}. Three paragraphs. Tone: {}.", pick(rng, TOPICS), pick(rng, &["warm", "formal", "funny", "persuasive", "neutral"])),
        _ => write!(out, "proofread: {n} and me went to {} last weekend, it were great and we seen a lot of {}.", pick(rng, CITIES), pick(rng, TOPICS)),
    }
    .ok();
}

fn code_help(rng: &mut impl Rng, out: &mut String) {
    let lang = CODE_LANGS[rng.gen_range(0..CODE_LANGS.len())];
    match rng.gen_range(0..5) {
        0..=2 => {
            code_request(rng, out);
            let _ = write!(out, "\n\n```{lang}\n");
            let lines = rng.gen_range(1..6);
            snippet(rng, lang, lines, out);
            out.push_str("```");
        }
        3 => {
            let _ = write!(
                out,
                "how do i {} a {} in {}? using {}",
                pick(rng, VERBS),
                pick(rng, NOUNS),
                pick(rng, LANGS),
                pick(rng, TOOLS)
            );
        }
        _ => {
            let _ = write!(out, "getting this error and I have no idea why:\n{}\nI'm on {} with {}. It worked yesterday.", pick(rng, ERRORS), pick(rng, LANGS), pick(rng, TOOLS));
        }
    }
}

fn math(rng: &mut impl Rng, out: &mut String) {
    let a = rng.gen_range(2..500);
    let b = rng.gen_range(2..90);
    match rng.gen_range(0..5) {
        0 => write!(out, "If I invest ${a}00 at {b}% a year compounded monthly, how much after {} years? Please show the steps.", rng.gen_range(2..30)),
        1 => write!(out, "solve for x: {a}x + {b} = {}", rng.gen_range(0..1000)),
        2 => write!(out, "My kid's homework: a train leaves at {}:00 going {a} km/h, another leaves {b} minutes later at {} km/h. When does the second catch up? Think it through step by step so I can explain it.", rng.gen_range(6..11), a + rng.gen_range(5..60)),
        3 => write!(out, "what is the derivative of x^{b} * sin({a}x)"),
        _ => write!(out, "Is {a}{b} a prime number? How would I check quickly by hand?"),
    }
    .ok();
}

fn brainstorm(rng: &mut impl Rng, out: &mut String) {
    match rng.gen_range(0..4) {
        0 => write!(
            out,
            "Give me {} name ideas for a {} business in {}",
            rng.gen_range(5..20),
            pick(rng, TOPICS),
            pick(rng, CITIES)
        ),
        1 => write!(
            out,
            "what should I cook tonight? I have {}, {} and rice",
            pick(rng, &["chicken", "tofu", "eggs", "chickpeas", "salmon"]),
            pick(rng, &["spinach", "peppers", "mushrooms", "zucchini"])
        ),
        2 => write!(
            out,
            "birthday gift ideas for {} who is into {}, budget ${}",
            pick(rng, NAMES),
            pick(rng, TOPICS),
            rng.gen_range(20..200)
        ),
        _ => write!(
            out,
            "list pros and cons of {} vs {}",
            pick(rng, TOPICS),
            pick(rng, TOPICS)
        ),
    }
    .ok();
}

fn translate(rng: &mut impl Rng, out: &mut String) {
    let lang = pick(
        rng,
        &[
            "Spanish",
            "French",
            "German",
            "Japanese",
            "Portuguese",
            "Korean",
            "Italian",
        ],
    );
    let _ = write!(
        out,
        "Translate to {lang}: \"{} is going to {} next week to learn about {}.\"",
        pick(rng, NAMES),
        pick(rng, CITIES),
        pick(rng, TOPICS)
    );
}

fn paste_and_ask(rng: &mut impl Rng, out: &mut String) {
    out.push_str("Here are my notes:\n\n");
    let paras = rng.gen_range(1..5);
    for _ in 0..paras {
        let sentences = rng.gen_range(2..7);
        for _ in 0..sentences {
            let _ = write!(
                out,
                "The {} {} the {} because of {}. ",
                pick(rng, NOUNS),
                pick(
                    rng,
                    &[
                        "affects",
                        "depends on",
                        "replaced",
                        "improves",
                        "contradicts"
                    ]
                ),
                pick(rng, NOUNS),
                pick(rng, TOPICS)
            );
        }
        out.push_str("\n\n");
    }
    out.push_str(pick(
        rng,
        &[
            "Summarize this.",
            "Can you turn this into bullet points?",
            "What am I missing?",
            "make flashcards from this",
        ],
    ));
}

fn chat(rng: &mut impl Rng, out: &mut String) {
    out.push_str(pick(
        rng,
        &[
            "hi! how are you today?",
            "tell me a joke about programmers",
            "I'm bored, suggest something to do",
            "what's a good book like Project Hail Mary?",
            "can you help me plan my week? I have too much going on",
            "thanks, that worked!",
            "ok now make it shorter",
            "that's not what I meant. try again but more casual",
            "write a haiku about Mondays",
        ],
    ));
}

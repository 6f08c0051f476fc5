//! Conversations and benign-group content: follow-up turns with short assistant answers,
//! course exercise sheets, company assistants, hackathon starters, research harnesses,
//! and the per-account instruction wordings of task-corpus campaigns.

use super::code::{snippet, CODE_LANGS};
use super::vocab::*;
use crate::ids::mix64;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::fmt::Write;

/// A deterministic generator for one turn of a conversation (`conv` seed, turn index, salt).
pub fn turn_rng(conv: u64, turn: u32, salt: u64) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(mix64(conv ^ (turn as u64) << 20 ^ salt))
}

/// Appends a short user follow-up that builds on the last exchange.
pub fn followup(rng: &mut impl Rng, out: &mut String) {
    let start = out.len();
    let t = pick(rng, TOPICS);
    let lang = pick(rng, LANGS);
    match rng.gen_range(0..14) {
        0 => out.push_str(pick(
            rng,
            &[
                "why does that fail on empty input?",
                "what happens if the list is empty?",
                "does this still work with negative numbers?",
                "what if the input is huge, like millions of rows?",
            ],
        )),
        1 => out.push_str(pick(
            rng,
            &[
                "can you make it shorter",
                "shorter please",
                "too long, give me the gist in 3 bullets",
                "can you simplify that a bit",
            ],
        )),
        2 => {
            let _ = write!(out, "thanks, now do the same for {}", pick(rng, NOUNS));
        }
        3 => {
            let _ = write!(out, "ok and how would that look in {lang}?");
        }
        4 => out.push_str(pick(
            rng,
            &[
                "I don't get the second step, can you explain it differently?",
                "wait, why is that?",
                "what do you mean by that last part",
                "can you give an example?",
            ],
        )),
        5 => {
            let _ = write!(out, "that gives me `{}` when I run it", pick(rng, ERRORS));
        }
        6 => {
            let _ = write!(out, "how does this relate to {t}?");
        }
        7 => out.push_str(pick(
            rng,
            &[
                "perfect, thanks!",
                "great, one more thing: can you add comments",
                "nice. can you write a test for it too",
                "ok that worked. what would you change to make it faster?",
            ],
        )),
        8 => {
            let _ = write!(
                out,
                "can you rewrite it for {} instead",
                pick(
                    rng,
                    &["a beginner", "my manager", "a 10 year old", "a slide"]
                )
            );
        }
        9 => out.push_str(pick(
            rng,
            &[
                "hmm that's not right, the answer in my book is different",
                "are you sure? double check please",
                "I think there's a mistake in the middle",
            ],
        )),
        10 => {
            let _ = write!(
                out,
                "make it more {}",
                pick(
                    rng,
                    &["formal", "casual", "friendly", "concise", "detailed"]
                )
            );
        }
        11 => {
            let _ = write!(
                out,
                "what about with {} instead of {}?",
                pick(rng, TOOLS),
                pick(rng, TOOLS)
            );
        }
        12 => {
            let lang = CODE_LANGS[rng.gen_range(0..CODE_LANGS.len())];
            let _ = write!(out, "I changed it like this, is it ok now?\n\n```{lang}\n");
            let lines = rng.gen_range(1..3);
            snippet(rng, lang, lines, out);
            out.push_str("```");
        }
        _ => {
            let _ = write!(out, "and what's the difference from {}?", pick(rng, TOPICS));
        }
    }
    if rng.gen_bool(0.3) {
        out[start..].make_ascii_lowercase();
    }
}

/// Appends a short assistant answer (1-4 sentences, procedural; keeps records small).
pub fn answer(rng: &mut impl Rng, out: &mut String) {
    let n = rng.gen_range(1..=4);
    for k in 0..n {
        if k > 0 {
            out.push(' ');
        }
        let noun = pick(rng, NOUNS);
        let _ = match rng.gen_range(0..8) {
            0 => write!(
                out,
                "The main issue is that the {noun} is {} before it is checked.",
                pick(rng, &["read", "updated", "cleared", "copied"])
            ),
            1 => write!(
                out,
                "You can {} the {noun} first and then handle the rest in one pass.",
                pick(rng, VERBS)
            ),
            2 => write!(
                out,
                "In short, {} is mostly about how the {noun} is organised.",
                pick(rng, TOPICS)
            ),
            3 => write!(
                out,
                "Here is a shorter version that keeps the same behaviour with {}.",
                pick(rng, TOOLS)
            ),
            4 => write!(
                out,
                "This works because each step only depends on the previous {noun}."
            ),
            5 => write!(
                out,
                "Step {} is where the result changes: the value becomes {}.",
                rng.gen_range(1..5),
                rng.gen_range(2..400)
            ),
            6 => write!(
                out,
                "If you expect empty input, add a guard that returns early."
            ),
            _ => write!(
                out,
                "Let me know if you want an example in {}.",
                pick(rng, LANGS)
            ),
        };
    }
}

/// A course's exercise sheet: `n` coding / math exercises (deterministic in `rng`).
pub fn exercise_sheet(rng: &mut impl Rng, n: usize) -> Vec<String> {
    let lang = pick(rng, &["Python", "Java", "C", "Python", "R", "JavaScript"]);
    let course = pick(
        rng,
        &[
            "Intro to Programming",
            "Data Structures",
            "Algorithms",
            "Numerical Methods",
            "Discrete Mathematics",
            "Statistics for Data Science",
        ],
    );
    (0..n)
        .map(|i| {
            let mut s = String::new();
            let algo = pick(rng, ALGOS);
            let noun = pick(rng, NOUNS);
            let _ = write!(s, "{course}, sheet {}, exercise {}: ", rng.gen_range(1..9), i + 1);
            let _ = match rng.gen_range(0..6) {
                0 => write!(
                    s,
                    "Write a {lang} function that uses {algo} to sort a list of {noun}s by size. State its running time."
                ),
                1 => write!(
                    s,
                    "Implement a {lang} class `{}Stack` with push, pop and peek, and explain why each operation is O(1).",
                    capitalise(noun)
                ),
                2 => write!(
                    s,
                    "Prove by induction that 1 + 2 + ... + n = n(n+1)/2, then compute the sum for n = {}.",
                    rng.gen_range(20..500)
                ),
                3 => write!(
                    s,
                    "Given the recurrence T(n) = {}T(n/2) + n, find a tight bound using the master theorem.",
                    rng.gen_range(1..5)
                ),
                4 => write!(
                    s,
                    "Write a {lang} program that reads numbers from a file and prints their mean, median and standard deviation. Test it on {} values.",
                    rng.gen_range(5..50)
                ),
                _ => write!(
                    s,
                    "A fair die is rolled {} times. What is the probability of at least two sixes? Then simulate it in {lang}.",
                    rng.gen_range(3..12)
                ),
            };
            s
        })
        .collect()
}

fn capitalise(w: &str) -> String {
    let mut c = w.chars();
    match c.next() {
        Some(f) => f.to_ascii_uppercase().to_string() + c.as_str(),
        None => String::new(),
    }
}

/// Appends a student's message about `exercise`: the exercise text with light edits.
pub fn student_message(rng: &mut impl Rng, exercise: &str, out: &mut String) {
    let start = out.len();
    match rng.gen_range(0..5) {
        0 => out.push_str(exercise),
        1 => {
            out.push_str(pick(
                rng,
                &[
                    "can you help me with this? ",
                    "hi, I'm stuck on this one: ",
                    "how do I start this: ",
                    "explain this exercise please: ",
                ],
            ));
            out.push_str(exercise);
        }
        2 => {
            out.push_str(exercise);
            out.push_str(pick(
                rng,
                &[
                    " I don't understand what they want",
                    " please explain, don't just give the answer",
                    " (we haven't covered this in class yet)",
                    " hints only please",
                ],
            ));
        }
        3 => {
            let lang = CODE_LANGS[rng.gen_range(0..CODE_LANGS.len())];
            out.push_str(exercise);
            let _ = write!(out, "\n\nthis is what I have so far:\n```{lang}\n");
            let lines = rng.gen_range(1..4);
            snippet(rng, lang, lines, out);
            out.push_str("```\nwhy doesn't it work?");
        }
        _ => {
            // Only the task part, retyped.
            let task = exercise.split_once(": ").map_or(exercise, |(_, t)| t);
            out.push_str(task);
        }
    }
    if rng.gen_bool(0.3) {
        out[start..].make_ascii_lowercase();
    }
}

/// A company's internal assistant system prompt (deterministic in `rng`).
pub fn company_system_prompt(rng: &mut impl Rng) -> String {
    let company = format!(
        "{} {}",
        capitalise(pick(rng, NOUNS)),
        pick(
            rng,
            &[
                "Labs",
                "Group",
                "Systems",
                "Partners",
                "Logistics",
                "Health"
            ]
        )
    );
    let mut s = format!(
        "You are {company} Assistant, the internal AI assistant for employees of {company}. "
    );
    for rule in [
        "Be concise and professional.",
        "Never share customer data outside the company.",
        "When asked about HR or benefits, refer to the intranet handbook.",
        "Use the company style guide for external emails.",
        "If you are unsure, say so and suggest who to ask.",
    ] {
        if rng.gen_bool(0.7) {
            s.push_str(rule);
            s.push(' ');
        }
    }
    let _ = write!(
        s,
        "Today's context: onboarding week, team {}.",
        pick(
            rng,
            &["Sales", "Engineering", "Support", "Finance", "Operations"]
        )
    );
    s
}

/// Appends a work request of a new employee (emails, documents, tools, their own questions).
pub fn work_prompt(rng: &mut impl Rng, out: &mut String) {
    let d = pick(rng, DOCS);
    let _ = match rng.gen_range(0..6) {
        0 => write!(
            out,
            "draft a short {d} to my new team introducing myself, I'm working on {}",
            pick(rng, TOPICS)
        ),
        1 => write!(
            out,
            "How do I set up {} on my laptop? First week here.",
            pick(rng, TOOLS)
        ),
        2 => write!(
            out,
            "Summarise this meeting note for my manager: the {} {} the {} and we agreed to {} it by {}.",
            pick(rng, NOUNS),
            pick(rng, &["blocks", "needs", "replaces"]),
            pick(rng, NOUNS),
            pick(rng, VERBS),
            pick(rng, &["Friday", "next sprint", "end of month"])
        ),
        3 => write!(
            out,
            "what questions should I ask in my first 1:1 with {}?",
            pick(rng, NAMES)
        ),
        4 => write!(
            out,
            "make a checklist for onboarding onto the {} project",
            pick(rng, NOUNS)
        ),
        _ => {
            super::organic::organic_prompt(rng, out);
            Ok(())
        }
    };
}

/// An event's starter prompt template from the organisers (`{idea}` slot).
pub fn event_starter(rng: &mut impl Rng) -> String {
    let event = format!(
        "{} {} {}",
        pick(rng, CITIES),
        pick(rng, &["Hack", "AI Build", "Dev", "Code"]),
        pick(rng, &["Weekend", "Day", "Jam", "Sprint"])
    );
    format!(
        "We are a team at {event}. Our project idea: {{idea}}. We have {} hours. Suggest an architecture, a tech stack we can learn fast, and a step-by-step plan with the first files to write.",
        rng.gen_range(20..40)
    )
}

/// Appends a hackathon project idea.
pub fn hack_idea(rng: &mut impl Rng, out: &mut String) {
    let _ = write!(
        out,
        "an app that helps {} {} their {}s using {}",
        pick(
            rng,
            &[
                "students",
                "nurses",
                "farmers",
                "tourists",
                "gamers",
                "volunteers"
            ]
        ),
        pick(rng, VERBS),
        pick(rng, NOUNS),
        pick(rng, TOOLS)
    );
}

/// A research team's harness: (system prompt, item wrapper with `{item}`).
pub fn team_harness(rng: &mut impl Rng) -> (String, String) {
    let name = pick(
        rng,
        &[
            "lm-eval",
            "open-bench",
            "evalkit",
            "harness-x",
            "simple-evals",
            "bench-runner",
        ],
    );
    let sys = if rng.gen_bool(0.5) {
        format!(
            "[{name} v{}.{}] You are being evaluated. Answer the task exactly as asked.",
            rng.gen_range(0..3),
            rng.gen_range(0..20)
        )
    } else {
        String::new()
    };
    let wrap = pick(
        rng,
        &[
            "{item}",
            "### Task\n{item}\n\n### Response",
            "Solve the following problem. Put the final answer on the last line.\n\n{item}",
            "{item}\n\nAnswer with a complete solution.",
        ],
    )
    .to_string();
    (sys, wrap)
}

/// Builds a task-corpus campaign account's instruction wrapper `index` (with `{task}`):
/// an opener, the task, a closer, a format request, drawn from many phrasings.
pub fn wording(salt: u64, index: u32, out: &mut String) {
    const OPENERS: &[&str] = &[
        "",
        "Please help me with the following.",
        "I have a problem I need solved.",
        "Here's a task for you:",
        "Can you do this for me?",
        "Quick one:",
        "I'm working on this and need a solid answer.",
        "My assignment:",
        "Problem:",
        "Task description below.",
        "I need your help.",
        "Could you take a look at this?",
        "Here is what I need:",
        "Hey, need help with this.",
        "Consider the following.",
        "Work on this:",
    ];
    const CLOSERS: &[&str] = &[
        "",
        "Explain your answer.",
        "Please be thorough.",
        "Give a complete answer.",
        "Include all the details.",
        "Show your work.",
        "Walk me through it.",
        "I want the full solution, not a sketch.",
        "Be detailed and explain the reasoning behind each step.",
        "Make sure nothing is left out.",
        "Justify each decision.",
        "Explain it so I can learn from it.",
    ];
    const FORMATS: &[&str] = &[
        "",
        "",
        "Use Markdown headings.",
        "Put the code in one block at the end.",
        "End with a short summary.",
        "Use numbered steps.",
        "Start with a one-line answer, then the details.",
        "Add tests if relevant.",
        "Keep the final answer clearly marked.",
    ];
    let mut rng = ChaCha8Rng::seed_from_u64(mix64(salt ^ 0x0057_0AD1 ^ index as u64));
    let o = pick(&mut rng, OPENERS);
    let c = pick(&mut rng, CLOSERS);
    let f = pick(&mut rng, FORMATS);
    let sep = if rng.gen_bool(0.5) { "\n\n" } else { " " };
    if !o.is_empty() {
        out.push_str(o);
        out.push_str(sep);
    }
    out.push_str("{task}");
    for part in [c, f] {
        if !part.is_empty() {
            out.push_str(sep);
            out.push_str(part);
        }
    }
}

/// Reasoning cues a corpus campaign sometimes appends.
pub const REASONING_CUES: &[&str] = &[
    "Think step by step.",
    "Reason carefully before answering.",
    "Show your full reasoning.",
    "Let's think this through step by step.",
    "Consider edge cases before you answer.",
    "Double-check your answer.",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wordings_vary_and_hold_the_slot() {
        let mut seen = std::collections::BTreeSet::new();
        for i in 0..200 {
            let mut s = String::new();
            wording(7, i, &mut s);
            assert_eq!(s.matches("{task}").count(), 1, "{s}");
            seen.insert(s);
        }
        assert!(seen.len() > 100, "{}", seen.len());
    }

    #[test]
    fn answers_and_followups_are_short() {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        for _ in 0..200 {
            let (mut a, mut f) = (String::new(), String::new());
            answer(&mut rng, &mut a);
            followup(&mut rng, &mut f);
            assert!(!a.is_empty() && a.len() < 600, "{a}");
            assert!(!f.is_empty() && f.len() < 400, "{f}");
        }
    }
}

//! Capability-covering task prompts: campaign templates (with paraphrases and synonym
//! swaps) and the procedural task fillings they wrap.

use super::code::{snippet, CODE_LANGS};
use super::vocab::*;
use crate::ids::mix64;
use rand::Rng;
use std::fmt::Write;

/// Capability area a task belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Area {
    /// Software engineering.
    Swe = 0,
    /// Agentic task completion (tools declared).
    Agentic = 1,
    /// Reasoning with explicit chain-of-thought requests.
    Reasoning = 2,
}

/// Areas in index order.
pub const AREAS: [Area; 3] = [Area::Swe, Area::Agentic, Area::Reasoning];

/// Base templates per area; each row holds paraphrases of one template. `{task}` is the slot.
pub const TEMPLATES: [&[&[&str]]; 3] = [
    &[
        &[
            "You are an expert software engineer. {task}\n\nProvide a complete, production-quality implementation with detailed explanations of every design decision, all edge cases, a complexity analysis and a full test suite.",
            "Act as a senior software engineer. {task}\n\nGive the full implementation, explain each design choice, cover the edge cases, analyse time and space complexity, and include comprehensive tests.",
            "{task}\n\nI need a thorough, production-ready answer: complete code, a justification for every design decision, edge-case handling, complexity analysis and a complete set of unit tests.",
            "As an experienced engineer, solve this: {task}\nWrite the entire implementation, then explain the design, the edge cases, the complexity, and provide exhaustive tests.",
        ],
        &[
            "{task}\n\nBefore writing any code, reason step by step about the requirements and the possible approaches, compare them, then write the final solution and explain it line by line.",
            "Task: {task}\nFirst think through the requirements and alternative approaches step by step. Then give the final code and a detailed line-by-line explanation.",
            "Think carefully and step by step about how to approach the following, weigh the alternatives, and only then write the code with a detailed walkthrough.\n\n{task}",
            "{task}\n\nPlease work through the problem methodically: list requirements, consider several designs, pick one with reasons, implement it fully, and explain each part.",
        ],
        &[
            "Perform a rigorous code review and rewrite. {task}\n\nList every bug, performance issue and style problem you find, explain why each matters, and then give the corrected, idiomatic version in full.",
            "Review this like a strict senior reviewer: {task}\nEnumerate all defects and inefficiencies with explanations, then provide the complete improved code.",
            "{task}\n\nDo a detailed code review: identify each bug and weakness, explain its impact, and produce a fully corrected and optimized implementation.",
        ],
        &[
            "{task}\n\nExplain the underlying concepts in depth as if teaching a graduate course, then give a reference implementation with extensive comments and worked examples.",
            "Teach me this at graduate level: {task}\nCover the theory in depth, then write a well-commented reference implementation with worked examples.",
            "{task}\nGive an in-depth conceptual explanation first, followed by a heavily commented implementation and several worked examples.",
        ],
        &[
            "Write the complete code for the following, with no placeholders or omitted parts, and include documentation comments for every function.\n\n{task}",
            "{task}\n\nOutput the complete, runnable code with nothing left out (no TODOs, no ellipses) and document every function.",
            "Give me full, runnable source for this, fully documented, nothing elided: {task}",
        ],
        &[
            "{task}\n\nCompare at least three different implementations, benchmark them conceptually, and recommend one with a detailed justification; include the full code of all three.",
            "For the following, write three alternative implementations, reason about their trade-offs and performance, and recommend the best one. Include all code.\n\n{task}",
        ],
        &[
            "{task}\n\nAlso write property-based tests and explain which invariants they check and why.",
            "{task}\nInclude property-based tests and a discussion of the invariants they verify.",
        ],
    ],
    &[
        &[
            "You are an autonomous coding agent with tools for running shell commands, reading and editing files, and searching the web. Goal: {task}\n\nPlan your steps, call tools as needed, and narrate your reasoning after every tool result until the goal is reached.",
            "You're an AI agent that can run commands, edit files and browse. Objective: {task}\nMake a plan, use the tools step by step, and explain your thinking after each observation until done.",
            "Agent mode. Available tools: shell, file editor, web search. Your goal: {task}\nThink out loud, plan, act with tools, reflect on every result, and continue until complete.",
            "Acting as an autonomous software agent (shell, editor, search tools available), accomplish the following: {task}\nLay out a plan, execute it with tool calls, and reason about each result before moving on.",
        ],
        &[
            "{task}\n\nBreak this into subtasks, decide which tool to use for each, execute them in order, and verify the outcome at the end. Show your full reasoning trace.",
            "Decompose the following into subtasks, choose a tool for each, carry them out, and verify the final state. Show all reasoning.\n\n{task}",
            "{task}\nSplit the work into steps, pick the right tool per step, run them, then check the result. Include your complete reasoning trace.",
        ],
        &[
            "You are operating in a repository checkout. {task}\n\nInvestigate the codebase with tools, identify the root cause, write a patch, run the tests, and summarise what you changed and why.",
            "Working inside a checked-out repo: {task}\nExplore the code with your tools, find the root cause, patch it, run the test suite and explain the change.",
            "{task}\n\nYou have a shell in the project directory. Find the root cause, implement the fix, run the tests, and give a detailed summary of the change.",
        ],
        &[
            "{task}\n\nWhen a tool call fails, reason about why and try an alternative. Document each attempt and its result.",
            "{task}\nIf any step fails, analyse the failure and retry differently, documenting every attempt.",
        ],
        &[
            "Plan and carry out this multi-step operations task with the available tools, checking preconditions before each action: {task}",
            "{task}\n\nCarefully plan the operational steps, verify preconditions before each tool action, and report the state after each step.",
        ],
        &[
            "{task}\n\nAct as the agent and produce the full sequence of tool calls with their expected outputs and your reasoning in between.",
            "Simulate being the agent: for the task below, write out every tool call, its expected output, and your reasoning between calls.\n\n{task}",
        ],
    ],
    &[
        &[
            "{task}\n\nThink step by step. Show all of your reasoning explicitly before giving the final answer, and double-check each step.",
            "{task}\nLet's think step by step. Write out your complete chain of reasoning, verify every step, then state the final answer.",
            "Solve the following, reasoning step by step and showing all intermediate work; check your steps before the final answer.\n\n{task}",
            "{task}\n\nWork through this carefully, one step at a time, making every inference explicit, and verify your answer at the end.",
        ],
        &[
            "{task}\n\nBefore answering, consider at least two different solution strategies, work both out fully, and explain whether they agree.",
            "Solve this two different ways, showing full work for each, and reconcile the results: {task}",
            "{task}\nUse two independent methods with complete working, then compare the answers.",
        ],
        &[
            "{task}\n\nExplain your reasoning in detail as if writing a textbook solution, including why alternative answers are wrong.",
            "Write a textbook-quality solution with detailed reasoning, and explain why the tempting wrong answers fail: {task}",
            "{task}\nGive a detailed, textbook-style worked solution and discuss the common wrong answers.",
        ],
        &[
            "Reason carefully, think step by step, and state any assumptions explicitly. {task}",
            "{task}\n\nState your assumptions, then reason step by step to the answer.",
        ],
        &[
            "{task}\n\nFirst restate the problem in your own words, then derive the answer rigorously, then verify it with a sanity check.",
            "Restate, derive rigorously, then sanity-check: {task}",
        ],
        &[
            "{task}\n\nShow your full chain of thought, including the dead ends you considered and why you abandoned them.",
            "{task}\nInclude your entire thought process, dead ends and all, before the final answer.",
        ],
    ],
];

/// Words a paraphrasing operator swaps for synonyms.
pub const SYNONYMS: &[(&str, &[&str])] = &[
    ("complete", &["full", "entire", "whole"]),
    ("detailed", &["thorough", "in-depth", "comprehensive"]),
    ("explain", &["describe", "walk through", "justify"]),
    (
        "step by step",
        &["one step at a time", "stepwise", "methodically"],
    ),
    ("implementation", &["solution", "code", "program"]),
    ("reasoning", &["thinking", "logic", "rationale"]),
    ("final answer", &["conclusion", "result", "answer"]),
    ("tests", &["test cases", "unit tests", "checks"]),
    ("carefully", &["diligently", "meticulously", "attentively"]),
    ("Provide", &["Give", "Write", "Supply"]),
    ("task", &["problem", "assignment", "job"]),
];

/// Appends `template` with `{task}` replaced by `task`, swapping synonyms with probability `swap`
/// (only in the template's own words, never in the slot or the task).
pub fn fill(
    rng: &mut impl Rng,
    template: &str,
    task: &str,
    swap: f64,
    scratch: &mut String,
    out: &mut String,
) {
    const SLOT: char = '\u{1}';
    scratch.clear();
    scratch.push_str(template);
    if let Some(pos) = scratch.find("{task}") {
        scratch.replace_range(pos..pos + "{task}".len(), "\u{1}");
    }
    if swap > 0.0 {
        for (w, syns) in SYNONYMS {
            if scratch.contains(w) && rng.gen_bool(swap.min(1.0)) {
                let s = syns[rng.gen_range(0..syns.len())];
                *scratch = scratch.replacen(w, s, 1);
            }
        }
    }
    match scratch.split_once(SLOT) {
        Some((a, b)) => {
            out.push_str(a);
            out.push_str(task);
            out.push_str(b);
        }
        None => out.push_str(scratch),
    }
}

/// Appends the `i`-th procedural task of `area`: a mixed-radix sweep over the vocabularies,
/// so consecutive indices systematically cover languages, algorithms and domains.
pub fn procedural_task(rng: &mut impl Rng, area: Area, i: u64, out: &mut String) {
    let h = mix64(i ^ ((area as u64) << 56));
    let mut k = i;
    let mut digit = |n: usize| {
        let d = (k % n as u64) as usize;
        k /= n as u64;
        d
    };
    match area {
        Area::Swe => {
            let kind = digit(5);
            let algo = ALGOS[digit(ALGOS.len())];
            let lang = LANGS[digit(LANGS.len())];
            let domain = DOMAINS[digit(DOMAINS.len())];
            let n = 10u64.pow(2 + (h % 6) as u32);
            match kind {
                0 => write!(out, "Implement {algo} in {lang} for {domain}, handling inputs of up to {n} elements."),
                1 => write!(out, "Write a {lang} module that uses {algo} to {} the {}s of {domain}.", VERBS[(h % 30) as usize], NOUNS[(h >> 8) as usize % NOUNS.len()]),
                2 => {
                    let cl = CODE_LANGS[(h >> 16) as usize % CODE_LANGS.len()];
                    let _ = write!(out, "The following {cl} function is supposed to apply {algo} to {domain} but has bugs. Find and fix them.\n\n```{cl}\n");
                    snippet(rng, cl, 2 + (h >> 20) as usize % 5, out);
                    write!(out, "```")
                }
                3 => write!(out, "Design and implement a service in {lang} using {} for {domain}; use {algo} where it helps and explain the architecture.", TOOLS[(h >> 24) as usize % TOOLS.len()]),
                _ => write!(out, "Optimize a {lang} implementation of {algo} for {domain} so that it handles {n} operations per second; discuss memory layout and concurrency."),
            }
            .ok();
        }
        Area::Agentic => {
            let kind = digit(5);
            let tool = TOOLS[digit(TOOLS.len())];
            let lang = LANGS[digit(LANGS.len())];
            let domain = DOMAINS[digit(DOMAINS.len())];
            let v = VERBS[(h % 30) as usize];
            let noun = NOUNS[(h >> 8) as usize % NOUNS.len()];
            match kind {
                0 => write!(out, "In a {lang} repository using {tool} for {domain}, the test `test_{v}_{noun}` fails with `{}`. Find the root cause and fix it.", ERRORS[(h >> 16) as usize % ERRORS.len()]),
                1 => write!(out, "Set up continuous integration with {tool} for a {lang} service that handles {domain}, including linting, tests and a deploy step."),
                2 => write!(out, "Migrate the {domain} service from {tool} to {}, keeping the public API stable, and update the tests.", TOOLS[(h >> 24) as usize % TOOLS.len()]),
                3 => write!(out, "Add a `{v}_{noun}` feature to the {lang} codebase for {domain}: locate the relevant modules, implement it, add tests and update the docs."),
                _ => write!(out, "Investigate why the {domain} deployment on {tool} has {}% error rates since the last release, using logs and metrics, and propose and apply a fix.", 1 + h % 40),
            }
            .ok();
        }
        Area::Reasoning => {
            let kind = digit(6);
            let domain = DOMAINS[digit(DOMAINS.len())];
            let a = 2 + h % 97;
            let b = 3 + (h >> 8) % 89;
            let c = 5 + (h >> 16) % 500;
            match kind {
                0 => write!(out, "A system for {domain} receives {c} requests per second, each taking {a} ms on one of {b} workers. What is the utilisation and expected queueing delay (M/M/c)?"),
                1 => write!(out, "Prove that for every integer n >= {a}, the sum of the first n odd numbers plus {b} is never a perfect square plus {c}, or give a counterexample."),
                2 => write!(out, "A bag has {a} red, {b} blue and {c} green marbles. Three are drawn without replacement. What is the probability that all three have different colours?"),
                3 => write!(out, "Five people each tell the truth with probability {a}/100. Four say a {domain} audit passed. What is the probability it passed, given a prior of {b}/100?"),
                4 => write!(out, "How many integers between 1 and {c}{a} are divisible by {b} or {} but not both?", a + 1),
                _ => write!(out, "A scheduling puzzle for {domain}: {b} jobs with durations 1..{b} hours must be split across {} machines to minimise the makespan. What is the optimum, and why?", 2 + a % 5),
            }
            .ok();
        }
    }
}

/// Keywords that map corpus task files (by stem) to an area.
pub fn area_keywords(area: Area) -> &'static [&'static str] {
    match area {
        Area::Swe => &["humaneval", "mbpp", "code"],
        Area::Agentic => &["swe", "agent"],
        Area::Reasoning => &["instruct", "gsm", "math", "reason"],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn check(template: &str, task: &str, swap: f64, expected: &str) {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
        let (mut scratch, mut out) = (String::new(), String::new());
        fill(&mut rng, template, task, swap, &mut scratch, &mut out);
        assert_eq!(out, expected);
    }

    #[test]
    fn fill_keeps_slot_and_task() {
        check("Do {task} now.", "the task", 0.0, "Do the task now.");
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
        let (mut scratch, mut out) = (String::new(), String::new());
        fill(
            &mut rng,
            "The task: {task}",
            "X task",
            1.0,
            &mut scratch,
            &mut out,
        );
        assert!(
            out.ends_with(": X task") && !out.starts_with("The task"),
            "{out}"
        );
        check("no slot", "X", 0.0, "no slot");
    }
}

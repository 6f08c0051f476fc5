//! Prompt generation: procedural by default, real corpus text with `--corpus`.

pub mod automation;
pub mod chat;
pub mod code;
pub mod organic;
pub mod tasks;
pub mod vocab;

use crate::corpus::Corpus;
use rand::Rng;
use tasks::{Area, AREAS, TEMPLATES};

/// The prompt templates one campaign uses.
#[derive(Debug, Clone)]
pub struct CampaignPrompts {
    rows: [Vec<usize>; 3],
    paraphrases: usize,
    swap: f64,
    area_cum: [f64; 3],
}

impl CampaignPrompts {
    /// Draws a capability area by the campaign's weights: (index, area).
    fn pick_area(&self, rng: &mut impl Rng) -> (usize, Area) {
        let u: f64 = rng.gen();
        let a = self.area_cum.iter().position(|&c| u < c).unwrap_or(2);
        (a, AREAS[a])
    }

    /// Picks `per_area` template rows per area (deterministic in `rng`).
    pub fn new(
        rng: &mut impl Rng,
        per_area: u32,
        paraphrases: u32,
        swap: f64,
        weights: (f64, f64, f64),
    ) -> Self {
        let rows = [0, 1, 2].map(|a| {
            let n = TEMPLATES[a].len();
            let mut all: Vec<usize> = (0..n).collect();
            // Partial Fisher-Yates: a random subset of rows.
            let k = (per_area.max(1) as usize).min(n);
            for i in 0..k {
                let j = rng.gen_range(i..n);
                all.swap(i, j);
            }
            all.truncate(k);
            all
        });
        let w = [weights.0.max(0.0), weights.1.max(0.0), weights.2.max(0.0)];
        let total = (w[0] + w[1] + w[2]).max(1e-9);
        let area_cum = [w[0] / total, (w[0] + w[1]) / total, 1.0];
        CampaignPrompts {
            rows,
            paraphrases: paraphrases.max(1) as usize,
            swap,
            area_cum,
        }
    }
}

/// Every prompt source of a simulation.
#[derive(Debug, Clone)]
pub struct PromptKit {
    organic: Vec<String>,
    area_tasks: [Vec<String>; 3],
    benchmarks: Vec<(String, Vec<String>)>,
    scratch: String,
    task: String,
    template: String,
}

/// Task items per area a procedural task-corpus campaign samples from (without `--corpus`).
pub const PROCEDURAL_CORPUS_ITEMS: u64 = 20_000;

impl PromptKit {
    /// Builds the kit; without a corpus, benchmarks are generated from `seed` and `bench_sizes`.
    pub fn new(corpus: Option<&Corpus>, seed: u64, bench_sizes: &[u32]) -> Self {
        let mut kit = PromptKit {
            organic: Vec::new(),
            area_tasks: Default::default(),
            benchmarks: Vec::new(),
            scratch: String::new(),
            task: String::new(),
            template: String::new(),
        };
        match corpus {
            Some(c) if !c.tasks.is_empty() || !c.organic.is_empty() => {
                kit.organic = c.organic.clone();
                for area in AREAS {
                    let kws = tasks::area_keywords(area);
                    let mut v: Vec<String> = c
                        .tasks
                        .iter()
                        .filter(|(stem, _)| kws.iter().any(|k| stem.contains(k)))
                        .flat_map(|(_, t)| t.iter().cloned())
                        .collect();
                    if v.is_empty() {
                        v = c.all_tasks().map(str::to_string).collect();
                    }
                    kit.area_tasks[area as usize] = v;
                }
                kit.benchmarks = c.tasks.clone();
            }
            _ => {}
        }
        if kit.benchmarks.is_empty() {
            kit.benchmarks = automation::generate_benchmarks(seed, bench_sizes);
        }
        kit
    }

    /// Appends an organic prompt (a real one when a corpus has `organic_*` files).
    pub fn organic(&self, rng: &mut impl Rng, out: &mut String) {
        if self.organic.is_empty() {
            organic::organic_prompt(rng, out);
        } else {
            out.push_str(&self.organic[rng.gen_range(0..self.organic.len())]);
        }
    }

    /// Appends a shared-tool user request (the user's own words).
    pub fn tool_request(&self, rng: &mut impl Rng, out: &mut String) {
        if !self.organic.is_empty() && rng.gen_bool(0.3) {
            out.push_str(&self.organic[rng.gen_range(0..self.organic.len())]);
        } else {
            organic::code_request(rng, out);
        }
    }

    /// Appends the campaign's `i`-th task prompt; returns its area.
    pub fn campaign(
        &mut self,
        cp: &CampaignPrompts,
        i: u64,
        rng: &mut impl Rng,
        out: &mut String,
    ) -> Area {
        let (a, area) = cp.pick_area(rng);
        let row = cp.rows[a][rng.gen_range(0..cp.rows[a].len())];
        let variants = TEMPLATES[a][row];
        let template = variants[rng.gen_range(0..cp.paraphrases.min(variants.len()))];
        self.task.clear();
        let pool = &self.area_tasks[a];
        if pool.is_empty() {
            tasks::procedural_task(rng, area, i, &mut self.task);
        } else {
            // A systematic sweep through the task set.
            self.task.push_str(&pool[(i % pool.len() as u64) as usize]);
        }
        tasks::fill(rng, template, &self.task, cp.swap, &mut self.scratch, out);
        area
    }

    /// Appends a task-corpus harvesting prompt: an item sampled uniformly from the area's
    /// task distribution (corpus `tasks_*` items, else procedural), wrapped in the account's
    /// wording `wording` (synonym swaps per request, a reasoning cue with `cue_share`).
    pub fn campaign_corpus(
        &mut self,
        cp: &CampaignPrompts,
        salt: u64,
        wording: u32,
        cue_share: f64,
        rng: &mut impl Rng,
        out: &mut String,
    ) -> Area {
        let (a, area) = cp.pick_area(rng);
        self.task.clear();
        let pool = &self.area_tasks[a];
        if pool.is_empty() {
            let i = rng.gen_range(0..PROCEDURAL_CORPUS_ITEMS);
            tasks::procedural_task(rng, area, i, &mut self.task);
        } else {
            self.task.push_str(&pool[rng.gen_range(0..pool.len())]);
        }
        self.template.clear();
        chat::wording(salt, wording, &mut self.template);
        if rng.gen::<f64>() < cue_share {
            self.template.push(' ');
            self.template
                .push_str(chat::REASONING_CUES[rng.gen_range(0..chat::REASONING_CUES.len())]);
        }
        tasks::fill(
            rng,
            &self.template,
            &self.task,
            cp.swap,
            &mut self.scratch,
            out,
        );
        area
    }

    /// Number of benchmarks.
    pub fn bench_count(&self) -> usize {
        self.benchmarks.len()
    }

    /// Items in benchmark `b`.
    pub fn bench_len(&self, b: usize) -> usize {
        self.benchmarks[b].1.len()
    }

    /// Item `i` of benchmark `b`.
    pub fn bench_item(&self, b: usize, i: usize) -> &str {
        &self.benchmarks[b].1[i]
    }
}

//! Filling the reusable record for an account's request at a given time.

use super::{Pop, Simulator};
use crate::clients::{Api, CLIENTS, MODELS, SYSTEM_PROMPTS};
use crate::ids::push_random;
use crate::prompts::automation::{self, BATCH_TEMPLATES, HARNESSES};
use crate::prompts::tasks::Area;
use crate::record::{Body, Class};
use crate::style::Style;
use crate::timing::{self, DAY_MS};
use rand::Rng;

/// Appends `template` with its one `{slot}` replaced by what `f` writes.
fn wrap(template: &str, slot: &str, out: &mut String, f: impl FnOnce(&mut String)) {
    match template.split_once(slot) {
        Some((a, b)) => {
            out.push_str(a);
            f(out);
            out.push_str(b);
        }
        None => out.push_str(template),
    }
}

/// Sets the account's personal system prompt, if it has one.
fn personal_system(habit: u16, system: &mut String) {
    if habit > 0 {
        system.push_str(SYSTEM_PROMPTS[(habit as usize - 1) % SYSTEM_PROMPTS.len()]);
    }
}

impl Simulator {
    /// Writes account `i`'s request at `ts` into `self.rec`.
    pub(super) fn fill(&mut self, i: usize, ts: i64) {
        let Simulator {
            rng,
            accounts,
            kit,
            rec: r,
            tools,
            ci_orgs,
            campaigns,
            scratch,
            organic_style,
            ci_style,
            eval_style,
            batch_style,
            ..
        } = self;
        let a = &mut accounts[i];
        r.ts = ts;
        r.request_id.clear();
        push_random(&mut r.request_id, "req_", 20, rng);
        r.account_id.clear();
        r.account_id.push_str(a.id.as_str());
        r.org_id.clear();
        r.org_id.push_str(a.org.as_str());
        r.payment_fingerprint.clear();
        r.payment_fingerprint.push_str(a.pay.as_str());
        r.api_key_id.clear();
        r.api_key_id
            .push_str(a.keys[rng.gen_range(0..a.nkeys as usize)].as_str());
        r.account_created_at = a.created_at;
        let client = CLIENTS[a.client as usize];
        r.user_agent = client.ua;
        r.endpoint = client.endpoint;
        r.model = MODELS[a.model as usize];
        r.stream = a.stream;
        r.system.clear();
        r.text.clear();
        let mut tools_n: Option<u32> = None;
        let style: &Style;
        match a.pop {
            Pop::Organic => {
                r.class = Class::Organic;
                r.campaign = None;
                r.ip = a.cur.ip;
                r.asn = a.cur.asn;
                kit.organic(rng, &mut r.text);
                style = organic_style;
                personal_system(a.habit, &mut r.system);
            }
            Pop::Tool(k) => {
                let t = &tools[k as usize];
                r.class = Class::Organic;
                r.campaign = None;
                r.ip = a.cur.ip;
                r.asn = a.cur.asn;
                r.system.push_str(&t.system);
                scratch.clear();
                kit.tool_request(rng, scratch);
                automation::tool_user_message(rng, scratch, &mut r.text);
                tools_n = Some(t.tools);
                style = &t.style;
            }
            Pop::Ci(o) => {
                let (egress, template) = &ci_orgs[o as usize];
                let ep = egress[rng.gen_range(0..egress.len())];
                r.class = Class::Automation;
                r.campaign = None;
                r.ip = ep.ip;
                r.asn = ep.asn;
                automation::ci_prompt(rng, *template as usize, &mut r.text);
                style = ci_style;
            }
            Pop::Eval => {
                let ep = if rng.gen_bool(0.5) { a.home } else { a.mobile };
                r.class = Class::Automation;
                r.campaign = None;
                r.ip = ep.ip;
                r.asn = ep.asn;
                let (sys, wrapper) = HARNESSES[a.habit as usize % HARNESSES.len()];
                r.system.push_str(sys);
                let b = a.aux2 as usize;
                let item = kit.bench_item(b, a.aux as usize % kit.bench_len(b));
                wrap(wrapper, "{item}", &mut r.text, |o| o.push_str(item));
                style = eval_style;
            }
            Pop::Batch => {
                r.class = Class::Automation;
                r.campaign = None;
                r.ip = a.home.ip;
                r.asn = a.home.asn;
                let t = BATCH_TEMPLATES[a.habit as usize % BATCH_TEMPLATES.len()];
                wrap(t, "{doc}", &mut r.text, |o| automation::document(rng, o));
                style = batch_style;
            }
            Pop::Campaign(c) => {
                let cp = &mut campaigns[c as usize];
                r.class = Class::Attack;
                r.campaign = Some(c);
                let ep = if cp.cfg.dedicated_ips {
                    a.cur
                } else {
                    if rng.gen::<f64>() < cp.cfg.ip_rotate_share {
                        a.aux = rng.gen_range(0..cp.pool.len()) as u32;
                    }
                    cp.pool[a.aux as usize % cp.pool.len()]
                };
                r.ip = ep.ip;
                r.asn = ep.asn;
                a.budget = a.budget.saturating_sub(1);
                personal_system(a.habit, &mut r.system);
                if cp.cfg.camouflage_share > 0.0 && rng.gen::<f64>() < cp.cfg.camouflage_share {
                    kit.organic(rng, &mut r.text);
                    style = organic_style;
                } else {
                    let area = kit.campaign(&cp.prompts, cp.next_task, rng, &mut r.text);
                    cp.next_task += 1;
                    if area == Area::Agentic {
                        tools_n = Some(rng.gen_range(3..=cp.style.tools_max.max(3)));
                    }
                    style = &cp.style;
                }
            }
        }
        // Completions-style clients have no system field: the harness/tool text goes first.
        r.body = match client.api {
            Api::Prompt => {
                if !r.system.is_empty() {
                    scratch.clear();
                    scratch.push_str(&r.system);
                    scratch.push_str("\n\n");
                    scratch.push_str(&r.text);
                    std::mem::swap(scratch, &mut r.text);
                    r.system.clear();
                }
                Body::Prompt
            }
            Api::Messages if a.blocks && rng.gen_bool(0.5) => Body::Blocks,
            Api::Messages => Body::Messages,
        };
        r.max_tokens = style.max_tokens[rng.gen_range(0..style.max_tokens.len())];
        r.thinking = rng.gen::<f64>() < style.thinking_share;
        r.temperature = (rng.gen::<f64>() < style.temperature_share)
            .then(|| style.temperatures[rng.gen_range(0..style.temperatures.len())]);
        r.tools = tools_n.unwrap_or_else(|| {
            if rng.gen::<f64>() < style.tools_share {
                rng.gen_range(1..=style.tools_max.max(1))
            } else {
                0
            }
        });
        r.input_tokens = ((r.system.len() + r.text.len()) / 4) as u32 + r.tools * 90 + 8;
        if rng.gen::<f64>() < style.error_rate {
            r.status = match rng.gen_range(0..10) {
                0..=4 => 429,
                5..=6 => 500,
                7..=8 => 529,
                _ => 400,
            };
            r.output_tokens = 0;
        } else {
            r.status = 200;
            let mut out = timing::lognormal(rng, style.output_tokens_median.max(1.0).ln(), 0.8);
            if r.thinking {
                out *= rng.gen_range(1.5..3.0);
            }
            r.output_tokens = (out as u32).clamp(1, r.max_tokens.max(1));
        }
        let day = ts.div_euclid(DAY_MS) as i32;
        if a.day != day {
            a.day = day;
            a.day_count = 0;
        }
        a.day_count += 1;
    }
}

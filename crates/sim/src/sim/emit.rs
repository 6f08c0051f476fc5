//! Filling the reusable record for an account's request at a given time.

use super::{Account, CohortGroup, Pop, Simulator, F_CHAT, F_DORMANT, F_LAB, F_SESSION};
use crate::clients::{Api, CLIENTS, MODELS, SYSTEM_PROMPTS};
use crate::ids::push_random;
use crate::prompts::automation::{self, BATCH_TEMPLATES, HARNESSES};
use crate::prompts::chat;
use crate::prompts::tasks::Area;
use crate::prompts::PromptKit;
use crate::record::{Body, Class, SimRecord};
use crate::scenario::{CohortKind, PromptSource};
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

const SALT_USER: u64 = 0x05E4_0000_0000;
const SALT_ANSWER: u64 = 0x0A45_0000_0000;

/// What the first user turn of a conversation is (the low byte of the conversation seed
/// says which item: exercise number, starter, ...).
#[derive(Clone, Copy)]
enum First<'a> {
    /// An organic prompt.
    Organic,
    /// A shared-tool request (file + selection + the user's words).
    Tool,
    /// A cohort's content.
    Group(&'a CohortGroup),
}

/// Appends the first user turn of conversation `conv`.
fn first_turn(kit: &PromptKit, first: First, conv: u64, out: &mut String) {
    let mut rng = chat::turn_rng(conv, 0, SALT_USER);
    let sel = (conv & 0xFF) as usize;
    match first {
        First::Organic => kit.organic(&mut rng, out),
        First::Tool => {
            let mut req = String::new();
            kit.tool_request(&mut rng, &mut req);
            automation::tool_user_message(&mut rng, &req, out);
        }
        First::Group(g) => match g.kind {
            CohortKind::Course if sel < g.sheet.len() => {
                chat::student_message(&mut rng, &g.sheet[sel], out)
            }
            CohortKind::Course => kit.organic(&mut rng, out),
            CohortKind::Onboarding => chat::work_prompt(&mut rng, out),
            CohortKind::Event => match sel {
                0 => {
                    let mut idea = String::new();
                    chat::hack_idea(&mut rng, &mut idea);
                    wrap(&g.wrapper, "{idea}", out, |o| o.push_str(&idea));
                }
                1 => {
                    crate::prompts::organic::code_request(&mut rng, out);
                    let lang = crate::prompts::code::CODE_LANGS
                        [rng.gen_range(0..crate::prompts::code::CODE_LANGS.len())];
                    out.push_str("\n\n```");
                    out.push_str(lang);
                    out.push('\n');
                    let lines = rng.gen_range(2..12);
                    crate::prompts::code::snippet(&mut rng, lang, lines, out);
                    out.push_str("```");
                }
                _ => kit.organic(&mut rng, out),
            },
            CohortKind::BenchTeam => kit.organic(&mut rng, out),
        },
    }
}

/// Writes the user text (and, for a follow-up, the history) of a conversational request:
/// `follow` continues the account's conversation, otherwise a new one starts whose first
/// turn is item `sel`.
#[allow(clippy::too_many_arguments)]
fn converse(
    rng: &mut impl Rng,
    kit: &PromptKit,
    a: &mut Account,
    first: First,
    follow: bool,
    sel: u8,
    r: &mut SimRecord,
) {
    if follow && a.conv != 0 {
        a.turn = a.turn.saturating_add(1);
        let n = a.turn as u32;
        let from = n.saturating_sub(rng.gen_range(1..=3));
        for k in from..n {
            let (mut user, mut answer) = (String::new(), String::new());
            if k == 0 {
                first_turn(kit, first, a.conv, &mut user);
            } else {
                chat::followup(&mut chat::turn_rng(a.conv, k, SALT_USER), &mut user);
            }
            chat::answer(&mut chat::turn_rng(a.conv, k, SALT_ANSWER), &mut answer);
            r.history.push((user, answer));
        }
        chat::followup(&mut chat::turn_rng(a.conv, n, SALT_USER), &mut r.text);
    } else {
        a.conv = (rng.gen::<u64>() & !0x1FF) | 0x100 | sel as u64;
        a.turn = 0;
        first_turn(kit, first, a.conv, &mut r.text);
    }
}

/// Whether the next request continues the conversation: not at a session start, a
/// messages-style client, with probability `p`.
fn wants_followup(rng: &mut impl Rng, a: &mut Account, api: Api, p: f64) -> bool {
    let start = a.flags & F_SESSION != 0;
    a.flags &= !F_SESSION;
    api == Api::Messages && !start && a.conv != 0 && a.turn < 12 && rng.gen::<f64>() < p
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
            organic_params,
            ci_style,
            eval_style,
            batch_style,
            cohorts,
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
        r.history.clear();
        let mut tools_n: Option<u32> = None;
        let style: &Style;
        match a.pop {
            Pop::Organic => {
                r.class = Class::Organic;
                r.campaign = None;
                let ep = if a.relay > 0 {
                    // A reseller's customer: a random pool address per request.
                    let pool = &campaigns[a.relay as usize - 1].pool;
                    pool[rng.gen_range(0..pool.len())]
                } else {
                    a.cur
                };
                r.ip = ep.ip;
                r.asn = ep.asn;
                let follow = wants_followup(rng, a, client.api, organic_params.followup);
                converse(rng, kit, a, First::Organic, follow, 0, r);
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
                let follow = wants_followup(rng, a, client.api, t.params.followup);
                converse(rng, kit, a, First::Tool, follow, 0, r);
                tools_n = Some(t.tools);
                style = &t.style;
            }
            Pop::Cohort(g) => {
                let grp = &cohorts[g as usize];
                r.class = Class::Cohort;
                r.campaign = None;
                r.ip = a.cur.ip;
                r.asn = a.cur.asn;
                style = &grp.style;
                match grp.kind {
                    CohortKind::BenchTeam => {
                        a.flags &= !F_SESSION;
                        r.system.push_str(&grp.system);
                        let b = grp.bench as usize % kit.bench_count();
                        let item = kit.bench_item(b, a.aux as usize % kit.bench_len(b));
                        wrap(&grp.wrapper, "{item}", &mut r.text, |o| o.push_str(item));
                    }
                    kind => {
                        let lab = a.flags & F_LAB != 0;
                        let follow = wants_followup(rng, a, client.api, grp.p.followup_share);
                        let sel = match kind {
                            CohortKind::Course => {
                                // Labs go through the sheet in order; homework picks any
                                // exercise or an own question.
                                let n = grp.sheet.len() as u32;
                                if lab {
                                    if !follow {
                                        a.aux += 1;
                                    }
                                    (a.aux.saturating_sub(1) % n.max(1)) as u8
                                } else if rng.gen_bool(0.7) {
                                    rng.gen_range(0..n.max(1)) as u8
                                } else {
                                    255
                                }
                            }
                            CohortKind::Event if a.aux == 0 => {
                                a.aux = 1;
                                0
                            }
                            CohortKind::Event if lab => {
                                if rng.gen_bool(0.8) {
                                    1
                                } else {
                                    2
                                }
                            }
                            CohortKind::Event => 2,
                            _ => 0,
                        };
                        let follow = follow && !(kind == CohortKind::Event && sel == 0);
                        converse(rng, kit, a, First::Group(grp), follow, sel, r);
                        if kind == CohortKind::Onboarding {
                            r.system.push_str(&grp.system);
                        } else {
                            personal_system(a.habit, &mut r.system);
                        }
                    }
                }
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
                let dormant = a.flags & F_DORMANT != 0;
                let ep = if dormant {
                    a.home // the old owner's home address, before the takeover
                } else if cp.cfg.dedicated_ips {
                    a.mobile
                } else {
                    if rng.gen::<f64>() < cp.cfg.ip_rotate_share {
                        a.aux = rng.gen_range(0..cp.pool.len()) as u32;
                    }
                    cp.pool[a.aux as usize % cp.pool.len()]
                };
                r.ip = ep.ip;
                r.asn = ep.asn;
                personal_system(a.habit, &mut r.system);
                let s = cp.cfg.camouflage_share;
                let f = cp.cfg.camouflage_followups;
                let messages = client.api == Api::Messages;
                let session_start = a.flags & F_SESSION != 0;
                a.flags &= !F_SESSION;
                // Chats continue with probability f; new chats start so that the overall
                // camouflage share stays s (chats last 1 / (1 - f) requests on average).
                let cont = f > 0.0
                    && messages
                    && a.flags & F_CHAT != 0
                    && !session_start
                    && rng.gen::<f64>() < f;
                let p_new = if f > 0.0 && messages && s < 1.0 {
                    let len = 1.0 / (1.0 - f);
                    (s / (len * (1.0 - s))).min(1.0)
                } else {
                    s
                };
                if dormant {
                    let follow = messages && !session_start && rng.gen_bool(0.55);
                    converse(rng, kit, a, First::Organic, follow && a.conv != 0, 0, r);
                    style = organic_style;
                } else if cont || (s > 0.0 && rng.gen::<f64>() < p_new) {
                    a.budget = a.budget.saturating_sub(1);
                    converse(rng, kit, a, First::Organic, cont, 0, r);
                    a.flags |= F_CHAT;
                    style = organic_style;
                } else {
                    a.budget = a.budget.saturating_sub(1);
                    a.flags &= !F_CHAT;
                    let area = if cp.cfg.prompt_source == PromptSource::Corpus {
                        kit.campaign_corpus(
                            &cp.prompts,
                            cp.salt,
                            a.aux2 as u32,
                            cp.cfg.reasoning_cue_share,
                            rng,
                            &mut r.text,
                        )
                    } else {
                        kit.campaign(&cp.prompts, cp.next_task, rng, &mut r.text)
                    };
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
        let history: usize = r.history.iter().map(|(u, a)| u.len() + a.len()).sum();
        r.input_tokens = ((r.system.len() + r.text.len() + history) / 4) as u32 + r.tools * 90 + 8;
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

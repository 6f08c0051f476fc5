#!/usr/bin/env python3
"""Fit the organic timing defaults of distillguard-sim from real traces.

Usage: python3 crates/sim/fit/fit_timing.py [/work/shared/timing]

Standard library only. Prints the parameters that are hard-coded in
crates/sim/src/timing.rs (`FITTED`), so a rerun shows whether they still match.

Model (per user):
  * a *session* is a run of the user's messages with gaps < SESSION_GAP_S;
  * within-session think time ~ LogNormal(mu, sigma) (MLE on log gaps);
  * messages per session ~ 1 + Geometric (mean fitted);
  * gap between sessions ~ LogNormal (MLE on log gaps >= SESSION_GAP_S);
  * hour-of-day and day-of-week profiles from the chitchat trace, in local
    time taken as UTC-5 (the NASA trace covers only ~13 h of one day and is
    printed as a cross-check);
  * messages per session: chitchat's human-to-human chats run ~60 messages a
    session, far longer than LLM use, so the default takes the NASA trace's
    requests per session (also printed).
"""
import csv, gzip, math, os, sys, datetime
from collections import defaultdict

SESSION_GAP_S = 30 * 60
# chitchat senders are mostly in the Americas; its UTC trough (08-11 UTC) is the
# local night at UTC-5, which we take as their local time.
CHAT_UTC_OFFSET_H = 5

def lognormal_mle(xs):
    logs = [math.log(x) for x in xs if x > 0]
    n = len(logs)
    mu = sum(logs) / n
    var = sum((l - mu) ** 2 for l in logs) / n
    return mu, math.sqrt(var), n

def quantiles(xs, qs):
    s = sorted(xs)
    return [s[min(len(s) - 1, int(q * len(s)))] for q in qs]

def sessions(times_by_user):
    within, between, lengths = [], [], []
    for ts in times_by_user.values():
        ts.sort()
        run = 1
        for a, b in zip(ts, ts[1:]):
            g = b - a
            if g < SESSION_GAP_S:
                if g > 0:
                    within.append(g)
                run += 1
            else:
                between.append(g)
                lengths.append(run)
                run = 1
        lengths.append(run)
    return within, between, lengths

def main():
    root = sys.argv[1] if len(sys.argv) > 1 else "/work/shared/timing"
    chat = defaultdict(list)
    dow = [0] * 7
    chat_hours = [0] * 24
    with gzip.open(os.path.join(root, "chitchat_message_times.csv.gz"), "rt") as f:
        for row in csv.DictReader(f):
            t = datetime.datetime.strptime(row["timestamp"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc)
            chat[row["sender"]].append(t.timestamp())
            local = t - datetime.timedelta(hours=CHAT_UTC_OFFSET_H)
            dow[local.weekday()] += 1
            chat_hours[local.hour] += 1
    within, between, lengths = sessions(chat)
    mu_w, sd_w, n_w = lognormal_mle(within)
    mu_b, sd_b, n_b = lognormal_mle(between)
    mean_len = sum(lengths) / len(lengths)
    print(f"chitchat: users={len(chat)} messages={sum(len(v) for v in chat.values())}")
    print(f"think_time_lognormal: mu={mu_w:.4f} sigma={sd_w:.4f} n={n_w} median_s={math.exp(mu_w):.1f}")
    print(f"  think quantiles (s) p10,p50,p90,p99 = {quantiles(within, [.1, .5, .9, .99])}")
    print(f"session_gap_lognormal: mu={mu_b:.4f} sigma={sd_b:.4f} n={n_b} median_h={math.exp(mu_b)/3600:.2f}")
    print(f"messages_per_session_mean={mean_len:.3f} sessions={len(lengths)}")
    tot = sum(chat_hours)
    print("hour_profile (chitchat, local = UTC-5, 0..23, mean 1) = [" + ", ".join(f"{24*h/tot:.3f}" for h in chat_hours) + "]")
    tot = sum(dow)
    print("weekday_profile (Mon..Sun, mean 1) = [" + ", ".join(f"{7*d/tot:.3f}" for d in dow) + "]")

    nasa = defaultdict(list)
    hours = [0] * 24
    with open(os.path.join(root, "nasa_19950801_requests.csv")) as f:
        for row in csv.DictReader(f):
            e = int(row["epoch"])
            nasa[row["host"]].append(e)
            hours[((e - 4 * 3600) // 3600) % 24] += 1  # EDT local hour
    # NASA sessions (web clicks, not chat): reported as a cross-check.
    w2, b2, l2 = sessions(nasa)
    mu2, sd2, _ = lognormal_mle(w2)
    print(f"nasa: hosts={len(nasa)} requests={sum(len(v) for v in nasa.values())}")
    print(f"  nasa think lognormal mu={mu2:.4f} sigma={sd2:.4f}; requests/session mean={sum(l2)/len(l2):.3f}")
    tot = sum(hours)
    print("  nasa hours covered: %d of 24 (partial day, cross-check only)" % sum(1 for h in hours if h))
    print("  nasa hour_profile (0..23, mean 1) = [" + ", ".join(f"{24*h/tot:.3f}" for h in hours) + "]")

if __name__ == "__main__":
    main()

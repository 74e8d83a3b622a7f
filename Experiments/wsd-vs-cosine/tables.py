#!/usr/bin/env python3
"""Tables of the wsd-vs-cosine sweep from its results.csv (see analyze.sh).
Usage: tables.py RESULTS_CSV OUT_DIR SPEC_JSON (the spec gives the cooldown fraction).

Writes DIR/seed-means.csv (one row per model x schedule x budget: the mean over seeds, for
`windtunnel plot results`) and DIR/comparison.md (final val loss per schedule with the seed
spread, paired WSD - cosine and linear - 1-sqrt differences, and the compute of branching vs
separate cosine runs), and prints comparison.md.
"""
import csv, json, statistics, sys
from collections import defaultdict

results, out, spec = sys.argv[1], sys.argv[2], sys.argv[3]
cooldown_fraction = json.load(open(spec))["wsd_branches"]["cooldown_fraction"]
rows = [r for r in csv.DictReader(open(results)) if r["kind"] in ("", "run")]

def label(r):
    if r["role"] == "stable":
        return "constant"
    return f"wsd-{r['decay_shape']}" if r["schedule"] == "wsd" else r["schedule"]

def model(r):
    return f"d{r['d_model']} L{r['n_layer']}"

by = defaultdict(dict)  # (model, label, D) -> seed -> row
for r in rows:
    by[(model(r), label(r), float(r["D"]))][r["seed"]] = r

def mean_sd(values):
    return statistics.mean(values), (statistics.stdev(values) if len(values) > 1 else float("nan"))

with open(f"{out}/seed-means.csv", "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["run_id", "model", "d_model", "schedule_label", "D", "C", "val_loss", "val_loss_std", "n_seeds"])
    for (m, lab, d), seeds in sorted(by.items(), key=lambda kv: (int(kv[0][0][1:].split()[0]), kv[0][1], kv[0][2])):
        if lab == "constant":
            continue  # the stable run ends at the last decay start: not a budget of its own
        v = [float(s["val_loss"]) for s in seeds.values()]
        mu, sd = mean_sd(v)
        any_row = next(iter(seeds.values()))
        w.writerow([f"{m.replace(' ', '-')}-{lab}-D{d:.0e}", m, any_row["d_model"], lab, f"{d:.0f}", any_row["C"],
                    f"{mu:.5f}", f"{sd:.5f}", len(v)])

lines = ["| model | D (tokens) | cosine | WSD 1-sqrt | WSD linear | 1-sqrt − cosine (paired) | linear − 1-sqrt (paired) |",
         "|---|---|---|---|---|---|---|"]
models = sorted({k[0] for k in by}, key=lambda m: int(m[1:].split()[0]))
budgets = sorted({k[2] for k in by if k[1] != "constant"})
def fmt(seeds):
    v = [float(s["val_loss"]) for s in seeds.values()]
    mu, sd = mean_sd(v)
    return f"{mu:.4f} ± {sd:.4f}" if len(v) > 1 else f"{mu:.4f}"
def paired(a, b):
    common = sorted(set(a) & set(b))
    diffs = [float(a[s]["val_loss"]) - float(b[s]["val_loss"]) for s in common]
    if not diffs:
        return "—"
    mu, sd = mean_sd(diffs)
    return f"{mu:+.4f} ({', '.join(f'{x:+.4f}' for x in diffs)})"
for m in models:
    for d in budgets:
        c, s1, li = by.get((m, "cosine", d), {}), by.get((m, "wsd-1-sqrt", d), {}), by.get((m, "wsd-linear", d), {})
        if not (c or s1 or li):
            continue
        lines.append(f"| {m} | {d:.0e} | {fmt(c) if c else '—'} | {fmt(s1) if s1 else '—'} | {fmt(li) if li else '—'} "
                     f"| {paired(s1, c)} | {paired(li, s1)} |")

# Compute: per model and seed, the cosine runs vs the stable run plus one shape's cooldowns.
lines += ["", "| model | cosine runs, FLOPs | stable + 1-sqrt cooldowns, FLOPs | ratio | stable + both shapes' cooldowns | ratio |",
          "|---|---|---|---|---|---|"]
for m in models:
    per_seed = defaultdict(lambda: {"cos": 0.0, "stable": 0.0, "cool": defaultdict(float)})
    for (mm, lab, d), seeds in by.items():
        if mm != m:
            continue
        for seed, r in seeds.items():
            c = float(r["C"])
            if lab == "cosine":
                per_seed[seed]["cos"] += c
            elif lab == "constant":
                per_seed[seed]["stable"] += c
            else:
                steps = int(r["steps"])
                cooldown = round(cooldown_fraction * steps)  # the planner's rounding
                per_seed[seed]["cool"][lab] += c * cooldown / steps
    seeds = [v for v in per_seed.values() if v["cos"] > 0 and v["stable"] > 0]
    if not seeds:
        continue
    cos = statistics.mean(v["cos"] for v in seeds)
    one = statistics.mean(v["stable"] + v["cool"]["wsd-1-sqrt"] for v in seeds)
    both = statistics.mean(v["stable"] + sum(v["cool"].values()) for v in seeds)
    lines.append(f"| {m} | {cos:.3g} | {one:.3g} | {one / cos:.2f} | {both:.3g} | {both / cos:.2f} |")

text = "\n".join(lines) + "\n"
open(f"{out}/comparison.md", "w").write(text)
print(text, end="")

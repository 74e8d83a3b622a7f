#!/usr/bin/env python3
"""The exponent a (N* ∝ C^a) after each stage of the ladder, ours next to Porian et al.'s.

Reads fit-<stage>.json (windtunnel fit --law isoflop --out) from the experiment directory, prints
a Markdown table, and writes minima.csv (the parabola minima per stage and budget) for the chart.
Usage: python3 ladder.py EXPERIMENT_DIR
"""
import csv, json, os, sys

X = sys.argv[1]
# Porian et al. 2024, Table 1 / Fig. 1 (../shared/scaling-data/porian/published_exponents.csv):
# a with its 95% bootstrap interval, RefinedWeb and OpenWebText2.
STAGES = [
    ("L0-kaplan", "Reproducing Kaplan et al.", (0.835, 0.824, 0.846), (0.864, 0.819, 0.897)),
    ("L1-lastlayer", "Counting last-layer FLOPs", (0.706, 0.691, 0.717), (0.699, 0.664, 0.724)),
    ("L2-warmup", "Correcting warmup", (0.602, 0.591, 0.617), (0.603, 0.570, 0.629)),
    ("L3-cosine", "Cosine decay", (0.571, 0.560, 0.589), (0.574, 0.542, 0.606)),
    ("L4-tuned", "Optimizer tuning (no decay)", (0.497, 0.491, 0.505), (0.518, 0.493, 0.541)),
    # Our variant: L0-L2 with a 200,000-step horizon (no run decays much); no published value.
    ("L0x-kaplan-h200k", "L0 with a 200k-step horizon", None, None),
    ("L1x-lastlayer-h200k", "L1 with a 200k-step horizon", None, None),
    ("L2x-warmup-h200k", "L2 with a 200k-step horizon", None, None),
]

def fmt(t):
    return f"{t[0]:.3f} [{t[1]:.3f}, {t[2]:.3f}]" if t else "—"

print("| stage | change | ours: a [95%] | budgets used | tokens/param at the largest | Porian RefinedWeb | Porian OWT2 |")
print("|---|---|---|---|---|---|---|")
minima = []
for stage, change, rw, owt in STAGES:
    path = os.path.join(X, f"fit-{stage}.json")
    if not os.path.exists(path):
        print(f"| {stage} | {change} | (not run) | | | {fmt(rw)} | {fmt(owt)} |")
        continue
    fit = json.load(open(path))
    a = fit["parameters"]["a"]
    used = [b for b in fit["budgets"] if b.get("used")]
    for b in used:
        minima.append({"stage": stage, "C": b["C"], "N_opt": b["N_opt"]["estimate"],
                       "D_opt": b["D_opt"]["estimate"], "loss_opt": b.get("loss_opt")})
    last = used[-1] if used else None
    ratio = f"{last['D_opt']['estimate'] / last['N_opt']['estimate']:.0f} (C={last['C']:.2g})" if last else "—"
    ours = (a["estimate"], *a["ci95"]) if a.get("ci95") else (a["estimate"], float("nan"), float("nan"))
    print(f"| {stage} | {change} | {fmt(ours)} | {len(used)} of {len(fit['budgets'])} | {ratio} | {fmt(rw)} | {fmt(owt)} |")
with open(os.path.join(X, "minima.csv"), "w", newline="") as f:
    w = csv.DictWriter(f, fieldnames=["stage", "C", "N_opt", "D_opt", "loss_opt"])
    w.writeheader()
    w.writerows(minima)

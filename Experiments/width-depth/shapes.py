#!/usr/bin/env python3
"""Per size (tokens budget), the tuned val loss of each shape, its aspect ratio d_model/n_layer,
non-embedding parameters and best LR, and its loss relative to the size's best shape. Prints a
Markdown table and writes by-aspect.csv. Usage: python3 shapes.py EXPERIMENT_DIR"""
import csv, os, sys

X = sys.argv[1]
rows = [r for r in csv.DictReader(open(os.path.join(X, "results.csv"))) if r["tuned"] == "1" and r["kind"] == "run"]
sizes = {}
for r in rows:
    sizes.setdefault(float(r["D"]), []).append(r)
out = []
print("| size (N_nonembed, tokens) | shape | d_model / n_layer | N_nonembed | best LR | val loss | vs best shape |")
print("|---|---|---|---|---|---|---|")
for d in sorted(sizes):
    rs = sorted(sizes[d], key=lambda r: int(r["n_layer"]))
    best = min(float(r["val_loss"]) for r in rs)
    mean_n = sum(int(r["N_nonembed"]) for r in rs) / len(rs)
    label = f"~{mean_n / 1e3:.0f}k, {d / 1e6:.0f}M tokens"
    for r in rs:
        v = float(r["val_loss"]); aspect = int(r["d_model"]) / int(r["n_layer"])
        edge = f" ({r['tune_edge']} edge)" if r.get("tune_edge") else ""
        out.append({"size": label, "aspect_ratio": aspect, "val_loss": v, "d_model": r["d_model"], "n_layer": r["n_layer"]})
        print(f"| {label} | d{r['d_model']} L{r['n_layer']} | {aspect:g} | {int(r['N_nonembed'])} | {r['lr']}{edge} | {v:.4f} | {100 * (v / best - 1):+.1f}% |")
with open(os.path.join(X, "by-aspect.csv"), "w", newline="") as f:
    w = csv.DictWriter(f, fieldnames=list(out[0].keys()))
    w.writeheader(); w.writerows(out)

#!/usr/bin/env python3
"""Seed means of the repeated-data sweep: val loss by tokens trained (the 0.5M-token subset
repeated vs unique tokens) and by weight decay at 64 epochs. Prints Markdown tables and writes
by-tokens.csv and by-weight-decay.csv for the charts. Usage: python3 tables.py EXPERIMENT_DIR"""
import csv, os, statistics, sys

X = sys.argv[1]
runs = [r for r in csv.DictReader(open(os.path.join(X, "results.csv"))) if r["kind"] == "run"]
def group(r):
    repeated = r["run_id"].startswith("sub")
    wd = 0.1
    for part in r["run_id"].split("-"):
        if part.startswith("wd"):
            wd = float(part[2:])
    return ("repeated" if repeated else "unique", float(r["D"]), wd)
groups = {}
for r in runs:
    groups.setdefault(group(r), []).append(r)
def stats(rs):
    v = [float(r["val_loss"]) for r in rs]
    return statistics.mean(v), (statistics.stdev(v) if len(v) > 1 else 0.0), float(rs[0]["epochs"]), len(v), \
        statistics.mean(float(r["loss"]) for r in rs)

print("| D (tokens) | epochs (repeated) | repeated: val loss | unique: val loss | repeated − unique | repeated: train loss |")
print("|---|---|---|---|---|---|")
by_tokens = []
for d in sorted({k[1] for k in groups}):
    rep = groups.get(("repeated", d, 0.1)); uni = groups.get(("unique", d, 0.1))
    rs = stats(rep) if rep else None; us = stats(uni) if uni else None
    if rs: by_tokens.append({"data": "0.5M subset repeated", "D": d, "val_loss": rs[0]})
    if us: by_tokens.append({"data": "unique", "D": d, "val_loss": us[0]})
    cell = lambda s: f"{s[0]:.4f} ± {s[1]:.4f}" if s else "—"
    diff = f"{rs[0] - us[0]:+.4f}" if rs and us else "—"
    print(f"| {d:.3g} | {rs[2]:.0f} | {cell(rs)} | {cell(us)} | {diff} | {f'{rs[4]:.4f}' if rs else '—'} |" if rs else
          f"| {d:.3g} | — | — | {cell(us)} | — | — |")
print()
print("| weight decay (64 epochs of 0.5M) | val loss | train loss | val − train |")
print("|---|---|---|---|")
by_wd = []
for key in sorted(k for k in groups if k[0] == "repeated" and k[1] > 3e7):
    s = stats(groups[key])
    by_wd.append({"data": "64 epochs of 0.5M", "weight_decay": key[2], "val_loss": s[0]})
    print(f"| {key[2]:g} | {s[0]:.4f} ± {s[1]:.4f} | {s[4]:.4f} | {s[0] - s[4]:+.4f} |")
for name, rows in (("by-tokens.csv", by_tokens), ("by-weight-decay.csv", by_wd)):
    with open(os.path.join(X, name), "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0].keys()))
        w.writeheader(); w.writerows(rows)

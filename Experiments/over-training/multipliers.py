#!/usr/bin/env python3
"""Per multiplier M: the tuned seed means' loss against C, the reducible loss (loss − E of the
shared-exponent fit), and the slope of log(reducible loss) against log C, which Gadre et al.'s law
predicts to be the same for every M (parallel lines). Writes by-multiplier.csv for the chart and
prints a Markdown table. Usage: python3 multipliers.py EXPERIMENT_DIR"""
import csv, json, math, os, sys

X = sys.argv[1]
spec = json.load(open(os.path.join(X, "over-training.json")))
r_star = float(spec["description"].split("r* = ")[1].split(",")[0])
fit = json.load(open(os.path.join(X, "fit-shared.json")))
E = fit["parameters"]["E"]["estimate"]
rows = [r for r in csv.DictReader(open(os.path.join(X, "results.csv"))) if r["kind"] == "mean" and r["tuned"] == "1"]
out = []
for r in rows:
    n, d, c = float(r["N"]), float(r["D"]), float(r["C"])
    m = d / n / r_star
    label = min([0.25, 1, 4], key=lambda x: abs(math.log(m / x)))
    out.append({"M": label, "N": n, "D": d, "C": c, "tokens_per_param": d / n, "val_loss": float(r["val_loss"]),
                "val_loss_std": r["val_loss_std"], "lr": r["lr"], "reducible_loss": float(r["val_loss"]) - E,
                "held_out": int(c >= 3e12)})
out.sort(key=lambda o: (o["M"], o["C"]))
with open(os.path.join(X, "by-multiplier.csv"), "w", newline="") as f:
    w = csv.DictWriter(f, fieldnames=list(out[0].keys()))
    w.writeheader()
    w.writerows(out)
print(f"E = {E:.4f} (shared-exponent fit); r* = {r_star:g} tokens/param\n")
print("| M | C | N | D | tokens/param | best LR | val loss (± sd, 2 seeds) | loss − E |")
print("|---|---|---|---|---|---|---|---|")
for o in out:
    sd = f" ± {float(o['val_loss_std']):.4f}" if o["val_loss_std"] else ""
    tag = " (held out)" if o["held_out"] else ""
    print(f"| {o['M']:g} | {o['C']:.2g}{tag} | {o['N']:.0f} | {o['D']:.3g} | {o['tokens_per_param']:.0f} | {o['lr']} | {o['val_loss']:.4f}{sd} | {o['reducible_loss']:.4f} |")
print("\n| M | slope of log(loss − E) vs log C (fitted budgets) |")
print("|---|---|")
for m in (0.25, 1, 4):
    pts = [(math.log(o["C"]), math.log(o["reducible_loss"])) for o in out if o["M"] == m and not o["held_out"] and o["reducible_loss"] > 0]
    if len(pts) < 2:
        continue
    mx = sum(p[0] for p in pts) / len(pts); my = sum(p[1] for p in pts) / len(pts)
    slope = sum((p[0] - mx) * (p[1] - my) for p in pts) / sum((p[0] - mx) ** 2 for p in pts)
    print(f"| {m:g} | {slope:.3f} ({len(pts)} budgets) |")

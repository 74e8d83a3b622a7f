#!/usr/bin/env python3
"""Tables of the MoE sparsity law experiment, and the row files its fits read.

Reads results-tune.csv (stage 1: LR per shape and E at C = 1e12, seed 1), results-law.csv (d48 L3
at three budgets, two seeds) and results-law-d64.csv (d64 L4 at 1e12 and 4e12, two seeds), all written by
windtunnel sweep results --csv. Prints Markdown tables:
  1. val loss per LR (stage 1), the best per row in bold;
  2. per budget and E: the seed mean ± half the seed spread, the change against dense (E = 1),
     tokens per expert, and the best E per budget;
Writes by-budget.csv (the seed means, for the chart), fit-rows-1e12.csv (both shapes at C = 1e12:
the rows Clark et al.'s law, in N_active and E at one budget, reads), fit-rows-all.csv (every
seed mean: the Chinchilla form with a sparsity term reads N_active, D and N_active/N_total) and
fit-rows-small.csv (the seed means at C <= 1e12, to predict C = 4e12 from).
With --predict FIT.json (windtunnel fit --law moe on fit-rows-small.csv) it instead evaluates that
fit's Chinchilla form with a sparsity term at the C = 4e12 rows and prints predicted vs observed.
Usage: python3 moe_law.py EXPERIMENT_DIR [--predict FIT.json]
"""
import csv, os, sys

X = sys.argv[1]
PREDICT = sys.argv[3] if len(sys.argv) > 3 and sys.argv[2] == "--predict" else None


def read(name):
    path = os.path.join(X, name)
    return [r for r in csv.DictReader(open(path)) if r["status"] in ("finished", "")] if os.path.exists(path) else []


def write(name, fields, table):
    path = os.path.join(X, name)
    with open(path + ".tmp", "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=fields, extrasaction="ignore")
        w.writeheader()
        # Budgets as 4e+12, not 4000000000000.0 (chart legends show them).
        w.writerows([{k: (f"{v:g}" if k == "C" else v) for k, v in row.items()} for row in table])
    os.replace(path + ".tmp", path)


tune = [r for r in read("results-tune.csv") if r["kind"] == "run"]
lrs = sorted({float(r["lr"]) for r in tune})
print("Stage 1, C = 1e12, seed 1: final val loss per peak LR (bold: the LR stage 2 uses)\n")
print("| shape | E | " + " | ".join(f"lr {lr:g}" for lr in lrs) + " |")
print("|---|---|" + "---|" * len(lrs))
for d in sorted({int(r["d_model"]) for r in tune}):
    for e in sorted({int(r["experts"]) for r in tune}):
        cells = {float(r["lr"]): float(r["val_loss"]) for r in tune if int(r["d_model"]) == d and int(r["experts"]) == e}
        if not cells:
            continue
        best = min(cells, key=cells.get)
        shape = next(f"d{d} L{r['n_layer']}" for r in tune if int(r["d_model"]) == d)
        print(f"| {shape} | {e} | " + " | ".join(
            "—" if lr not in cells else (f"**{cells[lr]:.4f}**" if lr == best else f"{cells[lr]:.4f}") for lr in lrs) + " |")

runs = [r for r in read("results-law.csv") + read("results-law-d64.csv") if r["kind"] == "run"]
groups = {}
for r in runs:
    groups.setdefault((int(r["d_model"]), float(r["isoflop_budget"]), int(r["experts"])), []).append(r)

table = []
for (d, c, e), rs in sorted(groups.items()):
    losses = [float(r["val_loss"]) for r in rs]
    mean = sum(losses) / len(losses)
    r0 = rs[0]
    table.append({"shape": f"d{d} L{r0['n_layer']}", "d_model": d, "C": c, "experts": e, "seeds": len(rs),
                  "val_loss": mean, "half_spread": (max(losses) - min(losses)) / 2,
                  "N": int(r0["N"]), "N_active": int(r0["N_active"]), "D": float(r0["D"]), "lr": float(r0["lr"]),
                  "tokens_per_expert": float(r0["D"]) / e, "loss": mean, "run_id": f"d{d}-c{c:g}-e{e}"})

print("\nStage 2: final val loss, mean of 2 seeds ± half their spread; Δ against dense (E = 1) of the"
      " same shape and budget; tokens each expert sees over the run (top-1: D / E)\n")
print("| shape | C | E | total params | val loss | Δ vs dense | tokens per expert |")
print("|---|---|---|---|---|---|---|")
best_per = {}
for t in table:
    dense = next(u for u in table if u["d_model"] == t["d_model"] and u["C"] == t["C"] and u["experts"] == 1)
    key = (t["shape"], t["C"])
    if key not in best_per or t["val_loss"] < best_per[key]["val_loss"]:
        best_per[key] = t
    delta = t["val_loss"] - dense["val_loss"]
    print(f"| {t['shape']} | {t['C']:g} | {t['experts']} | {t['N'] / 1e6:.2f} M | {t['val_loss']:.4f} ± {t['half_spread']:.4f} "
          f"| {'—' if t['experts'] == 1 else f'{delta:+.4f}'} | {t['tokens_per_expert'] / 1e3:.0f} k |")

print("\nBest E per shape and budget (seed means):\n")
print("| shape | C | best E | its loss | next best E | gap to it | larger of the two seed half-spreads |")
print("|---|---|---|---|---|---|---|")
for (shape, c), b in sorted(best_per.items(), key=lambda kv: (kv[0][0], kv[0][1])):
    others = sorted((t for t in table if t["shape"] == shape and t["C"] == c and t is not b), key=lambda t: t["val_loss"])
    nb = others[0]
    print(f"| {shape} | {c:g} | {b['experts']} | {b['val_loss']:.4f} | {nb['experts']} | {nb['val_loss'] - b['val_loss']:.4f} "
          f"| {max(b['half_spread'], nb['half_spread']):.4f} |")

fields = ["run_id", "shape", "d_model", "C", "experts", "seeds", "val_loss", "half_spread", "loss", "N", "N_active", "D", "lr",
          "tokens_per_expert"]
write("by-budget.csv", fields, table)
write("fit-rows-1e12.csv", fields, [t for t in table if t["C"] == 1e12])
write("fit-rows-all.csv", fields, table)
write("fit-rows-small.csv", fields, [t for t in table if t["C"] <= 1e12])

if PREDICT:
    import json
    p = {k.split(".", 1)[1]: v["estimate"] for k, v in json.load(open(PREDICT))["parameters"].items()
         if k.startswith("chinchilla_moe.")}
    print(f"\nHeld out: the C = 4e12 seed means, predicted by L = E + A/N_active^alpha + B/D^beta + F·(N_active/N)^gamma"
          f" fitted on the {sum(1 for t in table if t['C'] <= 1e12)} seed means at C <= 1e12 ({os.path.basename(PREDICT)}):\n")
    print("| E | observed | predicted | error | observed Δ vs dense | predicted Δ vs dense |")
    print("|---|---|---|---|---|---|")
    held = [t for t in table if t["C"] == 4e12]
    pred = {t["experts"]: p["E"] + p["A"] / t["N_active"] ** p["alpha"] + p["B"] / t["D"] ** p["beta"]
            + p["F"] * (t["N_active"] / t["N"]) ** p["gamma"] for t in held}
    dense = next(t for t in held if t["experts"] == 1)
    errors = []
    for t in held:
        e = t["experts"]
        errors.append((pred[e] - t["val_loss"]) / t["val_loss"])
        print(f"| {e} | {t['val_loss']:.4f} | {pred[e]:.4f} | {100 * errors[-1]:+.2f}% | {t['val_loss'] - dense['val_loss']:+.4f} "
              f"| {pred[e] - pred[1]:+.4f} |")
    print(f"\nmean |error| {100 * sum(abs(x) for x in errors) / len(errors):.2f}%; best E observed "
          f"{min(held, key=lambda t: t['val_loss'])['experts']}, predicted {min(pred, key=pred.get)}")

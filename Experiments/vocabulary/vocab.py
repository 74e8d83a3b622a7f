#!/usr/bin/env python3
"""The compute-optimal vocabulary per budget (Tao et al. 2024's approach 1, at tiny scale).

Reads results.csv (windtunnel sweep results --csv) of sweep.json: six BPE vocabularies, each an
isoFLOP family of shapes at four budgets, every point tuned over three peak LRs (seed 1).
  1. per (V, C): the tuned rows' bits per byte against log N_nonembed; a parabola through the
     three sizes around the lowest gives that vocabulary's minimum (the lowest observed point
     when it sits at the edge of the sizes or fewer than three sizes ran);
  2. per C: the vocabulary with the lowest minimum, V*, and a parabola in log V through its
     neighbours for a continuous V*;
  3. V* and the vocabulary parameters at the optimum, N_v* = V*·d*, as power laws of C (least
     squares in log-log), next to Tao et al.'s N_v* ∝ C^0.42.
Writes tuned.csv (the best LR of each point), minima.csv (step 1) and optimum.csv (step 2) next
to results.csv, and prints Markdown tables.
Usage: python3 vocab.py EXPERIMENT_DIR
"""
import csv, math, os, sys

X = sys.argv[1]
rows = [r for r in csv.DictReader(open(os.path.join(X, "results.csv")))
        if r["kind"] == "run" and r["tuned"] == "1" and r["val_bpb"]]
rows.sort(key=lambda r: (int(r["vocab_size"]), float(r["isoflop_budget"]), int(r["N_nonembed"])))


def write(name, fields, table):
    path = os.path.join(X, name)
    with open(path + ".tmp", "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=fields)
        w.writeheader()
        w.writerows(table)
    os.replace(path + ".tmp", path)


def parabola_min(xs, ys):
    """Vertex (x, y) of the parabola through three points; None when it opens downwards."""
    (x0, x1, x2), (y0, y1, y2) = xs, ys
    d = (x0 - x1) * (x0 - x2) * (x1 - x2)
    a = (x2 * (y1 - y0) + x1 * (y0 - y2) + x0 * (y2 - y1)) / d
    b = (x2 * x2 * (y0 - y1) + x1 * x1 * (y2 - y0) + x0 * x0 * (y1 - y2)) / d
    if a <= 0:
        return None
    c = y0 - a * x0 * x0 - b * x0
    xv = -b / (2 * a)
    return xv, c - b * b / (4 * a)


def lowest(points):
    """points: [(x, y, extra)] sorted by x. (x*, y*, extra of the lowest, how) with a parabola
    through the lowest point and its neighbours when it is interior."""
    i = min(range(len(points)), key=lambda k: points[k][1])
    if 0 < i < len(points) - 1:
        v = parabola_min([p[0] for p in points[i - 1:i + 2]], [p[1] for p in points[i - 1:i + 2]])
        if v:
            return v[0], v[1], points[i][2], "parabola"
    return points[i][0], points[i][1], points[i][2], "edge" if len(points) > 1 else "single"


vocabs = sorted({int(r["vocab_size"]) for r in rows})
budgets = sorted({float(r["isoflop_budget"]) for r in rows})
write("tuned.csv", list(rows[0].keys()), rows)

minima = []
for v in vocabs:
    for c in budgets:
        pts = [(math.log(int(r["N_nonembed"])), float(r["val_bpb"]), r)
               for r in rows if int(r["vocab_size"]) == v and float(r["isoflop_budget"]) == c]
        if not pts:
            continue
        x, y, best, how = lowest(pts)
        minima.append({"vocab_size": v, "C": f"{c:g}", "bpb_min": f"{y:.4f}", "N_nonembed_opt": f"{math.exp(x):.0f}",
                       "d_model_best": best["d_model"], "n_layer_best": best["n_layer"], "lr_best": best["lr"],
                       "sizes": len(pts), "how": how, "epochs_best": f"{float(best['epochs']):.2f}"})
write("minima.csv", list(minima[0].keys()), minima)

print("Minimum bits per byte per vocabulary and budget (isoFLOP parabola over shapes; * = the lowest"
      " observed size was at an edge, so the true minimum may be lower):\n")
print("| V | " + " | ".join(f"C = {c:g}" for c in budgets) + " |")
print("|---|" + "---|" * len(budgets))
for v in vocabs:
    cells = []
    for c in budgets:
        m = next((m for m in minima if m["vocab_size"] == v and float(m["C"]) == c), None)
        cells.append("—" if m is None else m["bpb_min"] + ("*" if m["how"] != "parabola" else "")
                     + f" (d{m['d_model_best']} L{m['n_layer_best']})")
    print(f"| {v} | " + " | ".join(cells) + " |")

def tao_nv(c):
    """Tao et al.'s approach-1 fit, N_v* = exp(-1.589)·C^0.4164 (optimal_Nv_predict.py of
    sail-sg/scaling-with-vocab), fitted on 33M-3B models and extrapolated here far below them."""
    return math.exp(-1.589031299255507) * c ** 0.4163622634135234


optimum = []
for c in budgets:
    per_v = sorted((int(m["vocab_size"]), float(m["bpb_min"]), m) for m in minima if float(m["C"]) == c)
    x, y, m, how = lowest([(math.log(v), b, m) for v, b, m in per_v])
    v_star = math.exp(x)
    d_star = int(m["d_model_best"])
    optimum.append({"C": f"{c:g}", "V_opt": f"{v_star:.0f}", "V_best_grid": m["vocab_size"], "bpb_opt": f"{y:.4f}",
                    "d_model_at_opt": d_star, "N_v_opt": f"{v_star * d_star:.0f}",
                    "N_nonembed_opt": m["N_nonembed_opt"], "how": how, "vocabs": len(per_v)})
write("optimum.csv", list(optimum[0].keys()), optimum)

print("\nThe compute-optimal vocabulary per budget (parabola in log V through the best grid vocabulary"
      " and its neighbours; `edge` = the best is the smallest or largest vocabulary trained):\n")
print("| C | vocabularies | best on the grid | V* | bpb at V* | d_model there | N_v* = V*·d | Tao et al.'s N_v*, extrapolated | their V* at our d |")
print("|---|---|---|---|---|---|---|---|---|")
for o in optimum:
    tao = tao_nv(float(o["C"]))
    print(f"| {o['C']} | {o['vocabs']} | {o['V_best_grid']} | {o['V_opt']}{' (edge)' if o['how'] != 'parabola' else ''} "
          f"| {o['bpb_opt']} | {o['d_model_at_opt']} | {o['N_v_opt']} | {tao:.0f} | {tao / o['d_model_at_opt']:.0f} |")


def slope(xs, ys):
    lx, ly = [math.log(x) for x in xs], [math.log(y) for y in ys]
    mx, my = sum(lx) / len(lx), sum(ly) / len(ly)
    sxx = sum((a - mx) ** 2 for a in lx)
    return sum((a - mx) * (b - my) for a, b in zip(lx, ly)) / sxx


cs = [float(o["C"]) for o in optimum]
interior = [o for o in optimum if o["how"] == "parabola"]
print(f"\nV* is inside the vocabularies trained at {len(interior)} of {len(optimum)} budgets.")
if len(cs) >= 2:
    # An edge optimum is a bound, not a value: a slope through bounds is not a growth rate.
    caveat = "" if len(interior) == len(optimum) else " (through grid-edge optima: a bound-driven slope, not a measured growth rate)"
    print(f"Power laws over the {len(cs)} budgets (least squares in log-log){caveat}:")
    print(f"- V* ∝ C^{slope(cs, [float(o['V_opt']) for o in optimum]):.2f}")
    print(f"- N_v* = V*·d ∝ C^{slope(cs, [float(o['N_v_opt']) for o in optimum]):.2f}"
          "   (Tao et al. 2024, approach 1: N_v* ∝ C^0.42; their N_nv* and data ∝ C^0.5)")

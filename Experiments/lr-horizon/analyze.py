#!/usr/bin/env python3
"""Best LR per training length (lr-horizon sweep): for each length D, the grid's best LR and an
interpolated optimum (a parabola in log LR through the best point and its neighbours, as Bjorck et
al. fit val loss against log LR), then LR*(D) = B·D^(−β) by least squares in log-log, with the
exponent's spread over leave-one-length-out fits.
The power law is fitted over all lengths and over the lengths from MIN_D up (default 5e5: the
shortest length, 122 steps, trains to 0.6 tokens/parameter and behaves differently, see README).
Usage: Experiments/lr-horizon/analyze.py RESULTS_CSV OUT_DIR [MIN_D]   (writes OUT_DIR/lr-star.tsv)"""
import csv, math, sys
from collections import defaultdict

rows = [r for r in csv.DictReader(open(sys.argv[1])) if r["kind"] in ("", "run") and r["val_loss"]]
out = sys.argv[2]
min_d = float(sys.argv[3]) if len(sys.argv) > 3 else 5e5
by_d = defaultdict(list)
for r in rows:
    by_d[float(r["D"])].append((float(r["lr"]), float(r["val_loss"]), float(r["val_loss_se"] or "nan")))

def parabola_min(pts):
    """Vertex of the parabola through three (log lr, loss) points; None if it opens downwards."""
    (x1, y1), (x2, y2), (x3, y3) = pts
    den = (x1 - x2) * (x1 - x3) * (x2 - x3)
    a = (x3 * (y2 - y1) + x2 * (y1 - y3) + x1 * (y3 - y2)) / den
    b = (x3 * x3 * (y1 - y2) + x2 * x2 * (y3 - y1) + x1 * x1 * (y2 - y3)) / den
    return None if a <= 0 else -b / (2 * a)

def fit(points):
    xs = [math.log(d) for d, _ in points]; ys = [math.log(l) for _, l in points]
    n = len(xs); mx = sum(xs) / n; my = sum(ys) / n
    slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sum((x - mx) ** 2 for x in xs)
    return -slope, math.exp(my - slope * mx)

lines = ["D\tbest_lr_grid\tbest_val_loss\tse\tlr_star_interp\tedge\tlosses_by_lr"]
grid_pts, interp_pts = [], []
for d in sorted(by_d):
    pts = sorted(by_d[d])
    i = min(range(len(pts)), key=lambda j: pts[j][1])
    edge = "low" if i == 0 else "high" if i == len(pts) - 1 else ""
    interp = None
    if not edge:
        v = parabola_min([(math.log(pts[j][0]), pts[j][1]) for j in (i - 1, i, i + 1)])
        interp = math.exp(v) if v is not None else None
    grid_pts.append((d, pts[i][0]))
    if interp:
        interp_pts.append((d, interp))
    lines.append(f"{d:.3g}\t{pts[i][0]:g}\t{pts[i][1]:.4f}\t{pts[i][2]:.4f}\t{interp:.3g}\t{edge}\t" if interp else
                 f"{d:.3g}\t{pts[i][0]:g}\t{pts[i][1]:.4f}\t{pts[i][2]:.4f}\t\t{edge}\t")
    lines[-1] += " ".join(f"{lr:g}:{l:.4f}" for lr, l, _ in pts)
for name, all_pts in (("grid", grid_pts), ("interpolated", interp_pts)):
    for scope, pts in (("all lengths", all_pts), (f"D >= {min_d:.3g}", [p for p in all_pts if p[0] >= min_d])):
        if len(pts) < 2:
            continue
        beta, b = fit(pts)
        loo = [fit(pts[:j] + pts[j + 1:])[0] for j in range(len(pts))] if len(pts) >= 3 else []
        spread = f"; leave one length out: {min(loo):.3f} to {max(loo):.3f}" if loo else ""
        lines.append(f"# LR*(D) = {b:.3g} * D^(-beta), beta = {beta:.3f}: {name} optima, {scope} ({len(pts)}{spread})")
text = "\n".join(lines) + "\n"
open(f"{out}/lr-star.tsv", "w").write(text)
print(text, end="")

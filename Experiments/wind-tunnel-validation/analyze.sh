#!/bin/bash
# Fits every law on the small runs up to C_max and predicts the larger runs it did not see,
# with tuned rows (the best LR of each point) and with untuned rows (lr 2e-3 only).
# Usage: Experiments/wind-tunnel-validation/analyze.sh [WINDTUNNEL]   (from the repository root)
set -euo pipefail
B=${1:-.build/release/windtunnel}
X=Experiments/wind-tunnel-validation
OUT=sweeps/wtv-analysis
mkdir -p $OUT
$B sweep results $X/fit-sweep.json --csv > $X/fit-results.csv
$B sweep results $X/holdout-sweep.json --csv > $X/holdout-results.csv
# Both tables have the same columns; every point of both is tuned over its LR grid.
{ cat $X/fit-results.csv; tail -n +2 $X/holdout-results.csv; } > $OUT/tuned.csv
# Untuned: the runs at lr 2e-3 (the old quickstart's shared LR), every one a point of its own.
awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "lr") c = i } NR == 1 || $c == "0.002"' \
    $X/fit-results.csv > $OUT/untuned.csv
# A run's C is its budget to within a step's FLOPs, so the cut sits between two budgets.
cut() { case $1 in 1e11) echo 2e11;; 3e11) echo 5e11;; 1e12) echo 2e12;; esac; }
for law in chinchilla farseer isoflop; do
  for cmax in 1e11 3e11 1e12; do
    $B fit --law $law --input $OUT/tuned.csv --holdout "C>=$(cut $cmax)" --bootstrap 200 --out $OUT/tuned-$law-$cmax > $OUT/tuned-$law-$cmax.txt
  done
  for cmax in 1e11 3e11; do
    $B fit --law $law --input $OUT/untuned.csv --all-rows --holdout "C>=$(cut $cmax)" --bootstrap 200 --out $OUT/untuned-$law-$cmax > $OUT/untuned-$law-$cmax.txt
  done
done
# One line per (rows, law, C_max, held-out budget): the best held-out run of that budget (the
# frontier point) and the mean over its runs.
python3 - "$OUT" <<'PY' | tee $X/validation.tsv
import json, sys, glob, os, collections
out = sys.argv[1]
print("rows\tlaw\tC_max\tC\tx\tepochs\tbest_observed\tpredicted\tci95\trel_err\tcovered\tmean_abs_err_all_runs\tn_runs")
for path in sorted(glob.glob(f"{out}/*/fit.json")):
    name = os.path.basename(os.path.dirname(path))
    rows, law, cmax = name.split("-")
    fit = json.load(open(path))
    by_budget = collections.defaultdict(list)
    for r in fit["holdout"]["rows"]:
        by_budget[round(r["C"], -9)].append(r)
    for c, rs in sorted(by_budget.items()):
        best = min(rs, key=lambda r: r["observed"])
        p = best["predicted"]
        mean = sum(abs(r["relative_error"]) for r in rs) / len(rs)
        print(f"{rows}\t{law}\t{cmax}\t{best['C']:.3g}\t{best['extrapolation_factor']:.1f}\t{best['epochs']:.2f}\t{best['observed']:.4f}\t{p['estimate']:.4f}\t[{p['ci95'][0]:.3f}, {p['ci95'][1]:.3f}]\t{100*best['relative_error']:+.2f}%\t{best['covered']}\t{100*mean:.2f}%\t{len(rs)}")
PY

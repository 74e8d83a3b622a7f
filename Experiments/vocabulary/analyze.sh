#!/bin/bash
# Vocabulary: results table (sweep.json and sweep-large.json), the per-vocabulary isoFLOP minima and the optimal vocabulary per
# budget (vocab.py), and the charts.
# Usage: Experiments/vocabulary/analyze.sh [WINDTUNNEL]   (from the repository root)
set -euo pipefail
B=${1:-.build/release/windtunnel}
X=Experiments/vocabulary
# One table over both specs (sweep-large.json adds 16384 and 32768 into the same out_dir).
$B sweep results $X/sweep.json --csv > $X/results.csv.tmp
[ -d sweeps/vocabulary ] && $B sweep results $X/sweep-large.json --csv | tail -n +2 >> $X/results.csv.tmp
mv $X/results.csv.tmp $X/results.csv
python3 $X/vocab.py $X | tee $X/tables.md
$B plot results --input $X/tuned.csv --x N_nonembed --y val_bpb --series vocab_size --panel isoflop_budget \
   --title "bits per byte vs non-embedding params, per vocabulary (best LR of each point)" --out $X/isoflop.svg
$B plot results --input $X/minima.csv --x vocab_size --y bpb_min --series C \
   --title "isoFLOP minimum bits per byte vs vocabulary size, per budget" --out $X/bpb-vs-vocab.svg

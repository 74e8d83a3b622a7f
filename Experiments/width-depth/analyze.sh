#!/bin/bash
# Width vs depth: the results table, the tuned loss of each shape relative to its size's best, and
# a chart of loss against the aspect ratio d_model / n_layer, one line per size.
# Usage: Experiments/width-depth/analyze.sh [WINDTUNNEL]   (from the repository root)
set -euo pipefail
B=${1:-.build/release/windtunnel}
X=Experiments/width-depth
$B sweep results $X/width-depth.json --csv > $X/results.csv
python3 $X/shapes.py $X | tee $X/shapes.md
$B plot results --input $X/by-aspect.csv --x aspect_ratio --y val_loss --series size \
   --title "Tuned val loss vs d_model / n_layer at fixed non-embedding N (SP)" --out $X/aspect-ratio.svg

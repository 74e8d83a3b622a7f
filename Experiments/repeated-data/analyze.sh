#!/bin/bash
# Repeated vs unique data: the results table, the seed-mean tables (by epochs, by weight decay)
# and a chart of val loss against tokens trained, repeated and unique.
# Usage: Experiments/repeated-data/analyze.sh [WINDTUNNEL]   (from the repository root)
set -euo pipefail
B=${1:-.build/release/windtunnel}
X=Experiments/repeated-data
$B sweep results $X/repeated-data.json --csv > $X/results.csv
python3 $X/tables.py $X | tee $X/tables.md
$B plot results --input $X/by-tokens.csv --x D --y val_loss --series data \
   --title "d32 L2: val loss vs tokens trained, 0.5M-token subset repeated vs unique" --out $X/repeated-vs-unique.svg
$B plot results --input $X/by-weight-decay.csv --x weight_decay --y val_loss --series data \
   --title "d32 L2, 64 epochs of 0.5M tokens: val loss vs weight decay" --out $X/weight-decay.svg

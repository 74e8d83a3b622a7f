#!/bin/bash
# MoE sparsity as a law: results tables of both stages, the tables and row files of moe_law.py,
# the MoE fits (Clark et al. on both shapes at C = 1e12; the Chinchilla form with a sparsity term
# on every seed mean) and the charts.
# Usage: Experiments/moe-sparsity/analyze-law.sh [WINDTUNNEL]   (from the repository root)
set -euo pipefail
B=${1:-.build/release/windtunnel}
X=Experiments/moe-sparsity
$B sweep results $X/law-tune.json --csv > $X/results-tune.csv
$B sweep results $X/law.json --csv > $X/results-law.csv
$B sweep results $X/law-d64.json --csv > $X/results-law-d64.csv
python3 $X/moe_law.py $X | tee $X/law-tables.md
$B fit --law moe --input $X/fit-rows-1e12.csv --bootstrap 200 --out sweeps/moe-law/fit-1e12 | tee $X/fit-1e12.txt
$B fit --law moe --input $X/fit-rows-all.csv --bootstrap 200 --out sweeps/moe-law/fit-all | tee $X/fit-all.txt
cp sweeps/moe-law/fit-1e12/fit.json $X/fit-1e12.json
cp sweeps/moe-law/fit-all/fit.json $X/fit-all.json
$B fit --law moe --input $X/fit-rows-small.csv --bootstrap 200 --out sweeps/moe-law/fit-small | tee $X/fit-small.txt
cp sweeps/moe-law/fit-small/fit.json $X/fit-small.json
python3 $X/moe_law.py $X --predict $X/fit-small.json | sed -n "/^Held out/,$ p" | tee $X/holdout.md
$B plot results --input $X/by-budget.csv --x experts --y val_loss --series shape,C \
   --title "val loss vs experts E (top-1, equal active FLOPs), seed means" --out $X/loss-vs-experts.svg
$B plot results --input $X/results-tune.csv --x lr --y val_loss --series d_model,experts \
   --title "stage 1: val loss vs peak LR at C = 1e12 (seed 1)" --out $X/lr-tuning.svg

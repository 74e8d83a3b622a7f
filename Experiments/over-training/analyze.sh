#!/bin/bash
# Over-training (Gadre et al. 2024): the results table, the shared-exponent Chinchilla law (their
# L = E + A·N^-η + B·D^-η) and the free one fitted on C <= 1e12, each predicting the held-out
# over-trained run at 3.2e12; and loss vs C per multiplier M (reducible loss, log-log).
# Usage: Experiments/over-training/analyze.sh [WINDTUNNEL]   (from the repository root)
set -euo pipefail
B=${1:-.build/release/windtunnel}
X=Experiments/over-training
S=sweeps/over-training
$B sweep results $X/over-training.json --csv > $X/results.csv
$B fit --law chinchilla --shared-exponent --input $S --holdout 'C>=3e12' --out $S/fit-shared > $X/fit-shared.txt
$B fit --law chinchilla --input $S --holdout 'C>=3e12' --out $S/fit-free > $X/fit-free.txt
cp $S/fit-shared/fit.json $X/fit-shared.json; cp $S/fit-free/fit.json $X/fit-free.json
cp $S/fit-shared/holdout.svg $X/holdout-shared.svg
python3 $X/multipliers.py $X | tee $X/multipliers.md
$B plot results --input $X/by-multiplier.csv --x C --y reducible_loss --series M --log-y \
   --title "val loss - E vs C per multiplier M (tuned seed means)" \
   --out $X/loss-vs-compute.svg

#!/bin/bash
# WSD branches vs cosine runs: the results table, seed means and paired differences, the compute
# the branches save, loss-curve and results charts, and the schedule laws fitted on each size's
# constant + cosine runs predicting its WSD branches.
# Usage: Experiments/wsd-vs-cosine/analyze.sh [WINDTUNNEL]   (from the repository root)
set -euo pipefail
B=${1:-.build/release/windtunnel}
X=Experiments/wsd-vs-cosine
S=sweeps/wsd-vs-cosine
$B sweep results $X/wsd-vs-cosine.json --csv > $X/results.csv

# Seed means, paired differences (same seed, same budget) and the cost of branching.
python3 $X/tables.py $X/results.csv $X $X/wsd-vs-cosine.json

# Results: final val loss vs tokens, one line per schedule, a panel per model (seed means).
$B plot results --input $X/seed-means.csv --x D --y val_loss --series schedule_label --panel model \
   --title "WSD (20% cooldown) vs cosine, mean of 2 seeds" --out $X/final-loss.svg
# Loss curves of one seed: the stable run, its 1-sqrt branches and the cosine runs.
for m in d48 d96 d128; do
  $B plot curves --input $S --match "$m-" --match seed1 --exclude linear --x tokens --linear-x \
     --y val_loss --title "$m, seed 1: cosine runs, the constant-LR run and its 1-sqrt cooldowns" \
     --out $X/curves-$m.svg
done

# Schedule laws: fit each size's stable (constant) and cosine curves, predict its WSD branches.
mkdir -p $S/analysis
for m in d48 d96 d128; do
  for seed in 1 2; do
    ids() { awk -F, -v m="$m-" -v s="seed$seed-" -v k="$1" 'NR > 1 && index($1, m) == 1 && index($1, s) && index($1, k) { printf "%s%s", sep, $1; sep = "," }' $X/results.csv; }
    for law in multi-power annealing; do
      # As Luo et al.: fit constant + cosine, predict every WSD branch.
      $B fit --law schedule --schedule-law $law --input $S --loss-col val_loss \
         --fit-runs "$(ids stable),$(ids cosine)" --predict-runs "$(ids wsd)" \
         --json > $S/analysis/schedule-$law-$m-seed$seed.json
      # With the shortest 1-sqrt cooldown fitted too (the law's decay response then has a sharp
      # drop to learn from), predict the longer cooldowns of both shapes.
      $B fit --law schedule --schedule-law $law --input $S --loss-col val_loss \
         --fit-runs "$(ids stable),$(ids cosine),$(ids wsd-1-sqrt-t1e6)" \
         --predict-runs "$(ids wsd-1-sqrt-t2e6),$(ids wsd-1-sqrt-t4e6),$(ids wsd-linear-t2e6),$(ids wsd-linear-t4e6)" \
         --json > $S/analysis/schedule-$law-$m-seed$seed-with-t1e6.json
    done
  done
done
python3 $X/schedule_errors.py $S/analysis $X/wsd-vs-cosine.json | tee $X/schedule-law.tsv

#!/bin/bash
# The Porian et al. ladder: per stage, the results table, approach 2 (isoFLOP parabolas, their
# minima's power law N* ∝ C^a) with its charts, then the exponent table across stages.
# Usage: Experiments/kaplan-vs-chinchilla/analyze.sh [WINDTUNNEL]   (from the repository root)
set -euo pipefail
B=${1:-.build/release/windtunnel}
X=Experiments/kaplan-vs-chinchilla
for s in L0-kaplan L1-lastlayer L2-warmup L3-cosine L4-tuned L0x-kaplan-h200k L1x-lastlayer-h200k L2x-warmup-h200k; do
  S=sweeps/kvc-$s
  [ -d $S ] || { echo "skip $s: $S not run"; continue; }
  $B sweep results $X/$s.json --csv > $X/results-$s.csv
  # Kaplan et al. count non-embedding parameters; every later stage counts them all.
  ncol=(); case $s in L0*) ncol=(--n-col N_nonembed);; esac
  $B fit --law isoflop --input $S "${ncol[@]}" --bootstrap 2000 --out $S/fit-isoflop > /dev/null
  cp $S/fit-isoflop/fit.json $X/fit-$s.json
  cp $S/fit-isoflop/isoflop.svg $X/isoflop-$s.svg
done
python3 $X/ladder.py $X | tee $X/ladder.md
$B plot results --input $X/minima.csv --x C --y N_opt --series stage --log-y \
   --title "N* per budget (isoFLOP minima) by ladder stage" --out $X/frontiers.svg

#!/bin/bash
# Schedule laws on WindTunnel's curves, three ways:
#  within       fitted on one size's constant + cosine val curves (Luo et al.'s protocol),
#               predicting its WSD and both step-decay curves;
#  within+step  the two-stage step curve fitted too (a sharp drop identifies the decay response),
#               predicting its WSD and multi-step curves;
#  transfer     the decay response (multi-power: B, C, beta, gamma; annealing: C) fixed from the
#               other size's within+step fit, the rest fitted on this size's constant curve alone,
#               predicting its cosine, WSD and both step curves.
# Usage: Experiments/schedule-law/analyze.sh [WINDTUNNEL]   (from the repository root)
set -euo pipefail
B=${1:-.build/release/windtunnel}
X=Experiments/schedule-law
S=sweeps/schedule-law
A=$S/analysis
mkdir -p $A
$B sweep results $X/schedule-law.json --csv > $X/results.csv
# Run ids of one model, seed and schedule label (constant, cosine, wsd, step-ms0.8, step-ms0.5_0.75).
ids() { awk -F, -v m="$1-" -v s="seed$2-" -v k="$3" 'NR > 1 && $1 ~ "^"m && index($1, s) && index($1, k) { printf "%s%s", sep, $1; sep = "," }' $X/results.csv; }
decayed() { echo "$(ids $1 $2 wsd),$(ids $1 $2 step-ms0.8-),$(ids $1 $2 step-ms0.5_0.75)"; }
for law in multi-power annealing; do
  case $law in multi-power) fixed="B C beta gamma";; annealing) fixed="C";; esac
  for seed in 1 2; do
    for m in d48 d64; do
      $B fit --law schedule --schedule-law $law --input $S --loss-col val_loss \
         --fit-runs "$(ids $m $seed constant),$(ids $m $seed cosine)" --predict-runs "$(decayed $m $seed)" \
         --json > $A/within-$law-$m-seed$seed.json
      $B fit --law schedule --schedule-law $law --input $S --loss-col val_loss \
         --fit-runs "$(ids $m $seed constant),$(ids $m $seed cosine),$(ids $m $seed step-ms0.8-)" \
         --predict-runs "$(ids $m $seed wsd),$(ids $m $seed step-ms0.5_0.75)" \
         --json > $A/withinstep-$law-$m-seed$seed.json
    done
    for pair in d48:d64 d64:d48; do
      src=${pair%:*}; dst=${pair#*:}
      # The multi-power fits drive gamma to 0 (eta^-gamma -> 1), where fit.json's value underflows;
      # 1e-300 is the same limit inside the law's domain (gamma > 0).
      fix=$(python3 -c "import json,sys; p=json.load(open(sys.argv[1]))['parameters']; print(','.join(f'{n}={max(p[n][\"estimate\"], 1e-300)!r}' for n in sys.argv[2:]))" \
            $A/withinstep-$law-$src-seed$seed.json $fixed)
      # A degenerate source fit (a decay parameter at 0) cannot be fixed: say so and go on.
      if ! $B fit --law schedule --schedule-law $law --input $S --loss-col val_loss --fix "$fix" \
           --fit-runs "$(ids $dst $seed constant)" --predict-runs "$(ids $dst $seed cosine),$(decayed $dst $seed)" \
           --json > $A/transfer-$law-$src-to-$dst-seed$seed.json 2> $A/transfer-$law-$src-to-$dst-seed$seed.err; then
        rm -f $A/transfer-$law-$src-to-$dst-seed$seed.json
        echo "transfer $law $src -> $dst seed $seed: $(cat $A/transfer-$law-$src-to-$dst-seed$seed.err)"
      fi
    done
  done
done
python3 $X/errors.py $A | tee $X/errors.tsv
# Curves of seed 1: every schedule per size.
for m in d48 d64; do
  $B plot curves --input $S --match "$m-" --match seed1 --x tokens --linear-x --y val_loss \
     --title "$m, seed 1: val loss under five schedules (4M tokens)" --out $X/curves-$m.svg
done

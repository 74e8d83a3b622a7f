#!/usr/bin/env python3
"""Errors of the schedule laws' predicted WSD curves (see analyze.sh): for each fit JSON in DIR,
per predicted branch the relative error of the final loss, and the mean and worst relative error
over the points of its cooldown (the part the fitted constant and cosine curves never showed)
and over the whole curve. Prints a TSV.
Usage: schedule_errors.py FIT_JSON_DIR SPEC_JSON (the spec gives the cooldown fraction)."""
import glob, json, os, re, sys

cooldown_fraction = json.load(open(sys.argv[2]))["wsd_branches"]["cooldown_fraction"]

summary = {}
print("law\tfitted\tmodel\tseed\trun\tfinal_signed_err\tfinal_rel_err\tcooldown_mean_rel_err\tcooldown_max_rel_err\tcurve_mean_rel_err\tcooldown_points")
for path in sorted(glob.glob(os.path.join(sys.argv[1], "schedule-*.json"))):
    law, m, seed, variant = re.fullmatch(r"schedule-(multi-power|annealing)-d(\d+)-seed(\d+)(-with-t1e6)?\.json",
                                         os.path.basename(path)).groups()
    fitted = "constant+cosine+wsd-1e6" if variant else "constant+cosine"
    fit = json.load(open(path))
    for p in fit.get("predictions", []):
        steps, obs, pred = p["steps"], p["observed"], p["predicted"]
        total = steps[-1]
        start = total - round(cooldown_fraction * total)
        cool = [(o, q) for s, o, q in zip(steps, obs, pred) if s > start]
        rel = [abs(q - o) / o for o, q in zip(obs, pred)]
        crel = [abs(q - o) / o for o, q in cool]
        signed = (pred[-1] - obs[-1]) / obs[-1]
        summary.setdefault((law, fitted), []).append((p["final_relative_error"], signed))
        print(f"{law}\t{fitted}\td{m}\t{seed}\t{p['run_id']}\t{100 * signed:+.2f}%\t{100 * p['final_relative_error']:.2f}%\t"
              f"{100 * sum(crel) / max(len(crel), 1):.2f}%\t{100 * max(crel, default=0):.2f}%\t"
              f"{100 * sum(rel) / len(rel):.2f}%\t{len(cool)}")
for (law, fitted), errs in sorted(summary.items()):
    absolute = [e for e, _ in errs]; signed = [s for _, s in errs]
    print(f"# {law}, fitted on {fitted}: final-loss error mean {100 * sum(absolute) / len(absolute):.2f}%, "
          f"worst {100 * max(absolute):.2f}%, mean signed {100 * sum(signed) / len(signed):+.2f}% over {len(errs)} predicted branches")

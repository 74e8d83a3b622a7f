#!/usr/bin/env python3
"""Errors of the schedule laws' predicted curves (see analyze.sh). For every fit JSON in DIR and
every predicted curve: the signed relative error of the final loss, and the mean and worst
relative error over the curve's post-warmup points. Prints a TSV, then one summary line per law,
variant and schedule (mean over sizes and seeds).
Usage: errors.py FIT_JSON_DIR"""
import glob, json, os, re, sys

def schedule_of(run_id):
    for label in ("constant", "cosine", "wsd", "step-ms0.8-", "step-ms0.5_0.75"):
        if label in run_id:
            return label.strip("-")
    return "?"

rows, summary = [], {}
print("law\tvariant\tfitted_on\tmodel\tseed\tschedule\tfinal_signed\tcurve_mean\tcurve_worst\tpoints")
for path in sorted(glob.glob(os.path.join(sys.argv[1], "*.json"))):
    name = os.path.basename(path)
    m = re.fullmatch(r"(within|withinstep|transfer)-(multi-power|annealing)-(?:(d\d+)-to-)?(d\d+)-seed(\d+)\.json", name)
    if not m:
        continue
    variant, law, source, model, seed = m.groups()
    fitted_on = {"within": f"{model} constant + cosine", "withinstep": f"{model} constant + cosine + step",
                 "transfer": f"{model} constant, decay response of {source}'s within+step fit"}[variant]
    fit = json.load(open(path))
    for p in fit.get("predictions", []):
        obs, pred = p["observed"], p["predicted"]
        rel = [abs(q - o) / o for o, q in zip(obs, pred)]
        signed = (pred[-1] - obs[-1]) / obs[-1]
        mean, worst = sum(rel) / len(rel), max(rel)
        sched = schedule_of(p["run_id"])
        summary.setdefault((law, variant, sched), []).append((signed, mean, worst))
        print(f"{law}\t{variant}\t{fitted_on}\t{model}\t{seed}\t{sched}\t{100 * signed:+.2f}%\t{100 * mean:.2f}%\t{100 * worst:.2f}%\t{len(obs)}")
for (law, variant, sched), errs in sorted(summary.items()):
    n = len(errs)
    print(f"# {law}\t{variant}\t{sched}\tfinal |err| mean {100 * sum(abs(e[0]) for e in errs) / n:.2f}% "
          f"(signed {100 * sum(e[0] for e in errs) / n:+.2f}%)\tcurve mean {100 * sum(e[1] for e in errs) / n:.2f}%\t"
          f"curve worst {100 * max(e[2] for e in errs):.2f}%\tn={n}")

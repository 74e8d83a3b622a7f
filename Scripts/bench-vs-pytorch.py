#!/usr/bin/env python3
"""Training throughput of WindTunnel vs PyTorch eager, measured side by side.

Alternates the two programs config by config, round by round, at the same thread count, so a
noisy machine slows both alike, and reports the median tokens/s of each and their ratio.

    Scripts/bench-vs-pytorch.py [--threads 2] [--rounds 3] [--configs tiny,small,medium]
                                [--peer ../shared/peers/torch_gpt_bench.py] [--python PYTHON]
    Scripts/bench-vs-pytorch.py --sweep-sizes [--threads 1] [--rounds 3] [--configs qs-d16,...]
                                [--before OLD_WINDTUNNEL]

--sweep-sizes compares at the sizes sweeps train (../shared/peers/torch_small_bench.py, whose
size list `bench train --sweep-sizes` mirrors), one thread by default: sweeps run one
single-threaded process per core. Needs a Python with torch (pip install torch numpy into a venv;
pass it with --python) and a release build (make build). Prints one JSON object per config (with
WindTunnel's MFU against the measured FMA peak), then a table.
"""
import argparse, json, os, statistics, subprocess, sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
STEPS = {"tiny": 30, "small": 8, "medium": 4, "qs-d16": 300, "qs-d24": 200, "qs-d32": 200, "qs-d48": 100,
         "qs-d64": 60, "d128": 10, "d256": 4, "d512": 4}
SWEEP_SIZES = "qs-d16,qs-d24,qs-d32,qs-d48,qs-d64,d128,d256,d512"


def last_json(text, config):
    for line in reversed(text.splitlines()):
        line = line.strip()
        if line.startswith("{"):
            obj = json.loads(line)
            if obj.get("config") == config:
                return obj
    raise SystemExit(f"no JSON result for {config} in output:\n{text}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sweep-sizes", action="store_true", help="the sizes sweeps train (torch_small_bench.py)")
    ap.add_argument("--threads", type=int)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--configs")
    ap.add_argument("--peer")
    ap.add_argument("--python", default=sys.executable)
    ap.add_argument("--windtunnel", default=os.path.join(ROOT, ".build", "release", "windtunnel"))
    ap.add_argument("--before", help="an older windtunnel binary, timed alternately too (before/after)")
    a = ap.parse_args()
    peers = os.path.join(ROOT, "..", "shared", "peers")
    a.peer = a.peer or os.path.join(peers, "torch_small_bench.py" if a.sweep_sizes else "torch_gpt_bench.py")
    a.threads = a.threads or (1 if a.sweep_sizes else 2)
    a.configs = a.configs or (SWEEP_SIZES if a.sweep_sizes else "tiny,small,medium")
    samples = {}
    for r in range(a.rounds):
        for config in a.configs.split(","):
            steps = str(STEPS.get(config, 10))
            # torch_small_bench.py times a window of seconds, torch_gpt_bench.py a number of steps.
            length = ["--seconds", "3"] if a.sweep_sizes else ["--steps", steps]
            torch = subprocess.run([a.python, a.peer, "--threads", str(a.threads), *length, "--configs", config],
                                   capture_output=True, text=True, check=True)
            ours = subprocess.run([a.windtunnel, "bench", "train", "--threads", str(a.threads), "--steps", steps,
                                   "--configs", config, "--json"], capture_output=True, text=True, check=True)
            t, w = last_json(torch.stdout, config), last_json(ours.stdout, config)
            s = samples.setdefault(config, {"torch": [], "windtunnel": [], "mfu": [], "before": [], "torch_version": t.get("torch")})
            if a.before:
                old = subprocess.run([a.before, "bench", "train", "--threads", str(a.threads), "--steps", steps,
                                      "--configs", config, "--json"], capture_output=True, text=True, check=True)
                s["before"].append(last_json(old.stdout, config)["tokens_per_s"])
            s["torch"].append(t["tokens_per_s"])
            s["windtunnel"].append(w["tokens_per_s"])
            s["mfu"].append(w["mfu"])
            s["peak"] = w["peak_gflops"]
            print(f"round {r + 1} {config}: pytorch {t['tokens_per_s']:.0f} tok/s, windtunnel {w['tokens_per_s']:.0f} tok/s",
                  file=sys.stderr, flush=True)
    rows = []
    for config, s in samples.items():
        tm, wm = statistics.median(s["torch"]), statistics.median(s["windtunnel"])
        row = {"config": config, "threads": a.threads, "rounds": a.rounds, "pytorch_tokens_per_s": tm,
               "windtunnel_tokens_per_s": wm, "ratio": round(wm / tm, 3), "windtunnel_mfu": statistics.median(s["mfu"]),
               "peak_gflops": s["peak"], "torch": s["torch_version"]}
        if s["before"]:
            row["before_tokens_per_s"] = statistics.median(s["before"])
            row["after_over_before"] = round(wm / row["before_tokens_per_s"], 3)
        rows.append(row)
        print(json.dumps(row))
    print(f"\n{'config':8} {'PyTorch tok/s':>14} {'WindTunnel tok/s':>17} {'ratio':>7} {'MFU':>6}   "
          f"({a.threads} threads, median of {a.rounds}; FMA peak {rows[0]['peak_gflops'] if rows else 0:.0f} GFLOP/s)")
    for row in rows:
        before = (f"   before {row['before_tokens_per_s']:>9.0f} tok/s, after/before {row['after_over_before']:.2f}"
                  if "before_tokens_per_s" in row else "")
        print(f"{row['config']:8} {row['pytorch_tokens_per_s']:>14.0f} {row['windtunnel_tokens_per_s']:>17.0f} "
              f"{row['ratio']:>7.2f} {100 * row['windtunnel_mfu']:>5.1f}%{before}")


if __name__ == "__main__":
    main()

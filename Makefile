# The two set-up commands (see README.md): `make demo` and `make test`.
SWIFT ?= swift
HUILIU_DEBUG = .build/debug/huiliu
HUILIU_RELEASE = .build/release/huiliu

.PHONY: bootstrap build demo test release bench fuzz lint clean

bootstrap:
	@scripts/bootstrap

build: bootstrap
	$(SWIFT) build --product huiliu

# Builds, runs every pipeline in pipelines/ into data/huiliu.db, prints a summary.
demo: build
	$(HUILIU_DEBUG) demo

# The whole test suite, conformance suites included.
# Tests (and the servers and commands they start) write temporary files under a scratch
# TMPDIR of their own, removed afterwards: repeated runs used to leave gigabytes in /tmp.
test:
	@scripts/bootstrap --tests
	$(SWIFT) build --build-tests
	@scratch=$$(mktemp -d /tmp/huiliu-test.XXXXXX) && \
	  TMPDIR=$$scratch/ $(SWIFT) test --skip-build; status=$$?; rm -rf "$$scratch"; exit $$status

# Cross-module optimization lets the engine inline the record model's accessors across
# module boundaries (about 5–10% on `huiliu bench mapping|connector`, best of 8 runs).
release: bootstrap
	$(SWIFT) build -c release --product huiliu -Xswiftc -cross-module-optimization

# Throughput figures (release build): JSON reader/writer and file → jsonl pipeline.
bench: release
	$(HUILIU_RELEASE) bench all --records 1000000

# Fuzz the HJ 212 frame codec with libFuzzer (SECONDS=600 by default).
fuzz:
	scripts/fuzz-hj212 $(or $(SECONDS),600)

lint: build
	$(HUILIU_DEBUG) lint

clean:
	rm -rf .build data

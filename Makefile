# Tiffin — live restaurant sales on Kafka, in the terminal.
#   make demo   install what is missing, build, run the dashboard on an embedded broker
#   make test   install what is missing, build, run every test
#   make bench  release benchmarks (results go to BENCHMARKS.md by hand)
#   make fuzz   run the parser fuzzer for FUZZ_SECONDS
#   make soak   30 minutes of the wall screen: RSS and CPU every 10 s into soak.csv, a verdict

SHELL := /bin/bash
APT_PACKAGES := librdkafka-dev libncurses-dev libssl-dev pkg-config kcat tmux python3 tzdata procps socat openssl stunnel4 iproute2
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
SWIFT ?= swift
FUZZ_SECONDS ?= 60
TEST_FUZZ_SECONDS ?= 60

.PHONY: all deps build release demo test bench fuzz soak clean

all: build

## Installs the Debian packages that are missing (sudo only when not root).
deps:
	@missing=""; for p in $(APT_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing >/dev/null; \
	fi

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release

demo: release
	.build/release/dashboard --demo

# The heavy end-to-end suites run on their own after the rest: a million records keep both
# cores busy for a minute and a half, and an outage test measures how fast the screen reacts;
# next to the other suites they would eat into those suites' time limits.
HEAVY_SUITES := HostileVolumeTests OutageTests MemoryTests LongStreamTests

test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test $(foreach suite,$(HEAVY_SUITES),--skip $(suite))
	@for suite in $(HEAVY_SUITES); do echo "swift test --filter $$suite"; $(SWIFT) test --skip-build --filter $$suite || exit 1; done
	$(MAKE) fuzz FUZZ_SECONDS=$(TEST_FUZZ_SECONDS)

bench: release
	.build/release/Bench

fuzz: deps
	$(SWIFT) build -c release --scratch-path .build-fuzz --product ParserFuzz -Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING
	mkdir -p fuzz-corpus
	@echo "Fuzzing the order parser for $(FUZZ_SECONDS) s (libFuzzer output: fuzz.log)"
	@.build-fuzz/release/ParserFuzz fuzz-corpus Tests/Fuzz/seeds -dict=Tests/Fuzz/order.dict \
	  -max_total_time=$(FUZZ_SECONDS) -max_len=70000 -timeout=5 -print_final_stats=1 2> fuzz.log \
	  && grep -E "^Done|stat::number_of_executed_units|stat::peak_rss" fuzz.log \
	  || { tail -60 fuzz.log; echo "the fuzzer found a problem: the input is saved as crash-* / timeout-*"; exit 1; }

SOAK_MINUTES ?= 30
SOAK_RATE ?= 500

## Not part of `make test`: half an hour of a steady till and the full-screen dashboard.
soak: release
	python3 tools/soak.py --minutes $(SOAK_MINUTES) --rate $(SOAK_RATE) --csv soak.csv

clean:
	rm -rf .build .build-fuzz

# gokeepalived — build, test, lint. See README.md.
GO        ?= go
BIN       := bin
PKGS      := ./...
STATICCHECK_VERSION := v0.8.2
FUZZTIME  ?= 10s
# Minimising each new interesting input for go test's default 60 s stalled
# the slower targets (FuzzRun found one input a minute); a bounded number of
# attempts keeps them exploring. docs/scenarios.md, "Fuzzing".
FUZZMINIMIZE ?= 100x

.PHONY: all build test test-short lint fmt vet staticcheck fuzz bench demo scenario sweep-seeds clean tools

all: build

build:
	@mkdir -p $(BIN)
	$(GO) build -o $(BIN)/ ./cmd/...

## test: the full unit, property, fuzz-corpus and simulator suite (race detector on).
## Tests that need root or namespaces skip with a one-line reason when they can't run.
test:
	$(GO) test -race -count=1 $(PKGS)

test-short:
	$(GO) test -short -count=1 $(PKGS)

tools:
	@command -v staticcheck >/dev/null 2>&1 || GOFLAGS= $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)

lint: tools
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet $(PKGS)
	PATH="$$PATH:$$($(GO) env GOPATH)/bin" staticcheck $(PKGS)

fmt:
	gofmt -w $$(git ls-files '*.go')

## fuzz: a short run of every fuzz target (FUZZTIME each, new inputs minimised FUZZMINIMIZE).
fuzz:
	@set -e; for pkg in $$($(GO) list $(PKGS)); do \
	  for t in $$($(GO) test -list '^Fuzz' $$pkg 2>/dev/null | grep '^Fuzz' || true); do \
	    echo "fuzz $$pkg $$t"; $(GO) test -run '^$$' -fuzz "^$$t$$" -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZE) $$pkg; \
	  done; done

bench:
	$(GO) test -run '^$$' -bench . -benchmem $(PKGS)

## demo: the seed's touch-down failover (E1) in the simulator: a timeline, then
## who held 172.20.0.100 when and how long each failover took. No root needed.
demo:
	@mkdir -p $(BIN)
	$(GO) build -o $(BIN)/vrrplab ./cmd/vrrplab
	$(BIN)/vrrplab run --summary scenarios/e1_touch_down.scn

## scenario: every scenario file, in the simulator.
scenario:
	$(GO) run ./cmd/vrrplab run --quiet scenarios/...

clean:
	rm -rf $(BIN)

## sweep-seeds: the seed scenarios (scenarios/e*.scn) on 100 simulator seeds
## each: start latency, stop duration, timer lateness and receive latency
## are drawn per seed (issue 9), and every seed must pass.
sweep-seeds:
	$(GO) run ./cmd/vrrplab run --runs 100 --quiet scenarios/e*.scn

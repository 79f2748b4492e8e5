package scenarios

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
)

// scenarioSeeds are the simulator seeds every scenario file runs with. The
// seed drives loss, duplication and jitter; scenarios without those must
// give the same verdicts whatever the seed.
var scenarioSeeds = []int64{1, 2, 3, 42, 1000}

// TestScenarioFiles runs every scenario file (scenarios/*.scn) in the
// simulator, one subtest per file and seed. On failure the timeline is
// printed, with the command that reproduces it.
func TestScenarioFiles(t *testing.T) {
	files, err := filepath.Glob("*.scn")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no scenario files found")
	}
	seeds := scenarioSeeds
	if testing.Short() {
		seeds = seeds[:1]
	}
	for _, f := range files {
		t.Run(strings.TrimSuffix(f, ".scn"), func(t *testing.T) {
			sc, err := ParseFile(f)
			if err != nil {
				t.Fatal(err)
			}
			for _, seed := range seeds {
				var trace bytes.Buffer
				res, err := RunScenario(context.Background(), sc, Options{Seed: seed, Trace: &trace})
				if err != nil {
					t.Fatalf("seed %d: %v", seed, err)
				}
				if res.Skipped != "" {
					t.Skip(res.Skipped)
				}
				if !res.Passed() {
					for _, v := range res.Failed() {
						t.Errorf("seed %d: %s: %s", seed, v.Pos, v)
					}
					for _, e := range res.StepErrors {
						t.Errorf("seed %d: %s", seed, e)
					}
					t.Logf("reproduce: go run ./cmd/vrrplab run --seed %d scenarios/%s\n%s", seed, f, trace.String())
					return
				}
			}
		})
	}
}

// The same seed gives the same timeline, byte for byte: scenarios are
// reproducible (FoundationDB/TigerBeetle-style determinism).
func TestScenarioDeterministic(t *testing.T) {
	run := func() string {
		var buf bytes.Buffer
		res, err := Run(context.Background(), "e9_split_oneway.scn", Options{Seed: 7, Trace: &buf, Verbose: true})
		if err != nil {
			t.Fatal(err)
		}
		WriteSummary(&buf, res)
		return buf.String()
	}
	a, b := run(), run()
	if a != b {
		t.Fatalf("two runs with seed 7 differ:\n%s\n---\n%s", a, b)
	}
	if !strings.Contains(a, "split-brain") {
		t.Fatalf("trace lacks the split brain:\n%s", a)
	}
}

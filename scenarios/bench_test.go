package scenarios

import (
	"context"
	"testing"
)

// BenchmarkScenarioE1 runs the demo scenario (E1, about 41 s of virtual
// time, two daemons with a 1 s check script each) and reports how many
// virtual seconds pass per wall-clock second.
func BenchmarkScenarioE1(b *testing.B) {
	sc, err := ParseFile("e1_touch_down.scn")
	if err != nil {
		b.Fatal(err)
	}
	var virtual float64
	for b.Loop() {
		res, err := RunScenario(context.Background(), sc, Options{Seed: 1})
		if err != nil || !res.Passed() {
			b.Fatalf("E1: %v %v", err, res.Failed())
		}
		virtual += res.End.Seconds()
	}
	b.ReportMetric(virtual/b.Elapsed().Seconds(), "virtual-s/s")
}

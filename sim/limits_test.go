package sim

import (
	"math"
	"testing"
	"time"
)

// finishes runs fn and fails the test if it has not returned within a
// (generous) wall-clock deadline: the inputs below used to livelock the
// simulator, and a test that never returns tells nobody anything.
func finishes(t *testing.T, what string, fn func()) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn()
	}()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatalf("%s did not return within 20s (livelock)", what)
	}
}

// Virtual time never wraps around: running "forever" stops at the
// documented ceiling instead of overflowing int64 nanoseconds (which left
// the clock where it was and ran nothing).
func TestRunSaturatesAtMaxElapsed(t *testing.T) {
	w := NewWorld(Options{Seed: 1})
	w.RunFor(time.Second)
	w.RunFor(math.MaxInt64)
	if got := w.Elapsed(); got != MaxElapsed {
		t.Errorf("after RunFor(MaxInt64): elapsed %v, want the ceiling %v", got, MaxElapsed)
	}
	w.RunFor(time.Hour)
	if got := w.Elapsed(); got != MaxElapsed {
		t.Errorf("past the ceiling: elapsed %v, want %v", got, MaxElapsed)
	}
	w = NewWorld(Options{Seed: 1})
	w.RunFor(time.Second)
	if w.RunUntil(math.MaxInt64, func() bool { return false }) || w.Elapsed() != MaxElapsed {
		t.Errorf("RunUntil(MaxInt64): elapsed %v, want %v", w.Elapsed(), MaxElapsed)
	}
	w.RunFor(-time.Hour)
	if w.Elapsed() != MaxElapsed {
		t.Errorf("a negative RunFor moved the clock to %v", w.Elapsed())
	}
}

// A clock rate so small that a node's timers would land beyond the range
// of virtual time, or a clock jump of centuries, is refused: both used to
// spin forever converting the node's timers to world time.
func TestClockLimits(t *testing.T) {
	w := e1World(t, Options{Seed: 1})
	waitHolders(t, w, "lvs1", 5*time.Second)
	for _, rate := range []float64{1e-300, MinClockRate / 2, MaxClockRate * 2, math.NaN(), math.Inf(1), 0, -1} {
		finishes(t, "SetClockRate", func() {
			if err := w.SetClockRate("lvs1", rate); err == nil {
				t.Errorf("clock rate %v accepted, want [%g, %g]", rate, MinClockRate, MaxClockRate)
			}
		})
	}
	for _, rate := range []float64{MinClockRate, 0.25, MaxClockRate, 1} {
		if err := w.SetClockRate("lvs1", rate); err != nil {
			t.Errorf("clock rate %v: %v", rate, err)
		}
	}
	finishes(t, "BumpClock", func() {
		if err := w.BumpClock("lvs1", 2*MaxClockOffset); err == nil {
			t.Errorf("a jump of %v accepted", 2*MaxClockOffset)
		}
		must(t, w.BumpClock("lvs1", MaxClockOffset/2))
		if err := w.BumpClock("lvs1", MaxClockOffset/4*3); err == nil {
			t.Errorf("two jumps adding up to more than %v accepted", MaxClockOffset)
		}
		must(t, w.BumpClock("lvs1", -MaxClockOffset/2))
		w.RunFor(10 * time.Second)
	})
	if holders(w) != "lvs1" {
		t.Errorf("holders %q after the clock came back", holders(w))
	}
}

package scenarios

// Limits of the scenario language: every number a scenario gives is range
// checked before anything runs, and a run that could ask for more
// simulated time than MaxRunTime is refused, so no file can livelock or
// overflow the world it runs in (docs/scenarios.md, "Limits").

import (
	"errors"
	"fmt"
	"time"

	"github.com/gokeepalived/gokeepalived/sim"
)

const (
	// MaxRunTime is the ceiling on the time one run may ask for: the sum
	// of its waits and of the longest each expectation may run (within D:
	// D; for D: D; at D ± T: D + T; between D1 and D2: D2). A day of
	// simulated time takes seconds to a minute of wall clock.
	MaxRunTime = 24 * time.Hour
	// MaxDelay bounds a delay and its jitter: far longer than any
	// Master_Down_Interval, so longer delays would only be a partition.
	MaxDelay = time.Minute
	// MaxClockJump bounds one `clock NODE jump D`, either way.
	MaxClockJump = 24 * time.Hour
)

// Clock rates the simulator runs (sim.MinClockRate..sim.MaxClockRate).
const (
	MinClockRate = sim.MinClockRate
	MaxClockRate = sim.MaxClockRate
)

// checkStep checks a step's numbers against the limits; "" when they fit.
// The parser checks the same as it reads a line; this catches scenarios
// built in code.
func checkStep(st Step) string {
	switch s := st.(type) {
	case WaitStep:
		return checkDuration("wait", s.D)
	case ExpectStep:
		t := s.Timing
		for _, d := range []time.Duration{t.D, t.D2, t.Tol} {
			if msg := checkDuration("time clause", d); msg != "" {
				return msg
			}
		}
	case NetStep:
		switch s.Fault {
		case FaultDelay:
			if s.Delay < 0 || s.Delay > MaxDelay || s.Jitter < 0 || s.Jitter > MaxDelay {
				return fmt.Sprintf("delay %v jitter %v: want each within 0..%v", s.Delay, s.Jitter, MaxDelay)
			}
		default:
			if !validPercent(s.Percent) {
				return fmt.Sprintf("%s %v%%: want a percentage 0..100", s.Fault, s.Percent)
			}
		}
	case ClockStep:
		if !validRate(s.Rate) {
			return fmt.Sprintf("clock rate %v: want a number in [%g, %g], 1 = exact", s.Rate, MinClockRate, MaxClockRate)
		}
	case ClockJumpStep:
		if s.D < -MaxClockJump || s.D > MaxClockJump {
			return fmt.Sprintf("clock jump %v: want at most %v either way", s.D, MaxClockJump)
		}
	}
	return ""
}

func checkDuration(what string, d time.Duration) string {
	if d < 0 {
		return fmt.Sprintf("%s: duration %v is negative", what, d)
	}
	if d > MaxRunTime {
		return fmt.Sprintf("%s: duration %v is longer than a run may be (%v)", what, d, MaxRunTime)
	}
	return ""
}

func validPercent(p float64) bool { return p >= 0 && p <= 100 } // false for NaN

func validRate(r float64) bool { return r >= MinClockRate && r <= MaxClockRate } // false for NaN

// runBound is the longest a step may make the world run.
func runBound(st Step) time.Duration {
	switch s := st.(type) {
	case WaitStep:
		return s.D
	case ExpectStep:
		switch t := s.Timing; t.Mode {
		case Within, For:
			return t.D
		case At:
			return t.D + max(t.Tol, time.Microsecond)
		case Between:
			return t.D2
		}
	}
	return 0
}

// checkBounds checks every step's numbers and that the whole run stays
// under MaxRunTime, before anything runs. Its errors are *ParseError
// naming the step's line.
func checkBounds(sc *Scenario) error {
	var errs []error
	var total time.Duration
	over := false
	for _, st := range sc.Steps {
		if msg := checkStep(st); msg != "" {
			errs = append(errs, &ParseError{Pos: st.Position(), Msg: msg})
			continue
		}
		if over {
			continue
		}
		// Each bound is at most MaxRunTime + 1µs here, so the sum cannot
		// overflow before it passes the ceiling.
		if total += runBound(st); total > MaxRunTime {
			over = true
			errs = append(errs, &ParseError{Pos: st.Position(), Msg: fmt.Sprintf(
				"the run could last %v by this line, more than the ceiling of %v of simulated time", total, MaxRunTime)})
		}
	}
	return errors.Join(errs...)
}

package vrrp

import (
	"regexp"
	"testing"
)

// Every cause kind has its own stable name, one snake_case word, for the
// observation stream (scenarios/observe) and metrics; nothing else
// names a kind.
func TestCauseKindNames(t *testing.T) {
	word := regexp.MustCompile(`^[a-z]+(_[a-z]+)*$`)
	seen := map[string]CauseKind{}
	for k := CauseNone; k <= CauseResumed; k++ { // CauseResumed is the last kind
		n := k.String()
		if !word.MatchString(n) || n == "unknown" {
			t.Errorf("cause kind %d: name %q", k, n)
		}
		if o, dup := seen[n]; dup {
			t.Errorf("cause kinds %d and %d share the name %q", o, k, n)
		}
		seen[n] = k
	}
	if got := CauseKind(200).String(); got != "unknown" {
		t.Errorf("an undefined kind is %q", got)
	}
}

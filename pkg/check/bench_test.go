package check_test

import (
	"testing"
	"time"

	"github.com/gokeepalived/gokeepalived/pkg/check"
)

// BenchmarkMachineStep: one Fire + Done of a TCP_CHECK state machine, the
// cost the checker process pays per check on top of the probe itself.
func BenchmarkMachineStep(b *testing.B) {
	m := check.NewMachine(check.Timing{Policy: check.RetryAlways, DelayLoop: time.Second, DelayBeforeRetry: time.Second, Retry: 3})
	now := t0
	i := 0
	b.ReportAllocs()
	for b.Loop() {
		m.Fire(now)
		o := m.Done(now, i%7 != 0)
		now = o.Next
		i++
	}
}

// BenchmarkMachineStepHTTP: the same for an HTTP_GET with three URLs.
func BenchmarkMachineStepHTTP(b *testing.B) {
	m := check.NewMachine(check.Timing{Policy: check.RetryHTTP, DelayLoop: time.Second, DelayBeforeRetry: time.Second, Retry: 3, URLs: 3})
	now := t0
	i := 0
	b.ReportAllocs()
	for b.Loop() {
		m.Fire(now)
		o := m.Done(now, i%11 != 0)
		now = o.Next
		i++
	}
}

package check_test

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gokeepalived/gokeepalived/pkg/check"
)

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// run drives m from its first check until `until`, with probe results from
// okAt (seconds since t0 → result) and each probe taking `took`. It
// returns one line per probe: "t=SECONDS ok|fail [-> UP|DOWN]".
func run(m *check.Machine, first time.Time, until time.Duration, took time.Duration, okAt func(s float64) bool) string {
	var b strings.Builder
	next := first
	for next.Before(t0.Add(until)) {
		now := next
		runProbe, n := m.Fire(now)
		if !runProbe {
			fmt.Fprintf(&b, "t=%g suspended\n", now.Sub(t0).Seconds())
			next = n
			continue
		}
		s := now.Sub(t0).Seconds()
		ok := okAt(s)
		o := m.Done(now.Add(took), ok)
		res := "fail"
		if ok {
			res = "ok"
		}
		fmt.Fprintf(&b, "t=%g %s", s, res)
		if o.Report {
			if o.Up {
				b.WriteString(" -> UP")
			} else {
				b.WriteString(" -> DOWN")
			}
		}
		b.WriteByte('\n')
		next = o.Next
	}
	return b.String()
}

func downBetween(from, to float64) func(float64) bool {
	return func(s float64) bool { return s < from || s >= to }
}

// E4 (seed 001) TCP_CHECK: delay_loop 6, retry 3, delay_before_retry 3.
// check_tcp.c tcp_epilog: a failure is retried retry times,
// delay_before_retry apart, before the server is declared down; a success
// is reported at once; retries also happen while the server is down.
func TestTCPCheckTiming(t *testing.T) {
	m := check.NewMachine(check.Timing{Policy: check.RetryAlways, DelayLoop: 6 * time.Second, DelayBeforeRetry: 3 * time.Second, Retry: 3})
	got := run(m, t0, 50*time.Second, 0, downBetween(10, 28))
	require.Equal(t, `t=0 ok -> UP
t=6 ok
t=12 fail
t=15 fail
t=18 fail
t=21 fail -> DOWN
t=27 fail
t=30 ok -> UP
t=36 ok
t=42 ok
t=48 ok
`, got)
}

// check_data.c validate_check_config sets retry_it = retry before the
// first run: "For non alpha mode, one failure is enough initially".
func TestFirstFailureIsEnough(t *testing.T) {
	m := check.NewMachine(check.Timing{Policy: check.RetryAlways, DelayLoop: 6 * time.Second, DelayBeforeRetry: 3 * time.Second, Retry: 3})
	require.Equal(t, "t=0 fail -> DOWN\nt=6 fail\nt=9 fail\n", run(m, t0, 10*time.Second, 0, func(float64) bool { return false }))
}

// The next check is counted from the end of the previous one (thread
// timers are armed in the epilog), except MISC_CHECK, which counts from
// the start (check_misc.c: timer_add_long(last_ran, ...)).
func TestDelayCountsFromEndOrStart(t *testing.T) {
	tcp := check.NewMachine(check.Timing{Policy: check.RetryAlways, DelayLoop: 5 * time.Second, Retry: 1})
	require.Equal(t, "t=0 ok -> UP\nt=7 ok\nt=14 ok\n", run(tcp, t0, 20*time.Second, 2*time.Second, func(float64) bool { return true }))
	misc := check.NewMachine(check.Timing{Policy: check.RetryWhileUp, DelayLoop: 5 * time.Second, FromStart: true})
	require.Equal(t, "t=0 ok -> UP\nt=5 ok\nt=10 ok\nt=15 ok\n", run(misc, t0, 20*time.Second, 2*time.Second, func(float64) bool { return true }))
	// A script that overruns its interval runs again at once.
	slow := check.NewMachine(check.Timing{Policy: check.RetryWhileUp, DelayLoop: 5 * time.Second, FromStart: true})
	require.Equal(t, "t=0 ok -> UP\nt=7 ok\nt=14 ok\n", run(slow, t0, 20*time.Second, 7*time.Second, func(float64) bool { return true }))
}

// DNS_CHECK / MISC_CHECK (dns_final, misc_check_child_thread): retries only
// while the checker is up; a down server is checked every delay_loop.
func TestRetryWhileUp(t *testing.T) {
	m := check.NewMachine(check.Timing{Policy: check.RetryWhileUp, DelayLoop: 10 * time.Second, DelayBeforeRetry: 2 * time.Second, Retry: 2})
	require.Equal(t, `t=0 ok -> UP
t=10 fail
t=12 fail
t=14 fail -> DOWN
t=24 fail
t=34 ok -> UP
`, run(m, t0, 40*time.Second, 0, downBetween(5, 30)))
}

// UDP_CHECK / PING_CHECK (udp_epilog): the first failure of an alpha
// checker is reported at once (confirming the assumed-down state, so the
// LVS core sends notify_down once); a down checker is not retried
// ("else if (checker->is_up)"); an up one is, retry times.
func TestRetryOnlyUpAlpha(t *testing.T) {
	m := check.NewMachine(check.Timing{Policy: check.RetryOnlyUp, DelayLoop: 10 * time.Second, DelayBeforeRetry: 2 * time.Second, Retry: 2, Alpha: true})
	require.False(t, m.Up())
	require.Equal(t, "t=0 fail -> DOWN\nt=10 fail\nt=20 ok -> UP\nt=30 fail\nt=32 fail\nt=34 fail -> DOWN\n",
		run(m, t0, 40*time.Second, 0, func(s float64) bool { return s >= 20 && s < 30 }))
}

// SMTP_CHECK (smtp_final): retry_it is not reset when the server is
// declared down, so a dead server is not retried again until it answers.
func TestSMTPRetries(t *testing.T) {
	m := check.NewMachine(check.Timing{Policy: check.RetrySMTP, DelayLoop: 10 * time.Second, DelayBeforeRetry: 1 * time.Second, Retry: 1})
	require.Equal(t, `t=0 ok -> UP
t=10 fail
t=11 fail -> DOWN
t=21 fail
t=31 ok -> UP
t=41 fail
t=42 fail -> DOWN
`, run(m, t0, 45*time.Second, 0, func(s float64) bool { return s < 5 || (s > 30 && s < 35) }))
}

// E3 (seed 000) HTTP_GET: delay_loop 3, nb_get_retry 3,
// delay_before_retry 3, two URLs checked one per round; after the failure
// is declared, the failed URL alone is checked every
// max(delay_before_retry, delay_loop); when it passes, every URL is
// checked again before the server is declared up.
func TestHTTPGetTiming(t *testing.T) {
	m := check.NewMachine(check.Timing{Policy: check.RetryHTTP, DelayLoop: 3 * time.Second, DelayBeforeRetry: 3 * time.Second, Retry: 3, URLs: 2})
	var urls []int
	okAt := func(s float64) bool {
		urls = append(urls, m.URL())
		return s < 7 || s >= 25
	}
	require.Equal(t, `t=0 ok
t=3 ok -> UP
t=6 ok
t=9 fail
t=12 fail
t=15 fail
t=18 fail -> DOWN
t=21 fail
t=24 fail
t=27 ok
t=30 ok
t=33 ok -> UP
`, run(m, t0, 35*time.Second, 0, okAt))
	require.Equal(t, []int{0, 1, 0, 1, 1, 1, 1, 1, 1, 1, 0, 1}, urls)
}

// fast_recovery: while recovering (down, no failed URL) the next URL is
// checked at once.
func TestHTTPFastRecovery(t *testing.T) {
	m := check.NewMachine(check.Timing{Policy: check.RetryHTTP, DelayLoop: 10 * time.Second, DelayBeforeRetry: 2 * time.Second, Retry: 0, URLs: 3, FastRecovery: true, Alpha: true})
	require.Equal(t, "t=0 ok\nt=0 ok\nt=0 ok -> UP\nt=10 ok\n", run(m, t0, 15*time.Second, 0, func(float64) bool { return true }))
}

// ha_suspend: a suspended checker does not probe and re-arms for
// delay_loop (tcp_connect_thread: "if checker is disabled").
func TestSuspended(t *testing.T) {
	m := check.NewMachine(check.Timing{Policy: check.RetryAlways, DelayLoop: 4 * time.Second, Retry: 1})
	m.SetEnabled(false)
	require.Equal(t, "t=0 suspended\nt=4 suspended\n", run(m, t0, 5*time.Second, 0, func(float64) bool { return true }))
	require.False(t, m.HasRun())
}

// register_checkers_thread: first check after BOOTSTRAP_DELAY + a random
// part of warmup; the randomness is the caller's seeded RNG.
func TestWarmup(t *testing.T) {
	m := check.NewMachine(check.Timing{Warmup: 6 * time.Second, DelayLoop: 6 * time.Second})
	r := rand.New(rand.NewPCG(1, 2))
	seen := map[time.Duration]bool{}
	for range 200 {
		d := m.Start(t0, r).Sub(t0)
		require.GreaterOrEqual(t, d, check.BootstrapDelay)
		require.LessOrEqual(t, d, check.BootstrapDelay+6*time.Second)
		seen[d] = true
	}
	require.Greater(t, len(seen), 100, "spread over the warmup")
	a := m.Start(t0, rand.New(rand.NewPCG(7, 7)))
	require.Equal(t, a, m.Start(t0, rand.New(rand.NewPCG(7, 7))), "same seed, same schedule")
	m0 := check.NewMachine(check.Timing{DelayLoop: 6 * time.Second})
	require.Equal(t, t0.Add(time.Second), m0.Start(t0, r), "warmup 0")
}

// migrate_checkers: "If we have already had sufficient retries for the
// new retry value, we hadn't already failed, so just require one more
// failure to trigger failed state."
func TestMigratedRetries(t *testing.T) {
	tcp := check.Timing{Policy: check.RetryAlways, DelayLoop: 6 * time.Second, DelayBeforeRetry: time.Second, Retry: 3}
	old := check.NewMachine(tcp)
	old.Fire(t0)
	old.Done(t0, true) // up, retry_it 0
	require.Equal(t, 0, check.MigratedRetries(old, 3))
	old.Fire(t0.Add(6 * time.Second))
	old.Done(t0.Add(6*time.Second), false) // one failed attempt
	old.Fire(t0.Add(7 * time.Second))
	old.Done(t0.Add(7*time.Second), false) // two
	require.Equal(t, 2, old.RetryIt())
	require.Equal(t, 2, check.MigratedRetries(old, 3))
	require.Equal(t, 1, check.MigratedRetries(old, 2), "retries already spent: one more failure fails it")
	require.Equal(t, 0, check.MigratedRetries(old, 0))
	require.Equal(t, 0, check.MigratedRetries(nil, 3))

	// Restored with retry_it = retry-1 = 1 (retry 2), TCP_CHECK fails at
	// the attempt that finds retry_it >= retry (tcp_epilog): the second
	// failure, where a fresh up checker needs three.
	m := check.NewMachine(check.Timing{Policy: check.RetryAlways, DelayLoop: 6 * time.Second, DelayBeforeRetry: time.Second, Retry: 2})
	m.Restore(true, true, check.MigratedRetries(old, 2))
	m.Fire(t0)
	require.False(t, m.Done(t0, false).Report)
	m.Fire(t0.Add(time.Second))
	o := m.Done(t0.Add(time.Second), false)
	require.True(t, o.Report)
	require.False(t, o.Up)
}

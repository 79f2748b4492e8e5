package check

import (
	"math/rand/v2"
	"time"

	"github.com/gokeepalived/gokeepalived/pkg/config"
)

// BootstrapDelay is keepalived's BOOTSTRAP_DELAY (lib/scheduler.h): every
// checker's first run is at least this long after start.
const BootstrapDelay = time.Second

// RetryPolicy is how a checker kind spends its retries; keepalived 2.2.7's
// checkers differ (check_tcp.c tcp_epilog, check_udp.c udp_epilog,
// check_dns.c dns_final, check_smtp.c smtp_final, check_misc.c,
// check_http.c epilog / timeout_epilog).
type RetryPolicy uint8

const (
	// RetryWhileUp retries (delay_before_retry apart) only while the
	// checker is up or has not run yet: DNS_CHECK, MISC_CHECK.
	RetryWhileUp RetryPolicy = iota
	// RetryAlways retries on every failure, also while the server is
	// known down: TCP_CHECK.
	RetryAlways
	// RetryOnlyUp retries only while the checker is up (an alpha checker's
	// first failures are not retried): UDP_CHECK, PING_CHECK.
	RetryOnlyUp
	// RetrySMTP counts retries across rounds and only resets them on a
	// success: SMTP_CHECK.
	RetrySMTP
	// RetryHTTP is HTTP_GET / SSL_GET: URLs are checked one per round,
	// a failed URL is re-checked alone until it passes, then every URL
	// again; after a failure the next round waits max(delay_before_retry,
	// delay_loop); fast_recovery skips the delay while recovering.
	RetryHTTP
)

// Timing is what the state machine needs of one checker (resolved by
// pkg/config: retry, delay_before_retry, warmup, delay_loop, alpha).
type Timing struct {
	Policy           RetryPolicy
	DelayLoop        time.Duration
	DelayBeforeRetry time.Duration
	Warmup           time.Duration
	Retry            int
	Alpha            bool
	// FromStart: the next check is due delay after the previous one
	// *started* (MISC_CHECK: timer_add_long(last_ran, ...)); otherwise
	// after it ended.
	FromStart bool
	// URLs is the number of url blocks (HTTP_GET, SSL_GET).
	URLs         int
	FastRecovery bool
}

// TimingFor derives a checker's timing from its resolved configuration.
func TimingFor(ck *config.Checker) Timing {
	t := Timing{
		DelayLoop:        ck.DelayLoop,
		DelayBeforeRetry: ck.DelayBeforeRetry,
		Warmup:           ck.Warmup,
		Retry:            max(ck.Retry, 0),
		Alpha:            ck.Alpha,
	}
	switch ck.Kind {
	case "TCP_CHECK":
		t.Policy = RetryAlways
	case "UDP_CHECK", "PING_CHECK":
		t.Policy = RetryOnlyUp
	case "SMTP_CHECK":
		t.Policy = RetrySMTP
	case "HTTP_GET", "SSL_GET":
		t.Policy = RetryHTTP
		t.URLs = max(len(ck.URLs), 1)
		t.FastRecovery = ck.FastRecovery
	case "MISC_CHECK":
		t.FromStart = true
	}
	return t
}

// Outcome is what a finished check means.
type Outcome struct {
	// Report is set when keepalived calls update_svr_checker_state: feed
	// lvs.EvVerdict{Up: Up} to the LVS core.
	Report bool
	Up     bool
	// Next is when the checker is due again.
	Next time.Time
}

// Machine is one checker's retry state (keepalived's checker_t is_up,
// has_run, retry_it, HTTP's url_it / failed_url). It is pure: the caller
// owns the timer and the probe, and feeds times in.
type Machine struct {
	t         Timing
	isUp      bool
	hasRun    bool
	enabled   bool
	retryIt   int
	url       int
	failedURL int
	lastRan   time.Time
}

// NewMachine returns a checker before its first run: up unless alpha,
// with retry_it = retry ("For non alpha mode, one failure is enough
// initially", check_data.c validate_check_config).
func NewMachine(t Timing) *Machine {
	if t.URLs == 0 {
		t.URLs = 1
	}
	return &Machine{t: t, isUp: !t.Alpha, enabled: true, retryIt: t.Retry, failedURL: -1}
}

// Start returns when the first check is due: BOOTSTRAP_DELAY plus a
// random part of warmup (check_api.c register_checkers_thread:
// warmup * random() / RAND_MAX), drawn from r.
func (m *Machine) Start(now time.Time, r *rand.Rand) time.Time {
	w := time.Duration(0)
	if m.t.Warmup > 0 {
		w = time.Duration(r.Int64N(int64(m.t.Warmup) + 1))
	}
	return now.Add(BootstrapDelay + w)
}

// SetEnabled suspends (ha_suspend) or resumes the checker.
func (m *Machine) SetEnabled(on bool) { m.enabled = on }

// Enabled says whether the checker runs its probe when due.
func (m *Machine) Enabled() bool { return m.enabled }

// Up says whether the checker considers its server up.
func (m *Machine) Up() bool { return m.isUp }

// HasRun says whether the checker has produced a result.
func (m *Machine) HasRun() bool { return m.hasRun }

// URL is the index of the url the next HTTP/SSL probe checks.
func (m *Machine) URL() int { return m.url }

// Fire is the checker's timer expiring at now. run says whether to probe
// (a suspended checker just re-arms for delay_loop); when run, the probe
// checks URL() and its result goes to Done.
func (m *Machine) Fire(now time.Time) (run bool, next time.Time) {
	if !m.enabled {
		return false, now.Add(m.t.DelayLoop)
	}
	m.lastRan = now
	return true, time.Time{}
}

// Done records the result of the probe started by the last Fire, finished
// at now.
func (m *Machine) Done(now time.Time, ok bool) Outcome {
	var o Outcome
	var delay time.Duration
	switch m.t.Policy {
	case RetryAlways, RetryOnlyUp:
		delay, o = m.doneTCP(ok)
	case RetrySMTP:
		delay, o = m.doneSMTP(ok)
	case RetryHTTP:
		delay, o = m.doneHTTP(ok)
	default:
		delay, o = m.doneRetryWhileUp(ok)
	}
	if m.t.Policy != RetryHTTP {
		// Every epilog but HTTP's ends with has_run = true; HTTP sets
		// it only when it reports or a request fails.
		m.hasRun = true
	}
	base := now
	if m.t.FromStart {
		base = m.lastRan
		if base.Add(delay).Before(now) {
			base, delay = now, 0
		}
	}
	o.Next = base.Add(delay)
	return o
}

func (m *Machine) report(o *Outcome, up bool) {
	o.Report, o.Up = true, up
	m.isUp = up
}

// doneTCP is tcp_epilog (RetryAlways) and udp_epilog / ping's epilog
// (RetryOnlyUp).
func (m *Machine) doneTCP(ok bool) (time.Duration, Outcome) {
	var o Outcome
	final := m.retryIt >= m.t.Retry
	if m.t.Policy == RetryOnlyUp {
		final = (m.isUp || !m.hasRun) && final
	}
	if ok || final {
		m.retryIt = 0
		if ok && (!m.isUp || !m.hasRun) {
			m.report(&o, true)
		} else if !ok && (m.isUp || !m.hasRun) {
			m.report(&o, false)
		}
		return m.t.DelayLoop, o
	}
	if m.t.Policy == RetryOnlyUp && !m.isUp {
		return m.t.DelayLoop, o
	}
	m.retryIt++
	return m.t.DelayBeforeRetry, o
}

// doneRetryWhileUp is dns_final and misc_check_child_thread.
func (m *Machine) doneRetryWhileUp(ok bool) (time.Duration, Outcome) {
	var o Outcome
	if ok {
		if !m.isUp || !m.hasRun {
			m.report(&o, true)
		}
		m.retryIt = 0
		return m.t.DelayLoop, o
	}
	if m.isUp || !m.hasRun {
		if m.retryIt < m.t.Retry {
			m.retryIt++
			return m.t.DelayBeforeRetry, o
		}
		m.report(&o, false)
	}
	m.retryIt = 0
	return m.t.DelayLoop, o
}

// doneSMTP is smtp_final: retry_it is only reset by a success.
func (m *Machine) doneSMTP(ok bool) (time.Duration, Outcome) {
	var o Outcome
	if ok {
		m.retryIt = 0
		if !m.isUp || !m.hasRun {
			m.report(&o, true)
		}
		return m.t.DelayLoop, o
	}
	m.retryIt++
	if m.retryIt <= m.t.Retry {
		return m.t.DelayBeforeRetry, o
	}
	if m.isUp || !m.hasRun {
		m.report(&o, false)
	}
	return m.t.DelayLoop, o
}

// doneHTTP is http_handle_response / timeout_epilog / epilog.
func (m *Machine) doneHTTP(ok bool) (time.Duration, Outcome) {
	var o Outcome
	var delay time.Duration
	if ok {
		// epilog(REGISTER_CHECKER_NEW)
		m.url++
		wrapped := m.url >= m.t.URLs
		m.retryIt = 0
		switch {
		case wrapped && m.failedURL < 0:
			if !m.isUp || !m.hasRun {
				m.report(&o, true)
				m.hasRun = true
			}
			m.url = 0
		case m.failedURL >= 0:
			// The failed URL passes: check every URL again.
			m.failedURL = -1
			m.url = 0
		}
		delay = m.t.DelayLoop
		if !m.hasRun {
			m.retryIt = m.t.Retry
		}
	} else if m.isUp || !m.hasRun {
		// timeout_epilog, then epilog(REGISTER_CHECKER_RETRY)
		m.hasRun = true
		m.retryIt++
		if m.retryIt > m.t.Retry {
			if m.isUp {
				m.report(&o, false)
			}
			m.failedURL = m.url
		}
		delay = m.failedDelay()
	} else {
		// epilog(REGISTER_CHECKER_FAILED): the server is known dead.
		delay = m.failedDelay()
	}
	if m.t.FastRecovery && (!m.hasRun || (!m.isUp && m.failedURL < 0)) {
		delay = 0
	}
	return delay, o
}

func (m *Machine) failedDelay() time.Duration {
	if m.failedURL >= 0 {
		return max(m.t.DelayBeforeRetry, m.t.DelayLoop)
	}
	return m.t.DelayBeforeRetry
}

// RetryIt is the checker's count of failed attempts in the current round
// (keepalived's retry_it).
func (m *Machine) RetryIt() int { return m.retryIt }

// Timing is the checker's timing.
func (m *Machine) Timing() Timing { return m.t }

// Restore sets the state a reload settled on (keepalived's
// migrate_checkers): up and hasRun as the LVS core holds them
// (lvs.Engine.Checker), and retry_it.
func (m *Machine) Restore(up, hasRun bool, retryIt int) {
	m.isUp, m.hasRun, m.retryIt = up, hasRun, max(retryIt, 0)
}

// MigratedRetries is the retry_it a reloaded checker takes over from the
// same checker before the reload (migrate_checkers): "If we have already
// had sufficient retries for the new retry value, we hadn't already
// failed, so just require one more failure to trigger failed state". 0
// when the old one had no failed attempt or the new one has no retries.
func MigratedRetries(old *Machine, retry int) int {
	if old == nil || old.retryIt == 0 || retry == 0 {
		return 0
	}
	if old.retryIt >= retry {
		return retry - 1
	}
	return old.retryIt
}

package checker

import (
	"context"
	"math/rand/v2"
	"net/netip"
	"time"

	"github.com/gokeepalived/gokeepalived/daemon"
	"github.com/gokeepalived/gokeepalived/pkg/check"
	"github.com/gokeepalived/gokeepalived/pkg/lvs"
)

// Platform is everything the checker driver needs from the world it runs
// in. A platform performs; it decides nothing.
type Platform interface {
	// Clock is the reactor's: Now, and AfterFunc calling back on the
	// reactor.
	daemon.Clock
	// ScriptRunner runs notify_up / notify_down / quorum_up / quorum_down
	// (daemon.ScriptNotify, fire and forget).
	daemon.ScriptRunner
	// Reporter receives the driver's reports (daemon.ReportRealServer,
	// ReportQuorum, ReportChecker, ReportIPVS, ReportError).
	daemon.Reporter
	// Prober runs the probes.
	Prober
	// IPVS is the world's IPVS table: daemon/ipvs.Kernel on Linux, a
	// memipvs table in the simulator. Its errors are errnos.
	IPVS() lvs.IPVS
	// LocalAddrs lists the addresses on the host's interfaces now (the
	// netlink dump keepalived's checker reads at start, for ha_suspend);
	// changes arrive through Driver.AddressChanged.
	LocalAddrs() ([]netip.Addr, error)
	// Rand is the world's random source, for the checkers' warmup
	// delays (the simulator's is seeded).
	Rand() *rand.Rand
}

// Prober runs health checks off the reactor: the probes' network is the
// world's (ProbeEnv's Dialer), and so is their time (a simulated probe
// takes the virtual time its connection takes).
type Prober interface {
	// ProbeEnv is what probes are built with: the world's dialer and
	// MISC_CHECK script runner.
	ProbeEnv() check.Env
	// RunProbe runs p.Check for url asynchronously and calls done on the
	// reactor with the result (never from inside RunProbe). timeout is
	// the checker's connect_timeout (misc_timeout for MISC_CHECK): a probe
	// bounds itself with it; a world that cannot interrupt a probe uses it
	// for an unanswered connection. cancel abandons the run: done is then
	// not called.
	RunProbe(p check.Probe, url int, timeout time.Duration, done func(check.Result)) (cancel func())
}

// GoProber is the Prober of a real host: each probe runs on a goroutine of
// its own with a context bounded by the timeout, and its result is posted
// to the reactor (daemon/reactor.Reactor.Post).
type GoProber struct {
	Env  check.Env
	Post func(func())
}

var _ Prober = GoProber{}

// ProbeEnv implements Prober.
func (g GoProber) ProbeEnv() check.Env { return g.Env }

// RunProbe implements Prober.
func (g GoProber) RunProbe(p check.Probe, url int, timeout time.Duration, done func(check.Result)) func() {
	ctx, cancel := context.WithCancel(context.Background())
	if timeout > 0 {
		// The probe bounds each step with its connect_timeout; the whole
		// run gets twice that and a second, so a hung step cannot keep
		// the goroutine forever.
		ctx, cancel = context.WithTimeout(context.Background(), 2*timeout+time.Second)
	}
	go func() {
		r := p.Check(ctx, url)
		if ctx.Err() == context.Canceled {
			return
		}
		cancel()
		g.Post(func() { done(r) })
	}()
	return cancel
}

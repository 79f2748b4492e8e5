package checker

import (
	"container/heap"
	"context"
	"math/rand/v2"
	"net"
	"net/netip"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gokeepalived/gokeepalived/daemon"
	"github.com/gokeepalived/gokeepalived/pkg/check"
	"github.com/gokeepalived/gokeepalived/pkg/config"
	"github.com/gokeepalived/gokeepalived/pkg/lvs"
	"github.com/gokeepalived/gokeepalived/pkg/lvs/memipvs"
)

// fakeWorld is a Platform with a manual clock (timers run in (at, seq)
// order by run), an in-memory IPVS table that records every change, and
// real servers that accept TCP connections unless marked down (refused at
// once).
type fakeWorld struct {
	t       testing.TB
	now     time.Time
	seq     uint64
	timers  timerHeap
	x       *memipvs.IPVS
	ops     []lvs.Op // successful changes to x, in order
	down    map[netip.Addr]bool
	reports []daemon.Report
	scripts []daemon.ScriptRequest
	addrs   []netip.Addr
	rng     *rand.Rand
}

func newFakeWorld(t testing.TB) *fakeWorld {
	return &fakeWorld{t: t, now: time.Unix(1767225600, 0), x: memipvs.New(memipvs.Options{}),
		down: map[netip.Addr]bool{}, rng: rand.New(rand.NewPCG(1, 2))}
}

type fakeTimer struct {
	at        time.Time
	seq       uint64
	fn        func()
	cancelled bool
}

type timerHeap []*fakeTimer

func (h timerHeap) Len() int { return len(h) }
func (h timerHeap) Less(i, j int) bool {
	if !h[i].at.Equal(h[j].at) {
		return h[i].at.Before(h[j].at)
	}
	return h[i].seq < h[j].seq
}
func (h timerHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *timerHeap) Push(x any)   { *h = append(*h, x.(*fakeTimer)) }
func (h *timerHeap) Pop() any {
	old := *h
	t := old[len(old)-1]
	*h = old[:len(old)-1]
	return t
}

func (w *fakeWorld) Now() time.Time { return w.now }

func (w *fakeWorld) AfterFunc(at time.Time, fn func()) func() {
	w.seq++
	t := &fakeTimer{at: at, seq: w.seq, fn: fn}
	heap.Push(&w.timers, t)
	return func() { t.cancelled = true }
}

// run runs every timer due until d from now (the clock ends there).
func (w *fakeWorld) run(d time.Duration) {
	end := w.now.Add(d)
	for w.timers.Len() > 0 && !w.timers[0].at.After(end) {
		t := heap.Pop(&w.timers).(*fakeTimer)
		if t.cancelled {
			continue
		}
		if t.at.After(w.now) {
			w.now = t.at
		}
		t.fn()
	}
	w.now = end
}

func (w *fakeWorld) RunScript(req daemon.ScriptRequest, done func(daemon.ScriptResult)) {
	w.scripts = append(w.scripts, req)
	if done != nil {
		w.AfterFunc(w.now, func() { done(daemon.ScriptResult{}) })
	}
}

func (w *fakeWorld) Report(r daemon.Report)            { w.reports = append(w.reports, r) }
func (w *fakeWorld) IPVS() lvs.IPVS                    { return recording{w} }
func (w *fakeWorld) LocalAddrs() ([]netip.Addr, error) { return w.addrs, nil }
func (w *fakeWorld) Rand() *rand.Rand                  { return w.rng }
func (w *fakeWorld) ProbeEnv() check.Env               { return check.Env{Dialer: fakeDialer{w}} }

// RunProbe runs the probe now and delivers its result as a timer of the
// same instant (deferred, as the contract asks).
func (w *fakeWorld) RunProbe(p check.Probe, url int, _ time.Duration, done func(check.Result)) func() {
	r := p.Check(context.Background(), url)
	return w.AfterFunc(w.now, func() { done(r) })
}

type fakeDialer struct{ w *fakeWorld }

func (d fakeDialer) DialContext(_ context.Context, _ string, _ check.DialOpts, dst netip.AddrPort) (net.Conn, error) {
	if d.w.down[dst.Addr()] {
		return nil, &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}
	}
	a, b := net.Pipe()
	b.Close()
	return a, nil
}

// recording is the world's table with every successful change recorded.
type recording struct{ w *fakeWorld }

func (r recording) rec(op lvs.Op, err error) error {
	if err == nil {
		r.w.ops = append(r.w.ops, op)
	}
	return err
}
func (r recording) Services() ([]lvs.Service, error) { return r.w.x.Services() }
func (r recording) Destinations(k lvs.ServiceKey) ([]lvs.Destination, error) {
	return r.w.x.Destinations(k)
}
func (r recording) AddService(s lvs.Service) error {
	return r.rec(lvs.Op{Kind: lvs.OpAddService, Service: s}, r.w.x.AddService(s))
}
func (r recording) UpdateService(s lvs.Service) error {
	return r.rec(lvs.Op{Kind: lvs.OpUpdateService, Service: s}, r.w.x.UpdateService(s))
}
func (r recording) DelService(k lvs.ServiceKey) error {
	return r.rec(lvs.Op{Kind: lvs.OpDelService, Service: lvs.Service{Key: k}}, r.w.x.DelService(k))
}
func (r recording) AddDest(k lvs.ServiceKey, d lvs.Destination) error {
	return r.rec(lvs.Op{Kind: lvs.OpAddDest, Service: lvs.Service{Key: k}, Dest: d}, r.w.x.AddDest(k, d))
}
func (r recording) UpdateDest(k lvs.ServiceKey, d lvs.Destination) error {
	return r.rec(lvs.Op{Kind: lvs.OpUpdateDest, Service: lvs.Service{Key: k}, Dest: d}, r.w.x.UpdateDest(k, d))
}
func (r recording) DelDest(k lvs.ServiceKey, dk lvs.DestKey) error {
	return r.rec(lvs.Op{Kind: lvs.OpDelDest, Service: lvs.Service{Key: k}, Dest: lvs.Destination{Key: dk}}, r.w.x.DelDest(k, dk))
}
func (r recording) Flush() error { return r.rec(lvs.Op{Kind: lvs.OpFlush}, r.w.x.Flush()) }

func parse(t testing.TB, conf string) *config.Config {
	t.Helper()
	c, _, err := config.Parse("keepalived.conf", []byte(conf), config.Options{})
	require.NoError(t, err)
	return c
}

func (w *fakeWorld) table() string {
	tb, err := lvs.Read(w.x)
	require.NoError(w.t, err)
	return tb.String()
}

package ipvs_test

import (
	"context"
	"net/netip"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gokeepalived/gokeepalived/daemon/ipvs"
	"github.com/gokeepalived/gokeepalived/pkg/config"
	"github.com/gokeepalived/gokeepalived/pkg/lvs"
	"github.com/gokeepalived/gokeepalived/pkg/lvs/memipvs"
)

// e4 is seed 001's virtual server plus a firewall-mark service with
// persistence (E4), DR and NAT real servers on 10.0.0.0/24.
const e4 = `
virtual_server 10.0.0.210 80 {
    delay_loop 6
    lb_algo rr
    lb_kind DR
    persistence_timeout 0
    protocol TCP
    real_server 10.0.0.201 80 {
        weight 1
        TCP_CHECK {
            connect_timeout 10
            nb_get_retry 3
            delay_before_retry 3
            connect_port 80
        }
    }
    real_server 10.0.0.204 80 {
        weight 1
        TCP_CHECK {
            connect_timeout 10
        }
    }
}
virtual_server fwmark 8 {
    delay_loop 6
    lb_algo wlc
    lb_kind DR
    persistence_timeout 600
    persistence_granularity 255.255.255.0
    real_server 10.0.0.201 {
        weight 3
    }
}
virtual_server 10.0.0.211 8080 {
    lb_algo wrr
    lb_kind NAT
    protocol TCP
    real_server 10.0.0.205 80 {
        weight 2
    }
}
`

func engine(t testing.TB, conf string) *lvs.Engine {
	t.Helper()
	c, _, err := config.Parse("keepalived.conf", []byte(conf), config.Options{})
	require.NoError(t, err)
	lc, err := lvs.FromConfig(c)
	require.NoError(t, err)
	e := lvs.NewEngine(lc)
	e.Step(lvs.EvStart{})
	return e
}

var foreign = lvs.Service{Key: lvs.ServiceKey{Family: lvs.Inet, Protocol: lvs.TCP, Addr: netip.MustParseAddr("10.0.0.99"), Port: 22}, Scheduler: "rr", Netmask: 0xffffffff}

// checkHeals is the drift test every IPVS world passes: install, converge
// (no write when nothing changed), heal a flush by hand, spare a foreign
// service, follow the core (a real server down), remove everything at stop.
func checkHeals(t *testing.T, x lvs.IPVS) {
	e := engine(t, e4)
	r := &ipvs.Reconciler{IPVS: x, Desired: e.Desired, Owns: e.Owns, Interval: time.Second}
	equal := func() {
		t.Helper()
		got, err := lvs.Read(x)
		require.NoError(t, err)
		want := e.Desired(nil)
		for _, w := range want.Entries {
			g := got.Find(w.Service.Key)
			require.NotNil(t, g, "service %s missing:\n%s", w.Service.Key, got)
			require.Equal(t, w.Service, g.Service)
			require.Equal(t, w.Dests, g.Dests)
		}
	}
	st, err := r.Reconcile()
	require.NoError(t, err)
	require.Equal(t, 7, st.Ops, "3 services + 4 destinations")
	equal()

	st, err = r.Reconcile()
	require.NoError(t, err)
	require.Equal(t, 0, st.Ops, "converged: nothing written")

	require.NoError(t, x.Flush()) // ipvsadm -C by hand
	require.NoError(t, x.AddService(foreign))
	st, err = r.Reconcile()
	require.NoError(t, err)
	require.Equal(t, 7, st.Ops)
	equal()

	e.Step(lvs.EvVerdict{ID: lvs.CheckerID{VS: 0, RS: 1}, Up: false})
	st, err = r.Reconcile()
	require.NoError(t, err)
	require.Equal(t, 1, st.Ops, "one destination deleted")
	equal()

	e.Step(lvs.EvStop{})
	_, err = r.Reconcile()
	require.NoError(t, err)
	got, err := lvs.Read(x)
	require.NoError(t, err)
	require.Len(t, got.Entries, 1, "only the foreign service is left:\n%s", got)
	require.Equal(t, foreign.Key, got.Entries[0].Service.Key)
}

func TestReconcilerHealsMemIPVS(t *testing.T) {
	checkHeals(t, memipvs.New(memipvs.Options{}))
}

// A destination the kernel refuses (unroutable: EINVAL) does not keep the
// others out, and is added on a later pass once it is routable.
func TestReconcilerRetriesRefused(t *testing.T) {
	routable := false
	x := memipvs.New(memipvs.Options{Routable: func(a netip.Addr) bool { return routable || a != netip.MustParseAddr("10.0.0.204") }})
	e := engine(t, e4)
	r := &ipvs.Reconciler{IPVS: x, Desired: e.Desired, Owns: e.Owns, Interval: time.Second}
	st, err := r.Reconcile()
	require.ErrorIs(t, err, syscall.EINVAL)
	require.Equal(t, ipvs.Stats{Ops: 6, Failed: 1}, st)
	routable = true
	st, err = r.Reconcile()
	require.NoError(t, err)
	require.Equal(t, ipvs.Stats{Ops: 1}, st)
}

// Run heals drift on its interval timer (here a channel the test fires).
func TestReconcilerRunHealsWithinOneInterval(t *testing.T) {
	x := memipvs.New(memipvs.Options{})
	e := engine(t, e4)
	tick := make(chan time.Time)
	r := &ipvs.Reconciler{IPVS: x, Desired: e.Desired, Owns: e.Owns, Interval: 6 * time.Second,
		After: func(d time.Duration) <-chan time.Time {
			require.Equal(t, 6*time.Second, d)
			return tick
		}}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- r.Run(ctx, nil) }()
	services := func() int {
		s, err := x.Services()
		require.NoError(t, err)
		return len(s)
	}
	waitFor(t, func() bool { return services() == 3 })
	require.NoError(t, x.Flush())
	require.Equal(t, 0, services())
	tick <- time.Time{} // one interval later
	waitFor(t, func() bool { return services() == 3 })
	cancel()
	require.ErrorIs(t, <-done, context.Canceled)
}

// waitFor polls cond with a deadline (no fixed sleeps).
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 5s")
		}
		time.Sleep(time.Millisecond)
	}
}

// rejections are the kernel semantics memipvs claims, checked against
// both worlds (TestKernelIPVS runs them on a real kernel).
func checkRejections(t *testing.T, x lvs.IPVS, dstOK, dstUnroutable netip.Addr) {
	svc := lvs.Service{Key: lvs.ServiceKey{Family: lvs.Inet, Protocol: lvs.TCP, Addr: netip.MustParseAddr("10.0.0.250"), Port: 80}, Scheduler: "rr", Netmask: 0xffffffff}
	require.NoError(t, x.AddService(svc))
	defer x.DelService(svc.Key)
	require.ErrorIs(t, x.AddService(svc), syscall.EEXIST, "duplicate service")
	bad := svc
	bad.Key.Port = 81
	bad.Scheduler = "nosuchsched"
	require.ErrorIs(t, x.AddService(bad), syscall.ENOENT, "unknown scheduler")
	require.ErrorIs(t, x.DelService(bad.Key), syscall.ESRCH, "missing service")
	d := lvs.Destination{Key: lvs.DestKey{Addr: dstOK, Port: 80}, Forward: lvs.Route, Weight: 1}
	require.NoError(t, x.AddDest(svc.Key, d))
	require.ErrorIs(t, x.AddDest(svc.Key, d), syscall.EEXIST, "duplicate destination")
	require.ErrorIs(t, x.DelDest(svc.Key, lvs.DestKey{Addr: dstOK, Port: 81}), syscall.ENOENT, "missing destination")
	require.ErrorIs(t, x.AddDest(bad.Key, d), syscall.ESRCH, "destination of a missing service")
	mc := d
	mc.Key.Addr = netip.MustParseAddr("224.0.0.18")
	require.ErrorIs(t, x.AddDest(svc.Key, mc), syscall.EINVAL, "multicast destination")
	if dstUnroutable.IsValid() {
		u := d
		u.Key.Addr = dstUnroutable
		require.ErrorIs(t, x.AddDest(svc.Key, u), syscall.EINVAL, "unroutable destination")
	}
	th := d
	th.Key.Port = 82
	th.LThreshold, th.UThreshold = 10, 5
	require.ErrorIs(t, x.AddDest(svc.Key, th), syscall.ERANGE, "lthreshold > uthreshold")
}

func TestMemIPVSRejectionsMatchKernelCases(t *testing.T) {
	un := netip.MustParseAddr("10.0.0.77")
	x := memipvs.New(memipvs.Options{Routable: func(a netip.Addr) bool { return a != un }})
	checkRejections(t, x, netip.MustParseAddr("10.0.0.201"), un)
}

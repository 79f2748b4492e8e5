package memipvs_test

import (
	"errors"
	"net/netip"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gokeepalived/gokeepalived/pkg/lvs"
	"github.com/gokeepalived/gokeepalived/pkg/lvs/memipvs"
)

var vip = netip.MustParseAddr("172.20.0.100")

func svcKey(port uint16) lvs.ServiceKey {
	return lvs.ServiceKey{Family: lvs.Inet, Protocol: lvs.TCP, Addr: vip, Port: port}
}

// table builds one service with destinations .91, .92, ... of the given
// weights, added in that order.
func table(t *testing.T, svc lvs.Service, weights ...int32) *memipvs.IPVS {
	t.Helper()
	x := memipvs.New(memipvs.Options{})
	require.NoError(t, x.AddService(svc))
	for i, w := range weights {
		d := lvs.Destination{Key: lvs.DestKey{Addr: netip.AddrFrom4([4]byte{10, 0, 0, byte(91 + i)}), Port: svc.Key.Port}, Forward: lvs.Route, Weight: w}
		require.NoError(t, x.AddDest(svc.Key, d))
	}
	return x
}

// picks connects n times from client and returns the last octets of the
// destinations.
func picks(t *testing.T, x *memipvs.IPVS, k lvs.ServiceKey, client string, n int, now time.Duration) []int {
	t.Helper()
	var out []int
	c := netip.MustParseAddrPort(client)
	for range n {
		d, err := x.Connect(k, c, now)
		require.NoError(t, err)
		out = append(out, int(d.Key.Addr.As4()[3]))
	}
	return out
}

// ip_vs_rr.c: round robin in list (insertion) order, skipping weight 0.
func TestRoundRobin(t *testing.T) {
	k := svcKey(80)
	x := table(t, lvs.Service{Key: k, Scheduler: "rr"}, 1, 1, 0)
	require.Equal(t, []int{91, 92, 91, 92, 91}, picks(t, x, k, "192.0.2.1:40000", 5, 0))
	// The pointer is at .91 now; removing it moves it back to the head.
	require.NoError(t, x.DelDest(k, lvs.DestKey{Addr: netip.MustParseAddr("10.0.0.91"), Port: 80}))
	require.Equal(t, []int{92, 92}, picks(t, x, k, "192.0.2.1:40000", 2, 0))
}

// ip_vs_wrr.c: weights 2 and 1 give two A for one B. The phase depends on
// the order the destinations came in: adding A (2) sets the threshold cw
// to 1, adding B (1) leaves it there (ip_vs_wrr_dest_changed), so the
// first pass already takes B.
func TestWeightedRoundRobin(t *testing.T) {
	k := svcKey(80)
	x := table(t, lvs.Service{Key: k, Scheduler: "wrr"}, 2, 1)
	require.Equal(t, []int{91, 92, 91, 91, 92, 91, 91, 92}, picks(t, x, k, "192.0.2.1:40000", 8, 0))
}

// ip_vs_wlc.c: the least (active×256 + inactive) / weight; finished
// connections count as inactive for ConnLinger.
func TestWeightedLeastConnection(t *testing.T) {
	k := svcKey(80)
	x := table(t, lvs.Service{Key: k, Scheduler: "wlc"}, 3, 3)
	require.Equal(t, []int{91, 92, 91, 92}, picks(t, x, k, "192.0.2.1:40000", 4, 0))
	_, in := x.Conns(k, lvs.DestKey{Addr: netip.MustParseAddr("10.0.0.91"), Port: 80}, 0)
	require.Equal(t, 2, in)
	// Two minutes later the first connections are gone.
	_, in = x.Conns(k, lvs.DestKey{Addr: netip.MustParseAddr("10.0.0.91"), Port: 80}, memipvs.ConnLinger)
	require.Equal(t, 0, in)
}

// Persistence (ipvsadm -p): the same client keeps its server for the
// timeout after its last connection; another client is scheduled.
func TestPersistence(t *testing.T) {
	k := svcKey(80)
	x := table(t, lvs.Service{Key: k, Scheduler: "rr", Flags: lvs.FlagPersistent, Timeout: 1200, Netmask: 0xffffffff}, 3, 3)
	require.Equal(t, []int{91, 91, 91}, picks(t, x, k, "192.0.2.1:40000", 3, 0))
	require.Equal(t, []int{92}, picks(t, x, k, "192.0.2.2:40000", 1, 0))
	require.Equal(t, []int{91}, picks(t, x, k, "192.0.2.1:40001", 1, 1199*time.Second))
	// The template lasts 1200 s after its last use.
	require.Equal(t, []int{91}, picks(t, x, k, "192.0.2.1:40001", 1, 2398*time.Second))
	// At 3600 s both templates are gone: .2 gets the next server in
	// turn (.91), and .1, scheduled afresh, the one after.
	require.Equal(t, []int{91}, picks(t, x, k, "192.0.2.2:40001", 1, 3600*time.Second))
	require.Equal(t, []int{92}, picks(t, x, k, "192.0.2.1:40001", 1, 3600*time.Second))
	// A destination that leaves the table takes its templates along.
	require.NoError(t, x.DelDest(k, lvs.DestKey{Addr: netip.MustParseAddr("10.0.0.92"), Port: 80}))
	require.Equal(t, []int{91, 91}, picks(t, x, k, "192.0.2.1:40001", 2, 3601*time.Second))
}

// A persistence granularity of 255.255.255.0 groups a /24 of clients.
func TestPersistenceGranularity(t *testing.T) {
	k := svcKey(80)
	x := table(t, lvs.Service{Key: k, Scheduler: "rr", Flags: lvs.FlagPersistent, Timeout: 600, Netmask: 0xffffff00}, 1, 1)
	require.Equal(t, []int{91}, picks(t, x, k, "192.0.2.1:1", 1, 0))
	require.Equal(t, []int{91}, picks(t, x, k, "192.0.2.77:1", 1, 0))
	require.Equal(t, []int{92}, picks(t, x, k, "192.0.3.1:1", 1, 0))
}

// ip_vs_service_find: fwmark first, then the exact service, then port 0.
func TestLookup(t *testing.T) {
	x := memipvs.New(memipvs.Options{})
	zero := svcKey(0)
	fwm := lvs.ServiceKey{Family: lvs.Inet, FWMark: 8}
	require.NoError(t, x.AddService(lvs.Service{Key: zero, Scheduler: "rr", Flags: lvs.FlagPersistent, Timeout: 3600}))
	require.NoError(t, x.AddService(lvs.Service{Key: fwm, Scheduler: "rr"}))
	k, ok := x.Lookup(lvs.TCP, netip.AddrPortFrom(vip, 443), 0)
	require.True(t, ok)
	require.Equal(t, zero, k)
	k, ok = x.Lookup(lvs.TCP, netip.AddrPortFrom(vip, 443), 8)
	require.True(t, ok)
	require.Equal(t, fwm, k)
	_, ok = x.Lookup(lvs.UDP, netip.AddrPortFrom(vip, 443), 0)
	require.False(t, ok)
}

// An empty service, or one whose servers all have weight 0, has no
// destination.
func TestNoDestination(t *testing.T) {
	k := svcKey(80)
	x := table(t, lvs.Service{Key: k, Scheduler: "wlc"}, 0, 0)
	_, err := x.Connect(k, netip.MustParseAddrPort("192.0.2.1:1"), 0)
	require.True(t, errors.Is(err, memipvs.ErrNoDestination), "%v", err)
}

// ip_vs_sh.c: the same client always hashes to the same server; weights
// share out the buckets.
func TestSourceHash(t *testing.T) {
	k := svcKey(80)
	x := table(t, lvs.Service{Key: k, Scheduler: "sh"}, 1, 1)
	a := picks(t, x, k, "192.0.2.1:1", 3, 0)
	require.Equal(t, a[0], a[1])
	require.Equal(t, a[0], a[2])
	seen := map[int]bool{}
	for i := 1; i < 40; i++ {
		seen[picks(t, x, k, netip.AddrPortFrom(netip.AddrFrom4([4]byte{192, 0, 2, byte(i)}), 1).String(), 1, 0)[0]] = true
	}
	require.Len(t, seen, 2)
}

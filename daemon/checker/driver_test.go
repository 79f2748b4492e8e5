package checker

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gokeepalived/gokeepalived/daemon"
	"github.com/gokeepalived/gokeepalived/pkg/config"
	"github.com/gokeepalived/gokeepalived/pkg/lvs"
)

// twoServers is a DR virtual server with two real servers checked by
// TCP_CHECK every 5 s, 2 retries 1 s apart, warmup 0 (first check exactly
// BOOTSTRAP_DELAY after start), and notify scripts.
const twoServers = `
virtual_server 10.0.0.100 80 {
    delay_loop 5
    lb_algo rr
    lb_kind DR
    protocol TCP
    warmup 0
    %s
    real_server 10.0.0.91 80 {
        weight 1
        notify_down "/bin/rs_down 91"
        notify_up "/bin/rs_up 91"
        TCP_CHECK {
            connect_timeout 3
            retry 2
            delay_before_retry 1
        }
    }
    real_server 10.0.0.92 80 {
        weight 1
        TCP_CHECK {
            connect_timeout 3
            retry 2
            delay_before_retry 1
        }
    }
}
`

func started(t *testing.T, conf string) (*fakeWorld, *Driver) {
	t.Helper()
	w := newFakeWorld(t)
	d, err := New(parse(t, conf), w, nil)
	require.NoError(t, err)
	require.NoError(t, d.Start())
	return w, d
}

const e3Table = "[10.0.0.100]:tcp:80 rr\n  -> 10.0.0.91:80 Route 1\n  -> 10.0.0.92:80 Route 1\n"

// init_services: every real server without an alpha checker is in the
// table at start, before any check.
func TestStartInstallsTheTable(t *testing.T) {
	w, _ := started(t, fmt.Sprintf(twoServers, ""))
	require.Equal(t, e3Table, w.table())
	require.Len(t, w.ops, 3)
}

// keepalived.conf(5) delay_loop / retry / delay_before_retry: with the
// first check at 1 s and one every delay_loop (5 s) after, a server that
// refuses from 12 s fails the check at 16 s and, after retry (2) more
// attempts delay_before_retry (1 s) apart, leaves the table at 18 s, with
// "TCP_CHECK on service ... failed after 2 retries." and notify_down. The
// checker of a dead server keeps trying (tcp_epilog): 23, 24, 25 s (a
// round of retries), then delay_loop later, 30 s: back just before 30 s,
// the server returns at 30 s, with notify_up.
func TestFailureAndRecoveryTimes(t *testing.T) {
	w, _ := started(t, fmt.Sprintf(twoServers, ""))
	rs := netip.MustParseAddr("10.0.0.91")
	gone := func() bool { return !strings.Contains(w.table(), "10.0.0.91:80") }
	w.run(12 * time.Second)
	w.down[rs] = true
	var removedAt time.Duration
	for i := 0; i < 400 && removedAt == 0; i++ {
		w.run(50 * time.Millisecond)
		if gone() {
			removedAt = w.now.Sub(time.Unix(1767225600, 0))
		}
	}
	require.Equal(t, 18*time.Second, removedAt.Truncate(50*time.Millisecond))
	i := slices.IndexFunc(w.reports, func(r daemon.Report) bool { return r.Kind == daemon.ReportChecker && !r.Up })
	require.GreaterOrEqual(t, i, 0)
	require.Equal(t, "TCP_CHECK on service [10.0.0.91]:tcp:80 failed after 2 retries.", w.reports[i].Text)
	require.True(t, slices.ContainsFunc(w.scripts, func(s daemon.ScriptRequest) bool {
		return s.Name == "notify_down" && s.Cmd == "/bin/rs_down 91"
	}))

	w.run(30*time.Second - 18*time.Second - 50*time.Millisecond)
	w.down[rs] = false
	w.run(time.Nanosecond)
	require.True(t, gone())
	w.run(time.Second)
	require.False(t, gone())
	require.True(t, slices.ContainsFunc(w.scripts, func(s daemon.ScriptRequest) bool { return s.Name == "notify_up" }))
}

// Stop removes the services the driver owns and leaves a foreign one
// alone; lvs_flush_on_stop clears the whole table instead.
func TestStop(t *testing.T) {
	foreign := lvs.Service{Key: lvs.ServiceKey{Family: lvs.Inet, Protocol: lvs.TCP, Addr: netip.MustParseAddr("10.9.9.9"), Port: 22}, Scheduler: "rr"}
	w, d := started(t, fmt.Sprintf(twoServers, ""))
	require.NoError(t, w.x.AddService(foreign))
	w.run(3 * time.Second)
	d.Stop()
	require.Equal(t, "[10.9.9.9]:tcp:22 rr\n", w.table())

	w, d = started(t, "global_defs {\n lvs_flush_on_stop\n}\n"+fmt.Sprintf(twoServers, ""))
	require.NoError(t, w.x.AddService(foreign))
	d.Stop()
	require.Empty(t, w.table())
	require.Equal(t, lvs.OpFlush, w.ops[len(w.ops)-1].Kind)
}

// ha_suspend: the checkers run only while the virtual server's address is
// local; a dead server is noticed only once they run.
func TestHASuspend(t *testing.T) {
	w, d := started(t, fmt.Sprintf(twoServers, "ha_suspend"))
	w.down[netip.MustParseAddr("10.0.0.91")] = true
	w.run(20 * time.Second)
	require.Equal(t, e3Table, w.table(), "suspended checkers removed a server")
	vip := netip.MustParseAddr("10.0.0.100")
	d.AddressChanged(vip, true)
	d.AddressChanged(vip, true) // a second report of the same address changes nothing
	// The checker re-armed every delay_loop while suspended (1, 6, ...,
	// 21 s); it has never run, so its first failure is enough.
	w.run(time.Second + time.Millisecond)
	require.Equal(t, "[10.0.0.100]:tcp:80 rr\n  -> 10.0.0.92:80 Route 1\n", w.table())
	d.AddressChanged(vip, false)
	w.down[netip.MustParseAddr("10.0.0.91")] = false
	w.run(30 * time.Second)
	require.NotContains(t, w.table(), "10.0.0.91", "a suspended checker re-added a server")
}

// manyServers is n virtual servers 10.1.x.y:80 with two real servers
// each; weight91 is the first server's weight in virtual server pick.
func manyServers(n, pick, weight91 int, extra string) string {
	var b strings.Builder
	for i := range n {
		w := 1
		if i == pick {
			w = weight91
		}
		fmt.Fprintf(&b, `virtual_server 10.1.%d.%d 80 {
    delay_loop 5
    lb_algo wlc
    lb_kind DR
    protocol TCP
    real_server 10.0.0.91 80 {
        weight %d
        TCP_CHECK {
            connect_timeout 3
        }
    }
    real_server 10.0.0.92 80 {
        weight 1
        TCP_CHECK {
            connect_timeout 3
        }
    }
%s}
`, i/250, i%250+1, w, extra)
	}
	return b.String()
}

// Reload of a 2,000-virtual-server configuration with one real server's
// weight changed writes exactly one change to the IPVS table (that
// destination's weight): no other service or destination is touched, so
// their connections and persistence templates live on; and a server the
// checker had removed stays removed (its state is carried over).
func TestReloadTouchesOnlyWhatChanged(t *testing.T) {
	const n, pick = 2000, 1234
	w, d := started(t, manyServers(n, pick, 1, ""))
	require.Len(t, w.ops, 3*n)
	// A server fails in another virtual server: removed.
	w.down[netip.MustParseAddr("10.0.0.92")] = true
	w.run(20 * time.Second)
	require.Len(t, w.ops, 4*n, "every 10.0.0.92 left its service")
	// A client's connection lives in an untouched service.
	other := lvs.ServiceKey{Family: lvs.Inet, Protocol: lvs.TCP, Addr: netip.MustParseAddr("10.1.0.1"), Port: 80}
	_, err := w.x.Connect(other, netip.MustParseAddrPort("192.0.2.1:1000"), 0)
	require.NoError(t, err)
	before := w.table()
	mark := len(w.ops)

	require.NoError(t, d.Reload(parse(t, manyServers(n, pick, 5, ""))))
	w.run(time.Millisecond)
	changed := w.ops[mark:]
	require.Len(t, changed, 1, "ops: %v", changed)
	require.Equal(t, lvs.OpUpdateDest, changed[0].Kind)
	require.Equal(t, "10.1.4.235", changed[0].Service.Key.Addr.String())
	require.Equal(t, int32(5), changed[0].Dest.Weight)
	after := w.table()
	require.Equal(t, strings.Replace(before, "[10.1.4.235]:tcp:80 wlc\n  -> 10.0.0.91:80 Route 1", "[10.1.4.235]:tcp:80 wlc\n  -> 10.0.0.91:80 Route 5", 1), after)
	_, in := w.x.Conns(other, lvs.DestKey{Addr: netip.MustParseAddr("10.0.0.91"), Port: 80}, 0)
	require.Equal(t, 1, in, "the untouched service lost its connection")
	// The checkers keep their state: the dead server does not come back.
	w.run(20 * time.Second)
	require.Len(t, w.ops, mark+1)
}

// A virtual server that leaves the configuration leaves the table, alone.
func TestReloadRemovesAVirtualServer(t *testing.T) {
	w, d := started(t, manyServers(3, 0, 1, ""))
	mark := len(w.ops)
	require.NoError(t, d.Reload(parse(t, strings.SplitAfterN(manyServers(3, 0, 1, ""), "}\n}\n", 2)[1])))
	require.Equal(t, []lvs.Op{{Kind: lvs.OpDelService, Service: lvs.Service{Key: lvs.ServiceKey{Family: lvs.Inet, Protocol: lvs.TCP,
		Addr: netip.MustParseAddr("10.1.0.1"), Port: 80}}}}, w.ops[mark:])
}

// BenchmarkReload2000 is the time to apply a reload of 2,000 virtual
// servers (4,000 real servers) with one real server's weight changed:
// resolve the configuration, migrate the state, rebuild the checkers,
// read the table back, diff and write the one change.
func BenchmarkReload2000(b *testing.B) {
	cfgs := [2]*config.Config{parse(b, manyServers(2000, 1234, 1, "")), parse(b, manyServers(2000, 1234, 5, ""))}
	w := newFakeWorld(b)
	d, err := New(cfgs[0], w, nil)
	require.NoError(b, err)
	require.NoError(b, d.Start())
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		if err := d.Reload(cfgs[(i+1)%2]); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	tb, err := lvs.Read(w.x)
	require.NoError(b, err)
	require.Len(b, tb.Entries, 2000)
	require.Equal(b, 6000+b.N, len(w.ops), "each reload writes exactly one change")
}

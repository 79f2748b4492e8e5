package sim

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gokeepalived/gokeepalived/pkg/lvs"
)

// lvsConf is a director's config: VI_1 with VIP 10.0.0.100, and a DR
// virtual server on it with two real servers checked by CHECK (with
// warmup 0, so the first check is exactly BOOTSTRAP_DELAY after start).
func lvsConf(state string, prio int, check string) string {
	return fmt.Sprintf(`
vrrp_instance VI_1 {
    state %s
    interface eth0
    virtual_router_id 51
    priority %d
    advert_int 1
    virtual_ipaddress {
        10.0.0.100
    }
}
virtual_server 10.0.0.100 80 {
    delay_loop 6
    lb_algo rr
    lb_kind DR
    protocol TCP
    warmup 0
    real_server 10.0.0.91 80 {
        weight 1
        %s
    }
    real_server 10.0.0.92 80 {
        weight 1
        %s
    }
}
`, state, prio, check, check)
}

const tcpCheck = `TCP_CHECK {
            connect_timeout 3
            retry 3
            delay_before_retry 2
        }`

// lvsWorld: two directors, two DR real servers with web servers and the
// VIP on lo, and a client.
func lvsWorld(t *testing.T, check string) *World {
	t.Helper()
	w := NewWorld(Options{Seed: 1})
	require.NoError(t, w.AddSegment("lan"))
	add := func(name, addr string) {
		require.NoError(t, w.AddNode(name, Iface{Name: "eth0", Segment: "lan", Addrs: []netip.Prefix{netip.MustParsePrefix(addr)}}))
	}
	add("lvs1", "10.0.0.50/24")
	add("lvs2", "10.0.0.51/24")
	add("rs1", "10.0.0.91/24")
	add("rs2", "10.0.0.92/24")
	add("client", "10.0.0.10/24")
	for _, rs := range []string{"rs1", "rs2"} {
		require.NoError(t, w.AddAddress(rs, Loopback, netip.MustParsePrefix("10.0.0.100/32"), "lo:0"))
		require.NoError(t, w.AddService(rs, Service{Kind: ServiceHTTP, Port: 80, Body: "page of " + rs}))
	}
	require.NoError(t, w.WriteFile("lvs1", ConfigPath, []byte(lvsConf("MASTER", 100, check))))
	require.NoError(t, w.WriteFile("lvs2", ConfigPath, []byte(lvsConf("BACKUP", 50, check))))
	return w
}

var vip80 = netip.MustParseAddrPort("10.0.0.100:80")

func tableString(t *testing.T, w *World, node string) string {
	t.Helper()
	tb, err := w.IPVS(node)
	require.NoError(t, err)
	return tb.String()
}

// The director's IPVS table holds both real servers from the start (no
// check has run: keepalived starts them alive), on both directors, and
// the VIP's holder spreads clients over them in turn (rr through DR).
func TestLVSTableAndCurl(t *testing.T) {
	w := lvsWorld(t, tcpCheck)
	require.NoError(t, w.StartDaemon("lvs1"))
	require.NoError(t, w.StartDaemon("lvs2"))
	want := "[10.0.0.100]:tcp:80 rr\n  -> 10.0.0.91:80 Route 1\n  -> 10.0.0.92:80 Route 1\n"
	require.Equal(t, want, tableString(t, w, "lvs1"))
	require.Equal(t, want, tableString(t, w, "lvs2"))
	require.True(t, w.RunUntil(5*time.Second, func() bool { return len(w.VIPHolders(vip80.Addr())) == 1 }))
	var got []string
	for range 4 {
		r, err := w.Curl("client", vip80, "/")
		require.NoError(t, err)
		require.Equal(t, "lvs1", r.Director)
		got = append(got, r.Body)
	}
	require.Equal(t, []string{"page of rs1", "page of rs2", "page of rs1", "page of rs2"}, got)
	// The real servers hold the VIP on lo but are not its holders.
	require.Equal(t, []string{"lvs1"}, w.VIPHolders(vip80.Addr()))
}

// TCP_CHECK, delay_loop 6, retry 3, delay_before_retry 2, a refused
// connection: checks run at 1 s (BOOTSTRAP_DELAY, warmup 0) and every 6 s;
// a server stopped at 10 s fails the check at 13 s and is removed after
// the retries, at 13 + 3×2 = 19 s; started again at 30 s, it is back at
// the next check, 31 s (the failed checker retries every 2 s, then every
// delay_loop: 13, 15, 17, 19, 25, 27, 29, 31).
func TestLVSRemoveAndReaddExact(t *testing.T) {
	w := lvsWorld(t, tcpCheck)
	require.NoError(t, w.StartDaemon("lvs1"))
	dest := func() bool { return strings.Contains(tableString(t, w, "lvs1"), "10.0.0.91:80") }
	w.RunFor(10 * time.Second)
	require.NoError(t, w.StopProcess("rs1", "httpd"))
	require.True(t, w.RunUntil(time.Minute, func() bool { return !dest() }))
	require.Equal(t, 19*time.Second, w.Elapsed())
	// Clients are served only by rs2 now.
	for range 3 {
		r, err := w.Curl("client", vip80, "/")
		require.NoError(t, err)
		require.Equal(t, "page of rs2", r.Body)
	}
	w.RunFor(11 * time.Second)
	require.NoError(t, w.StartProcess("rs1", "httpd"))
	require.True(t, w.RunUntil(time.Minute, dest))
	require.Equal(t, 31*time.Second, w.Elapsed())
}

// A real server cut off by a partition is not refused but unanswered:
// each attempt costs connect_timeout (3 s), so the removal comes at the
// first check after the cut + 4 × 3 s + 3 × 2 s.
func TestLVSPartitionedServerTimesOut(t *testing.T) {
	w := lvsWorld(t, tcpCheck)
	require.NoError(t, w.StartDaemon("lvs1"))
	w.RunFor(10 * time.Second)
	require.NoError(t, w.Partition([]string{"rs1"}))
	dest := func() bool { return strings.Contains(tableString(t, w, "lvs1"), "10.0.0.91:80") }
	require.True(t, w.RunUntil(time.Minute, func() bool { return !dest() }))
	require.Equal(t, 13*time.Second+4*3*time.Second+3*2*time.Second, w.Elapsed())
}

// ipvsadm -C by hand: healed within one delay_loop.
func TestLVSDriftHealed(t *testing.T) {
	w := lvsWorld(t, tcpCheck)
	require.NoError(t, w.StartDaemon("lvs1"))
	w.RunFor(2500 * time.Millisecond)
	x, err := w.IPVSTable("lvs1")
	require.NoError(t, err)
	require.NoError(t, x.Flush())
	require.True(t, w.RunUntil(time.Minute, func() bool { return tableString(t, w, "lvs1") != "" }))
	require.Equal(t, 6*time.Second, w.Elapsed()) // the reconciler's ticks: 0, 6, 12...
}

// Stop removes the daemon's services; kill -9 leaves the table as it was.
func TestLVSStopAndKill(t *testing.T) {
	w := lvsWorld(t, tcpCheck)
	require.NoError(t, w.StartDaemon("lvs1"))
	require.NoError(t, w.StartDaemon("lvs2"))
	w.RunFor(5 * time.Second)
	require.NoError(t, w.KillDaemon("lvs2"))
	require.NotEmpty(t, tableString(t, w, "lvs2"))
	require.NoError(t, w.StopDaemon("lvs1"))
	require.Empty(t, tableString(t, w, "lvs1"))
	tb, err := w.IPVS("lvs2")
	require.NoError(t, err)
	require.Len(t, tb.Entries, 1)
	require.Equal(t, lvs.Route, tb.Entries[0].Dests[0].Forward)
}

// Where a client's request dies, when it does: nobody holding the VIP, a
// DR real server without the VIP on lo, a partition, a service whose
// servers are all gone. NAT needs no VIP on the real server.
func TestLVSCurlPaths(t *testing.T) {
	w := lvsWorld(t, tcpCheck)
	_, err := w.Curl("client", vip80, "/")
	require.ErrorContains(t, err, "no route to host", "nobody holds the VIP yet")
	_, err = w.Curl("", vip80, "/")
	require.ErrorContains(t, err, "nobody answers ARP")

	require.NoError(t, w.StartDaemon("lvs1"))
	require.True(t, w.RunUntil(5*time.Second, func() bool { return len(w.VIPHolders(vip80.Addr())) == 1 }))
	require.NoError(t, w.DelAddress("rs1", Loopback, netip.MustParsePrefix("10.0.0.100/32")))
	_, err = w.Curl("client", vip80, "/")
	require.ErrorContains(t, err, "which drops it")
	r, err := w.Curl("client", vip80, "/")
	require.NoError(t, err)
	require.Equal(t, "rs2", r.Server)
	require.NoError(t, w.AddAddress("rs1", Loopback, netip.MustParsePrefix("10.0.0.100/32"), ""))

	require.NoError(t, w.Partition([]string{"client"}))
	_, err = w.Curl("client", vip80, "/")
	require.ErrorContains(t, err, "timed out")
	r, err = w.Curl("", vip80, "/") // the implicit client is on every segment
	require.NoError(t, err)
	require.Equal(t, "lvs1", r.Director)
	w.Heal()

	require.NoError(t, w.StopProcess("rs1", "httpd"))
	require.NoError(t, w.StopProcess("rs2", "httpd"))
	require.True(t, w.RunUntil(time.Minute, func() bool { return !strings.Contains(tableString(t, w, "lvs1"), "->") }))
	_, err = w.Curl("client", vip80, "/")
	require.ErrorContains(t, err, "no destination available")

	// NAT: the director rewrites the address; the real server needs no VIP.
	nat := strings.Replace(lvsConf("MASTER", 100, tcpCheck), "lb_kind DR", "lb_kind NAT", 1)
	require.NoError(t, w.WriteFile("lvs1", ConfigPath, []byte(nat)))
	require.NoError(t, w.StartProcess("rs1", "httpd"))
	require.NoError(t, w.ReloadDaemon("lvs1"))
	require.True(t, w.RunUntil(time.Minute, func() bool { return strings.Contains(tableString(t, w, "lvs1"), "10.0.0.91:80 Masq 1") }))
	r, err = w.Curl("client", vip80, "/")
	require.NoError(t, err)
	require.Equal(t, "page of rs1", r.Body)
}

// SMTP_CHECK against a simulated SMTP server (banner, HELO, QUIT), and
// MISC_CHECK through the node's shell with misc_dynamic weights.
func TestLVSSMTPAndMiscChecks(t *testing.T) {
	w := lvsWorld(t, "")
	conf := strings.Replace(lvsConf("MASTER", 100, ""), `real_server 10.0.0.91 80 {
        weight 1
        
    }`, `real_server 10.0.0.91 25 {
        weight 1
        SMTP_CHECK {
            connect_timeout 3
            retry 0
        }
    }`, 1)
	conf = strings.Replace(conf, `real_server 10.0.0.92 80 {
        weight 1
        
    }`, `real_server 10.0.0.92 80 {
        weight 1
        MISC_CHECK {
            misc_path "/etc/keepalived/weight.sh"
            misc_dynamic
        }
    }`, 1)
	require.Contains(t, conf, "SMTP_CHECK")
	require.Contains(t, conf, "MISC_CHECK")
	require.NoError(t, w.WriteFile("lvs1", ConfigPath, []byte(conf)))
	require.NoError(t, w.WriteExecutable("lvs1", "/etc/keepalived/weight.sh", []byte("#!/bin/bash\nexit 7\n")))
	require.NoError(t, w.AddService("rs1", Service{Kind: ServiceSMTP, Port: 25}))
	require.NoError(t, w.StartDaemon("lvs1"))
	// misc_dynamic: exit 7 is weight 7-2 = 5.
	require.True(t, w.RunUntil(10*time.Second, func() bool { return strings.Contains(tableString(t, w, "lvs1"), "10.0.0.92:80 Route 5") }))
	require.Contains(t, tableString(t, w, "lvs1"), "10.0.0.91:80 Route 1")
	require.NoError(t, w.StopProcess("rs1", "smtpd"))
	require.True(t, w.RunUntil(10*time.Second, func() bool { return !strings.Contains(tableString(t, w, "lvs1"), "10.0.0.91") }))
	require.NoError(t, w.WriteExecutable("lvs1", "/etc/keepalived/weight.sh", []byte("#!/bin/bash\nexit 1\n")))
	require.True(t, w.RunUntil(20*time.Second, func() bool { return !strings.Contains(tableString(t, w, "lvs1"), "10.0.0.92") }))
}

package linuxplat

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/gokeepalived/gokeepalived/daemon/nslab"
	"github.com/gokeepalived/gokeepalived/pkg/vrrp"
)

// Strangers on the LAN (keepalived.conf(5) has no defence but the checks
// of vrrp_check_packet): a flood of 10,000 datagrams a second of forged,
// malformed and foreign adverts, and IPv6 with a truncated extension
// header. The MASTER keeps its VIP, the BACKUP stays BACKUP, every
// datagram the driver saw is counted by its typed reason, and the log
// stays within the driver's rate limit.
func TestHostileFlood(t *testing.T) {
	l := nslab.New(t, 3)
	vi := instance{name: "VI_1", vrid: 70, prio: 150, vips: []string{"192.0.2.70/32"}, advert: "1",
		extra: "\tauthentication {\n\t\tauth_type PASS\n\t\tauth_pass gkl\n\t}\n"}
	glob := "global_defs {\n\tvrrp_version 2\n\tvrrp_garp_master_delay 0\n}\n"
	a := start(t, l.Nodes[0], glob+vi.String())
	vi.prio = 100
	b := start(t, l.Nodes[1], glob+vi.String())
	waitHolds(t, 6*time.Second, "192.0.2.70", a, a, b)

	w := nslab.WatchHolders(t, netip.MustParseAddr("192.0.2.70"), a.NS, b.NS)
	w.Settle(t, a.NS, b.NS)
	from := time.Now()
	frames, kinds := l.Nodes[2].HostileFrames(t, 70, netip.MustParseAddr("192.0.2.70"), "gkl")
	const pps, dur = 10000, 3 * time.Second
	sent := l.Nodes[2].Flood(t, frames, pps, dur)
	// Two more advert intervals after the flood: the peers agree again.
	observe(2 * time.Second)
	st := w.Stop().Between(from, time.Now())
	if st.MaxNoHolder > 0 || st.MaxDual > 0 || st.Holder != 0 {
		t.Fatalf("the flood moved the VIP: no holder %v, two holders %v, holder %d", st.MaxNoHolder, st.MaxDual, st.Holder)
	}
	var rejected map[string]uint64
	var datagrams uint64
	_ = a.h.Do(func() error {
		rejected = map[string]uint64{}
		for k, v := range a.h.P.Stats().Rejected {
			rejected[k] = v
		}
		datagrams = a.h.P.Stats().Datagrams
		return nil
	})
	t.Logf("sent %d datagrams (%v of %s); MASTER's driver saw %d; rejected by reason: %v",
		sent, dur, strings.Join(kinds, ", "), datagrams, rejected)
	for _, r := range []string{"unknown_vrid", "auth_failure", "invalid_ttl", "checksum", "truncated", "wrong_version"} {
		if rejected[r] == 0 {
			t.Errorf("no %s rejects counted", r)
		}
	}
	if a.state("VI_1") != vrrp.StateMaster || b.state("VI_1") != vrrp.StateBackup {
		t.Fatal("states changed under the flood")
	}
	// keepalived logs every bad packet; the driver logs at most 10 per
	// reason and second, then one summary per reason and window.
	lines := 0
	for _, l := range strings.Split(a.logs.String(), "\n") {
		if strings.Contains(l, "bogus VRRP packet") || strings.Contains(l, "(VI_1) ") && (strings.Contains(l, "TTL") || strings.Contains(l, "checksum") || strings.Contains(l, "password") || strings.Contains(l, "auth")) {
			lines++
		}
	}
	if max := int(dur/time.Second+3) * 10 * 6; lines > max {
		t.Errorf("%d reject lines logged, want at most %d", lines, max)
	}
	if !a.logs.Contains("messages suppressed in 1s") {
		t.Error("no suppression summary logged")
	}
}

// observe is a window in which the test watches for something that must
// not happen (the recording goes on meanwhile): not a synchronisation.
func observe(d time.Duration) { time.Sleep(d) }

// keepalived never times out notify scripts. One that hangs and one
// that floods its output do not hold the daemon up: the other instances
// go on moving, the flood costs bounded memory, and at stop both end
// (keepalived's scripts die with it, PR_SET_PDEATHSIG).
func TestHungAndNoisyNotifyScripts(t *testing.T) {
	l := nslab.New(t, 2)
	insts := []instance{
		{name: "VI_1", vrid: 81, prio: 100, vips: []string{"192.0.2.81/32"}, extra: "\tnotify_master \"/usr/bin/sleep 600\"\n"},
		{name: "VI_2", vrid: 82, prio: 100, vips: []string{"192.0.2.82/32"}, extra: "\tnotify_master /usr/bin/yes\n"},
		{name: "VI_3", vrid: 83, prio: 100, vips: []string{"192.0.2.83/32"}},
	}
	a := start(t, l.Nodes[0], conf("", insts...))
	for _, v := range []string{"192.0.2.81", "192.0.2.82", "192.0.2.83"} {
		waitHolds(t, 3*time.Second, v, a, a)
	}
	nslab.WaitFor(t, 2*time.Second, "both notify scripts running", func() bool { return a.h.P.NotifyRunning() == 2 })
	for i := range insts {
		insts[i].prio = 200
	}
	b := start(t, l.Nodes[1], conf("", insts...))
	for _, v := range []string{"192.0.2.81", "192.0.2.82", "192.0.2.83"} {
		waitHolds(t, 2*time.Second, v, b, a, b)
	}
	if n := a.h.P.NotifyRunning(); n != 2 {
		t.Fatalf("%d notify scripts running, want the 2 stuck ones", n)
	}
	plat := a.h.P
	a.stop()
	if n := plat.NotifyRunning(); n != 0 {
		t.Fatalf("%d notify scripts still running after stop", n)
	}
}

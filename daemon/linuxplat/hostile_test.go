package linuxplat

import (
	"encoding/binary"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/gokeepalived/gokeepalived/daemon/nslab"
	"github.com/gokeepalived/gokeepalived/pkg/vrrp"
)

var mcastMAC = net.HardwareAddr{0x01, 0x00, 0x5e, 0x00, 0x00, 0x12}

// ipv4Frame builds an advert datagram from src with the given changes
// applied after encoding (header checksum fixed afterwards unless the
// change is to the VRRP checksum).
func hostileFrames(t *testing.T, n *nslab.Node) (frames [][]byte, kinds []string) {
	t.Helper()
	group := netip.MustParseAddr("224.0.0.18")
	src := netip.MustParseAddr("10.99.0.3")
	vip := []netip.Addr{netip.MustParseAddr("192.0.2.70")}
	adv := func(vrid, prio uint8, pass string) vrrp.Advert {
		a := vrrp.Advert{Version: 2, Type: vrrp.TypeAdvertisement, VRID: vrid, Priority: prio, AdvertIntCS: 100,
			AuthType: vrrp.AuthPass, Addrs: vip}
		copy(a.AuthData[:], pass)
		return a
	}
	enc := func(a vrrp.Advert, ttl uint8) []byte {
		a2 := a
		b, err := a2.MarshalIPv4(src, group, vrrp.IPv4Params{ID: 7, TTL: ttl}, vrrp.MarshalOptions{})
		nslab.Must(t, err)
		return b
	}
	fixIPSum := func(d []byte) []byte {
		d[10], d[11] = 0, 0
		var s uint32
		for i := 0; i < 20; i += 2 {
			s += uint32(binary.BigEndian.Uint16(d[i:]))
		}
		for s>>16 != 0 {
			s = s&0xffff + s>>16
		}
		binary.BigEndian.PutUint16(d[10:], ^uint16(s))
		return d
	}
	add := func(kind string, ip []byte) {
		frames = append(frames, n.Frame(mcastMAC, 0x0800, ip))
		kinds = append(kinds, kind)
	}
	add("unknown_vrid", enc(adv(200, 100, "gkl"), 255))
	add("auth_failure", enc(adv(70, 50, "wrong"), 255))
	add("invalid_ttl", enc(adv(70, 50, "gkl"), 64))
	bad := enc(adv(70, 50, "gkl"), 255)
	bad[20+6] ^= 0xff // the VRRP checksum
	add("checksum", bad)
	trunc := enc(adv(70, 50, "gkl"), 255)[:20+6]
	binary.BigEndian.PutUint16(trunc[2:4], uint16(len(trunc)))
	add("truncated", fixIPSum(trunc))
	ver := enc(adv(70, 50, "gkl"), 255)
	ver[20] = 0x71 // version 7
	add("wrong version", ver)
	// IPv6 with a hop-by-hop header that claims more than the packet has:
	// the kernel drops it before any socket sees it.
	v6 := make([]byte, 40+8)
	v6[0] = 0x60
	binary.BigEndian.PutUint16(v6[4:6], 8)
	v6[6], v6[7] = 0, 255 // next header: hop-by-hop
	copy(v6[8:24], net.ParseIP("fe80::3"))
	copy(v6[24:40], net.ParseIP("ff02::12"))
	v6[40], v6[41] = 112, 4 // 8×(4+1) = 40 bytes of options, 8 present
	frames = append(frames, n.Frame(net.HardwareAddr{0x33, 0x33, 0, 0, 0, 0x12}, 0x86dd, v6))
	kinds = append(kinds, "truncated IPv6 extension header")
	return frames, kinds
}

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
	frames, kinds := hostileFrames(t, l.Nodes[2])
	const pps, dur = 10000, 3 * time.Second
	sent := l.Nodes[2].Flood(t, frames, pps, dur)
	// Two more advert intervals after the flood: the peers agree again.
	observe(2 * time.Second)
	st := w.Stop().Between(from, time.Now())
	if st.MaxNoHolder > 0 || st.MaxDual > 0 || st.Holder != 0 {
		t.Fatalf("the flood moved the VIP: no holder %v, two holders %v, holder %d", st.MaxNoHolder, st.MaxDual, st.Holder)
	}
	var rejected map[string]uint64
	var datagrams, overload uint64
	_ = a.h.Do(func() error {
		rejected = map[string]uint64{}
		for k, v := range a.h.P.Stats().Rejected {
			rejected[k] = v
		}
		datagrams, overload = a.h.P.Stats().Datagrams, a.h.P.Overload()
		return nil
	})
	t.Logf("sent %d datagrams (%v of %s); MASTER's driver saw %d, dropped %d at the socket reader (reactor behind); rejected by reason: %v",
		sent, dur, strings.Join(kinds, ", "), datagrams, overload, rejected)
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

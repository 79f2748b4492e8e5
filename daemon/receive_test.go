package daemon

import (
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/gokeepalived/gokeepalived/pkg/config"
	"github.com/gokeepalived/gokeepalived/pkg/vrrp"
)

// lastReject is the reason of the last reject report, RejectNone if none.
func lastReject(f *fakePlatform) vrrp.RejectReason {
	for i := len(f.reports) - 1; i >= 0; i-- {
		if f.reports[i].Kind == ReportReject {
			return f.reports[i].Reason
		}
	}
	return vrrp.RejectNone
}

// ahConfig is e1 with auth_type AH and auth_pass "secret".
func ahConfig() *config.Config {
	cfg := e1(100, "MASTER")
	cfg.Instances[0].AuthType, cfg.Instances[0].AuthPass = config.AuthAH, "secret"
	return cfg
}

func ahAdvert(vrid, prio uint8) vrrp.Advert {
	a := advert(vrid, prio)
	a.AuthType, a.AuthData = vrrp.AuthAH, [8]byte{}
	return a
}

// ahDatagram is an AH-sealed IPv4 advert from 10.0.0.51 to 224.0.0.18.
func ahDatagram(t testing.TB, key string, seq uint32, a vrrp.Advert) []byte {
	t.Helper()
	b, err := a.MarshalIPv4(netip.MustParseAddr("10.0.0.51"), netip.MustParseAddr("224.0.0.18"),
		vrrp.IPv4Params{ID: 7, AH: &vrrp.AHParams{Seq: seq, Key: vrrp.PassKey(key)}}, vrrp.MarshalOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// keepalived 2.2.7 vrrp_check_packet / vrrp_in_chk_ipsecah: the AH header
// must be there exactly when auth_type is AH ("No AH header but auth type
// is AH"), its ICV must verify with auth_pass, and its sequence number
// must grow; only then does the advert count.
func TestReceiveAH(t *testing.T) {
	d, f := start(t, ahConfig())
	d.Receive("eth0", datagram(t, "10.0.0.51", "224.0.0.18", 255, ahAdvert(199, 150)))
	if r := lastReject(f); r != vrrp.RejectAHMismatch {
		t.Fatalf("advert without AH: reject %v, want ah_mismatch", r)
	}
	d.Receive("eth0", ahDatagram(t, "wrong", 1, ahAdvert(199, 150)))
	if r := lastReject(f); r != vrrp.RejectAuthData {
		t.Fatalf("wrong key: reject %v, want auth_failure", r)
	}
	tampered := ahDatagram(t, "secret", 1, ahAdvert(199, 150))
	tampered[20+24+2] = 200 // the VRRP priority, after the ICV was computed
	d.Receive("eth0", tampered)
	if r := lastReject(f); r != vrrp.RejectAuthData {
		t.Fatalf("tampered priority: reject %v, want auth_failure", r)
	}
	n := len(f.reports)
	d.Receive("eth0", ahDatagram(t, "secret", 5, ahAdvert(199, 150)))
	for _, r := range f.reports[n:] {
		if r.Kind == ReportReject {
			t.Fatalf("valid AH advert rejected: %+v", r)
		}
	}
	d.Receive("eth0", ahDatagram(t, "secret", 5, ahAdvert(199, 150)))
	if r := lastReject(f); r != vrrp.RejectAuthData {
		t.Fatalf("replayed sequence number: reject %v, want auth_failure", r)
	}
	// The BACKUP accepted the master: its down timer was pushed back.
	f.advance(3 * time.Second)
	if state(t, d) != vrrp.StateBackup {
		t.Fatalf("state %v, want BACKUP behind the AH master", state(t, d))
	}
}

// keepalived 2.2.7 (vrrp_scheduler.c vrrp_dispatcher_read: after every
// packet handed to an instance, `if (vrrp->state != VRRP_STATE_MAST ||
// !vrrp->lower_prio_no_advert) vrrp_init_instance_sands(vrrp)`): the
// datagrams the driver rejects on their bytes after demultiplexing them
// (checksum, AH presence, a bad length behind a whole VRRP header) are
// vrrp_check_packet's rejections, so a MASTER re-phases after each one;
// one too short for a VRRP header (vrrp_get_header: "IPv4 VRRP packet too
// short") never reaches the instance and does not. Measured in a
// namespace: datagrams every 0.6 s with a bad checksum or a bad length
// silenced a MASTER until one advert_int after the last; too-short ones
// left its adverts on their phase. That is keepalived's mode
// (RephaseOnRejected); gokeepalived's daemon keeps its adverts on their
// phase whatever it rejects, so forged datagrams cannot silence it.
func TestDriverRejectionsRephaseMaster(t *testing.T) {
	src, grp := "10.0.0.51", "224.0.0.18"
	good := func() []byte { return datagram(t, src, grp, 255, advert(199, 50)) }
	badChecksum := func() []byte { b := good(); b[20+6] ^= 0xff; return b }
	badLength := func() []byte { b := good(); b[20+3] = 2; return b } // Count 2, one address
	tooShort := func() []byte {
		b := good()[:20+6]
		b[2], b[3] = 0, 26 // IP total length
		return b
	}
	for _, c := range []struct {
		name    string
		dg      func() []byte
		cfg     func() *config.Config
		reason  vrrp.RejectReason
		rephase bool
	}{
		{"checksum", badChecksum, func() *config.Config { return e1(100, "MASTER") }, vrrp.RejectChecksum, true},
		{"bad length", badLength, func() *config.Config { return e1(100, "MASTER") }, vrrp.RejectBadLength, true},
		{"AH missing", good, ahConfig, vrrp.RejectAHMismatch, true},
		{"too short for a VRRP header", tooShort, func() *config.Config { return e1(100, "MASTER") }, vrrp.RejectTruncated, false},
	} {
		for _, keepalived := range []bool{true, false} {
			c := c
			c.rephase = c.rephase && keepalived
			name := c.name + " (gokeepalived)"
			if keepalived {
				name = c.name + " (keepalived)"
			}
			t.Run(name, func(t *testing.T) {
				d, f := start(t, c.cfg(), RephaseOnRejected(keepalived))
				f.advance(4 * time.Second)
				if state(t, d) != vrrp.StateMaster {
					t.Fatalf("state %v, want MASTER", state(t, d))
				}
				f.advance(300 * time.Millisecond)
				sent := len(f.sent)
				for range 6 {
					d.Receive("eth0", c.dg())
					if r := lastReject(f); r != c.reason {
						t.Fatalf("reject %v, want %v", r, c.reason)
					}
					f.advance(600 * time.Millisecond)
				}
				// 3.6 s of datagrams: four of our adverts were due.
				if got := len(f.sent) - sent; c.rephase && got != 0 {
					t.Fatalf("%d adverts sent while a packet arrived every 0.6 s, want none", got)
				} else if !c.rephase && got != 4 {
					t.Fatalf("%d adverts sent, want 4 on the MASTER's own phase", got)
				}
				if c.rephase {
					// The last datagram was 0.6 s ago: the next advert is 0.4 s away.
					f.advance(399 * time.Millisecond)
					if len(f.sent) != sent {
						t.Fatal("advert before one advert_int after the last datagram")
					}
					f.advance(time.Millisecond)
					if len(f.sent) != sent+1 {
						t.Fatal("no advert one advert_int after the last datagram")
					}
				}
			})
		}
	}
}

// The driver seals its own adverts: AH header with SPI = source, the
// engine's sequence number (one per advert), an ICV that verifies with
// auth_pass.
func TestSendAH(t *testing.T) {
	_, f := start(t, ahConfig())
	f.advance(6 * time.Second)
	if len(f.sent) < 3 {
		t.Fatalf("%d adverts sent", len(f.sent))
	}
	for i, p := range f.sent {
		if !p.Pkt.HasAH || p.Pkt.AH.Seq != uint32(i+1) {
			t.Errorf("advert %d: AH %v seq %d, want seq %d", i, p.Pkt.HasAH, p.Pkt.AH.Seq, i+1)
		}
		if r := vrrp.VerifyAH(p.Raw, vrrp.PassKey("secret"), false); r != vrrp.RejectNone {
			t.Errorf("advert %d does not verify: %v", i, r)
		}
		if id := p.Pkt.ID; id != uint16(i+1) {
			t.Errorf("advert %d: IP id %d, want %d (one per advert)", i, id, i+1)
		}
	}
}

// v3Unicast is e1 as VRRPv3 with one unicast peer, 10.0.0.51.
func v3Unicast() *config.Config {
	cfg := e1(100, "MASTER")
	in := &cfg.Instances[0]
	in.Version, in.AuthType, in.AuthPass = 3, config.AuthNone, ""
	in.UnicastPeers = []config.UnicastPeer{{Addr: netip.MustParseAddr("10.0.0.51")}}
	return cfg
}

func v3Advert(prio uint8) vrrp.Advert {
	return vrrp.Advert{Version: 3, Type: vrrp.TypeAdvertisement, VRID: 199, Priority: prio, AdvertIntCS: 100,
		Addrs: []netip.Addr{netip.MustParseAddr("172.20.0.100")}}
}

// keepalived 2.2.7 built with _WITH_UNICAST_CHKSUM_COMPAT_ (Debian's is):
// a unicast VRRPv3 instance that receives the checksum of keepalived ≤
// 1.3.6 (224.0.0.18 in the pseudo-header) accepts it, logs "Setting
// unicast VRRPv3 checksum to old version", sends that form from then on
// and accepts only that form.
func TestOldUnicastChecksum(t *testing.T) {
	d, f := start(t, v3Unicast())
	src, dst := netip.MustParseAddr("10.0.0.51"), netip.MustParseAddr("10.0.0.50")
	enc := func(old bool, prio uint8) []byte {
		a := v3Advert(prio)
		b, err := a.MarshalIPv4(src, dst, vrrp.IPv4Params{ID: 1, TTL: 64}, vrrp.MarshalOptions{OldUnicastChecksum: old})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	f.advance(time.Second)
	n := len(f.reports)
	d.Receive("eth0", enc(true, 150))
	for _, r := range f.reports[n:] {
		if r.Kind == ReportReject {
			t.Fatalf("old-form checksum rejected: %+v", r)
		}
	}
	f.advance(10 * time.Second) // the master is silent: we take over
	if state(t, d) != vrrp.StateMaster {
		t.Fatalf("state %v", state(t, d))
	}
	last, _ := f.lastAdvert()
	if !vrrp.IsOldUnicastChecksum(last.Pkt.VRRP, last.Src, last.Dst) {
		t.Errorf("adverts not sent with the old checksum after the switch")
	}
	d.Receive("eth0", enc(false, 150))
	if r := lastReject(f); r != vrrp.RejectChecksum {
		t.Errorf("new-form checksum after the switch: reject %v, want checksum", r)
	}
	if state(t, d) != vrrp.StateMaster {
		t.Errorf("a rejected advert moved the state to %v", state(t, d))
	}
}

// keepalived 2.2.7 vrrp.c vrrp_check_packet and vrrp_csum_mcast: the old
// unicast checksum puts vrrp_mcast_group4 in the pseudo-header, not a
// fixed 224.0.0.18: with the group changed, a checksum computed with
// 224.0.0.18 is just a bad checksum, one computed with the group switches
// the instance, and its adverts then carry the group's form.
func TestOldUnicastChecksumUsesConfiguredGroup(t *testing.T) {
	group := netip.MustParseAddr("224.0.0.77")
	cfg := v3Unicast()
	cfg.Global.VRRPMcastGroup4 = group
	d, f := start(t, cfg)
	f.oldGroup = group
	src, dst := netip.MustParseAddr("10.0.0.51"), netip.MustParseAddr("10.0.0.50")
	enc := func(g netip.Addr) []byte {
		a := v3Advert(150)
		b, err := a.MarshalIPv4(src, dst, vrrp.IPv4Params{ID: 1, TTL: 64},
			vrrp.MarshalOptions{OldUnicastChecksum: true, OldChecksumGroup: g})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	f.advance(time.Second)
	d.Receive("eth0", enc(vrrp.MulticastGroup(false)))
	if r := lastReject(f); r != vrrp.RejectChecksum {
		t.Fatalf("old form with 224.0.0.18 while the group is %v: reject %v, want checksum", group, r)
	}
	n := len(f.reports)
	d.Receive("eth0", enc(group))
	for _, r := range f.reports[n:] {
		if r.Kind == ReportReject {
			t.Fatalf("old form with the configured group rejected: %+v", r)
		}
	}
	f.advance(10 * time.Second) // the master is silent: we take over
	last, _ := f.lastAdvert()
	if !vrrp.IsOldUnicastChecksumTo(last.Pkt.VRRP, last.Src, last.Dst, group) {
		t.Errorf("adverts not sent with the old checksum of the configured group")
	}
}

// IPv6: the platform hands over the VRRP message with a header rebuilt
// from the ancillary data (vrrp.AppendIPv6Datagram); the driver checks the
// checksum and the hop limit like any other datagram.
func TestReceiveIPv6Reconstructed(t *testing.T) {
	cfg := e1(100, "MASTER")
	in := &cfg.Instances[0]
	in.Version, in.IPv6, in.AuthType, in.AuthPass = 3, true, config.AuthNone, ""
	in.VIPs = []config.VIP{{Prefix: netip.MustParsePrefix("fe80::100/128"), Dev: "eth0"}}
	cfg.Global.VRRPMcastGroup6 = netip.MustParseAddr("ff02::12")
	f := newFake(t)
	f.primary["eth0"] = netip.MustParseAddr("fe80::50")
	d, err := New(cfg, f, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Start(); err != nil {
		t.Fatal(err)
	}
	src, grp := netip.MustParseAddr("fe80::51"), netip.MustParseAddr("ff02::12")
	a := vrrp.Advert{Version: 3, Type: vrrp.TypeAdvertisement, VRID: 199, Priority: 150, AdvertIntCS: 100,
		Addrs: []netip.Addr{netip.MustParseAddr("fe80::100")}}
	msg, err := a.Marshal(src, grp, vrrp.MarshalOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		hop  uint8
		want vrrp.RejectReason
	}{{254, vrrp.RejectTTL}, {255, vrrp.RejectNone}} {
		dg, err := vrrp.AppendIPv6Datagram(nil, src, grp, c.hop, msg)
		if err != nil {
			t.Fatal(err)
		}
		n := len(f.reports)
		d.Receive("eth0", dg)
		got := vrrp.RejectNone
		for _, r := range f.reports[n:] {
			if r.Kind == ReportReject {
				got = r.Reason
			}
		}
		if got != c.want {
			t.Errorf("hop limit %d: reject %v, want %v", c.hop, got, c.want)
		}
	}
	f.advance(3 * time.Second)
	if state(t, d) != vrrp.StateBackup {
		t.Errorf("state %v: the IPv6 master's advert did not count", state(t, d))
	}
}

// virtual_routes and virtual_rules reach the platform: added after the
// VIPs when becoming MASTER, removed (rules, routes, then VIPs) when
// leaving; a reload of a MASTER adds and removes only the differences.
func TestVirtualRoutesAndRules(t *testing.T) {
	cfg := e1(100, "MASTER")
	in := &cfg.Instances[0]
	in.VirtualRoutes = []config.Route{{Words: []string{"192.168.10.0/24", "via", "172.20.0.1"}}}
	in.VirtualRules = []config.Rule{{Words: []string{"from", "172.20.0.100", "table", "100"}}}
	d, f := start(t, cfg)
	f.advance(4 * time.Second)
	want := []string{"add route 192.168.10.0/24 via 172.20.0.1", "add rule from 172.20.0.100 table 100"}
	if !slices.Equal(f.routes, want) {
		t.Fatalf("becoming MASTER: %q, want %q", f.routes, want)
	}
	cfg2 := e1(100, "MASTER")
	cfg2.Instances[0].VirtualRoutes = []config.Route{{Words: []string{"192.168.20.0/24", "via", "172.20.0.1"}}}
	cfg2.Instances[0].VirtualRules = in.VirtualRules
	f.routes = nil
	if err := d.Reload(cfg2); err != nil {
		t.Fatal(err)
	}
	want = []string{"del route 192.168.10.0/24 via 172.20.0.1", "add route 192.168.20.0/24 via 172.20.0.1"}
	if !slices.Equal(f.routes, want) {
		t.Fatalf("reload: %q, want %q", f.routes, want)
	}
	f.routes = nil
	d.Stop()
	want = []string{"del rule from 172.20.0.100 table 100", "del route 192.168.20.0/24 via 172.20.0.1"}
	if !slices.Equal(f.routes, want) {
		t.Fatalf("stop: %q, want %q", f.routes, want)
	}
	if f.has("eth0", "172.20.0.100") {
		t.Error("VIP left after stop")
	}
}

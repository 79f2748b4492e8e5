package vrrp

import (
	"net/netip"
	"testing"
	"time"
)

// keepalived 2.2.7 vrrp_scheduler.c vrrp_dispatcher_read: after every packet
// handed to a MASTER, `if (vrrp->state != VRRP_STATE_MAST ||
// !vrrp->lower_prio_no_advert) vrrp_init_instance_sands(vrrp)`: the
// Adver_Timer restarts from the packet, whether the advert was answered,
// was priority 0 or was rejected by the checks.
func TestMasterRephasesOnEveryPacket(t *testing.T) {
	for _, c := range []struct {
		name    string
		tweak   func(*InstanceConfig)
		prio    uint8
		mod     func(*EvAdvert)
		rephase bool
	}{
		{"lower priority answered", nil, 50, nil, true},
		{"priority 0", nil, 0, nil, true},
		{"rejected: advert interval", nil, 50, func(ev *EvAdvert) { ev.Advert.AdvertIntCS = 200 }, true},
		{"rejected: wrong auth_pass", func(ic *InstanceConfig) { ic.AuthType, ic.AuthPass = AuthPass, [8]byte{'1', '1', '1', '1'} }, 50,
			func(ev *EvAdvert) { ev.Advert.AuthData = [8]byte{'2', '2', '2', '2'} }, true},
		{"lower_prio_no_advert: timer left alone", func(ic *InstanceConfig) { ic.LowerPrioNoAdvert = true }, 50, nil, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			ic := baseCfg()
			if c.tweak != nil {
				c.tweak(&ic)
			}
			d := newDriver(t, keepalivedMode(one(ic)))
			d.step(EvStart{})
			d.fire("VI_1", TimerMasterDown)
			became := d.now.Sub(t0)
			d.now = d.now.Add(400 * time.Millisecond)
			ev := advFrom(ic, srcHigh, c.prio)
			if c.mod != nil {
				c.mod(&ev)
			}
			d.step(ev)
			d.wantState("VI_1", StateMaster)
			want := became + time.Second
			if c.rephase {
				want = d.now.Sub(t0) + time.Second
			}
			if got := d.timerAt("VI_1", TimerAdvert); got != want {
				t.Fatalf("advert timer at %v, want %v", got, want)
			}
		})
	}
}

// keepalived 2.2.7: the checks the driver makes on the bytes (a malformed
// advert, AH, the checksum) are vrrp_check_packet's, after
// vrrp_dispatcher_read handed the packet to the instance, so a MASTER
// re-phases after them too (measured in a namespace: a MASTER sent no
// advert while datagrams with a bad checksum or a bad length arrived every
// 0.6 s, and resumed one advert_int after the last). A BACKUP keeps its
// down timer; INIT and FAULT ignore the packet unchecked.
func TestDiscardedPacketRephasesMaster(t *testing.T) {
	discarded := EvDiscarded{Instance: "VI_1", Src: srcHigh, Reason: RejectChecksum, Detail: "Invalid VRRPv2 checksum"}
	for _, c := range []struct {
		name    string
		tweak   func(*InstanceConfig)
		rephase bool
	}{
		{"checksum", nil, true},
		{"lower_prio_no_advert: timer left alone", func(ic *InstanceConfig) { ic.LowerPrioNoAdvert = true }, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			ic := baseCfg()
			if c.tweak != nil {
				c.tweak(&ic)
			}
			d := newDriver(t, keepalivedMode(one(ic)))
			d.step(EvStart{})
			d.fire("VI_1", TimerMasterDown)
			became := d.now.Sub(t0)
			d.now = d.now.Add(400 * time.Millisecond)
			acts := d.step(discarded)
			d.wantState("VI_1", StateMaster)
			if !has(acts, "reject:checksum") || count(acts, "advert(100)") != 0 {
				t.Fatalf("actions %v, want the reject and no advert", kinds(acts))
			}
			want := became + time.Second
			if c.rephase {
				want = d.now.Sub(t0) + time.Second
			}
			if got := d.timerAt("VI_1", TimerAdvert); got != want {
				t.Fatalf("advert timer at %v, want %v", got, want)
			}
		})
	}
	t.Run("backup keeps its down timer", func(t *testing.T) {
		d := newDriver(t, one(baseCfg()))
		d.step(EvStart{})
		before := d.timerAt("VI_1", TimerMasterDown)
		d.now = d.now.Add(time.Second)
		if acts := d.step(discarded); !has(acts, "reject:checksum") {
			t.Fatalf("actions %v", kinds(acts))
		}
		if got := d.timerAt("VI_1", TimerMasterDown); got != before {
			t.Fatalf("down timer %v, want %v", got, before)
		}
	})
	t.Run("fault ignores it unchecked", func(t *testing.T) {
		ic := baseCfg()
		ic.SrcAddr = netip.Addr{}
		d := newDriver(t, one(ic))
		d.step(EvStart{})
		d.wantState("VI_1", StateFault)
		if acts := d.step(discarded); !has(acts, "reject:state_ignored") || len(acts) != 1 {
			t.Fatalf("actions %v, want only reject:state_ignored", kinds(acts))
		}
	})
}

// keepalived 2.2.7 vrrp_dispatcher_read: an IPv6 multicast packet for a
// unicast instance (or the other way round) is discarded before it is
// handed to the instance ("discarding multicast packet on unicast
// instance"): a MASTER does not re-phase, unlike IPv4, whose check is in
// vrrp_check_packet.
func TestIPv6UnicastMulticastMismatchDoesNotRephase(t *testing.T) {
	for _, v6 := range []bool{false, true} {
		ic := baseCfg()
		ic.Version, ic.AdvertInt = 3, time.Second
		if v6 {
			ic.IPv6, ic.SrcAddr, ic.VIPs = true, netip.MustParseAddr("fe80::2"), []netip.Addr{netip.MustParseAddr("2001:db8::100")}
		}
		d := newDriver(t, keepalivedMode(one(ic)))
		d.step(EvStart{})
		d.fire("VI_1", TimerMasterDown)
		became := d.now.Sub(t0)
		d.now = d.now.Add(400 * time.Millisecond)
		ev := advFrom(ic, srcHigh, 50)
		ev.Dst = srcMid // unicast, to a multicast instance
		if v6 {
			ev.Src, ev.Dst = netip.MustParseAddr("fe80::3"), ic.SrcAddr
		}
		acts := d.step(ev)
		if !has(acts, "reject:unicast_multicast") {
			t.Fatalf("IPv6 %v: actions %v", v6, kinds(acts))
		}
		want := d.now.Sub(t0) + time.Second
		if v6 {
			want = became + time.Second
		}
		if got := d.timerAt("VI_1", TimerAdvert); got != want {
			t.Fatalf("IPv6 %v: advert timer at %v, want %v", v6, got, want)
		}
	}
}

// Two masters hearing each other's rejected adverts (a wrong auth_pass):
// each packet pushes the other's timer back, so the one that sent last
// keeps the floor while the other falls silent (what keepalived 2.2.7 does
// in a namespace when the hearing side's processing outlasts the sender's
// timer lateness; see scenarios/regress_master_rephase.scn).
func TestRejectedAdvertsSilenceTheListeningMaster(t *testing.T) {
	ic := baseCfg()
	ic.AuthType, ic.AuthPass = AuthPass, [8]byte{'1', '1', '1', '1'}
	d := newDriver(t, keepalivedMode(one(ic)))
	d.step(EvStart{})
	d.fire("VI_1", TimerMasterDown)
	sent := 0
	for i := range 10 {
		d.now = d.now.Add(999 * time.Millisecond) // the other master's period, just under ours
		ev := advFrom(ic, srcHigh, 50)
		ev.Advert.AuthData = [8]byte{'2', '2', '2', '2'}
		d.step(ev)
		// Our own timer is never reached: it is one second after the
		// last packet.
		if at := d.timerAt("VI_1", TimerAdvert); at != d.now.Sub(t0)+time.Second {
			t.Fatalf("packet %d: advert timer %v", i, at)
		}
		sent += count(d.last, "advert(100)")
	}
	if sent != 0 {
		t.Fatalf("a master answered %d rejected adverts", sent)
	}
}

// keepalivedMode is keepalived 2.2.7's dispatcher: rejected packets
// re-phase a MASTER too (EngineConfig.RephaseOnRejected).
func keepalivedMode(ec EngineConfig) EngineConfig {
	ec.RephaseOnRejected = true
	return ec
}

// gokeepalived's own daemon (EngineConfig.RephaseOnRejected off): a
// MASTER re-phases after the adverts it accepted (a lower priority it
// answered, a priority 0) as keepalived does, but packets that fail the
// checks — forged or garbled, a wrong auth_pass, a bad checksum — leave
// its advert timer alone, so nobody on the LAN can silence it with them.
func TestRejectedPacketsDoNotRephaseByDefault(t *testing.T) {
	ic := baseCfg()
	ic.AuthType, ic.AuthPass = AuthPass, [8]byte{'1', '1', '1', '1'}
	for _, c := range []struct {
		name    string
		ev      func() Event
		rephase bool
	}{
		{"lower priority answered", func() Event {
			ev := advFrom(ic, srcHigh, 50)
			ev.Advert.AuthData = ic.AuthPass
			return ev
		}, true},
		{"wrong auth_pass", func() Event {
			ev := advFrom(ic, srcHigh, 50)
			ev.Advert.AuthData = [8]byte{'2', '2', '2', '2'}
			return ev
		}, false},
		{"bad checksum (driver)", func() Event {
			return EvDiscarded{Instance: "VI_1", Src: srcHigh, Reason: RejectChecksum, Detail: "Invalid VRRPv2 checksum"}
		}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			d := newDriver(t, one(ic))
			d.step(EvStart{})
			d.fire("VI_1", TimerMasterDown)
			became := d.now.Sub(t0)
			d.now = d.now.Add(400 * time.Millisecond)
			d.step(c.ev())
			d.wantState("VI_1", StateMaster)
			want := became + time.Second
			if c.rephase {
				want = d.now.Sub(t0) + time.Second
			}
			if got := d.timerAt("VI_1", TimerAdvert); got != want {
				t.Fatalf("advert timer at %v, want %v", got, want)
			}
		})
	}
}

func count(acts []Action, kind string) int {
	n := 0
	for _, k := range kinds(acts) {
		if k == kind {
			n++
		}
	}
	return n
}

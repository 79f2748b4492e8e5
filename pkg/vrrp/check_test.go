package vrrp

import (
	"net/netip"
	"testing"
	"time"
)

// peers makes an instance unicast with the given peers.
func peers(check bool, ps ...Peer) func(*InstanceConfig) {
	return func(c *InstanceConfig) { c.Unicast, c.CheckUnicastSrc, c.Peers = true, check, ps }
}

// keepalived 2.2.7 vrrp.c vrrp_check_packet (reference §2.3): every
// instance-level check rejects with its own reason, and a rejected advert
// never resets the BACKUP's down timer.
func TestFSMReceiveChecks(t *testing.T) {
	pass := [8]byte{'s', 'e', 'c', 'r', 'e', 't'}
	cases := []struct {
		name  string
		tweak func(*InstanceConfig)
		ev    func(*EvAdvert)
		want  RejectReason
	}{
		{"valid", nil, func(*EvAdvert) {}, RejectNone},
		// RFC 3768 §7.1: TTL must be 255.
		{"TTL 254 multicast", nil, func(e *EvAdvert) { e.TTL = 254 }, RejectTTL},
		{"TTL 64 unicast ok", func(c *InstanceConfig) { c.Unicast = true }, func(e *EvAdvert) { e.TTL = 64 }, RejectNone},
		// RFC 5798 §7.1: version must match.
		{"version 3 to v2 instance", nil, func(e *EvAdvert) { e.Advert.Version = 3 }, RejectVersion},
		// keepalived: "received a %d auth, expecting %d!"
		{"auth type PASS to none", nil, func(e *EvAdvert) { e.Advert.AuthType = AuthPass }, RejectAuthType},
		{"auth type none to PASS", func(c *InstanceConfig) { c.AuthType, c.AuthPass = AuthPass, pass },
			func(e *EvAdvert) { e.Advert.AuthType, e.Advert.AuthData = AuthNone, [8]byte{} }, RejectAuthType},
		{"auth type 7", nil, func(e *EvAdvert) { e.Advert.AuthType = 7 }, RejectAuthType},
		// keepalived: "received an invalid passwd!"
		{"wrong PASS", func(c *InstanceConfig) { c.AuthType, c.AuthPass = AuthPass, pass },
			func(e *EvAdvert) { e.Advert.AuthData[0] = 'S' }, RejectAuthData},
		{"right PASS", func(c *InstanceConfig) { c.AuthType, c.AuthPass = AuthPass, pass }, func(*EvAdvert) {}, RejectNone},
		// RFC 3768 §7.1: v2 advert interval must match ours.
		{"v2 interval mismatch", nil, func(e *EvAdvert) { e.Advert.AdvertIntCS = 200 }, RejectAdvertInt},
		// keepalived 2.2.7: no interval check for v3.
		{"v3 interval differs ok", func(c *InstanceConfig) { c.Version = 3 }, func(e *EvAdvert) { e.Advert.AdvertIntCS = 200 }, RejectNone},
		{"type 2", nil, func(e *EvAdvert) { e.Advert.Type = 2 }, RejectType},
		// keepalived: "Expected unicast packet but received multicast".
		{"multicast to unicast instance", func(c *InstanceConfig) { c.Unicast = true },
			func(e *EvAdvert) { e.Dst = group4 }, RejectUnicastMcast},
		{"unicast to multicast instance", nil, func(e *EvAdvert) { e.Dst = srcMid }, RejectUnicastMcast},
		// keepalived 2.2.7 vrrp_check_packet: the count comes before the
		// unicast/multicast check, the VIP list after it.
		{"count before unicast/multicast", nil, func(e *EvAdvert) { e.Dst = srcMid; e.Advert.Addrs = e.Advert.Addrs[:1] }, RejectAddrCount},
		{"unicast/multicast before VIP list", nil, func(e *EvAdvert) { e.Dst = srcMid; e.Advert.Addrs[0] = srcLow }, RejectUnicastMcast},
		{"TTL before version", nil, func(e *EvAdvert) { e.TTL = 1; e.Advert.Version = 3 }, RejectTTL},
		{"auth before interval", func(c *InstanceConfig) { c.AuthType, c.AuthPass = AuthPass, pass },
			func(e *EvAdvert) { e.Advert.AuthData[0] = 'S'; e.Advert.AdvertIntCS = 300 }, RejectAuthData},
		// keepalived 2.2.7: "received an unexpected ip number count".
		{"VIP count", nil, func(e *EvAdvert) { e.Advert.Addrs = e.Advert.Addrs[:1] }, RejectAddrCount},
		// keepalived 2.2.7: "ip address associated with VRID not present in MASTER advert".
		{"VIP missing", nil, func(e *EvAdvert) { e.Advert.Addrs[1] = netip.MustParseAddr("192.0.2.200") }, RejectAddrMismatch},
		{"VIP order irrelevant", nil, func(e *EvAdvert) { e.Advert.Addrs[0], e.Advert.Addrs[1] = e.Advert.Addrs[1], e.Advert.Addrs[0] }, RejectNone},
		// keepalived 2.2.7 check_unicast_src: "unicast source address %s
		// not a unicast peer", then the peer's "TTL/HL %d not in range".
		{"check_unicast_src: a peer", peers(true, Peer{Addr: srcHigh, MaxTTL: 255}), func(e *EvAdvert) { e.TTL = 64 }, RejectNone},
		{"check_unicast_src: not a peer", peers(true, Peer{Addr: srcLow, MaxTTL: 255}), func(*EvAdvert) {}, RejectUnicastSrc},
		{"check_unicast_src off: not a peer", peers(false, Peer{Addr: srcLow, MaxTTL: 255}), func(*EvAdvert) {}, RejectNone},
		{"peer min_ttl", peers(true, Peer{Addr: srcHigh, MinTTL: 250, MaxTTL: 255}), func(e *EvAdvert) { e.TTL = 249 }, RejectTTL},
		{"peer max_ttl", peers(true, Peer{Addr: srcHigh, MinTTL: 1, MaxTTL: 64}), func(e *EvAdvert) { e.TTL = 65 }, RejectTTL},
		{"peer TTL in range", peers(true, Peer{Addr: srcHigh, MinTTL: 1, MaxTTL: 64}), func(e *EvAdvert) { e.TTL = 64 }, RejectNone},
		// keepalived 2.2.7 checks peers only where it checks the VIP list.
		{"VIP list before peer", peers(true, Peer{Addr: srcLow, MaxTTL: 255}), func(e *EvAdvert) { e.Advert.Addrs[1] = srcLow }, RejectAddrMismatch},
		// keepalived vrrp_in_chk_ipsecah: a sequence number not above the
		// counter is a replay.
		{"AH sequence 1 ok", func(c *InstanceConfig) { c.AuthType = AuthAH }, func(e *EvAdvert) { e.AHSeq = 1 }, RejectNone},
		{"AH sequence 0 replay", func(c *InstanceConfig) { c.AuthType = AuthAH }, func(e *EvAdvert) { e.AHSeq = 0 }, RejectAuthData},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ic := baseCfg()
			if c.tweak != nil {
				c.tweak(&ic)
			}
			d := newDriver(t, one(ic))
			d.step(EvStart{})
			before := d.timerAt("VI_1", TimerMasterDown)
			d.now = t0.Add(time.Second)
			ev := advFrom(ic, srcHigh, 200)
			c.ev(&ev)
			acts := d.step(ev)
			var got RejectReason
			for _, a := range acts {
				if r, ok := a.(ActReject); ok {
					got = r.Reason
					if r.Detail == "" || r.Src != srcHigh {
						t.Errorf("reject without detail or source: %+v", r)
					}
				}
			}
			if got != c.want {
				t.Fatalf("reject %v, want %v (actions %v)", got, c.want, kinds(acts))
			}
			after := d.timerAt("VI_1", TimerMasterDown)
			if c.want != RejectNone && after != before {
				t.Fatalf("rejected advert moved the down timer from %v to %v", before, after)
			}
			if c.want == RejectNone && after == before {
				t.Fatalf("accepted advert did not reset the down timer")
			}
		})
	}
}

// keepalived 2.2.7 vrrp_state_backup: with skip_check_adv_addr the VIP
// list is not checked for the last accepted master (the TTL still is); a
// new sender is always checked.
func TestFSMSkipCheckAdvAddr(t *testing.T) {
	ic := baseCfg()
	ic.SkipCheckAdvAddr = true
	d := newDriver(t, one(ic))
	d.step(EvStart{})
	d.now = t0.Add(time.Second)
	bad := advFrom(ic, srcHigh, 200)
	bad.Advert.Addrs = bad.Advert.Addrs[:1]
	if !has(d.step(bad), "reject:addr_count") {
		t.Fatalf("first advert from a new master must be checked: %v", kinds(d.last))
	}
	d.step(advFrom(ic, srcHigh, 200))
	d.now = t0.Add(2 * time.Second)
	if acts := d.step(bad); len(acts) != 1 || kinds(acts)[0] != "set:master_down" {
		t.Fatalf("advert from last master with skip_check_adv_addr: %v", kinds(acts))
	}
	other := bad
	other.Src = srcLow
	if !has(d.step(other), "reject:addr_count") {
		t.Fatalf("advert from another sender must be checked: %v", kinds(d.last))
	}
	ttl := advFrom(ic, srcHigh, 200)
	ttl.TTL = 254
	if !has(d.step(ttl), "reject:invalid_ttl") {
		t.Fatalf("TTL is checked even for the last master: %v", kinds(d.last))
	}
}

// keepalived vrrp_scheduler.c: adverts for an instance in FAULT or INIT
// are ignored.
func TestFSMIgnoredStates(t *testing.T) {
	ic := baseCfg()
	d := newDriver(t, one(ic))
	if acts := d.step(advFrom(ic, srcHigh, 200)); !has(acts, "reject:state_ignored") || len(acts) != 1 {
		t.Fatalf("INIT: %v", kinds(acts))
	}
	d.step(EvStart{})
	d.step(EvInterface{Instance: "VI_1", Up: false})
	d.wantState("VI_1", StateFault)
	if acts := d.step(advFrom(ic, srcHigh, 0)); !has(acts, "reject:state_ignored") || len(acts) != 1 {
		t.Fatalf("FAULT: %v", kinds(acts))
	}
	// Unknown instance: nothing.
	ev := advFrom(ic, srcHigh, 200)
	ev.Instance = "nope"
	if acts := d.step(ev); len(acts) != 0 {
		t.Fatalf("unknown instance: %v", kinds(acts))
	}
}

// keepalived 2.2.7 ipsecah_counter: one counter per instance for both
// directions. Each advert sent takes the next number; an accepted
// advert's higher number becomes the counter, so a BACKUP that takes over
// continues above its old master's numbers; a MASTER that hears a lower
// priority advert jumps past the sender's number ("Syncing seq_num").
func TestFSMAHSequence(t *testing.T) {
	ic := baseCfg()
	ic.AuthType, ic.AuthPass = AuthAH, PassKey("secret")
	d := newDriver(t, one(ic))
	d.step(EvStart{})
	seqOf := func(acts []Action) []uint32 {
		var out []uint32
		for _, a := range acts {
			if s, ok := a.(ActSendAdvert); ok {
				out = append(out, s.AHSeq)
			}
		}
		return out
	}
	ev := advFrom(ic, srcHigh, 200)
	ev.AHSeq = 41
	if acts := d.step(ev); len(acts) != 1 || !has(acts, "set:master_down") {
		t.Fatalf("seq 41 from the master: %v", kinds(acts))
	}
	if acts := d.step(ev); !has(acts, "reject:auth_failure") {
		t.Fatalf("replayed seq 41: %v", kinds(acts))
	}
	acts := d.fire("VI_1", TimerMasterDown)
	if got := seqOf(acts); len(got) != 1 || got[0] != 42 {
		t.Fatalf("first advert as MASTER carries %v, want [42]", got)
	}
	if got := seqOf(d.fire("VI_1", TimerAdvert)); len(got) != 1 || got[0] != 43 {
		t.Fatalf("next advert carries %v, want [43]", got)
	}
	low := advFrom(ic, srcHigh, 50)
	low.AHSeq = 100
	if got := seqOf(d.step(low)); len(got) != 1 || got[0] != 102 {
		t.Fatalf("after a lower priority advert with seq 100: sent %v, want [102]", got)
	}
}

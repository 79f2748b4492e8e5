package vrrp

import (
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
			d := newDriver(t, one(ic))
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

// Two masters hearing each other's rejected adverts (a wrong auth_pass):
// each packet pushes the other's timer back, so the one that sent last
// keeps the floor while the other falls silent (what keepalived 2.2.7 does
// in a namespace when the hearing side's processing outlasts the sender's
// timer lateness; see scenarios/regress_master_rephase.scn).
func TestRejectedAdvertsSilenceTheListeningMaster(t *testing.T) {
	ic := baseCfg()
	ic.AuthType, ic.AuthPass = AuthPass, [8]byte{'1', '1', '1', '1'}
	d := newDriver(t, one(ic))
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

func count(acts []Action, kind string) int {
	n := 0
	for _, k := range kinds(acts) {
		if k == kind {
			n++
		}
	}
	return n
}

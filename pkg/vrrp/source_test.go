package vrrp

import (
	"net/netip"
	"slices"
	"testing"
	"time"
)

// keepalived 2.2.7: an instance without an advert source is in FAULT
// ("(VI_1) entering FAULT state (no IPv4 address for interface)",
// vrrp_track.c initialise_vrrp_tracking_priorities); when an address
// appears on its interface, keepalived_netlink.c netlink_if_address_filter
// copies it to vrrp->saddr and calls try_up_instance: BACKUP ("Entering
// BACKUP STATE") with a full Master_Down_Interval, as on any fault's end.
// EvSourceAddr is that; an invalid address takes the source away again.
func TestSourceAddrLeavesFault(t *testing.T) {
	ic := baseCfg()
	ic.SrcAddr = netip.Addr{}
	d := newDriver(t, one(ic))
	d.step(EvStart{})
	d.wantState("VI_1", StateFault)
	if f := d.e.Faults("VI_1"); !slices.Equal(f, []Fault{{Kind: FaultNoAddress, Value: 4}}) {
		t.Fatalf("faults %v", f)
	}
	d.now = t0.Add(3 * time.Second)
	acts := d.step(EvSourceAddr{Instance: "VI_1", Addr: srcMid})
	d.wantState("VI_1", StateBackup)
	var c Cause
	for _, a := range acts {
		if sc, ok := a.(ActStateChange); ok {
			c = sc.Reason
		}
	}
	if c.Kind != CauseLeaveFault {
		t.Fatalf("cause %v, want leaving fault (actions %v)", c, kinds(acts))
	}
	if got, want := d.timerAt("VI_1", TimerMasterDown), 3*time.Second+MasterDownInterval(2, 100, time.Second, 3); got != want {
		t.Fatalf("down timer at %v, want %v", got, want)
	}
	// The new source breaks equal-priority ties: it is the one in use.
	d.runUntil(t0.Add(10 * time.Second))
	d.wantState("VI_1", StateMaster)
	d.step(advFrom(ic, srcLow, 100))
	d.wantState("VI_1", StateMaster)
	d.step(advFrom(ic, srcHigh, 100))
	d.wantState("VI_1", StateBackup)

	if acts := d.step(EvSourceAddr{Instance: "VI_1", Addr: netip.Addr{}}); !has(acts, "state:BACKUP>FAULT") {
		t.Fatalf("source taken away: actions %v", kinds(acts))
	}
}

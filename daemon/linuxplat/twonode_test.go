package linuxplat

import (
	"testing"
	"time"

	"github.com/gokeepalived/gokeepalived/daemon/nslab"
	"github.com/gokeepalived/gokeepalived/pkg/vrrp"
)

// Skew_Time of VRRPv3 at advert_int 0.1 s (RFC 5798 §6.1:
// (256-prio)×Master_Adver_Interval/256): priority 100 → 61 ms.
const skew100 = 61 * time.Millisecond

// slack is the bound on what the kernel, the scheduler and two reactors
// add to a protocol time on this shared 2-core machine.
const slack = 400 * time.Millisecond

// RFC 5798 §6.4.1-6.4.3 over real sockets: the higher priority wins the
// election; a MASTER stopped (SIGTERM) sends priority 0 and the BACKUP
// takes over after Skew_Time; the higher priority comes back and
// preempts.
func TestElectionStopAndPreempt(t *testing.T) {
	t.Parallel()
	l := nslab.New(t, 2)
	vi := instance{name: "VI_1", vrid: 51, prio: 150, vips: []string{"192.0.2.51/32"}}
	a := start(t, l.Nodes[0], conf("", vi))
	vi.prio = 100
	b := start(t, l.Nodes[1], conf("", vi))

	waitHolds(t, 3*time.Second, "192.0.2.51", a, a, b)
	nslab.WaitFor(t, time.Second, "b BACKUP", func() bool { return b.state("VI_1") == vrrp.StateBackup })

	a.stop()
	took := waitHolds(t, skew100+slack, "192.0.2.51", b, a, b)
	t.Logf("takeover after stop: %v (Skew_Time %v)", took, skew100)

	vi.prio = 150
	a.run(conf("", vi))
	waitHolds(t, 3*time.Second, "192.0.2.51", a, a, b)
	if !b.logs.Contains(`(VI_1) Entering BACKUP STATE" reason="higher priority advert"`) {
		t.Fatal("b did not log its return to BACKUP")
	}
}

// keepalived.conf(5) nopreempt: a higher-priority BACKUP that starts
// while a MASTER is up does not take over.
func TestNopreempt(t *testing.T) {
	t.Parallel()
	l := nslab.New(t, 2)
	vi := instance{name: "VI_1", vrid: 52, prio: 100, vips: []string{"192.0.2.52/32"}}
	b := start(t, l.Nodes[1], conf("", vi))
	waitHolds(t, 3*time.Second, "192.0.2.52", b, b)
	vi.prio, vi.nopreempt = 150, true
	a := start(t, l.Nodes[0], conf("", vi))
	nslab.WaitFor(t, 2*time.Second, "a BACKUP", func() bool { return a.state("VI_1") == vrrp.StateBackup })
	// Several Master_Down_Intervals (≈0.34 s for a) without a takeover.
	stays(t, 1500*time.Millisecond, "b as the only holder", func() bool { return b.has("192.0.2.52") && !a.has("192.0.2.52") })
	// Without the old master, the nopreempt node does take over.
	b.stop()
	waitHolds(t, time.Second, "192.0.2.52", a, a, b)
}

// keepalived: an instance whose interface loses carrier enters FAULT and
// releases its VIPs at the first netlink event; the BACKUP takes over
// after its Master_Down_Interval (the FAULT node's priority-0 advert
// cannot leave a dead link).
func TestLinkDownFault(t *testing.T) {
	t.Parallel()
	l := nslab.New(t, 2)
	vi := instance{name: "VI_1", vrid: 53, prio: 150, vips: []string{"192.0.2.53/32"}}
	a := start(t, l.Nodes[0], conf("", vi))
	vi.prio = 100
	b := start(t, l.Nodes[1], conf("", vi))
	waitHolds(t, 3*time.Second, "192.0.2.53", a, a, b)

	l.Nodes[0].SetBridgeSide(t, false)
	nslab.WaitFor(t, slack, "a in FAULT without the VIP", func() bool {
		return a.state("VI_1") == vrrp.StateFault && !a.has("192.0.2.53")
	})
	// Master_Down_Interval of b: 3 × 0.1 s + Skew_Time.
	waitHolds(t, 300*time.Millisecond+skew100+slack, "192.0.2.53", b, a, b)
	if !a.logs.Contains("Netlink reports eth0 down") {
		t.Fatal("a did not log the link change")
	}

	l.Nodes[0].SetBridgeSide(t, true)
	waitHolds(t, 3*time.Second, "192.0.2.53", a, a, b)
}

// keepalived: a VIP deleted by hand makes its MASTER leave (priority 0,
// BACKUP); here the MASTER has the higher priority, so it wins the next
// election and the VIP is back on it.
func TestVIPDeletedByHand(t *testing.T) {
	t.Parallel()
	l := nslab.New(t, 2)
	vi := instance{name: "VI_1", vrid: 54, prio: 150, vips: []string{"192.0.2.54/32"}}
	a := start(t, l.Nodes[0], conf("", vi))
	vi.prio = 100
	b := start(t, l.Nodes[1], conf("", vi))
	waitHolds(t, 3*time.Second, "192.0.2.54", a, a, b)

	a.IP(t, "addr", "del", "192.0.2.54/32", "dev", "eth0")
	nslab.WaitFor(t, 2*time.Second, "a noticing the deleted VIP", func() bool {
		return a.logs.Contains("(VI_1) VIP 192.0.2.54 deleted externally")
	})
	waitHolds(t, 3*time.Second, "192.0.2.54", a, a, b)
	if !a.logs.Contains(`(VI_1) Entering BACKUP STATE" reason="virtual address deleted"`) {
		t.Fatal("a did not leave MASTER after its VIP was deleted")
	}
}

// An interface deleted and re-created is picked up again: its receive
// socket is re-opened on the new interface and the instance leaves FAULT.
func TestInterfaceRecreated(t *testing.T) {
	t.Parallel()
	l := nslab.New(t, 2)
	vi := instance{name: "VI_1", vrid: 55, prio: 150, vips: []string{"192.0.2.55/32"}}
	a := start(t, l.Nodes[0], conf("", vi))
	vi.prio = 100
	b := start(t, l.Nodes[1], conf("", vi))
	waitHolds(t, 3*time.Second, "192.0.2.55", a, a, b)

	l.Nodes[0].Unplug(t)
	nslab.WaitFor(t, time.Second, "a in FAULT", func() bool { return a.state("VI_1") == vrrp.StateFault })
	waitHolds(t, 2*time.Second, "192.0.2.55", b, b)

	l.Nodes[0].Plug(t)
	waitHolds(t, 3*time.Second, "192.0.2.55", a, a, b)
	var open bool
	_ = a.h.Do(func() error {
		rs := a.h.P.Receivers()
		open = len(rs) == 1 && rs[0].Open && rs[0].Datagrams > 0
		return nil
	})
	if !open {
		t.Fatal("receive socket not re-opened on the new eth0")
	}
}

// keepalived SIGHUP (reference §3.3): an instance that stays keeps its
// state, a removed MASTER sends priority 0 and releases its VIP (the
// peer takes over after Skew_Time), an added one starts, and a kept
// MASTER's changed VIP list is reconciled without leaving MASTER.
func TestReloadAddRemoveAndChange(t *testing.T) {
	t.Parallel()
	l := nslab.New(t, 2)
	v1 := instance{name: "VI_1", vrid: 61, prio: 150, vips: []string{"192.0.2.61/32"}}
	v2 := instance{name: "VI_2", vrid: 62, prio: 150, vips: []string{"192.0.2.62/32"}}
	a := start(t, l.Nodes[0], conf("", v1, v2))
	b1, b2 := v1, v2
	b1.prio, b2.prio = 100, 100
	b := start(t, l.Nodes[1], conf("", b1, b2))
	waitHolds(t, 3*time.Second, "192.0.2.61", a, a, b)
	waitHolds(t, 3*time.Second, "192.0.2.62", a, a, b)

	v1.vips = []string{"192.0.2.61/32", "192.0.2.161/32"}
	b1.vips = v1.vips
	v3 := instance{name: "VI_3", vrid: 63, prio: 150, vips: []string{"192.0.2.63/32"}}
	nslab.Must(t, b.h.Reload(parse(t, conf("", b1, b2))))
	nslab.Must(t, a.h.Reload(parse(t, conf("", v1, v3))))

	// VI_2 removed on a: priority 0, b takes over after Skew_Time.
	waitHolds(t, skew100+slack, "192.0.2.62", b, a, b)
	// VI_1 kept MASTER with one more VIP.
	waitHolds(t, time.Second, "192.0.2.161", a, a, b)
	if !a.has("192.0.2.61") || a.state("VI_1") != vrrp.StateMaster {
		t.Fatal("VI_1 left MASTER or lost its VIP on reload")
	}
	if a.logs.Contains(`(VI_1) Entering BACKUP STATE"`) {
		t.Fatal("VI_1 flapped on reload")
	}
	// VI_3 added: it starts and, alone, becomes MASTER.
	waitHolds(t, 3*time.Second, "192.0.2.63", a, a, b)

	// A configuration that does not build leaves the running one alone.
	bad := parse(t, conf("", v1))
	bad.Instances[0].VRID = 300
	if err := a.h.Reload(bad); err == nil {
		t.Fatal("reload with VRID 300 accepted")
	}
	if a.state("VI_1") != vrrp.StateMaster || a.state("VI_3") != vrrp.StateMaster {
		t.Fatal("a failed reload changed the running instances")
	}
}

package sim

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/gokeepalived/gokeepalived/pkg/vrrp"
)

// e6Conf is seed 003 §3.1 (VG1, nopreempt on the 150 side only).
func e6Conf(prio int, nopreempt bool) string {
	np := ""
	if nopreempt {
		np = "nopreempt"
	}
	return fmt.Sprintf(`vrrp_sync_group VG1 {
    group {
        VI_1
    }
}

vrrp_instance VI_1 {
    state BACKUP
    smtp_alert
    notify_fault "/root/script/notify_mail.sh fault"
    notify_master "/root/script/notify_mail.sh master"
    %s
    interface eth1
    track_interface {
        eth0
        eth1
    }
    virtual_router_id 51
    priority %d
    advert_int 1
    authentication {
        auth_type PASS
        auth_pass fsaf..7&f
    }
    virtual_ipaddress {
        192.168.1.1/24 dev eth1 scope global
    }
}
`, np, prio)
}

// EXPERIMENTS.md E6: .3 (150, nopreempt) becomes MASTER; when it fails .4
// takes over; when it recovers it stays BACKUP — exactly one switch — and
// the notify scripts run with the seed's arguments.
func TestE6Nopreempt(t *testing.T) {
	w := NewWorld(Options{Seed: 9})
	must(t, w.AddSegment("lan0"))
	must(t, w.AddSegment("lan1"))
	for i, name := range []string{"r3", "r4"} {
		must(t, w.AddNode(name,
			Iface{Name: "eth0", Segment: "lan0", Addrs: []netip.Prefix{netip.MustParsePrefix(fmt.Sprintf("10.0.0.%d/24", i+3))}},
			Iface{Name: "eth1", Segment: "lan1", Addrs: []netip.Prefix{netip.MustParsePrefix(fmt.Sprintf("192.168.1.%d/24", i+3))}}))
		must(t, w.WriteExecutable(name, "/root/script/notify_mail.sh", []byte("#!/bin/sh\necho \"$1\" >> /var/log/notify\n")))
	}
	must(t, w.WriteFile("r3", ConfigPath, []byte(e6Conf(150, true))))
	must(t, w.WriteFile("r4", ConfigPath, []byte(e6Conf(100, false))))
	must(t, w.StartDaemon("r3"))
	must(t, w.StartDaemon("r4"))
	vip := netip.MustParseAddr("192.168.1.1")
	hold := func() string { return strings.Join(w.VIPHolders(vip), ",") }
	if !w.RunUntil(5*time.Second, func() bool { return hold() == "r3" }) {
		t.Fatalf("after start: holders %q", hold())
	}
	w.RunFor(5 * time.Second)
	must(t, w.SetLink("r3", "eth0", false)) // a tracked interface fails
	if !w.RunUntil(5*time.Second, func() bool { return hold() == "r4" }) {
		t.Fatalf("after r3 eth0 down: holders %q", hold())
	}
	if s, _ := w.State("r3", "VI_1"); s != vrrp.StateFault {
		t.Errorf("r3 %v, want FAULT", s)
	}
	must(t, w.SetLink("r3", "eth0", true))
	w.RunFor(20 * time.Second)
	if hold() != "r4" {
		t.Errorf("nopreempt: after recovery holders %q, want r4", hold())
	}
	masters := 0
	for _, tr := range w.Transitions() {
		if tr.To == vrrp.StateMaster.String() {
			masters++
		}
	}
	if masters != 2 {
		t.Errorf("%d MASTER transitions, want 2 (r3 at start, r4 once): %+v", masters, w.Transitions())
	}
	b, _ := w.ReadFile("r3", "/var/log/notify")
	if string(b) != "master\nfault\n" {
		t.Errorf("r3 notify log %q, want master, fault", b)
	}
}

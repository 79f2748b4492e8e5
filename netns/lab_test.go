package netns

import (
	"context"
	"net/netip"
	"strings"
	"testing"
	"time"
)

// The topology is built as asked: the node's interface carries its
// address, lo is up, the hostname is the node's, and the node's /proc
// shows only its own processes.
func TestTopologyAndNodeNamespaces(t *testing.T) {
	lab := newLab(t, pairTopology("lvs1", "lvs2", "10.0.0.50/24", "10.0.0.51/24"))
	ctx := context.Background()

	await(t, lab, 5*time.Second, "topology addresses observed", func() bool {
		return len(lab.Holders(netip.MustParseAddr("10.0.0.50"))) == 1 && len(lab.Holders(netip.MustParseAddr("10.0.0.51"))) == 1
	})
	if got := lab.Holders(netip.MustParseAddr("10.0.0.50")); len(got) != 1 || got[0] != "lvs1" {
		t.Fatalf("10.0.0.50 held by %v, want lvs1", got)
	}

	out, err := lab.Exec(ctx, "lvs1", "ip", "-o", "addr", "show")
	must(t, err)
	for _, want := range []string{"eth0    inet 10.0.0.50/24", "lo    inet 127.0.0.1/8"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("ip addr in lvs1 lacks %q:\n%s", want, out)
		}
	}

	out, err = lab.Exec(ctx, "lvs2", "hostname")
	must(t, err)
	if string(out) != "lvs2\n" {
		t.Errorf("hostname in lvs2 = %q", out)
	}

	// ps in the node lists the holder (PID 1, bash), its lifeline watcher
	// (bash), its sleep and ps itself: nothing of the host.
	out, err = lab.Exec(ctx, "lvs1", "ps", "-e", "-o", "pid=,comm=")
	must(t, err)
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	var comms []string
	for _, l := range lines {
		comms = append(comms, strings.Fields(l)[1])
	}
	if strings.Join(strings.Fields(lines[0]), " ") != "1 bash" || strings.Join(comms, " ") != "bash bash sleep ps" {
		t.Errorf("ps in lvs1:\n%s", out)
	}

	// The two nodes reach each other through the switch.
	out, err = lab.Exec(ctx, "lvs1", "bash", "-c", "echo hi > /dev/udp/10.0.0.51/9; ip neigh show 10.0.0.51")
	must(t, err)
	if !strings.Contains(string(out), "REACHABLE") && !strings.Contains(string(out), "STALE") && !strings.Contains(string(out), "DELAY") {
		t.Errorf("lvs1 did not resolve lvs2: %s", out)
	}
}

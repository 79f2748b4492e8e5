package netns

import (
	"context"
	"net/netip"
	"os"
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

// Each node's private directories are its own: a file touched inside
// lvs1 exists for lvs1 only and not on the host; a service started on
// lvs1 is seen by pidof, pgrep and ps there and nowhere else.
func TestPrivateFilesAndServices(t *testing.T) {
	t.Parallel()
	lab := newLab(t, pairTopology("lvs1", "lvs2", "10.0.0.50/24", "10.0.0.51/24"))
	ctx := t.Context()
	if _, err := lab.Exec(ctx, "lvs1", "touch", "/etc/keepalived/down"); err != nil {
		t.Fatal(err)
	}
	script := "[[ -f /etc/keepalived/down ]]&& exit 1 ||exit 0" // seed 000's chk_down, verbatim
	if _, err := lab.Exec(ctx, "lvs1", "bash", "-c", script); err == nil {
		t.Error("lvs1's chk_down does not see its down file")
	}
	if _, err := lab.Exec(ctx, "lvs2", "bash", "-c", script); err != nil {
		t.Errorf("lvs2's chk_down sees lvs1's down file: %v", err)
	}
	if _, err := os.Stat("/etc/keepalived/down"); err == nil {
		t.Error("the host has /etc/keepalived/down")
	}
	if b, err := lab.ReadFile("lvs1", "/etc/keepalived/down"); err != nil || len(b) != 0 {
		t.Errorf("ReadFile(lvs1, down) = %q, %v", b, err)
	}
	must(t, lab.RemoveFile("lvs1", "/etc/keepalived/down"))
	if _, err := lab.Exec(ctx, "lvs1", "bash", "-c", script); err != nil {
		t.Errorf("after rm, lvs1's chk_down still fails: %v", err)
	}
	// /tmp and /run are private too; a path outside every private dir is
	// refused with the list of them.
	must(t, lab.WriteFile("lvs2", "/tmp/x", []byte("lvs2\n"), 0o644))
	if out, err := lab.Exec(ctx, "lvs2", "cat", "/tmp/x"); err != nil || string(out) != "lvs2\n" {
		t.Errorf("cat /tmp/x in lvs2 = %q, %v", out, err)
	}
	if _, err := lab.Exec(ctx, "lvs1", "test", "-e", "/tmp/x"); err == nil {
		t.Error("lvs1 sees lvs2's /tmp/x")
	}
	if err := lab.WriteFile("lvs1", "/usr/local/x", nil, 0o644); err == nil || !strings.Contains(err.Error(), "/etc/keepalived, /tmp, /run") {
		t.Errorf("WriteFile outside the private dirs: %v", err)
	}

	must(t, lab.StartService("lvs1", "nginx"))
	for _, c := range []string{"pidof nginx", "pgrep -x nginx", "ps -ef | grep nginx | grep -v grep"} {
		if _, err := lab.Exec(ctx, "lvs1", "bash", "-c", c); err != nil {
			t.Errorf("lvs1: %s: %v", c, err)
		}
		if _, err := lab.Exec(ctx, "lvs2", "bash", "-c", c); err == nil {
			t.Errorf("lvs2: %s finds lvs1's nginx", c)
		}
	}
	must(t, lab.StopService("lvs1", "nginx"))
	if _, err := lab.Exec(ctx, "lvs1", "pidof", "nginx"); err == nil {
		t.Error("pidof nginx finds a stopped service")
	}
}

// The notify wrapper records each call with its argv and the caller's
// clock; given a script as its first argument it runs that script with
// the rest.
func TestNotifyWrapper(t *testing.T) {
	t.Parallel()
	lab := newLab(t, pairTopology("lb01", "lb02", "10.9.4.1/24", "10.9.4.2/24"))
	ctx := t.Context()
	before := lab.Elapsed()
	if _, err := lab.Exec(ctx, "lb01", NotifyScript, "INSTANCE", "VI_1", "MASTER", "150"); err != nil {
		t.Fatal(err)
	}
	must(t, lab.WriteFile("lb01", "/etc/keepalived/n.sh", []byte("#!/bin/bash\necho \"$*\" > /tmp/n.out\n"), 0o755))
	if _, err := lab.Exec(ctx, "lb01", NotifyScript, "/etc/keepalived/n.sh", "GROUP", "VG 1", "BACKUP", "0"); err != nil {
		t.Fatal(err)
	}
	after := lab.Elapsed()
	var got [][]string
	await(t, lab, 2*time.Second, "two notify events", func() bool {
		got = nil
		for _, e := range lab.Events(0) {
			if e.Kind == KindNotify && e.Node == "lb01" {
				if e.At < before || e.At > after {
					t.Errorf("notify at %v, outside [%v, %v]", e.At, before, after)
				}
				got = append(got, e.Argv)
			}
		}
		return len(got) == 2
	})
	if strings.Join(got[0], "|") != "INSTANCE|VI_1|MASTER|150" || strings.Join(got[1], "|") != "/etc/keepalived/n.sh|GROUP|VG 1|BACKUP|0" {
		t.Errorf("notify argv %q", got)
	}
	if b, err := lab.ReadFile("lb01", "/tmp/n.out"); err != nil || string(b) != "GROUP VG 1 BACKUP 0\n" {
		t.Errorf("the wrapped script wrote %q, %v", b, err)
	}
}

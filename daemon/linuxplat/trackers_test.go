package linuxplat

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gokeepalived/gokeepalived/daemon/nslab"
	"github.com/gokeepalived/gokeepalived/pkg/vrrp"
)

// keepalived.conf(5) static_ipaddress, static_routes, static_rules: set
// at start whatever the instances do, removed at stop.
func TestStaticAddressesRoutesRules(t *testing.T) {
	l := nslab.New(t, 1)
	n := l.Nodes[0]
	text := conf("", instance{name: "VI_1", vrid: 95, prio: 100, vips: []string{"192.0.2.95/32"}}) + `
static_ipaddress {
	192.0.2.200/32 dev eth0
}
static_routes {
	198.51.100.0/24 via 10.99.0.254 dev eth0
}
static_rules {
	from 192.0.2.200 table 100 priority 100
}
`
	a := start(t, n, text)
	nslab.WaitFor(t, 2*time.Second, "the static address", func() bool { return a.has("192.0.2.200") })
	if r := n.IP(t, "route", "show", "198.51.100.0/24"); !strings.Contains(r, "via 10.99.0.254 dev eth0 proto keepalived") {
		t.Fatalf("static route: %q", r)
	}
	if r := n.IP(t, "rule", "show"); !strings.Contains(r, "100:\tfrom 192.0.2.200 lookup 100") {
		t.Fatalf("static rule: %q", r)
	}
	a.stop()
	if a.has("192.0.2.200") || strings.Contains(n.IP(t, "route", "show"), "198.51.100.0") || strings.Contains(n.IP(t, "rule", "show"), "192.0.2.200") {
		t.Fatal("static items left after stop")
	}
}

// A vrrp_script runs as keepalived runs it (exec, no shell) and an
// unweighted failure is FAULT; track_file changes arrive by inotify at
// once, not at the next poll.
func TestScriptAndTrackFile(t *testing.T) {
	l := nslab.New(t, 1)
	dir := t.TempDir()
	flag, tf := filepath.Join(dir, "up"), filepath.Join(dir, "weight")
	nslab.Must(t, os.WriteFile(tf, []byte("0\n"), 0o644))
	text := `global_defs {
	vrrp_version 3
	script_user root
	enable_script_security
}
vrrp_script chk {
	script "/usr/bin/test -f ` + flag + `"
	interval 1
}
track_file tf {
	file ` + tf + `
	weight 0
}
` + instance{name: "VI_1", vrid: 96, prio: 100, vips: []string{"192.0.2.96/32"},
		extra: "\ttrack_script {\n\t\tchk\n\t}\n\ttrack_file {\n\t\ttf\n\t}\n"}.String()
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	a := start(t, l.Nodes[0], text)
	nslab.WaitFor(t, 3*time.Second, "FAULT while the script fails", func() bool { return a.state("VI_1") == vrrp.StateFault })
	nslab.Must(t, os.WriteFile(flag, nil, 0o644))
	waitHolds(t, 4*time.Second, "192.0.2.96", a, a)

	// The driver polls track files every second; inotify is faster.
	nslab.Must(t, os.WriteFile(tf, []byte("1\n"), 0o644))
	changed := time.Now()
	nslab.WaitFor(t, 2*time.Second, "FAULT from the track file", func() bool { return a.state("VI_1") == vrrp.StateFault })
	if d := time.Since(changed); d > 300*time.Millisecond {
		t.Errorf("track_file change seen after %v (inotify should be immediate)", d)
	}
	if a.has("192.0.2.96") {
		t.Fatal("VIP kept in FAULT")
	}
	var events uint64
	_ = a.h.Do(func() error { events = a.h.P.Stats().FileEvents; return nil })
	if events == 0 {
		t.Fatal("no track_file change came from inotify")
	}
}

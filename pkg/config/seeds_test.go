package config

import (
	"net/netip"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func loadSeed(t *testing.T, name string) (*Config, Diagnostics) {
	t.Helper()
	cfg, ds, err := Load(filepath.Join("testdata", "seeds", name), Options{})
	if err != nil {
		t.Fatalf("%s: %v\n%s", name, err, ds)
	}
	return cfg, ds
}

func hasDiag(ds Diagnostics, sev Severity, line int, kw string) bool {
	for _, d := range ds {
		if d.Severity == sev && d.Pos.Line == line && (kw == "" || d.Keyword == kw) {
			return true
		}
	}
	return false
}

// EXPERIMENTS.md E1/E2/E3 (seed 000): the configs are full of U+00A0; we
// read them as spaces with one warning per file, and the instances are
// what the author wrote.
func TestSeed000(t *testing.T) {
	for _, tc := range []struct {
		file      string
		instances map[string][2]int // name → VRID, priority
		states    map[string]string
		vs        int
	}{
		{"000-e1-lvs1.conf", map[string][2]int{"VI_1": {199, 100}}, map[string]string{"VI_1": "MASTER"}, 0},
		{"000-e1-lvs2.conf", map[string][2]int{"VI_1": {199, 99}}, map[string]string{"VI_1": "BACKUP"}, 0},
		{"000-e2-lvs1.conf", map[string][2]int{"VI_1": {199, 100}, "VI_2": {200, 99}}, map[string]string{"VI_1": "MASTER", "VI_2": "BACKUP"}, 0},
		{"000-e2-lvs2.conf", map[string][2]int{"VI_1": {199, 99}, "VI_2": {200, 100}}, map[string]string{"VI_1": "BACKUP", "VI_2": "MASTER"}, 0},
		{"000-e3-lvs1.conf", map[string][2]int{"VI_1": {199, 100}, "VI_2": {200, 99}}, map[string]string{"VI_1": "MASTER", "VI_2": "BACKUP"}, 2},
		{"000-e3-lvs2.conf", map[string][2]int{"VI_1": {199, 99}, "VI_2": {200, 100}}, map[string]string{"VI_1": "BACKUP", "VI_2": "MASTER"}, 2},
	} {
		t.Run(tc.file, func(t *testing.T) {
			cfg, ds := loadSeed(t, tc.file)
			n := 0
			for _, d := range ds {
				if d.Keyword == "" && d.Severity == Warning {
					n++
				}
			}
			if n != 1 || !hasDiag(ds, Warning, 1, "") {
				t.Errorf("want exactly one Unicode-space warning on line 1, got %d:\n%s", n, ds)
			}
			if g := cfg.Global.VRRPMcastGroup4; g != netip.MustParseAddr("224.0.0.18") {
				t.Errorf("vrrp_mcast_group4 = %v", g)
			}
			s := cfg.Script("chk_down")
			if s == nil || s.Weight != -2 || s.Interval != time.Second {
				t.Fatalf("chk_down = %+v", s)
			}
			if s.Script != "[[ -f /etc/keepalived/down ]]&& exit 1 ||exit 0" && s.Script != "[[ -f /etc/keepalived/down ]]&& exit 1||exit 0" {
				t.Errorf("script = %q (U+00A0 must become plain spaces)", s.Script)
			}
			if len(cfg.Instances) != len(tc.instances) {
				t.Fatalf("%d instances, want %d", len(cfg.Instances), len(tc.instances))
			}
			for name, want := range tc.instances {
				vi := cfg.Instance(name)
				if vi == nil {
					t.Fatalf("no instance %s", name)
				}
				if vi.VRID != want[0] || vi.Priority != want[1] || vi.State != tc.states[name] {
					t.Errorf("%s: vrid %d prio %d state %s, want %v %s", name, vi.VRID, vi.Priority, vi.State, want, tc.states[name])
				}
				if vi.AuthType != AuthPass || vi.AuthPass != "c09060332be9bb06" || vi.AdvertInt != time.Second {
					t.Errorf("%s: auth %s %q advert %v", name, vi.AuthType, vi.AuthPass, vi.AdvertInt)
				}
				if len(vi.TrackScripts) != 1 || vi.TrackScripts[0].Name != "chk_down" || vi.TrackScripts[0].Weight != -2 {
					t.Errorf("%s: track_script %+v (weight inherited from vrrp_script)", name, vi.TrackScripts)
				}
				if len(vi.VIPs) != 1 || vi.VIPs[0].Dev != "eth0" {
					t.Errorf("%s: VIPs %+v", name, vi.VIPs)
				}
			}
			if len(cfg.VirtualServers) != tc.vs {
				t.Fatalf("%d virtual servers, want %d", len(cfg.VirtualServers), tc.vs)
			}
			if tc.vs > 0 {
				if !hasDiag(ds, Warning, 12, "vrrp_mcast_group5") {
					t.Errorf("want unknown keyword vrrp_mcast_group5 at line 12:\n%s", ds)
				}
				vi := cfg.Instance("VI_1")
				if v := vi.VIPs[0]; v.Prefix != netip.MustParsePrefix("172.20.0.100/16") || v.Label != "eth0:0" {
					t.Errorf("VI_1 VIP %+v", v)
				}
				for _, vs := range cfg.VirtualServers {
					if vs.Port != 80 || vs.LBAlgo != "rr" || vs.LBKind != "DR" || vs.Protocol != "TCP" || vs.DelayLoop != 3*time.Second {
						t.Errorf("vs %+v", vs)
					}
					if len(vs.RealServers) != 2 {
						t.Fatalf("vs %s: %d real servers", vs.Addr, len(vs.RealServers))
					}
					for _, rs := range vs.RealServers {
						ck := rs.Checkers[0]
						if ck.Kind != "HTTP_GET" || ck.ConnectTimeout != 3*time.Second || ck.Retry != 3 || ck.DelayBeforeRetry != 3*time.Second ||
							len(ck.URLs) != 1 || ck.URLs[0].Path != "/" || ck.URLs[0].StatusCodes[0] != (StatusRange{200, 200}) {
							t.Errorf("rs %s checker %+v", rs.Addr, ck)
						}
						if rs.Weight != 1 || rs.Port != 80 {
							t.Errorf("rs %+v", rs)
						}
					}
				}
			}
		})
	}
}

// EXPERIMENTS.md E4 (seed 001): persistence_timeout 0 means no persistence
// (keepalived 2.2.7 rejects it); nb_get_retry is retry.
func TestSeed001(t *testing.T) {
	for file, want := range map[string][2]any{"001-e4-master.conf": {"MASTER", 100}, "001-e4-slave.conf": {"BACKUP", 90}} {
		cfg, ds := loadSeed(t, file)
		vi := cfg.Instance("VI_1")
		if vi.State != want[0] || vi.Priority != want[1] || vi.VRID != 100 || vi.Interface != "eth1" {
			t.Errorf("%s: %+v", file, vi)
		}
		vs := cfg.VirtualServers[0]
		if vs.Addr != netip.MustParseAddr("10.0.0.210") || vs.PersistenceTimeout != 0 || vs.LBKind != "DR" || vs.DelayLoop != 6*time.Second {
			t.Errorf("%s: vs %+v", file, vs)
		}
		if len(vs.RealServers) != 2 {
			t.Fatalf("%s: real servers %d", file, len(vs.RealServers))
		}
		for _, rs := range vs.RealServers {
			ck := rs.Checkers[0]
			if ck.Kind != "TCP_CHECK" || ck.ConnectPort != 80 || ck.ConnectTimeout != 10*time.Second || ck.Retry != 3 || ck.DelayBeforeRetry != 3*time.Second {
				t.Errorf("%s: checker %+v", file, ck)
			}
		}
		if !hasDiag(ds, Warning, 35, "nb_get_retry") {
			t.Errorf("%s: want nb_get_retry deprecation at line 35:\n%s", file, ds)
		}
	}
}

// EXPERIMENTS.md E5 (seed 002): two virtual_server blocks for the same
// VIP:port become one service with both real servers (warning); vrrp_strict
// drops PASS authentication; vrrp_garp_interval 0 is accepted.
func TestSeed002(t *testing.T) {
	for file, prio := range map[string]int{"002-e5-lvs1.conf": 100, "002-e5-lvs2.conf": 50} {
		cfg, ds := loadSeed(t, file)
		vi := cfg.Instance("VI_1")
		if vi.Priority != prio || vi.VRID != 51 || !vi.Strict || !vi.SkipCheckAdvAddr || vi.AuthType != AuthNone || vi.Accept {
			t.Errorf("%s: %+v", file, vi)
		}
		if v := vi.VIPs[0]; v.Prefix != netip.MustParsePrefix("172.20.1.100/16") || v.Dev != "eth0" || v.Label != "eth0:1" {
			t.Errorf("%s: VIP %+v", file, v)
		}
		if cfg.Global.VRRPGARPInterval != 0 || cfg.Global.VRRPGNAInterval != 0 {
			t.Errorf("%s: garp intervals", file)
		}
		if len(cfg.VirtualServers) != 1 {
			t.Fatalf("%s: %d virtual servers, want 1 (merged)", file, len(cfg.VirtualServers))
		}
		vs := cfg.VirtualServers[0]
		if len(vs.RealServers) != 2 || vs.RealServers[0].Addr != netip.MustParseAddr("172.20.1.10") || vs.RealServers[1].Addr != netip.MustParseAddr("172.20.1.11") {
			t.Errorf("%s: real servers %+v", file, vs.RealServers)
		}
		if !hasDiag(ds, Warning, 79, "virtual_server") {
			t.Errorf("%s: want merge warning at line 79:\n%s", file, ds)
		}
	}
}

// EXPERIMENTS.md E6/E7 (seed 003): nopreempt on the BACKUP-state .3, sync
// group VG1, notify scripts, auth_pass with punctuation, the LVS section.
func TestSeed003(t *testing.T) {
	cfg, _ := loadSeed(t, "003-e7-master.conf")
	vi := cfg.Instance("VI_1")
	if !vi.Nopreempt || vi.State != "BACKUP" || vi.Priority != 150 || vi.AuthPass != "fsaf..7&f" {
		t.Errorf("master: %+v", vi)
	}
	if vi.NotifyMaster.Command != "/root/script/notify_mail.sh master" || vi.NotifyFault.Command != "/root/script/notify_mail.sh fault" {
		t.Errorf("notify: %+v %+v", vi.NotifyMaster, vi.NotifyFault)
	}
	if g := cfg.SyncGroupOf("VI_1"); g == nil || g.Name != "VG1" {
		t.Errorf("sync group %+v", g)
	}
	// track_interface eth1 is the instance's own interface: keepalived
	// ignores that entry; eth0 stays.
	if len(vi.TrackInterfaces) != 1 || vi.TrackInterfaces[0].Name != "eth0" {
		t.Errorf("track_interface %+v", vi.TrackInterfaces)
	}
	if v := vi.VIPs[0]; v.Prefix != netip.MustParsePrefix("192.168.1.1/24") || v.Dev != "eth1" || v.Scope != "global" {
		t.Errorf("VIP %+v", v)
	}
	vs := cfg.VirtualServers[0]
	if vs.LBAlgo != "wlc" || vs.PersistenceTimeout != 1200*time.Second || !vs.HASuspend || len(vs.RealServers) != 2 || vs.RealServers[0].Weight != 3 {
		t.Errorf("vs %+v", vs)
	}
	if ck := vs.RealServers[0].Checkers[0]; ck.Kind != "TCP_CHECK" || ck.ConnectTimeout != 3*time.Second || ck.Retry != 1 || ck.DelayLoop != 3*time.Second {
		t.Errorf("checker %+v", ck)
	}
	b, _ := loadSeed(t, "003-e7-backup.conf")
	if bvi := b.Instance("VI_1"); bvi.Nopreempt || bvi.Priority != 100 {
		t.Errorf("backup: %+v", bvi)
	}
	// The manual's fragment: autp_pass is an unknown keyword (warning).
	_, ds, err := Load("testdata/seeds/003-doc-instance.conf", Options{})
	if err == nil || !hasDiag(ds, Warning, 19, "autp_pass") || !hasDiag(ds, Error, 11, "mcast_src_ip") {
		t.Errorf("003-doc-instance: %v\n%s", err, ds)
	}
}

// EXPERIMENTS.md E8/E10 (seed 004).
func TestSeed004(t *testing.T) {
	a, _ := loadSeed(t, "004-e8-lb01.conf")
	b, _ := loadSeed(t, "004-e8-lb02.conf")
	if a.Global.RouterID != "lb01" || b.Global.RouterID != "lb02" || a.Instances[0].Priority != 150 || b.Instances[0].Priority != 100 ||
		a.Instances[0].VIPs[0].Prefix != netip.MustParsePrefix("10.0.0.3/32") {
		t.Errorf("E8: %+v / %+v", a.Instances[0], b.Instances[0])
	}
	m, _ := loadSeed(t, "004-e10-multi-lb01.conf")
	if s := m.Script("check"); s == nil || s.Script != "/server/scripts/check_www.sh" || s.Interval != 2*time.Second || s.Weight != 2 {
		t.Errorf("check script %+v", s)
	}
	if vi := m.Instance("VI_2"); vi.VRID != 52 || vi.VIPs[0].Label != "eth0:2" || vi.State != "BACKUP" {
		t.Errorf("VI_2 %+v", vi)
	}
	// §2.6: the curly quote inside the script path is named.
	c, ds := loadSeed(t, "004-e10-check-lb01.conf")
	if s := c.Script("check"); s == nil || s.Script != "\u201c/server/scripts/check_web.sh" {
		t.Errorf("check %+v", s)
	}
	found := false
	for _, d := range ds {
		if d.Pos.Line == 8 && d.Keyword == "script" && containsAll(d.Msg, "U+201C", "/server/scripts/check_web.sh") {
			found = true
		}
	}
	if !found {
		t.Errorf("want the typographic quote named at line 8:\n%s", ds)
	}
}

func containsAll(s string, subs ...string) bool {
	for _, x := range subs {
		if !strings.Contains(s, x) {
			return false
		}
	}
	return true
}

// Seed 000's check script is shell syntax. keepalived 2.2.7 execs scripts
// without a shell and would disable it; gokeepalived runs it through a shell
// (a documented difference), and the config test says both.
func TestShellSyntaxScriptNamed(t *testing.T) {
	src := []byte("vrrp_script chk_down {\n    script \"[[ -f /etc/keepalived/down ]]&& exit 1 ||exit 0\"\n    interval 1\n    weight -2\n}\n")
	_, ds, err := Parse("shell.conf", src, Options{CheckScripts: true})
	if err != nil {
		t.Fatalf("unexpected error: %v\n%s", err, ds)
	}
	found := false
	for _, d := range ds {
		if d.Pos.Line == 2 && d.Keyword == "script" && strings.Contains(d.Msg, "shell syntax") &&
			strings.Contains(d.Msg, "runs it through a shell") {
			found = true
		}
		if strings.Contains(d.Msg, "disabling it") {
			t.Errorf("a shell-syntax script must not be reported as disabled: %s", d)
		}
	}
	if !found {
		t.Errorf("no shell-syntax warning on line 2:\n%s", ds)
	}
}

// Diagnostics name the block a bad address line is in, not always
// virtual_ipaddress / virtual_routes.
func TestAddressLineDiagnosticNamesItsBlock(t *testing.T) {
	src := []byte("static_ipaddress {\n    10.0.0.999/24 dev eth0\n}\nstatic_routes {\n    via 10.0.0.1\n}\n" +
		"vrrp_instance VI_1 {\n    interface eth0\n    virtual_router_id 51\n    virtual_ipaddress {\n        10.0.0.3\n    }\n" +
		"    virtual_ipaddress_excluded {\n        10.0.0.300\n    }\n}\n")
	_, ds, err := Parse("blocks.conf", src, Options{})
	if err == nil {
		t.Fatal("want errors")
	}
	for _, want := range []struct {
		line int
		kw   string
	}{{2, "static_ipaddress"}, {5, "static_routes"}, {14, "virtual_ipaddress_excluded"}} {
		if !hasDiag(ds, Error, want.line, want.kw) {
			t.Errorf("no error on line %d naming %s:\n%s", want.line, want.kw, ds)
		}
	}
}

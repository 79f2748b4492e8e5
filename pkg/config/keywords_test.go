package config

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"
)

// nodesOf pre-processes, lexes and builds the statements of src.
func nodesOf(t *testing.T, src string) ([]*node, *diags) {
	t.Helper()
	d := &diags{}
	pp := newPre(d, Options{})
	pp.file("t.conf", []byte(src))
	return buildTree(lex(pp.out, d), d), d
}

// sampleValue is an in-range, non-zero value for a plain keyword, as it
// is written in keepalived.conf.
func sampleValue(s *spec) string {
	switch s.kind {
	case kindInt, kindTimer:
		return num(s.hi)
	case kindBool:
		return "on"
	case kindString:
		return "word"
	case kindAddr:
		for _, a := range []string{"192.0.2.7", "239.1.2.3", "ff02::99", "2001:db8::7"} {
			if s.must == nil || s.must(netip.MustParseAddr(a)) {
				return a
			}
		}
	}
	return ""
}

// checkTable: every plain keyword of a table parses its sample value, is
// then marked as given, and is written back by the dump as a line that
// parses to the same value; out-of-range and non-numeric values are
// rejected with their code and leave the default, not marked as given.
func checkTable[B any](t *testing.T, tb *table[B]) {
	t.Helper()
	plain := 0
	for i := range tb.rows {
		r := &tb.rows[i]
		if r.alias != "" || r.kind == kindIgnored || r.kind == kindCompound {
			continue
		}
		plain++
		t.Run(tb.block+"/"+r.name, func(t *testing.T) {
			nodes, d := nodesOf(t, strings.TrimSpace(r.name+" "+sampleValue(&r.spec))+"\n")
			var b B
			tb.setDefaults(&b)
			var set keySet
			p := &parser{d: d, cfg: &Config{}}
			parseBlock(p, tb, nodes, &b, &set, nil)
			if len(withoutDeprecation(d.list)) > 0 || !set.has(i) {
				t.Fatalf("sample %q: given=%v\n%s", sampleValue(&r.spec), set.has(i), d.list)
			}
			g := GlobalDefs{}
			globalKeywords.setDefaults(&g)
			dm := &dumper{g: &g}
			dumpRow(dm, r, &b)
			out := dm.b.String()
			if r.when != nil && !r.when(&b) {
				return
			}
			if !strings.HasPrefix(out, r.name) {
				t.Fatalf("dump of %s is %q", r.name, out)
			}
			nodes2, d2 := nodesOf(t, out)
			var b2 B
			tb.setDefaults(&b2)
			var set2 keySet
			parseBlock(&parser{d: d2, cfg: &Config{}}, tb, nodes2, &b2, &set2, nil)
			if got, want := fmt.Sprint(deref(r.field(&b2))), fmt.Sprint(deref(r.field(&b))); got != want || len(withoutDeprecation(d2.list)) > 0 {
				t.Errorf("dump %q parses to %s, want %s\n%s", out, got, want, d2.list)
			}
			if r.kind != kindInt && r.kind != kindTimer {
				return
			}
			for _, bad := range []struct {
				v    string
				code Code
			}{
				{"NaN", CodeInvalidValue}, {"Inf", CodeInvalidValue}, {"+Inf", CodeInvalidValue}, {"-inf", CodeInvalidValue},
				{"1e400", CodeInvalidValue}, {"0x10", CodeInvalidValue}, {"ten", CodeInvalidValue},
				{num(r.hi + 1), CodeValueRange}, {num(r.lo - 1), CodeValueRange},
			} {
				nodes, d := nodesOf(t, r.name+" "+bad.v+"\n")
				var b B
				tb.setDefaults(&b)
				var set keySet
				parseBlock(&parser{d: d, cfg: &Config{}}, tb, nodes, &b, &set, nil)
				var def B
				tb.setDefaults(&def)
				d.list = withoutDeprecation(d.list)
				if set.has(i) || len(d.list) != 1 || d.list[0].Code != bad.code || d.list[0].Severity != Error ||
					fmt.Sprint(deref(r.field(&b))) != fmt.Sprint(deref(r.field(&def))) {
					t.Errorf("%s %s: given=%v value %v, diagnostics %v; want one %s error and the default", r.name, bad.v,
						set.has(i), deref(r.field(&b)), d.list, bad.code)
				}
			}
		})
	}
	if plain == 0 {
		t.Errorf("%s: no plain keyword", tb.block)
	}
}

func num(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// withoutDeprecation drops the warning a deprecated keyword gives.
func withoutDeprecation(ds Diagnostics) Diagnostics {
	var out Diagnostics
	for _, d := range ds {
		if d.Code != CodeDeprecated {
			out = append(out, d)
		}
	}
	return out
}

func deref(p any) any {
	switch v := p.(type) {
	case *int:
		return *v
	case *time.Duration:
		return *v
	case *bool:
		return *v
	case *string:
		return *v
	case *netip.Addr:
		return *v
	}
	return p
}

func TestKeywordTables(t *testing.T) {
	checkTable(t, topKeywords)
	checkTable(t, globalKeywords)
	checkTable(t, scriptKeywords)
	checkTable(t, processKeywords)
	checkTable(t, syncGroupKeywords)
	checkTable(t, instanceKeywords)
	checkTable(t, sslKeywords)
	checkTable(t, vsKeywords)
	checkTable(t, rsKeywords)
	checkTable(t, checkerKeywords)
}

// The table's global_defs column: every instance keyword with a global
// fallback takes the global value when not given, and keeps its own when
// given (keepalived.conf(5): instance settings override global_defs).
func TestInstanceGlobalFallbacks(t *testing.T) {
	const v4 = "    virtual_ipaddress {\n        10.0.0.1\n    }\n"
	vi, ds := instanceFrom(t, `    vrrp_garp_master_delay 7
    vrrp_garp_master_repeat 3
    vrrp_garp_master_refresh 60
    vrrp_garp_master_refresh_repeat 2
    vrrp_garp_lower_prio_delay 9
    vrrp_garp_lower_prio_repeat 4
    vrrp_skip_check_adv_addr
    vrrp_check_unicast_src
    vrrp_notify_priority_changes
    vrrp_version 3
    vrrp_down_timer_adverts 5
    vrrp_lower_prio_no_advert
    vrrp_higher_prio_send_advert
    smtp_alert_vrrp
    vrrp_mcast_group4 224.0.0.19
`, v4)
	if ds.HasErrors() {
		t.Fatal(ds)
	}
	if vi.GARPMasterDelay != 7*time.Second || vi.GARPMasterRepeat != 3 || vi.GARPMasterRefresh != time.Minute ||
		vi.GARPMasterRefreshRepeat != 2 || vi.GARPLowerPrioDelay != 9*time.Second || vi.GARPLowerPrioRepeat != 4 ||
		!vi.SkipCheckAdvAddr || !vi.CheckUnicastSrc || !vi.NotifyPriorityChanges || vi.Version != 3 ||
		vi.DownTimerAdverts != 5 || !vi.LowerPrioNoAdvert || !vi.HigherPrioSendAdvert || !vi.SMTPAlert ||
		vi.McastDstIP != netip.MustParseAddr("224.0.0.19") {
		t.Errorf("global fallbacks not taken: %+v", vi)
	}
	vi, ds = instanceFrom(t, `    vrrp_garp_master_delay 7
    vrrp_skip_check_adv_addr
    vrrp_notify_priority_changes
    vrrp_version 3
`, "    garp_master_delay 2\n    skip_check_adv_addr off\n    notify_priority_changes off\n    version 2\n    mcast_dst_ip 224.0.0.20\n"+v4)
	if ds.HasErrors() {
		t.Fatal(ds)
	}
	if vi.GARPMasterDelay != 2*time.Second || vi.SkipCheckAdvAddr || vi.NotifyPriorityChanges || vi.Version != 2 ||
		vi.McastDstIP != netip.MustParseAddr("224.0.0.20") {
		t.Errorf("instance values must win: %+v", vi)
	}
	vi, _ = instanceFrom(t, "    vrrp_mcast_group6 ff02::99\n", "    virtual_ipaddress {\n        fe80::1\n    }\n")
	if vi.McastDstIP != netip.MustParseAddr("ff02::99") {
		t.Errorf("IPv6 instance: mcast_dst_ip %v, want vrrp_mcast_group6", vi.McastDstIP)
	}
}

// keepalived 2.2.7 vrrp.c vrrp_complete_instance: "If necessary, set the
// default TTL value. For IPv6 the default is to let the kernel set the
// default value": unicast_ttl defaults to 255 for IPv4 only; an IPv6
// instance without it sends unicast adverts with the kernel's hop limit.
func TestUnicastTTLDefault(t *testing.T) {
	peers := func(p string) string { return "    unicast_peer {\n        " + p + "\n    }\n" }
	vip6 := "    virtual_ipaddress {\n        fe80::1\n    }\n"
	for _, c := range []struct {
		name, body string
		want       int
	}{
		{"IPv4", peers("10.0.0.2") + "    virtual_ipaddress {\n        10.0.0.3\n    }\n", 255},
		{"IPv6", peers("fe80::2") + vip6, 0},
		{"IPv6 with unicast_ttl", peers("fe80::2") + "    unicast_ttl 200\n" + vip6, 200},
	} {
		vi, ds := instanceFrom(t, "", c.body)
		if ds.HasErrors() {
			t.Fatalf("%s: %v", c.name, ds)
		}
		if vi.UnicastTTL != c.want {
			t.Errorf("%s: unicast_ttl %d, want %d", c.name, vi.UnicastTTL, c.want)
		}
	}
}

// keepalived.conf(5) track_script in vrrp_sync_group: an entry without
// "weight" takes the script's weight, as in an instance (it did not
// before: the daemon inherited it itself).
func TestSyncGroupTrackWeights(t *testing.T) {
	src := `vrrp_script chk {
    script /bin/true
    weight -20 reverse
}
track_file tf {
    file /tmp/x
    weight 7
}
vrrp_track_process tp {
    process nginx
    weight 3 reverse
}
vrrp_instance A {
    interface eth0
    virtual_router_id 1
    virtual_ipaddress {
        10.0.0.1
    }
}
vrrp_instance B {
    interface eth0
    virtual_router_id 2
    virtual_ipaddress {
        10.0.0.2
    }
}
vrrp_sync_group G {
    group {
        A
        B
    }
    track_script {
        chk
    }
    track_file {
        tf
    }
    track_process {
        tp
    }
    sync_group_tracking_weight
}
`
	cfg, ds, err := Parse("t.conf", []byte(src), Options{})
	if err != nil {
		t.Fatalf("%v\n%s", err, ds)
	}
	g := cfg.SyncGroups[0]
	if s := g.TrackScripts[0]; s.Weight != -20 || !s.Reverse || s.WeightSet {
		t.Errorf("track_script %+v", s)
	}
	if f := g.TrackFiles[0]; f.Weight != 7 || f.Reverse {
		t.Errorf("track_file %+v", f)
	}
	if p := g.TrackProcesses[0]; p.Weight != 3 || !p.Reverse {
		t.Errorf("track_process %+v", p)
	}
}

// keepalived vrrp.c (duplicate VRIDs): an instance without mcast_dst_ip
// sends to vrrp_mcast_group4, so two instances with the same VRID on the
// same interface conflict when one names that group explicitly. Before
// the model resolved mcast_dst_ip, the explicit and the default group
// compared as different.
func TestDuplicateVRIDResolvedGroup(t *testing.T) {
	src := `vrrp_instance A {
    interface eth0
    virtual_router_id 9
    virtual_ipaddress {
        10.0.0.1
    }
}
vrrp_instance B {
    interface eth0
    virtual_router_id 9
    mcast_dst_ip 224.0.0.18
    virtual_ipaddress {
        10.0.0.2
    }
}
`
	_, ds, err := Parse("t.conf", []byte(src), Options{})
	if err == nil || !ds.Has(CodeDuplicate) || !hasDiag(ds, Error, 10, "virtual_router_id") {
		t.Errorf("want the duplicate VRID error on line 10:\n%s", ds)
	}
	src = strings.Replace(src, "224.0.0.18", "224.0.0.19", 1)
	if _, ds, err := Parse("t.conf", []byte(src), Options{}); err != nil {
		t.Errorf("different groups do not conflict: %v\n%s", err, ds)
	}
}

// A keyword that takes one value but is followed by hundreds of thousands
// of words says so once, with a diagnostic of bounded size; a few words
// of annotation stay silent (keepalived 2.2.7 ignores them; seed 004).
func TestTooManyValues(t *testing.T) {
	many := "priority 100" + strings.Repeat(" x", 300000) + "\n"
	for _, tc := range []struct {
		name, line string
		want       bool
	}{
		{"annotation", "priority 100 --- the priority of this node\n", false},
		{"at the limit", "priority 100" + strings.Repeat(" x", MaxExtraWords) + "\n", false},
		{"one more", "priority 100" + strings.Repeat(" x", MaxExtraWords+1) + "\n", true},
		{"hundreds of thousands", many, true},
		{"flag", "nopreempt" + strings.Repeat(" x", 300000) + "\n", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := "vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 7\n " + tc.line + " virtual_ipaddress {\n  10.0.0.1\n }\n}\n"
			cfg, ds, _ := Parse("t.conf", []byte(src), Options{})
			n := 0
			for _, d := range ds {
				if d.Code == CodeTooManyValues {
					n++
					if len(d.Msg) > 200 || d.Pos.Line != 4 {
						t.Errorf("diagnostic %d bytes at %s", len(d.Msg), d.Pos)
					}
				}
			}
			if (n == 1) != tc.want || n > 1 {
				t.Errorf("%d too-many-values diagnostics, want %v:\n%.500s", n, tc.want, ds)
			}
			if vi := cfg.Instance("VI_1"); vi == nil || (strings.HasPrefix(tc.line, "priority") && vi.Priority != 100) {
				t.Errorf("the value itself must still be read: %+v", vi)
			}
		})
	}
}

// A second track_file or vrrp_track_process of the same name is reported
// and dropped, as a second vrrp_script is (keepalived 2.2.7 keeps both
// silently and tracks the first).
func TestDuplicateTrackDefinitions(t *testing.T) {
	src := `track_file tf {
    file /tmp/a
}
track_file tf {
    file /tmp/b
}
vrrp_track_process tp {
    process a
}
vrrp_track_process tp {
    process b
}
vrrp_script s {
    script /bin/true
}
vrrp_script s {
    script /bin/false
}
`
	cfg, ds, err := Parse("t.conf", []byte(src), Options{})
	if err == nil {
		t.Fatal("duplicates accepted")
	}
	for _, line := range []int{4, 10, 16} {
		found := false
		for _, d := range ds {
			found = found || d.Pos.Line == line && d.Code == CodeDuplicate && d.Severity == Error
		}
		if !found {
			t.Errorf("no duplicate error on line %d:\n%s", line, ds)
		}
	}
	if len(cfg.TrackFiles) != 1 || cfg.TrackFiles[0].File != "/tmp/a" || len(cfg.TrackProcesses) != 1 ||
		cfg.TrackProcesses[0].Process != "a" || len(cfg.Scripts) != 1 || cfg.Scripts[0].Script != "/bin/true" {
		t.Errorf("the first definition must stay: %+v %+v %+v", cfg.TrackFiles, cfg.TrackProcesses, cfg.Scripts)
	}
}

// keepalived notify.c: a script without its own user runs as script_user.
// The model resolves it (empty without script_user: the daemon's default,
// keepalived_script or root); the dump leaves the inherited user out and
// reads back to the same model.
func TestScriptUserInherited(t *testing.T) {
	src := `global_defs {
    script_user alice staff
}
vrrp_script s1 {
    script /bin/true
}
vrrp_script s2 {
    script /bin/true
    user bob
}
vrrp_instance V {
    interface eth0
    virtual_router_id 1
    virtual_ipaddress {
        10.0.0.1
    }
    notify_master "/bin/m"
    notify_backup "/bin/b" carol
}
virtual_server 10.0.0.1 80 {
    protocol TCP
    real_server 10.0.0.2 80 {
        MISC_CHECK {
            misc_path /bin/true
        }
    }
}
`
	cfg, ds, err := Parse("t.conf", []byte(src), Options{})
	if err != nil {
		t.Fatalf("%v\n%s", err, ds)
	}
	s1, s2, vi := cfg.Scripts[0], cfg.Scripts[1], cfg.Instances[0]
	ck := cfg.VirtualServers[0].RealServers[0].Checkers[0]
	if s1.User != "alice" || s1.Group != "staff" || s2.User != "bob" || s2.Group != "" ||
		vi.NotifyMaster.User != "alice" || vi.NotifyBackup.User != "carol" || vi.NotifyBackup.Group != "" ||
		ck.User != "alice" || ck.Group != "staff" {
		t.Errorf("users: %+v %+v %+v %+v %+v", s1, s2, vi.NotifyMaster, vi.NotifyBackup, ck)
	}
	var b bytes.Buffer
	if err := Dump(&b, cfg); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(b.String(), "alice"); n != 1 {
		t.Errorf("the dump names the inherited user %d times, want once (script_user):\n%s", n, b.String())
	}
	if !strings.Contains(b.String(), `notify_backup "/bin/b" carol`) {
		t.Errorf("a notify with its user must keep its command quoted:\n%s", b.String())
	}
	again, ds, err := Parse("dump", b.Bytes(), Options{})
	if err != nil {
		t.Fatalf("%v\n%s", err, ds)
	}
	j1, _ := json.Marshal(cfg.Instances)
	j2, _ := json.Marshal(again.Instances)
	j3, _ := json.Marshal(cfg.Scripts)
	j4, _ := json.Marshal(again.Scripts)
	if !bytes.Equal(j1, j2) || !bytes.Equal(j3, j4) {
		t.Errorf("dump does not read back:\n%s\n%s", j1, j2)
	}
}

// A plain keyword takes no block. Statements written after '{' on one line
// ("real_server X 80 { weight 3 TCP_CHECK { ... } }") would otherwise
// make TCP_CHECK a block of weight and lose the checker without a word;
// keepalived 2.2.7 rejects such a line too ("Unexpected '{' - ignoring",
// exit 5).
func TestPlainKeywordTakesNoBlock(t *testing.T) {
	for _, line := range []string{
		"  real_server 10.0.0.2 80 { weight 3 TCP_CHECK { connect_timeout 3 } }\n",
		"  real_server 10.0.0.2 80 {\n   weight 3 {\n   }\n  }\n",
		"  delay_loop 6 {\n  }\n",
	} {
		src := "virtual_server 10.0.0.1 80 {\n  lb_kind DR\n  protocol TCP\n" + line + "  real_server 10.0.0.3 80 {\n   TCP_CHECK {\n   }\n  }\n}\n"
		_, ds, _ := Parse("t.conf", []byte(src), Options{})
		if !ds.Has(CodeUnexpectedBlock) {
			t.Errorf("%q: no %s diagnostic:\n%s", line, CodeUnexpectedBlock, ds)
		}
	}
}

// keepalived 2.2.7 vrrp_data.c alloc_unicast_peer: a peer's max_ttl is 255
// unless given; an explicit max_ttl 0 stays 0 (and with min_ttl above it
// "all packets will be discarded").
func TestUnicastPeerTTLDefaults(t *testing.T) {
	src := "vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 7\n unicast_peer {\n  10.0.0.2\n  10.0.0.3 max_ttl 0\n  10.0.0.4 min_ttl 9 max_ttl 8\n }\n virtual_ipaddress {\n  10.0.0.1\n }\n}\n"
	cfg, ds, _ := Parse("t.conf", []byte(src), Options{})
	vi := cfg.Instance("VI_1")
	if vi == nil || len(vi.UnicastPeers) != 3 {
		t.Fatalf("peers: %+v\n%s", vi, ds)
	}
	for i, want := range []int{255, 0, 8} {
		if got := vi.UnicastPeers[i].MaxTTL; got != want {
			t.Errorf("peer %d: max_ttl %d, want %d", i, got, want)
		}
	}
	if !ds.Has(CodeConflict) {
		t.Errorf("min_ttl > max_ttl not reported:\n%s", ds)
	}
}

package config

import (
	"net/netip"
	"strings"
	"testing"
)

// keepalived.conf(5) virtual_server_group: "<IPADDR RANGE>" and CIDR
// members cover every address from the first to the last of the range.
func TestAddrRange(t *testing.T) {
	for _, tc := range []struct{ in, first, last string }{
		{"10.0.0.1", "10.0.0.1", "10.0.0.1"},
		{"10.0.0.1-9", "10.0.0.1", "10.0.0.9"},
		{"10.0.0.1-10.0.1.2", "10.0.0.1", "10.0.1.2"},
		{"10.0.0.7/24", "10.0.0.0", "10.0.0.255"},
		{"10.1.2.3/16", "10.1.0.0", "10.1.255.255"},
		{"10.1.2.3/8", "10.0.0.0", "10.255.255.255"},
		{"255.255.255.255/32", "255.255.255.255", "255.255.255.255"},
		{"0.0.0.0/0", "0.0.0.0", "255.255.255.255"},
		{"2001:db8::5/120", "2001:db8::", "2001:db8::ff"},
		{"2001:db8::5/64", "2001:db8::", "2001:db8::ffff:ffff:ffff:ffff"},
		{"2001:db8::1-a", "2001:db8::1", "2001:db8::a"},
	} {
		first, last, ok := addrRange(tc.in)
		if !ok || first != netip.MustParseAddr(tc.first) || last != netip.MustParseAddr(tc.last) {
			t.Errorf("addrRange(%q) = %v, %v, %v; want %s, %s", tc.in, first, last, ok, tc.first, tc.last)
		}
	}
	for _, bad := range []string{"10.0.0.9-1", "10.0.0.1-::2", "10.0.0.0/33", "nonsense"} {
		if _, _, ok := addrRange(bad); ok {
			t.Errorf("addrRange(%q) accepted", bad)
		}
	}
}

// lb_kind TUN takes keepalived 2.2.7's tunnel options (check_parser.c
// svr_forwarding_handler); a real server without its own lvs_method
// inherits the virtual server's method and tunnel, and -d writes them back.
func TestTunnelOptions(t *testing.T) {
	src := `virtual_server 10.0.0.1 80 {
    lb_algo rr
    lb_kind TUN type gue port 6080 csum
    protocol TCP
    real_server 10.0.0.2 80 {
        weight 1
    }
    real_server 10.0.0.3 80 {
        lvs_method TUN type gre
    }
    real_server 10.0.0.4 80 {
        lvs_method DR
    }
}
`
	cfg, ds, err := Parse("t.conf", []byte(src), Options{})
	if err != nil || ds.HasErrors() {
		t.Fatalf("parse: %v\n%s", err, ds)
	}
	vs := cfg.VirtualServers[0]
	gue := Tunnel{Type: "gue", Port: 6080, Csum: "csum"}
	if vs.LBKind != "TUN" || vs.Tunnel != gue {
		t.Errorf("virtual server: %s %+v", vs.LBKind, vs.Tunnel)
	}
	want := []struct {
		kind string
		tun  Tunnel
	}{{"TUN", gue}, {"TUN", Tunnel{Type: "gre"}}, {"DR", Tunnel{}}}
	for i, w := range want {
		if rs := vs.RealServers[i]; rs.LBKind != w.kind || rs.Tunnel != w.tun {
			t.Errorf("real server %d: %s %+v, want %s %+v", i, rs.LBKind, rs.Tunnel, w.kind, w.tun)
		}
	}
	var b strings.Builder
	if err := Dump(&b, cfg); err != nil {
		t.Fatal(err)
	}
	cfg2, ds2, err := Parse("dump.conf", []byte(b.String()), Options{})
	if err != nil || ds2.HasErrors() {
		t.Fatalf("dump does not load: %v\n%s\n%s", err, ds2, b.String())
	}
	if got := cfg2.VirtualServers[0]; got.Tunnel != gue || got.RealServers[1].Tunnel != (Tunnel{Type: "gre"}) {
		t.Errorf("dump lost the tunnel options:\n%s", b.String())
	}
}

// lvs_sync_daemon (issue 12): gokeepalived starts no IPVS sync daemon, and
// -t says so with a not-implemented warning naming the line; keepalived
// 2.2.7 accepts the keyword, and so must the exit status (measured:
// keepalived -t exits 0 on a configuration whose only extra is
// "lvs_sync_daemon eth0 VI_1"), which KeepalivedReports decides.
func TestLVSSyncDaemonNotSupported(t *testing.T) {
	src := "global_defs {\n    lvs_sync_daemon eth0 VI_1 id 7\n}\n" +
		"vrrp_instance VI_1 {\n    interface eth0\n    virtual_router_id 51\n    virtual_ipaddress {\n        10.0.0.3\n    }\n}\n"
	cfg, ds, err := Parse("t.conf", []byte(src), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(ds) != 1 || ds[0].Code != CodeNotImplemented || ds[0].Pos != (Pos{File: "t.conf", Line: 2, Col: 5}) ||
		!strings.Contains(ds[0].Msg, "not supported") {
		t.Fatalf("diagnostics:\n%s", ds)
	}
	if ds.KeepalivedReports() {
		t.Error("a not-implemented note counts as a keepalived finding: -t would exit 5 where keepalived exits 0")
	}
	if got := strings.Join(cfg.Global.LVSSyncDaemon, " "); got != "eth0 VI_1 id 7" {
		t.Errorf("kept as %q", got)
	}
	ds = append(ds, Diagnostic{Code: CodeUnknownKeyword, Severity: Warning})
	if !ds.KeepalivedReports() {
		t.Error("an unknown keyword is a keepalived finding")
	}
}

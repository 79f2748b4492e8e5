package linuxplat

import (
	"net/netip"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/gokeepalived/gokeepalived/daemon/linux"
	"github.com/gokeepalived/gokeepalived/pkg/config"
)

// virtual_ipaddress lines reach netlink with what keepalived sends
// (vrrp_ipaddress.c): brd only when configured ("+" all host bits set,
// "-" none), scope names, IPv6 nodad unless "-nodad", preferred_lft 0 by
// default for a /128.
func TestVIPAddr(t *testing.T) {
	cfg, _, err := config.Parse("k.conf", []byte(`
vrrp_instance V4 {
	interface eth0
	virtual_router_id 1
	virtual_ipaddress {
		10.1.2.3/24 brd + dev eth0 scope link label eth0:1
		10.1.2.4/24 brd -
		10.1.2.5/24 brd 10.1.2.200 home
	}
}
vrrp_instance V6 {
	interface eth0
	virtual_router_id 2
	virtual_ipaddress {
		fd00::1
		fd00::2/64 -nodad preferred_lft forever
		fd00::3/64 preferred_lft 30 label x
	}
}`), config.Options{})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]linux.Addr{}
	for _, in := range cfg.Instances {
		for _, v := range in.VIPs {
			a, err := vipAddr(v)
			if err != nil {
				t.Fatalf("%v: %v", v.Prefix, err)
			}
			got[v.Prefix.String()] = a
		}
	}
	check := func(p string, ok bool, what string) {
		t.Helper()
		if !ok {
			t.Errorf("%s: %s: got %+v", p, what, got[p])
		}
	}
	a := got["10.1.2.3/24"]
	check("10.1.2.3/24", a.Broadcast == netip.MustParseAddr("10.1.2.255") && a.Scope == unix.RT_SCOPE_LINK && a.Label == "eth0:1", "brd + / scope link / label")
	check("10.1.2.4/24", got["10.1.2.4/24"].Broadcast == netip.MustParseAddr("10.1.2.0"), "brd -")
	a = got["10.1.2.5/24"]
	check("10.1.2.5/24", a.Broadcast == netip.MustParseAddr("10.1.2.200") && a.Flags&unix.IFA_F_HOMEADDRESS != 0, "brd ADDR, home")
	a = got["fd00::1/128"]
	check("fd00::1/128", !a.DAD && a.PreferredLft == 0, "nodad, preferred 0 for a /128")
	a = got["fd00::2/64"]
	check("fd00::2/64", a.DAD && a.PreferredLft == linux.LifetimeForever, "-nodad, forever")
	a = got["fd00::3/64"]
	check("fd00::3/64", a.PreferredLft == 30 && a.Label == "", "preferred_lft 30, IPv6 label dropped")
}

func TestRouteAndRuleWords(t *testing.T) {
	idx := func(name string) (int, error) {
		if name == "eth0" {
			return 7, nil
		}
		return 0, errNoIface
	}
	routes := []struct {
		words string
		want  linux.Route
		err   string
	}{
		{"192.0.2.0/24 via 10.0.0.1 dev eth0", linux.Route{Dst: netip.MustParsePrefix("192.0.2.0/24"), Gw: netip.MustParseAddr("10.0.0.1"), Ifindex: 7}, ""},
		{"to default via 10.0.0.1 table 100 metric 5", linux.Route{Gw: netip.MustParseAddr("10.0.0.1"), Table: 100, Metric: 5}, ""},
		{"src 10.0.0.9 198.51.100.7 dev eth0 scope link", linux.Route{Src: netip.MustParseAddr("10.0.0.9"), Dst: netip.MustParsePrefix("198.51.100.7/32"), Ifindex: 7, Scope: unix.RT_SCOPE_LINK}, ""},
		{"blackhole 203.0.113.0/24", linux.Route{Type: unix.RTN_BLACKHOLE, Dst: netip.MustParsePrefix("203.0.113.0/24")}, ""},
		{"192.0.2.0/24 dev eth9", linux.Route{}, "no such interface"},
		{"192.0.2.0/24 realm 4", linux.Route{}, "unsupported option"},
	}
	for _, tc := range routes {
		got, err := routeFromWords(config.Route{Words: strings.Fields(tc.words)}, idx)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("route %q: err %v, want %q", tc.words, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("route %q: %+v, %v; want %+v", tc.words, got, err, tc.want)
		}
	}
	rules := []struct {
		words string
		want  linux.Rule
	}{
		{"from 10.0.0.0/24 table 100", linux.Rule{From: netip.MustParsePrefix("10.0.0.0/24"), Table: 100}},
		{"not to fd00::/64 lookup 7 priority 50", linux.Rule{IPv6: true, Invert: true, To: netip.MustParsePrefix("fd00::/64"), Table: 7, Priority: 50}},
		{"fwmark 0x10/0xff iif eth0 table main", linux.Rule{FwMark: 16, FwMask: 255, IifName: "eth0", Table: unix.RT_TABLE_MAIN}},
	}
	for _, tc := range rules {
		got, err := ruleFromWords(config.Rule{Words: strings.Fields(tc.words)})
		if err != nil || got != tc.want {
			t.Errorf("rule %q: %+v, %v; want %+v", tc.words, got, err, tc.want)
		}
	}
}

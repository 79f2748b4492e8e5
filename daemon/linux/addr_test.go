package linux

import (
	"errors"
	"net/netip"
	"regexp"
	"slices"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

func nodeNetlink(t *testing.T, n *labNode) *Netlink {
	t.Helper()
	nl, err := NewNetlinkAt(n.ns)
	must(t, err)
	t.Cleanup(nl.Close)
	return nl
}

// ipLine returns the `ip -o addr` line of addr on eth0, or "".
func ipLine(t *testing.T, n *labNode, family, addr string) string {
	t.Helper()
	for _, l := range strings.Split(n.ip(t, "-o", family, "addr", "show", "dev", "eth0"), "\n") {
		if strings.Contains(l, " "+addr+" ") || strings.Contains(l, " "+addr+"/") {
			return l
		}
	}
	return ""
}

// virtual_ipaddress: ADDR/LEN [brd B] label L: the label and broadcast
// reach the kernel as configured (no broadcast unless `brd`), and the
// address goes away again.
func TestVIPLabelInIPAddr(t *testing.T) {
	node := newLab(t, 1).nodes[0]
	nl := nodeNetlink(t, node)
	cases := []struct {
		a    Addr
		want *regexp.Regexp
	}{
		{Addr{Prefix: netip.MustParsePrefix("192.0.2.10/24"), Label: "eth0:1"},
			regexp.MustCompile(`inet 192\.0\.2\.10/24 scope global eth0:1\\`)},
		{Addr{Prefix: netip.MustParsePrefix("192.0.2.11/24"), Label: "eth0:vip", Broadcast: netip.MustParseAddr("192.0.2.255")},
			regexp.MustCompile(`inet 192\.0\.2\.11/24 brd 192\.0\.2\.255 scope global secondary eth0:vip\\`)},
		// keepalived 2.2.7 and the kernel accept a label without the
		// interface prefix (only iproute2 refuses it).
		{Addr{Prefix: netip.MustParsePrefix("198.51.100.7/32"), Label: "foo:1", Scope: unix.RT_SCOPE_LINK},
			regexp.MustCompile(`inet 198\.51\.100\.7/32 scope link foo:1\\`)},
	}
	for _, tc := range cases {
		must(t, nl.AddAddr(node.ifindex, tc.a))
		line := ipLine(t, node, "-4", tc.a.Prefix.Addr().String())
		if !tc.want.MatchString(line) {
			t.Errorf("ip -4 addr: %q does not match %s", line, tc.want)
		}
		if err := nl.AddAddr(node.ifindex, tc.a); !errors.Is(err, unix.EEXIST) {
			t.Errorf("second add of %s: %v, want EEXIST", tc.a, err)
		}
	}
	// Secondaries first: deleting the primary 192.0.2.10/24 would take
	// 192.0.2.11/24 with it (promote_secondaries is off).
	for _, tc := range slices.Backward(cases) {
		must(t, nl.DelAddr(node.ifindex, tc.a.Prefix))
		if line := ipLine(t, node, "-4", tc.a.Prefix.Addr().String()); line != "" {
			t.Errorf("after delete, ip -4 addr still shows %q", line)
		}
		if err := nl.DelAddr(node.ifindex, tc.a.Prefix); !errors.Is(err, unix.EADDRNOTAVAIL) {
			t.Errorf("second delete of %s: %v, want EADDRNOTAVAIL", tc.a, err)
		}
	}
	if err := nl.AddAddr(node.ifindex, Addr{Prefix: netip.MustParsePrefix("192.0.2.12/32"), Label: "eth0:0123456789ab"}); err == nil ||
		!strings.Contains(err.Error(), "longer than 15") {
		t.Errorf("16-byte label: %v, want a length error", err)
	}
}

// keepalived's IPv6 VIPs: IFA_F_NODAD unless -nodad; a /128 without
// preferred_lft is deprecated (preferred 0, valid forever); a shorter
// prefix is preferred forever.
func TestVIPIPv6NodadLifetimes(t *testing.T) {
	node := newLab(t, 1).nodes[0]
	nl := nodeNetlink(t, node)
	host := netip.MustParsePrefix("2001:db8::10/128")
	net64 := netip.MustParsePrefix("2001:db8:1::10/64")
	must(t, nl.AddAddr(node.ifindex, Addr{Prefix: host, PreferredLft: DefaultPreferredLft(host)}))
	must(t, nl.AddAddr(node.ifindex, Addr{Prefix: net64, PreferredLft: DefaultPreferredLft(net64)}))
	addrs, err := nl.Addrs(node.ifindex)
	must(t, err)
	got := map[netip.Prefix]Addr{}
	for _, a := range addrs {
		got[a.Prefix] = a
	}
	h, ok := got[host]
	if !ok || h.DAD || h.Flags&unix.IFA_F_DEPRECATED == 0 || h.PreferredLft != 0 {
		t.Errorf("%s: %+v, want nodad, deprecated, preferred 0", host, h)
	}
	n, ok := got[net64]
	if !ok || n.DAD || n.Flags&unix.IFA_F_DEPRECATED != 0 || n.PreferredLft != LifetimeForever {
		t.Errorf("%s: %+v, want nodad, preferred forever", net64, n)
	}
	if line := ipLine(t, node, "-6", "2001:db8::10"); !strings.Contains(line, "nodad") || !strings.Contains(line, "preferred_lft 0sec") ||
		!strings.Contains(line, "valid_lft forever") {
		t.Errorf("ip -6 addr: %q", line)
	}
	if err := nl.AddAddr(node.ifindex, Addr{Prefix: host, Label: "eth0:1"}); err == nil {
		t.Error("an IPv6 address with a label was accepted")
	}
}

// Reconcile adds what is missing, deletes what it owns and no longer
// wants, is idempotent, re-adds a wanted address deleted by hand, and never
// touches an address that was never in a desired set.
func TestVIPReconcile(t *testing.T) {
	node := newLab(t, 1).nodes[0]
	nl := nodeNetlink(t, node)
	v := NewVIPs(nl)
	a := Addr{Prefix: netip.MustParsePrefix("192.0.2.1/32"), Label: "eth0:a"}
	b := Addr{Prefix: netip.MustParsePrefix("192.0.2.2/24")}
	c := Addr{Prefix: netip.MustParsePrefix("2001:db8::2/128")}
	operator := netip.MustParsePrefix("192.0.2.50/24")
	must(t, nl.AddAddr(node.ifindex, Addr{Prefix: operator}))

	present := func() []netip.Prefix {
		addrs, err := nl.Addrs(node.ifindex)
		must(t, err)
		var out []netip.Prefix
		for _, x := range addrs {
			if x.Prefix.Addr().IsLinkLocalUnicast() || x.Prefix.Addr() == node.v4 || x.Prefix.Addr() == node.v6 {
				continue
			}
			out = append(out, x.Prefix)
		}
		slices.SortFunc(out, func(x, y netip.Prefix) int { return x.Addr().Compare(y.Addr()) })
		return out
	}
	pp := func(s ...string) []netip.Prefix {
		var out []netip.Prefix
		for _, x := range s {
			out = append(out, netip.MustParsePrefix(x))
		}
		return out
	}
	steps := []struct {
		name       string
		want       []Addr
		before     func()
		added, del []netip.Prefix
		after      []netip.Prefix
	}{
		{"add a b c", []Addr{a, b, c}, nil, pp("192.0.2.1/32", "192.0.2.2/24", "2001:db8::2/128"), nil,
			pp("192.0.2.1/32", "192.0.2.2/24", "192.0.2.50/24", "2001:db8::2/128")},
		{"same again", []Addr{c, b, a}, nil, nil, nil,
			pp("192.0.2.1/32", "192.0.2.2/24", "192.0.2.50/24", "2001:db8::2/128")},
		{"drop a and c", []Addr{b}, nil, nil, pp("192.0.2.1/32", "2001:db8::2/128"),
			pp("192.0.2.2/24", "192.0.2.50/24")},
		{"b deleted by hand", []Addr{b}, func() { must(t, nl.DelAddr(node.ifindex, b.Prefix)) }, pp("192.0.2.2/24"), nil,
			pp("192.0.2.2/24", "192.0.2.50/24")},
		{"nothing wanted", nil, nil, nil, pp("192.0.2.2/24"), pp("192.0.2.50/24")},
	}
	for _, s := range steps {
		if s.before != nil {
			s.before()
		}
		ch, err := v.Reconcile("eth0", s.want)
		must(t, err, s.name)
		if !slices.Equal(ch.Added, s.added) || !slices.Equal(ch.Deleted, s.del) {
			t.Errorf("%s: change %+v, want added %v deleted %v", s.name, ch, s.added, s.del)
		}
		if got := present(); !slices.Equal(got, s.after) {
			t.Errorf("%s: interface has %v, want %v", s.name, got, s.after)
		}
	}
	if o := v.Owned("eth0"); len(o) != 0 {
		t.Errorf("owned after an empty reconcile: %v", o)
	}
	if _, err := v.Reconcile("nosuch0", []Addr{a}); err == nil {
		t.Error("reconcile on a missing interface succeeded")
	}
}

// virtual_routes / virtual_rules: a route (via, dev, table, metric) and a
// rule (from, table, priority) appear with protocol keepalived and go away.
func TestRoutesAndRules(t *testing.T) {
	node := newLab(t, 1).nodes[0]
	nl := nodeNetlink(t, node)
	routes := []struct {
		r    Route
		show []string
		want *regexp.Regexp
	}{
		{Route{Dst: netip.MustParsePrefix("198.51.100.0/24"), Gw: netip.MustParseAddr("10.99.0.254"), Ifindex: node.ifindex, Table: 100, Metric: 5},
			[]string{"-4", "route", "show", "table", "100"},
			regexp.MustCompile(`198\.51\.100\.0/24 via 10\.99\.0\.254 dev eth0 proto (keepalived|18) metric 5`)},
		{Route{Dst: netip.MustParsePrefix("203.0.113.0/24"), Src: node.v4, Ifindex: node.ifindex, Scope: unix.RT_SCOPE_LINK},
			[]string{"-4", "route", "show"},
			regexp.MustCompile(`203\.0\.113\.0/24 dev eth0 proto (keepalived|18) scope link src 10\.99\.0\.1`)},
		{Route{Gw: netip.MustParseAddr("fd99::fe"), Ifindex: node.ifindex, Table: 101},
			[]string{"-6", "route", "show", "table", "101"},
			regexp.MustCompile(`default via fd99::fe dev eth0 proto (keepalived|18)`)},
	}
	for _, tc := range routes {
		must(t, nl.AddRoute(tc.r))
		if out := node.ip(t, tc.show...); !tc.want.MatchString(out) {
			t.Errorf("after adding %s, ip %s:\n%s", tc.r, strings.Join(tc.show, " "), out)
		}
	}
	listed, err := nl.Routes(false, 100, 0)
	must(t, err)
	if len(listed) != 1 || listed[0].Dst != routes[0].r.Dst || listed[0].Gw != routes[0].r.Gw || listed[0].Metric != 5 {
		t.Errorf("Routes(table 100): %+v", listed)
	}
	for _, tc := range routes {
		must(t, nl.DelRoute(tc.r))
		if out := node.ip(t, tc.show...); tc.want.MatchString(out) {
			t.Errorf("after deleting %s, ip %s still shows it:\n%s", tc.r, strings.Join(tc.show, " "), out)
		}
	}

	rules := []struct {
		r    Rule
		show []string
		want *regexp.Regexp
	}{
		{Rule{From: netip.MustParsePrefix("192.0.2.10/32"), Table: 100, Priority: 1000},
			[]string{"-4", "rule", "show"}, regexp.MustCompile(`1000:\s+from 192\.0\.2\.10 lookup 100`)},
		{Rule{IPv6: true, To: netip.MustParsePrefix("2001:db8::/64"), Table: 101, Priority: 1001},
			[]string{"-6", "rule", "show"}, regexp.MustCompile(`1001:\s+from all to 2001:db8::/64 lookup 101`)},
	}
	for _, tc := range rules {
		must(t, nl.AddRule(tc.r))
		if out := node.ip(t, tc.show...); !tc.want.MatchString(out) {
			t.Errorf("after adding %s, ip %s:\n%s", tc.r, strings.Join(tc.show, " "), out)
		}
		if err := nl.AddRule(tc.r); !errors.Is(err, unix.EEXIST) {
			t.Errorf("second add of %s: %v, want EEXIST", tc.r, err)
		}
		must(t, nl.DelRule(tc.r))
		if out := node.ip(t, tc.show...); tc.want.MatchString(out) {
			t.Errorf("after deleting %s, ip %s still shows it:\n%s", tc.r, strings.Join(tc.show, " "), out)
		}
	}
	if err := nl.AddRule(Rule{From: netip.MustParsePrefix("2001:db8::/64"), Table: 5}); err == nil {
		t.Error("an IPv4 rule with an IPv6 selector was accepted")
	}
}

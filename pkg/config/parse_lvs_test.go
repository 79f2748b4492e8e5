package config

import (
	"net/netip"
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

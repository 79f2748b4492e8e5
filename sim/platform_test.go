package sim

import (
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/gokeepalived/gokeepalived/pkg/vrrp"
)

// addrsOn lists node's prefixes on iface.
func addrsOn(w *World, node, iface string) []netip.Prefix {
	var out []netip.Prefix
	for _, a := range w.Addresses(node) {
		if a.Iface == iface {
			out = append(out, a.Prefix)
		}
	}
	return out
}

// Linux address semantics (checked with iproute2 in a network namespace,
// kernel RTM_NEWADDR/RTM_DELADDR): 10.0.0.5/24 and 10.0.0.5/32 coexist on
// one interface, an exact duplicate is EEXIST, and a delete removes only
// the address with the given prefix length (else EADDRNOTAVAIL). IPv6
// refuses the same address with any prefix length and deletes only with
// the exact one.
func TestAddressPrefixExact(t *testing.T) {
	p := netip.MustParsePrefix
	w := NewWorld(Options{Seed: 1})
	must(t, w.AddSegment("lan"))
	must(t, w.AddNode("n1", Iface{Name: "eth0", Segment: "lan", Addrs: []netip.Prefix{p("10.0.0.5/24")}}))

	must(t, w.AddAddress("n1", "eth0", p("10.0.0.5/32"), ""))
	if err := w.AddAddress("n1", "eth0", p("10.0.0.5/32"), ""); err == nil {
		t.Error("exact duplicate 10.0.0.5/32 accepted, want EEXIST")
	}
	if err := w.AddAddress("n1", "eth0", p("10.0.0.5/24"), ""); err == nil {
		t.Error("exact duplicate 10.0.0.5/24 accepted, want EEXIST")
	}
	must(t, w.DelAddress("n1", "eth0", p("10.0.0.5/32")))
	if got, want := addrsOn(w, "n1", "eth0"), []netip.Prefix{p("10.0.0.5/24")}; !slices.Equal(got, want) {
		t.Fatalf("after del 10.0.0.5/32: %v, want %v", got, want)
	}
	if err := w.DelAddress("n1", "eth0", p("10.0.0.5/32")); err == nil {
		t.Error("del of absent 10.0.0.5/32 succeeded (deleted the /24?), want EADDRNOTAVAIL")
	}
	if got := addrsOn(w, "n1", "eth0"); len(got) != 1 {
		t.Fatalf("own /24 gone: %v", got)
	}

	must(t, w.AddAddress("n1", "eth0", p("2001:db8::5/64"), ""))
	if err := w.AddAddress("n1", "eth0", p("2001:db8::5/128"), ""); err == nil {
		t.Error("2001:db8::5/128 next to /64 accepted, want EEXIST (IPv6)")
	}
	if err := w.DelAddress("n1", "eth0", p("2001:db8::5/128")); err == nil {
		t.Error("del 2001:db8::5/128 removed the /64, want EADDRNOTAVAIL")
	}
	must(t, w.DelAddress("n1", "eth0", p("2001:db8::5/64")))
}

const ownerConf = `vrrp_instance VI_1 {
    state MASTER
    interface eth0
    virtual_router_id 51
    priority 255
    advert_int 1
    virtual_ipaddress {
        10.0.0.5
    }
}
`

// keepalived deletes only the /32 it added (keepalived PRs #155, #353): an
// address owner (priority 255, VIP = its own address) keeps its
// 10.0.0.5/24 through start (stale-VIP clean-up), stop and restart, and is
// MASTER again at once after the restart. Its adverts come from its second
// address: keepalived never takes a VIP as the source, and with only the
// VIP's address the owner would be in FAULT (regress_election.scn).
func TestOwnerKeepsOwnAddress(t *testing.T) {
	own := netip.MustParsePrefix("10.0.0.5/24")
	second := netip.MustParsePrefix("10.0.0.9/24")
	w := NewWorld(Options{Seed: 2})
	must(t, w.AddSegment("lan"))
	must(t, w.AddNode("lb01", Iface{Name: "eth0", Segment: "lan", Addrs: []netip.Prefix{own, second}}))
	must(t, w.WriteFile("lb01", ConfigPath, []byte(ownerConf)))
	for round := range 2 {
		must(t, w.StartDaemon("lb01"))
		w.RunFor(time.Second)
		if s, _ := w.State("lb01", "VI_1"); s != vrrp.StateMaster {
			t.Fatalf("round %d: state %v, want MASTER (address owner)", round, s)
		}
		if got := addrsOn(w, "lb01", "eth0"); !slices.Contains(got, own) || !slices.Contains(got, netip.MustParsePrefix("10.0.0.5/32")) {
			t.Fatalf("round %d: MASTER with %v, want %s and the VIP 10.0.0.5/32", round, got, own)
		}
		must(t, w.StopDaemon("lb01"))
		w.RunFor(time.Second)
		if got, want := addrsOn(w, "lb01", "eth0"), []netip.Prefix{own, second}; !slices.Equal(got, want) {
			t.Fatalf("round %d: after stop %v, want %v", round, got, want)
		}
	}
}

package daemon

import (
	"net/netip"
	"slices"

	"github.com/gokeepalived/gokeepalived/pkg/config"
)

// sourceAddr is the advert source an instance takes from its interface:
// the primary address, unless that is one of the instance's own VIPs or
// eVIPs, which keepalived 2.2.7 never takes as the interface's address
// (keepalived_netlink.c ignore_address_if_ours_or_link_local: an address
// equal to a VIP of an instance on that interface is ignored, whatever its
// prefix length). Then the next IPv4 address that is not one; none: the
// zero Addr, and the engine puts the instance in FAULT ("no IPv4 address
// for interface", vrrp.FaultNoAddress). An address owner whose interface
// has only 10.0.0.5/24 and the VIP 10.0.0.5 therefore has no source.
// keepalived applies the rule across every instance on the interface;
// this looks at the instance's own addresses only. IPv6 sources are
// link-local and left as the platform reports them.
func sourceAddr(links Links, iface string, in *config.VRRPInstance, primary netip.Addr) netip.Addr {
	if in.IPv6 || !ownAddr(in, primary) {
		return primary
	}
	am, ok := links.(interface {
		Addresses(iface string) ([]netip.Prefix, error)
	})
	if !ok {
		return netip.Addr{}
	}
	addrs, err := am.Addresses(iface)
	if err != nil {
		return netip.Addr{}
	}
	for _, p := range addrs {
		if a := p.Addr(); a.Is4() && !ownAddr(in, a) {
			return a
		}
	}
	return netip.Addr{}
}

// ownAddr reports whether a is one of in's VIPs or eVIPs.
func ownAddr(in *config.VRRPInstance, a netip.Addr) bool {
	is := func(v config.VIP) bool { return v.Prefix.Addr() == a }
	return slices.ContainsFunc(in.VIPs, is) || slices.ContainsFunc(in.EVIPs, is)
}

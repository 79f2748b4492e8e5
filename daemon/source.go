package daemon

import (
	"fmt"
	"net/netip"

	"github.com/gokeepalived/gokeepalived/pkg/config"
	"github.com/gokeepalived/gokeepalived/pkg/vrrp"
)

// ourAddrs are the VIPs and eVIPs the daemon's instances put on each
// interface: keepalived 2.2.7 never takes one as an interface's address
// for the advert source, whichever instance it belongs to and whatever
// its prefix length (keepalived_netlink.c
// ignore_address_if_ours_or_link_local, addr_is_equal2; verified against
// keepalived 2.2.7 in a namespace: two instances on an interface whose
// only address was the first one's VIP both entered FAULT "(no IPv4
// address for interface)").
type ourAddrs map[string]map[netip.Addr]bool

func ourAddresses(cfg *config.Config) ourAddrs {
	o := ourAddrs{}
	add := func(v config.VIP) {
		if o[v.Dev] == nil {
			o[v.Dev] = map[netip.Addr]bool{}
		}
		o[v.Dev][v.Prefix.Addr()] = true
	}
	for i := range cfg.Instances {
		in := &cfg.Instances[i]
		for _, v := range in.VIPs {
			add(v)
		}
		for _, v := range in.EVIPs {
			add(v)
		}
	}
	return o
}

// has reports whether a is one of the daemon's VIPs or eVIPs on iface.
func (o ourAddrs) has(iface string, a netip.Addr) bool { return o[iface][a] }

// sourceAddr is the advert source an instance takes from its interface:
// the primary address, unless that is one of the daemon's VIPs or eVIPs
// on the interface (ourAddrs); then the next IPv4 address that is not
// one; none: the zero Addr, and the engine puts the instance in FAULT
// ("no IPv4 address for interface", vrrp.FaultNoAddress) until an
// address is added (Driver.AddressAdded). An address owner whose
// interface has only 10.0.0.5/24 and the VIP 10.0.0.5 therefore has no
// source. IPv6 sources are link-local and left as the platform reports
// them.
func sourceAddr(links Links, iface string, in *config.VRRPInstance, ours ourAddrs, primary netip.Addr) netip.Addr {
	if in.IPv6 || !ours.has(iface, primary) {
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
		if a := p.Addr(); a.Is4() && !ours.has(iface, a) {
			return a
		}
	}
	return netip.Addr{}
}

// AddressAdded reports an address that appeared on an interface
// (RTM_NEWADDR), the daemon's own VIPs included. An instance on that
// interface that has no advert source takes it and leaves FAULT, as
// keepalived 2.2.7 does (keepalived_netlink.c netlink_if_address_filter:
// the interface's first address that is not ours, or for IPv6 the first
// link-local one, becomes its address, "Assigned address %s for interface
// %s", and every instance without a source copies it and calls
// try_up_instance). Verified against keepalived 2.2.7 in a namespace:
// adding the other instance's VIP changed nothing, adding 10.99.0.9/24
// brought both instances to BACKUP at once and to MASTER a
// Master_Down_Interval later.
func (d *Driver) AddressAdded(iface string, addr netip.Prefix) {
	a := addr.Addr()
	if !d.running || (a.Is6() && !a.IsLinkLocalUnicast()) || d.ours.has(iface, a) {
		return
	}
	logged := false
	for _, m := range d.insts {
		if m.src.IsValid() || m.iface != iface || m.ipv6 != a.Is6() {
			continue
		}
		if !logged {
			d.log.Info(fmt.Sprintf("Assigned address %s for interface %s", a, iface))
			logged = true
		}
		m.src = a
		d.step(vrrp.EvSourceAddr{Instance: m.name, Addr: a})
	}
}

package linux

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// in6AddrGenModeNone is IN6_ADDR_GEN_MODE_NONE (linux/if_link.h): no
// automatic link-local address (RFC 5798 §7.4: the VMAC must not get one
// from its MAC).
const in6AddrGenModeNone = 1

// VRRPMAC is the VRRP virtual router MAC of RFC 5798 §7.3:
// 00:00:5e:00:01:VRID for IPv4, 00:00:5e:00:02:VRID for IPv6.
func VRRPMAC(vrid uint8, ipv6 bool) net.HardwareAddr {
	fam := byte(1)
	if ipv6 {
		fam = 2
	}
	return net.HardwareAddr{0x00, 0x00, 0x5e, 0x00, fam, vrid}
}

// VMAC is a use_vmac interface: a macvlan in private mode on Parent,
// carrying the virtual router MAC (vrrp_vmac.c netlink_link_add_vmac).
type VMAC struct {
	// Name is the interface name (keepalived's default is vrrp.VRID; the
	// choice among free names is the caller's).
	Name string
	// Parent is the interface the macvlan sits on.
	Parent string
	VRID   uint8
	IPv6   bool
	// MAC overrides the VRRP MAC when set.
	MAC net.HardwareAddr
	// KeepIPv6 leaves IPv6 enabled on an IPv4 VMAC (keepalived does when
	// the instance has excluded VIPs of the other family).
	KeepIPv6 bool
	// LinkLocal is the IPv6 source address to put on an IPv6 VMAC
	// (unicast_src_ip, else the parent's link-local address, else the
	// EUI-64 address of the parent's MAC — see EUI64LinkLocal). Zero adds
	// none.
	LinkLocal netip.Addr
}

// ARPSettings are a parent interface's arp_ignore and arp_filter before
// an IPv4 VMAC changed them, for RestoreParentARP.
type ARPSettings struct {
	Parent      string
	ArpIgnore   int
	ArpFilter   int
	Changed     bool
	Unavailable bool // the sysctls could not be read (kept as they were)
}

// VMACInfo is what CreateVMAC made or found.
type VMACInfo struct {
	Index int
	MAC   net.HardwareAddr
	// Created is false when a matching macvlan was already there (left by
	// an earlier run) and was reused.
	Created bool
	// Parent holds the parent's previous ARP settings (IPv4 VMACs).
	Parent ARPSettings
}

// EUI64LinkLocal is the fe80::/64 address keepalived derives from a MAC
// (vrrp_vmac.c make_link_local_address).
func EUI64LinkLocal(mac net.HardwareAddr) (netip.Addr, error) {
	if len(mac) != 6 {
		return netip.Addr{}, fmt.Errorf("MAC %v is not Ethernet", mac)
	}
	a := [16]byte{0: 0xfe, 1: 0x80, 8: mac[0] ^ 0x02, 9: mac[1], 10: mac[2], 11: 0xff, 12: 0xfe, 13: mac[3], 14: mac[4], 15: mac[5]}
	return netip.AddrFrom16(a), nil
}

// CreateVMAC creates (or reuses) the macvlan and configures it as
// keepalived 2.2.7 does: RTM_NEWLINK kind macvlan, mode private, the VRRP
// MAC, on the parent; for IPv4 the VMAC sysctls arp_ignore=1,
// accept_local=1, rp_filter=0, promote_secondaries=1 and, on the parent,
// arp_ignore=1 and arp_filter=1 (previous values returned for
// RestoreParentARP); disable_ipv6=1 on an IPv4 VMAC unless KeepIPv6;
// addr_gen_mode none; link up; for IPv6 the LinkLocal address (/64,
// nodad, preferred lifetime 0 as keepalived sends it).
//
// An existing macvlan of that name is reused when parent, MAC and mode
// match, and replaced otherwise (keepalived updates MAC and mode in
// place); an existing interface of another kind is an error. keepalived
// also lowers net.ipv4.conf.all.rp_filter once before its first IPv4 VMAC:
// see ClearAllRPFilter.
func (n *Netlink) CreateVMAC(v VMAC) (VMACInfo, error) {
	where := fmt.Sprintf("vmac %s on %s", v.Name, v.Parent)
	if v.Name == "" || len(v.Name) > maxLabelLen {
		return VMACInfo{}, fmt.Errorf("%s: bad interface name", where)
	}
	mac := v.MAC
	if mac == nil {
		mac = VRRPMAC(v.VRID, v.IPv6)
	}
	parent, err := n.h.LinkByName(v.Parent)
	if err != nil {
		return VMACInfo{}, fmt.Errorf("%s: parent: %w", where, err)
	}
	info := VMACInfo{MAC: mac}
	link, err := n.h.LinkByName(v.Name)
	switch {
	case err == nil:
		mv, ok := link.(*netlink.Macvlan)
		if !ok {
			return VMACInfo{}, fmt.Errorf("%s: %s exists and is a %s, not a macvlan", where, v.Name, link.Type())
		}
		if mv.ParentIndex == parent.Attrs().Index && bytes.Equal(mv.HardwareAddr, mac) && mv.Mode == netlink.MACVLAN_MODE_PRIVATE {
			break
		}
		if err := n.h.LinkDel(link); err != nil {
			return VMACInfo{}, fmt.Errorf("%s: remove mismatching macvlan: %w", where, err)
		}
		link = nil
	case errors.As(err, new(netlink.LinkNotFoundError)):
		link = nil
	default:
		return VMACInfo{}, fmt.Errorf("%s: %w", where, err)
	}
	if link == nil {
		mv := &netlink.Macvlan{
			LinkAttrs: netlink.LinkAttrs{Name: v.Name, ParentIndex: parent.Attrs().Index, HardwareAddr: mac},
			Mode:      netlink.MACVLAN_MODE_PRIVATE,
		}
		if err := n.h.LinkAdd(mv); err != nil {
			return VMACInfo{}, fmt.Errorf("%s: create macvlan: %w", where, err)
		}
		info.Created = true
		if link, err = n.h.LinkByName(v.Name); err != nil {
			return VMACInfo{}, fmt.Errorf("%s: %w", where, err)
		}
	}
	info.Index = link.Attrs().Index
	err = n.inNS(func() error {
		if !v.IPv6 && info.Created {
			if err := setVMACSysctls(v.Name); err != nil {
				return err
			}
			p, err := setParentARP(v.Parent)
			info.Parent = p
			if err != nil {
				return err
			}
		}
		key, err := ifSysctl("ipv6", v.Name, "disable_ipv6")
		if err != nil {
			return err
		}
		disable := 0
		if !v.IPv6 && !v.KeepIPv6 {
			disable = 1
		}
		return writeSysctl(key, disable)
	})
	if err != nil {
		return info, fmt.Errorf("%s: %w", where, err)
	}
	if err := n.h.LinkSetIP6AddrGenMode(link, in6AddrGenModeNone); err != nil {
		return info, fmt.Errorf("%s: addr_gen_mode none: %w", where, err)
	}
	if err := n.h.LinkSetUp(link); err != nil {
		return info, fmt.Errorf("%s: set up: %w", where, err)
	}
	if v.IPv6 && v.LinkLocal.IsValid() {
		ll := Addr{Prefix: netip.PrefixFrom(v.LinkLocal, 64), PreferredLft: 0}
		if err := n.AddAddr(info.Index, ll); err != nil && !errors.Is(err, unix.EEXIST) {
			return info, fmt.Errorf("%s: %w", where, err)
		}
	}
	return info, nil
}

// setVMACSysctls sets keepalived's settings on an IPv4 VMAC
// (vrrp_if_config.c vmac_sysctl / set_interface_parameters_sysctl).
func setVMACSysctls(ifname string) error {
	settings := [...]struct {
		name  string
		value int
	}{
		{"arp_ignore", 1},          // don't answer ARP for the parent's addresses
		{"accept_local", 1},        // hear another local instance's adverts
		{"rp_filter", 0},           // receive while the VMAC has no address
		{"promote_secondaries", 1}, // deleting a primary VIP keeps the others
	}
	for _, s := range settings {
		key, err := ifSysctl("ipv4", ifname, s.name)
		if err != nil {
			return err
		}
		if err := writeSysctl(key, s.value); err != nil {
			return err
		}
	}
	return nil
}

// setParentARP sets arp_ignore=1 and arp_filter=1 on the parent
// (keepalived: "We mustn't reply to ARP requests on this interface for
// vrrp IP address") and returns the previous values.
func setParentARP(parent string) (ARPSettings, error) {
	s := ARPSettings{Parent: parent}
	ign, err1 := ifSysctl("ipv4", parent, "arp_ignore")
	flt, err2 := ifSysctl("ipv4", parent, "arp_filter")
	if err := errors.Join(err1, err2); err != nil {
		return s, err
	}
	var rerr1, rerr2 error
	s.ArpIgnore, rerr1 = readSysctlInt(ign)
	s.ArpFilter, rerr2 = readSysctlInt(flt)
	if rerr1 != nil || rerr2 != nil {
		s.Unavailable = true
		return s, nil
	}
	for _, w := range []struct {
		key string
		old int
	}{{ign, s.ArpIgnore}, {flt, s.ArpFilter}} {
		if w.old != 1 {
			if err := writeSysctl(w.key, 1); err != nil {
				return s, err
			}
			s.Changed = true
		}
	}
	return s, nil
}

// RestoreParentARP puts back the parent's arp_ignore and arp_filter
// (keepalived's reset_interface_parameters when its last VMAC on that
// parent goes).
func (n *Netlink) RestoreParentARP(s ARPSettings) error {
	if !s.Changed || s.Unavailable {
		return nil
	}
	return n.inNS(func() error {
		ign, err1 := ifSysctl("ipv4", s.Parent, "arp_ignore")
		flt, err2 := ifSysctl("ipv4", s.Parent, "arp_filter")
		if err := errors.Join(err1, err2); err != nil {
			return err
		}
		return errors.Join(writeSysctl(ign, s.ArpIgnore), writeSysctl(flt, s.ArpFilter))
	})
}

// DeleteVMAC removes the macvlan called name; a missing one is not an
// error. It refuses to delete an interface that is not a macvlan.
func (n *Netlink) DeleteVMAC(name string) error {
	link, err := n.h.LinkByName(name)
	if errors.As(err, new(netlink.LinkNotFoundError)) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("delete vmac %s: %w", name, err)
	}
	if _, ok := link.(*netlink.Macvlan); !ok {
		return fmt.Errorf("delete vmac %s: it is a %s, not a macvlan", name, link.Type())
	}
	if err := n.h.LinkDel(link); err != nil {
		return fmt.Errorf("delete vmac %s: %w", name, err)
	}
	return nil
}

// RPFilterState is what ClearAllRPFilter changed, for RestoreRPFilter.
type RPFilterState struct {
	All, Default int            // previous all/rp_filter and default/rp_filter
	Raised       map[string]int // interfaces whose rp_filter was raised, with the old value
	Changed      bool
}

// ClearAllRPFilter sets net.ipv4.conf.all.rp_filter to 0 so that a VMAC's
// own rp_filter=0 takes effect (the kernel uses the maximum of "all" and
// the interface's), first raising default/rp_filter and every interface's
// rp_filter to the old "all" value so that nothing else loses its filter
// (vrrp_if_config.c clear_rp_filter, done once before the first IPv4 VMAC).
func (n *Netlink) ClearAllRPFilter() (RPFilterState, error) {
	st := RPFilterState{Raised: map[string]int{}}
	err := n.inNS(func() error {
		all, err := readSysctlInt("net/ipv4/conf/all/rp_filter")
		if err != nil {
			return err
		}
		st.All = all
		if all == 0 {
			return nil
		}
		if st.Default, err = readSysctlInt("net/ipv4/conf/default/rp_filter"); err != nil {
			return err
		}
		if st.Default < all {
			if err := writeSysctl("net/ipv4/conf/default/rp_filter", all); err != nil {
				return err
			}
		}
		ents, err := os.ReadDir("/proc/sys/net/ipv4/conf")
		if err != nil {
			return fmt.Errorf("list interfaces: %w", err)
		}
		for _, e := range ents {
			name := e.Name()
			if name == "all" || name == "default" {
				continue
			}
			key, err := ifSysctl("ipv4", name, "rp_filter")
			if err != nil {
				return err
			}
			cur, err := readSysctlInt(key)
			if err != nil {
				continue // interface gone meanwhile
			}
			if cur < all {
				if err := writeSysctl(key, all); err != nil {
					return err
				}
				st.Raised[name] = cur
			}
		}
		st.Changed = true
		return writeSysctl("net/ipv4/conf/all/rp_filter", 0)
	})
	return st, err
}

// RestoreRPFilter undoes ClearAllRPFilter (keepalived's restore_rp_filter
// at exit): all/rp_filter and default/rp_filter back, and interfaces it
// raised back where they still have the raised value.
func (n *Netlink) RestoreRPFilter(st RPFilterState) error {
	if !st.Changed {
		return nil
	}
	return n.inNS(func() error {
		var errs []error
		for name, old := range st.Raised {
			key, err := ifSysctl("ipv4", name, "rp_filter")
			if err != nil {
				errs = append(errs, err)
				continue
			}
			if cur, err := readSysctlInt(key); err == nil && cur == st.All {
				errs = append(errs, writeSysctl(key, old))
			}
		}
		errs = append(errs, writeSysctl("net/ipv4/conf/default/rp_filter", st.Default),
			writeSysctl("net/ipv4/conf/all/rp_filter", st.All))
		return errors.Join(errs...)
	})
}

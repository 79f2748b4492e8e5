package linux

import (
	"errors"
	"fmt"
	"net"
	"net/netip"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"
)

// LifetimeForever is the infinite address lifetime (INFINITY_LIFE_TIME).
const LifetimeForever = 0xffffffff

// maxLabelLen is IFNAMSIZ-1: the kernel copies IFA_LABEL into an IFNAMSIZ
// buffer (truncating silently); keepalived 2.2.7 rejects longer labels
// ("Address label %s is longer than maximum length", vrrp_ipaddress.c).
const maxLabelLen = unix.IFNAMSIZ - 1

// dumpRetries bounds the retries of a dump the kernel interrupted
// (NLM_F_DUMP_INTR: the table changed while it was being read).
const dumpRetries = 5

// Netlink is the kernel handle of one network namespace: addresses,
// routes, rules, links, and the interface sysctls that go with them. Safe
// for concurrent use (each request locks the socket).
type Netlink struct {
	h *netlink.Handle
	// ns is a private copy of the namespace handle for /proc/sys writes,
	// or netns.None() for the process's own namespace.
	ns netns.NsHandle
}

// NewNetlink opens a handle in the process's network namespace.
func NewNetlink() (*Netlink, error) {
	h, err := netlink.NewHandle()
	if err != nil {
		return nil, fmt.Errorf("netlink: open handle: %w", err)
	}
	return &Netlink{h: h, ns: netns.None()}, nil
}

// NewNetlinkAt opens a handle in ns; it can then be used from any thread.
// ns stays the caller's to close.
func NewNetlinkAt(ns netns.NsHandle) (*Netlink, error) {
	fd, err := unix.FcntlInt(uintptr(ns), unix.F_DUPFD_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("netlink: duplicate namespace handle %v: %w", ns, err)
	}
	h, err := netlink.NewHandleAt(ns)
	if err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("netlink: open handle in %v: %w", ns, err)
	}
	return &Netlink{h: h, ns: netns.NsHandle(fd)}, nil
}

// Close releases the handle's sockets.
func (n *Netlink) Close() {
	n.h.Close()
	if n.ns.IsOpen() {
		n.ns.Close()
	}
}

// inNS runs fn where /proc/sys/net shows this handle's namespace.
func (n *Netlink) inNS(fn func() error) error {
	if !n.ns.IsOpen() {
		return fn()
	}
	return InNamespace(n.ns, fn)
}

// LinkIndex returns the index of the interface called name.
func (n *Netlink) LinkIndex(name string) (int, error) {
	l, err := n.h.LinkByName(name)
	if err != nil {
		return 0, fmt.Errorf("link %s: %w", name, err)
	}
	return l.Attrs().Index, nil
}

// Addr is one interface address as keepalived configures a VIP
// (virtual_ipaddress: ADDR/LEN brd B dev D scope S label L peer P, IPv6
// flags and preferred_lft).
type Addr struct {
	Prefix netip.Prefix
	// Broadcast is IFA_BROADCAST (IPv4). Zero sends none, as keepalived
	// does when no `brd` is configured; the caller resolves `brd +/-`.
	Broadcast netip.Addr
	// Peer is the point-to-point peer (IFA_ADDRESS); then Prefix.Bits()
	// is the peer's prefix length, as keepalived sends it.
	Peer netip.Addr
	// Label is IFA_LABEL (IPv4 only; at most 15 bytes).
	Label string
	// Scope is ifa_scope: 0 global (default), 200 site, 253 link, 254
	// host, 255 nowhere.
	Scope uint8
	// Flags are extra IFA_F_* flags (home, mngtmpaddr, noprefixroute,
	// autojoin). For IPv6, IFA_F_NODAD is added unless DAD is set.
	Flags uint32
	// DAD keeps duplicate address detection for an IPv6 address
	// (keepalived's `-nodad` option: without it, VIPs get IFA_F_NODAD).
	DAD bool
	// PreferredLft is the IPv6 preferred lifetime in seconds; anything
	// but LifetimeForever is sent as IFA_CACHEINFO with an infinite valid
	// lifetime. keepalived's default when preferred_lft is not given: 0
	// (deprecated, never chosen as a source) for a /128, forever
	// otherwise — see DefaultPreferredLft.
	PreferredLft uint32
}

// DefaultPreferredLft is keepalived 2.2.7's preferred lifetime for an IPv6
// VIP without preferred_lft (vrrp_ipaddress.c parse_ipaddress: "Set the old
// defaults"): 0 for a /128, so the VIP is never picked as a source address,
// LifetimeForever for a shorter prefix.
func DefaultPreferredLft(p netip.Prefix) uint32 {
	if p.Addr().Is6() && !p.Addr().Is4In6() && p.Bits() == 128 {
		return 0
	}
	return LifetimeForever
}

// CheckLabel checks an address label as keepalived 2.2.7 does: at most
// IFNAMSIZ-1 bytes. Neither keepalived nor the kernel require the
// `<ifname>:` prefix that ifconfig aliases and iproute2 use; the config
// check warns about that.
func CheckLabel(label string) error {
	if len(label) > maxLabelLen {
		return fmt.Errorf("address label %q is longer than %d bytes", label, maxLabelLen)
	}
	return nil
}

func (a Addr) String() string {
	s := a.Prefix.String()
	if a.Label != "" {
		s += " label " + a.Label
	}
	return s
}

// nl converts a to the netlink library's form. Broadcast is pinned to
// 0.0.0.0 when not given: the library would otherwise compute one for
// prefixes up to /30, which keepalived does not send.
func (a Addr) nl(ifindex int) (*netlink.Addr, error) {
	if !a.Prefix.IsValid() {
		return nil, fmt.Errorf("invalid address prefix %v", a.Prefix)
	}
	ip := a.Prefix.Addr().Unmap()
	v4 := ip.Is4()
	mask := net.CIDRMask(a.Prefix.Bits(), ip.BitLen())
	out := &netlink.Addr{
		IPNet:     &net.IPNet{IP: net.IP(ip.AsSlice()), Mask: mask},
		Scope:     int(a.Scope),
		LinkIndex: ifindex,
	}
	flags := a.Flags
	if v4 {
		if err := CheckLabel(a.Label); err != nil {
			return nil, err
		}
		out.Label = a.Label
		out.Broadcast = net.IPv4zero
		if a.Broadcast.IsValid() {
			out.Broadcast = net.IP(a.Broadcast.Unmap().AsSlice())
		}
	} else {
		if a.Label != "" {
			return nil, fmt.Errorf("%s: IPv6 addresses take no label", a.Prefix)
		}
		if !a.DAD {
			flags |= unix.IFA_F_NODAD
		}
		if a.PreferredLft != LifetimeForever {
			// IFA_CACHEINFO; keepalived sends it only when the preferred
			// lifetime is not infinite.
			out.PreferedLft = int(a.PreferredLft)
			out.ValidLft = LifetimeForever
		}
	}
	out.Flags = int(flags)
	if a.Peer.IsValid() {
		// The library takes the prefix length from the peer's mask.
		out.Peer = &net.IPNet{IP: net.IP(a.Peer.Unmap().AsSlice()), Mask: mask}
	}
	return out, nil
}

// AddAddr adds a to the interface (RTM_NEWADDR, NLM_F_EXCL: an address
// already there is an error wrapping EEXIST).
func (n *Netlink) AddAddr(ifindex int, a Addr) error {
	na, err := a.nl(ifindex)
	if err != nil {
		return fmt.Errorf("add address %s on ifindex %d: %w", a, ifindex, err)
	}
	if err := n.h.AddrAdd(nil, na); err != nil {
		return fmt.Errorf("add address %s on ifindex %d: %w", a, ifindex, err)
	}
	return nil
}

// DelAddr removes the address p (address and prefix length must match)
// from the interface; a missing one is an error wrapping EADDRNOTAVAIL.
// Deleting a primary IPv4 address deletes its secondaries too unless
// net.ipv4.conf.IF.promote_secondaries is 1 (the kernel's rule; keepalived
// sets it on its VMACs).
func (n *Netlink) DelAddr(ifindex int, p netip.Prefix) error {
	na, err := Addr{Prefix: p}.nl(ifindex)
	if err != nil {
		return fmt.Errorf("delete address %s on ifindex %d: %w", p, ifindex, err)
	}
	na.Broadcast = nil
	na.Flags = 0
	if err := n.h.AddrDel(nil, na); err != nil {
		return fmt.Errorf("delete address %s on ifindex %d: %w", p, ifindex, err)
	}
	return nil
}

// Addrs lists the addresses of the interface (both families), retrying a
// dump the kernel interrupted.
func (n *Netlink) Addrs(ifindex int) ([]Addr, error) {
	link := &netlink.Dummy{LinkAttrs: netlink.LinkAttrs{Index: ifindex}}
	var list []netlink.Addr
	var err error
	for range dumpRetries {
		list, err = n.h.AddrList(link, netlink.FAMILY_ALL)
		if !errors.Is(err, netlink.ErrDumpInterrupted) {
			break
		}
	}
	if err != nil {
		return nil, fmt.Errorf("list addresses of ifindex %d: %w", ifindex, err)
	}
	out := make([]Addr, 0, len(list))
	for _, a := range list {
		out = append(out, fromNL(a))
	}
	return out, nil
}

func fromNL(a netlink.Addr) Addr {
	ip, _ := netip.AddrFromSlice(a.IP)
	ip = ip.Unmap()
	ones, _ := a.Mask.Size()
	out := Addr{
		Prefix:       netip.PrefixFrom(ip, ones),
		Label:        a.Label,
		Scope:        uint8(a.Scope),
		Flags:        uint32(a.Flags),
		PreferredLft: uint32(a.PreferedLft),
	}
	if a.Broadcast != nil {
		out.Broadcast, _ = netip.AddrFromSlice(a.Broadcast)
		out.Broadcast = out.Broadcast.Unmap()
	}
	if a.Peer != nil {
		// The library puts IFA_LOCAL in IPNet and IFA_ADDRESS in Peer
		// when both are present; they differ for a point-to-point address.
		if pip, ok := netip.AddrFromSlice(a.Peer.IP); ok && pip.Unmap() != ip {
			out.Peer = pip.Unmap()
		}
	}
	if ip.Is6() {
		out.DAD = a.Flags&unix.IFA_F_NODAD == 0
	}
	return out
}

func prefixNet(p netip.Prefix) *net.IPNet {
	a := p.Addr().Unmap()
	return &net.IPNet{IP: net.IP(a.AsSlice()), Mask: net.CIDRMask(p.Bits(), a.BitLen())}
}

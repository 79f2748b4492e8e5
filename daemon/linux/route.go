package linux

import (
	"fmt"
	"net"
	"net/netip"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// Route is one virtual_routes / static_routes entry in its common forms:
// `DST [src PREFSRC] [via|gw GW] [dev DEV] [table T] [metric M] [scope S]
// [blackhole|unreachable|prohibit]`.
type Route struct {
	// Dst is the destination; zero means the default route of the family
	// of Gw (or Src).
	Dst netip.Prefix
	// Src is the preferred source (`src`, RTA_PREFSRC).
	Src netip.Addr
	// Gw is the gateway (`via` / `gw`).
	Gw netip.Addr
	// Ifindex is the output device (`dev`); 0 for none.
	Ifindex int
	// Table is the routing table; 0 means main.
	Table int
	// Metric is `metric` / `preference` (RTA_PRIORITY); 0 for none.
	Metric int
	// Scope is rtm_scope. keepalived sends universe (0) when none is
	// configured, and deletes with "nowhere" (any scope) then.
	Scope uint8
	// Type is rtm_type; 0 means unicast (RTN_UNICAST).
	Type int
	// Protocol is rtm_protocol; 0 means RTPROT_KEEPALIVED (18), as
	// keepalived marks its routes.
	Protocol int
}

func (r Route) String() string {
	s := "default"
	if r.Dst.IsValid() {
		s = r.Dst.String()
	}
	if r.Gw.IsValid() {
		s += " via " + r.Gw.String()
	}
	if r.Src.IsValid() {
		s += " src " + r.Src.String()
	}
	if r.Ifindex != 0 {
		s += fmt.Sprintf(" ifindex %d", r.Ifindex)
	}
	if r.Table != 0 {
		s += fmt.Sprintf(" table %d", r.Table)
	}
	if r.Metric != 0 {
		s += fmt.Sprintf(" metric %d", r.Metric)
	}
	return s
}

func (r Route) nl(del bool) (*netlink.Route, error) {
	var family int
	for _, a := range []netip.Addr{r.Dst.Addr(), r.Gw, r.Src} {
		if !a.IsValid() {
			continue
		}
		f := unix.AF_INET6
		if a.Unmap().Is4() {
			f = unix.AF_INET
		}
		if family != 0 && f != family {
			return nil, fmt.Errorf("route %s mixes address families", r)
		}
		family = f
	}
	if family == 0 {
		return nil, fmt.Errorf("route %s: no destination, gateway or source to tell the family", r)
	}
	out := &netlink.Route{
		Family:    family,
		LinkIndex: r.Ifindex,
		Table:     r.Table,
		Priority:  r.Metric,
		Scope:     netlink.Scope(r.Scope),
		Type:      r.Type,
		Protocol:  netlink.RouteProtocol(r.Protocol),
	}
	if out.Protocol == 0 {
		out.Protocol = unix.RTPROT_KEEPALIVED
	}
	if del && r.Scope == 0 {
		out.Scope = netlink.SCOPE_NOWHERE
	}
	if r.Dst.IsValid() {
		out.Dst = prefixNet(r.Dst.Masked())
	} else {
		bits := 32
		if family == unix.AF_INET6 {
			bits = 128
		}
		out.Dst = &net.IPNet{IP: make(net.IP, bits/8), Mask: net.CIDRMask(0, bits)}
	}
	if r.Gw.IsValid() {
		out.Gw = net.IP(r.Gw.Unmap().AsSlice())
	}
	if r.Src.IsValid() {
		out.Src = net.IP(r.Src.Unmap().AsSlice())
	}
	return out, nil
}

// AddRoute adds r as keepalived does: RTM_NEWROUTE with NLM_F_CREATE and
// without NLM_F_EXCL (`ip route prepend`: a route to the same destination
// with another next hop is added in front of it; an identical one fails
// with EEXIST).
func (n *Netlink) AddRoute(r Route) error {
	nr, err := r.nl(false)
	if err == nil {
		err = n.h.RouteAddEcmp(nr)
	}
	if err != nil {
		return fmt.Errorf("add route %s: %w", r, err)
	}
	return nil
}

// DelRoute deletes r (its destination, table, protocol, and next hop
// when given, must match).
func (n *Netlink) DelRoute(r Route) error {
	nr, err := r.nl(true)
	if err == nil {
		err = n.h.RouteDel(nr)
	}
	if err != nil {
		return fmt.Errorf("delete route %s: %w", r, err)
	}
	return nil
}

// Routes lists the routes of a table (0: main) and family that carry
// protocol proto (0: RTPROT_KEEPALIVED), e.g. to find leftovers.
func (n *Netlink) Routes(ipv6 bool, table, proto int) ([]Route, error) {
	family := netlink.FAMILY_V4
	if ipv6 {
		family = netlink.FAMILY_V6
	}
	if table == 0 {
		table = unix.RT_TABLE_MAIN
	}
	if proto == 0 {
		proto = unix.RTPROT_KEEPALIVED
	}
	filter := &netlink.Route{Table: table, Protocol: netlink.RouteProtocol(proto)}
	list, err := n.h.RouteListFiltered(family, filter, netlink.RT_FILTER_TABLE|netlink.RT_FILTER_PROTOCOL)
	if err != nil {
		return nil, fmt.Errorf("list routes of table %d: %w", table, err)
	}
	out := make([]Route, 0, len(list))
	for _, r := range list {
		var rt Route
		if r.Dst != nil {
			if a, ok := netip.AddrFromSlice(r.Dst.IP); ok {
				ones, _ := r.Dst.Mask.Size()
				if ones > 0 {
					rt.Dst = netip.PrefixFrom(a.Unmap(), ones)
				}
			}
		}
		rt.Gw, _ = netip.AddrFromSlice(r.Gw)
		rt.Gw = rt.Gw.Unmap()
		rt.Src, _ = netip.AddrFromSlice(r.Src)
		rt.Src = rt.Src.Unmap()
		rt.Ifindex, rt.Table, rt.Metric = r.LinkIndex, r.Table, r.Priority
		rt.Scope, rt.Type, rt.Protocol = uint8(r.Scope), r.Type, int(r.Protocol)
		out = append(out, rt)
	}
	return out, nil
}

// Rule is one virtual_rules / static_rules entry in its common forms:
// `[not] from PREFIX to PREFIX [iif DEV] [oif DEV] [fwmark M[/MASK]]
// [priority P] table T`.
type Rule struct {
	IPv6 bool
	// From and To are the selectors; zero means all.
	From, To netip.Prefix
	// Table is the lookup table (FR_ACT_TO_TBL).
	Table int
	// Priority is `priority` / `preference` / `order`; 0 leaves the choice
	// to the kernel (keepalived sends FRA_PRIORITY only when configured).
	Priority int
	IifName  string
	OifName  string
	// FwMark and FwMask select by firewall mark; FwMask 0 means none.
	FwMark, FwMask uint32
	// Invert is `not`.
	Invert bool
}

func (r Rule) String() string {
	s := "from all"
	if r.From.IsValid() {
		s = "from " + r.From.String()
	}
	if r.To.IsValid() {
		s += " to " + r.To.String()
	}
	if r.Invert {
		s = "not " + s
	}
	return s + fmt.Sprintf(" priority %d table %d", r.Priority, r.Table)
}

func (r Rule) nl() (*netlink.Rule, error) {
	for _, p := range []netip.Prefix{r.From, r.To} {
		if p.IsValid() && p.Addr().Unmap().Is4() == r.IPv6 {
			return nil, fmt.Errorf("rule %s: %s is not IPv%d", r, p, ipVersion(r.IPv6))
		}
	}
	if r.Table <= 0 {
		return nil, fmt.Errorf("rule %s: no table", r)
	}
	out := netlink.NewRule()
	out.Family = unix.AF_INET
	if r.IPv6 {
		out.Family = unix.AF_INET6
	}
	out.Table = r.Table
	if r.Priority > 0 {
		out.Priority = r.Priority
	}
	if r.From.IsValid() {
		out.Src = prefixNet(r.From.Masked())
	}
	if r.To.IsValid() {
		out.Dst = prefixNet(r.To.Masked())
	}
	out.IifName, out.OifName = r.IifName, r.OifName
	if r.FwMark != 0 || r.FwMask != 0 {
		out.Mark = r.FwMark
		if r.FwMask != 0 {
			m := r.FwMask
			out.Mask = &m
		}
	}
	out.Invert = r.Invert
	return out, nil
}

// AddRule adds r (NLM_F_CREATE|NLM_F_EXCL, as keepalived: an identical
// rule fails with EEXIST).
func (n *Netlink) AddRule(r Rule) error {
	nr, err := r.nl()
	if err == nil {
		err = n.h.RuleAdd(nr)
	}
	if err != nil {
		return fmt.Errorf("add rule %s: %w", r, err)
	}
	return nil
}

// DelRule deletes r.
func (n *Netlink) DelRule(r Rule) error {
	nr, err := r.nl()
	if err == nil {
		err = n.h.RuleDel(nr)
	}
	if err != nil {
		return fmt.Errorf("delete rule %s: %w", r, err)
	}
	return nil
}

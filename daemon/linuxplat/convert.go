package linuxplat

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/gokeepalived/gokeepalived/daemon/linux"
	"github.com/gokeepalived/gokeepalived/pkg/config"
)

// This file turns configuration lines (pkg/config resolved them) into the
// kernel's terms (daemon/linux). It decides nothing: every default is
// keepalived's, taken from pkg/config or named where keepalived applies it.

// vipAddr is one virtual_ipaddress / static_ipaddress line as netlink
// takes it (keepalived vrrp_ipaddress.c parse_ipaddress, netlink_ipaddress).
func vipAddr(v config.VIP) (linux.Addr, error) {
	a := linux.Addr{Prefix: v.Prefix, Peer: v.Peer, Label: v.Label, DAD: v.NoDAD}
	p := v.Prefix
	if !p.IsValid() {
		return a, fmt.Errorf("invalid address %v", p)
	}
	ip := p.Addr().Unmap()
	if ip.Is6() && a.Label != "" {
		// keepalived 2.2.7 drops labels on IPv6 addresses.
		a.Label = ""
	}
	switch v.Brd {
	case "":
	case "+", "-":
		if !ip.Is4() {
			break
		}
		b := p.Masked().Addr().As4()
		if v.Brd == "+" {
			host := uint32(1)<<(32-p.Bits()) - 1
			if p.Bits() == 0 {
				host = ^uint32(0)
			}
			n := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
			n |= host
			b = [4]byte{byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)}
		}
		a.Broadcast = netip.AddrFrom4(b)
	default:
		brd, err := netip.ParseAddr(v.Brd)
		if err != nil {
			return a, fmt.Errorf("broadcast %q: %w", v.Brd, err)
		}
		a.Broadcast = brd
	}
	scope, err := parseScope(v.Scope)
	if err != nil {
		return a, err
	}
	a.Scope = scope
	if v.Home {
		a.Flags |= unix.IFA_F_HOMEADDRESS
	}
	if v.MngTmpAddr {
		a.Flags |= unix.IFA_F_MANAGETEMPADDR
	}
	if v.NoPrefixRoute {
		a.Flags |= unix.IFA_F_NOPREFIXROUTE
	}
	if v.AutoJoin {
		a.Flags |= unix.IFA_F_MCAUTOJOIN
	}
	switch v.PreferredLft {
	case "":
		a.PreferredLft = linux.DefaultPreferredLft(p)
	case "forever", "infinity":
		a.PreferredLft = linux.LifetimeForever
	default:
		n, err := strconv.ParseUint(v.PreferredLft, 10, 32)
		if err != nil {
			return a, fmt.Errorf("preferred_lft %q: %w", v.PreferredLft, err)
		}
		a.PreferredLft = uint32(n)
	}
	return a, nil
}

// parseScope is iproute2's rtnl_rtscope_a2n as keepalived uses it.
func parseScope(s string) (uint8, error) {
	switch s {
	case "", "global", "universe":
		return unix.RT_SCOPE_UNIVERSE, nil
	case "site":
		return unix.RT_SCOPE_SITE, nil
	case "link":
		return unix.RT_SCOPE_LINK, nil
	case "host":
		return unix.RT_SCOPE_HOST, nil
	case "nowhere":
		return unix.RT_SCOPE_NOWHERE, nil
	}
	n, err := strconv.ParseUint(s, 0, 8)
	if err != nil {
		return 0, fmt.Errorf("scope %q: want global, site, link, host, nowhere or 0..255", s)
	}
	return uint8(n), nil
}

// parseTable is a routing table: a number or main/local/default.
func parseTable(s string) (int, error) {
	switch s {
	case "main":
		return unix.RT_TABLE_MAIN, nil
	case "local":
		return unix.RT_TABLE_LOCAL, nil
	case "default":
		return unix.RT_TABLE_DEFAULT, nil
	}
	n, err := strconv.ParseUint(s, 0, 32)
	if err != nil {
		return 0, fmt.Errorf("table %q: want a number, main, local or default", s)
	}
	return int(n), nil
}

// ifindexFunc resolves an interface name in the platform's namespace.
type ifindexFunc func(name string) (int, error)

// routeFromWords is one virtual_routes / static_routes line in `ip route`
// syntax (keepalived vrrp_ip_rule_route_parser.c, the common subset).
func routeFromWords(r config.Route, ifindex ifindexFunc) (linux.Route, error) {
	var out linux.Route
	dstSet := false
	w := r.Words
	fail := func(format string, args ...any) (linux.Route, error) {
		return linux.Route{}, fmt.Errorf("route %q: "+format, append([]any{strings.Join(w, " ")}, args...)...)
	}
	arg := func(i int) (string, bool) {
		if i+1 < len(w) {
			return w[i+1], true
		}
		return "", false
	}
	for i := 0; i < len(w); i++ {
		word := w[i]
		switch word {
		case "no_track", "onlink":
			continue
		case "blackhole", "unreachable", "prohibit", "throw":
			if i == 0 {
				out.Type = map[string]int{"blackhole": unix.RTN_BLACKHOLE, "unreachable": unix.RTN_UNREACHABLE,
					"prohibit": unix.RTN_PROHIBIT, "throw": unix.RTN_THROW}[word]
				continue
			}
			return fail("%s must come first", word)
		}
		v, ok := arg(i)
		switch word {
		case "to", "src", "via", "gw", "dev", "oif", "table", "metric", "preference", "priority", "scope", "proto", "protocol":
			if !ok {
				return fail("%s needs a value", word)
			}
			i++
		}
		var err error
		switch word {
		case "to":
			out.Dst, err = parseDst(v)
		case "src":
			out.Src, err = netip.ParseAddr(v)
		case "via", "gw":
			out.Gw, err = netip.ParseAddr(strings.TrimPrefix(strings.TrimPrefix(v, "inet6 "), "inet "))
		case "dev", "oif":
			out.Ifindex, err = ifindex(v)
		case "table":
			out.Table, err = parseTable(v)
		case "metric", "preference", "priority":
			var n uint64
			n, err = strconv.ParseUint(v, 0, 32)
			out.Metric = int(n)
		case "scope":
			out.Scope, err = parseScope(v)
		case "proto", "protocol":
			var n uint64
			n, err = strconv.ParseUint(v, 0, 8)
			out.Protocol = int(n)
		default:
			if dstSet {
				return fail("unsupported option %q", word)
			}
			if out.Dst, err = parseDst(word); err != nil {
				return fail("unsupported option %q", word)
			}
		}
		if word == "to" || !dstSetBy(word) {
			dstSet = true
		}
		if err != nil {
			return fail("%v", err)
		}
	}
	return out, nil
}

// dstSetBy reports whether word is an option keyword (anything else is
// the destination).
func dstSetBy(word string) bool {
	switch word {
	case "src", "via", "gw", "dev", "oif", "table", "metric", "preference", "priority", "scope", "proto", "protocol":
		return true
	}
	return false
}

func parseDst(s string) (netip.Prefix, error) {
	if s == "default" || s == "all" {
		return netip.Prefix{}, nil
	}
	if strings.Contains(s, "/") {
		return netip.ParsePrefix(s)
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, err
	}
	return netip.PrefixFrom(a, a.BitLen()), nil
}

// ruleFromWords is one virtual_rules / static_rules line in `ip rule`
// syntax (the common subset; keepalived vrrp_iprule.c).
func ruleFromWords(r config.Rule) (linux.Rule, error) {
	var out linux.Rule
	w := r.Words
	fail := func(format string, args ...any) (linux.Rule, error) {
		return linux.Rule{}, fmt.Errorf("rule %q: "+format, append([]any{strings.Join(w, " ")}, args...)...)
	}
	setFam := func(p netip.Prefix) {
		if p.IsValid() {
			out.IPv6 = !p.Addr().Unmap().Is4()
		}
	}
	for i := 0; i < len(w); i++ {
		word := w[i]
		switch word {
		case "no_track":
			continue
		case "not":
			out.Invert = true
			continue
		case "inet6", "-6":
			out.IPv6 = true
			continue
		case "inet", "-4":
			continue
		}
		if i+1 >= len(w) {
			return fail("%s needs a value", word)
		}
		v := w[i+1]
		i++
		var err error
		switch word {
		case "from":
			out.From, err = parseDst(v)
			setFam(out.From)
		case "to":
			out.To, err = parseDst(v)
			setFam(out.To)
		case "iif":
			out.IifName = v
		case "oif":
			out.OifName = v
		case "fwmark":
			mark, mask, hasMask := strings.Cut(v, "/")
			var n uint64
			if n, err = strconv.ParseUint(mark, 0, 32); err == nil {
				out.FwMark = uint32(n)
				if hasMask {
					if n, err = strconv.ParseUint(mask, 0, 32); err == nil {
						out.FwMask = uint32(n)
					}
				} else {
					out.FwMask = 0xffffffff
				}
			}
		case "priority", "preference", "order", "pref", "prio":
			var n uint64
			n, err = strconv.ParseUint(v, 0, 32)
			out.Priority = int(n)
		case "table", "lookup":
			out.Table, err = parseTable(v)
		default:
			return fail("unsupported option %q", word)
		}
		if err != nil {
			return fail("%v", err)
		}
	}
	return out, nil
}

package linuxplat

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/gokeepalived/gokeepalived/daemon/linux"
	"github.com/gokeepalived/gokeepalived/pkg/config"
)

// AddVIP adds one virtual_ipaddress line with everything it says
// (RTM_NEWADDR, NLM_F_EXCL: an address already there is an error the
// driver reports, as keepalived logs it).
func (p *Platform) AddVIP(v config.VIP) error {
	idx, err := p.ifindex(v.Dev)
	if err != nil {
		return fmt.Errorf("add %s: %w", v.Prefix, err)
	}
	a, err := vipAddr(v)
	if err != nil {
		return fmt.Errorf("add %s on %s: %w", v.Prefix, v.Dev, err)
	}
	return p.nl.AddAddr(idx, a)
}

// DelVIP removes v's exact prefix from v.Dev.
func (p *Platform) DelVIP(v config.VIP) error {
	idx, err := p.ifindex(v.Dev)
	if err != nil {
		return fmt.Errorf("delete %s: %w", v.Prefix, err)
	}
	return p.nl.DelAddr(idx, v.Prefix)
}

// Addresses lists the addresses on iface.
func (p *Platform) Addresses(iface string) ([]netip.Prefix, error) {
	idx, err := p.ifindex(iface)
	if err != nil {
		return nil, err
	}
	list, err := p.nl.Addrs(idx)
	if err != nil {
		return nil, err
	}
	out := make([]netip.Prefix, len(list))
	for i, a := range list {
		out[i] = a.Prefix
	}
	return out, nil
}

// AddRoute installs a virtual_routes line (protocol keepalived, as
// keepalived marks its routes).
func (p *Platform) AddRoute(r config.Route) error {
	lr, err := routeFromWords(r, p.ifindex)
	if err != nil {
		return err
	}
	return p.nl.AddRoute(lr)
}

// DelRoute removes a virtual_routes line.
func (p *Platform) DelRoute(r config.Route) error {
	lr, err := routeFromWords(r, p.ifindex)
	if err != nil {
		return err
	}
	return p.nl.DelRoute(lr)
}

// AddRule installs a virtual_rules line.
func (p *Platform) AddRule(r config.Rule) error {
	lr, err := ruleFromWords(r)
	if err != nil {
		return err
	}
	return p.nl.AddRule(lr)
}

// DelRule removes a virtual_rules line.
func (p *Platform) DelRule(r config.Rule) error {
	lr, err := ruleFromWords(r)
	if err != nil {
		return err
	}
	return p.nl.DelRule(lr)
}

// staticState is what InstallStatic put in place, for RemoveStatic and a
// reload's diff.
type staticState struct {
	addrs  []config.VIP
	routes []config.Route
	rules  []config.Rule
}

// InstallStatic installs static_ipaddress, static_routes and static_rules
// (keepalived does at start and removes them at exit; an address or route
// already there is kept and counts as installed). On a later call (a
// reload) it removes the items that are gone and adds the new ones.
func (p *Platform) InstallStatic(cfg *config.Config) {
	old := p.static
	next := staticState{}
	sameVIP := func(a, b config.VIP) bool { return a.Prefix == b.Prefix && a.Dev == b.Dev }
	sameWords := func(a, b []string) bool { return slices.Equal(a, b) }
	for _, r := range old.rules {
		if !slices.ContainsFunc(cfg.StaticRules, func(x config.Rule) bool { return sameWords(x.Words, r.Words) }) {
			p.staticErr("delete static rule", strings.Join(r.Words, " "), p.DelRule(r))
		}
	}
	for _, r := range old.routes {
		if !slices.ContainsFunc(cfg.StaticRoutes, func(x config.Route) bool { return sameWords(x.Words, r.Words) }) {
			p.staticErr("delete static route", strings.Join(r.Words, " "), p.DelRoute(r))
		}
	}
	for _, v := range old.addrs {
		if !slices.ContainsFunc(cfg.StaticAddresses, func(x config.VIP) bool { return sameVIP(x, v) }) {
			p.staticErr("delete static address", v.Prefix.String()+" dev "+v.Dev, p.DelVIP(v))
		}
	}
	for _, v := range cfg.StaticAddresses {
		if !slices.ContainsFunc(old.addrs, func(x config.VIP) bool { return sameVIP(x, v) }) {
			err := p.AddVIP(v)
			if errors.Is(err, unix.EEXIST) {
				err = nil
			}
			p.staticErr("add static address", v.Prefix.String()+" dev "+v.Dev, err)
		}
		next.addrs = append(next.addrs, v)
	}
	for _, r := range cfg.StaticRoutes {
		if !slices.ContainsFunc(old.routes, func(x config.Route) bool { return sameWords(x.Words, r.Words) }) {
			err := p.AddRoute(r)
			if errors.Is(err, unix.EEXIST) {
				err = nil
			}
			p.staticErr("add static route", strings.Join(r.Words, " "), err)
		}
		next.routes = append(next.routes, r)
	}
	for _, r := range cfg.StaticRules {
		if !slices.ContainsFunc(old.rules, func(x config.Rule) bool { return sameWords(x.Words, r.Words) }) {
			err := p.AddRule(r)
			if errors.Is(err, unix.EEXIST) {
				err = nil
			}
			p.staticErr("add static rule", strings.Join(r.Words, " "), err)
		}
		next.rules = append(next.rules, r)
	}
	p.static = next
}

// RemoveStatic removes what InstallStatic installed (rules, routes, then
// addresses, as keepalived's vrrp_terminate_phase1).
func (p *Platform) RemoveStatic() {
	p.InstallStatic(&config.Config{})
}

func (p *Platform) staticErr(what, item string, err error) {
	if err != nil {
		p.log.Warn(fmt.Sprintf("%s %s failed", what, item), "err", err)
	}
}

// VIPAddr converts a configured address line to netlink's terms (for
// tests and the config check).
func VIPAddr(v config.VIP) (linux.Addr, error) { return vipAddr(v) }

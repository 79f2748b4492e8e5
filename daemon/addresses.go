package daemon

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/gokeepalived/gokeepalived/pkg/config"
	"github.com/gokeepalived/gokeepalived/pkg/vrrp"
)

// held is what one MASTER instance has installed through the platform:
// its VIPs and eVIPs (each with its device), virtual_routes and
// virtual_rules. The driver's desired state is the held set of every
// MASTER; releasing removes exactly what was installed, whatever the
// configuration says by then, and a reload diffs held against the new
// configuration.
type held struct {
	addrs  []config.VIP
	routes []config.Route
	rules  []config.Rule
}

// AddressDeleted reports that an address was removed from an interface by
// someone else. A MASTER whose VIP disappears goes BACKUP (unless the VIP
// is no_track), as keepalived does.
func (d *Driver) AddressDeleted(iface string, addr netip.Prefix) {
	if !d.running {
		return
	}
	for _, m := range d.insts {
		h := d.held[m.name]
		if h == nil || !d.isMaster(m.name) {
			continue
		}
		for _, v := range h.addrs {
			if v.Dev == iface && v.Prefix.Addr() == addr.Addr() && !v.NoTrack {
				d.log.Info(fmt.Sprintf("(%s) VIP %s deleted externally", m.name, addr.Addr()))
				d.step(vrrp.EvVIPDeleted{Instance: m.name})
				break
			}
		}
	}
}

// removeStale deletes configured VIPs that are already on the interfaces
// at start (left by a killed daemon). Only the exact address and prefix
// length the daemon would have added counts as stale: keepalived deletes
// with the prefix length in RTM_DELADDR, so an address owner's own
// 10.0.0.5/24 survives a VIP 10.0.0.5 (/32 by default).
func (d *Driver) removeStale(m *instanceMeta) {
	for _, v := range m.addrs {
		have, err := d.p.Addresses(v.Dev)
		if err != nil {
			continue
		}
		for _, a := range have {
			if a == v.Prefix {
				if err := d.p.DelVIP(v); err == nil {
					d.log.Info(fmt.Sprintf("(%s) removing stale VIP %s on %s", m.name, a, v.Dev))
					d.p.Report(Report{Kind: ReportVIPDel, Instance: m.name, Addr: a.Addr(), Text: a.String() + " dev " + v.Dev + " (stale at start)"})
				}
			}
		}
	}
}

// setVIPs is ActAddVIPs / ActDelVIPs (keepalived vrrp_state_become_master
// and vrrp_restore_interface): add the instance's addresses, then its
// virtual routes and rules; remove its rules, routes, then addresses.
func (d *Driver) setVIPs(inst string, add bool) {
	m := d.byName[inst]
	if m == nil {
		return
	}
	if add {
		d.log.Info(fmt.Sprintf("(%s) setting VIPs.", m.name))
		h := &held{addrs: m.addrs, routes: m.cfg.VirtualRoutes, rules: m.cfg.VirtualRules}
		d.held[inst] = h
		keep := d.takeResumed(m)
		for _, v := range h.addrs {
			if keep[vipKey{v.Dev, v.Prefix}] {
				continue
			}
			d.addAddr(m.name, v, "")
		}
		for _, r := range h.routes {
			d.route(m.name, r, true, "")
		}
		for _, r := range h.rules {
			d.rule(m.name, r, true, "")
		}
		return
	}
	d.log.Info(fmt.Sprintf("(%s) removing VIPs.", m.name))
	h := d.held[inst]
	if h == nil {
		// Not installed by this driver (a reload re-created the instance
		// while it was MASTER): remove what the configuration names.
		h = &held{addrs: m.addrs, routes: m.cfg.VirtualRoutes, rules: m.cfg.VirtualRules}
	}
	delete(d.held, inst)
	for _, r := range h.rules {
		d.rule(m.name, r, false, "")
	}
	for _, r := range h.routes {
		d.route(m.name, r, false, "")
	}
	for _, v := range h.addrs {
		d.delAddr(m.name, v, "")
	}
}

// reconcileHeld moves a MASTER kept by a reload from what it holds to what
// the new configuration gives it: removed addresses, routes and rules go,
// new ones come, and new addresses are announced (keepalived: VIPs added
// on reload while MASTER get a gratuitous ARP burst).
func (d *Driver) reconcileHeld(m *instanceMeta) {
	h := d.held[m.name]
	if h == nil {
		return
	}
	want := &held{addrs: m.addrs, routes: m.cfg.VirtualRoutes, rules: m.cfg.VirtualRules}
	sameAddr := func(a, b config.VIP) bool { return a.Prefix == b.Prefix && a.Dev == b.Dev && a.Label == b.Label }
	sameRoute := func(a, b config.Route) bool { return slices.Equal(a.Words, b.Words) }
	sameRule := func(a, b config.Rule) bool { return slices.Equal(a.Words, b.Words) }
	for _, r := range h.rules {
		if !slices.ContainsFunc(want.rules, func(x config.Rule) bool { return sameRule(x, r) }) {
			d.rule(m.name, r, false, " (removed on reload)")
		}
	}
	for _, r := range h.routes {
		if !slices.ContainsFunc(want.routes, func(x config.Route) bool { return sameRoute(x, r) }) {
			d.route(m.name, r, false, " (removed on reload)")
		}
	}
	for _, v := range h.addrs {
		if !slices.ContainsFunc(want.addrs, func(x config.VIP) bool { return sameAddr(x, v) }) {
			d.delAddr(m.name, v, " (removed on reload)")
		}
	}
	added := 0
	for _, v := range want.addrs {
		if !slices.ContainsFunc(h.addrs, func(x config.VIP) bool { return sameAddr(x, v) }) && d.addAddr(m.name, v, " (added on reload)") {
			added++
		}
	}
	for _, r := range want.routes {
		if !slices.ContainsFunc(h.routes, func(x config.Route) bool { return sameRoute(x, r) }) {
			d.route(m.name, r, true, " (added on reload)")
		}
	}
	for _, r := range want.rules {
		if !slices.ContainsFunc(h.rules, func(x config.Rule) bool { return sameRule(x, r) }) {
			d.rule(m.name, r, true, " (added on reload)")
		}
	}
	d.held[m.name] = want
	if added > 0 {
		d.garp(vrrp.ActGARP{Instance: m.name, Repeat: m.cfg.GARPMasterRepeat})
	}
}

// addAddr adds one address for inst and reports it; note is appended to
// the report's text. It reports whether the platform added it.
func (d *Driver) addAddr(inst string, v config.VIP, note string) bool {
	if err := d.p.AddVIP(v); err != nil {
		if note == "" {
			d.log.Warn(fmt.Sprintf("(%s) add VIP %s on %s failed", inst, v.Prefix, v.Dev), "err", err)
			d.p.Report(Report{Kind: ReportError, Instance: inst, Addr: v.Prefix.Addr(), Text: err.Error()})
		}
		return false
	}
	d.p.Report(Report{Kind: ReportVIPAdd, Instance: inst, Addr: v.Prefix.Addr(), Text: vipText(v) + note})
	return true
}

func (d *Driver) delAddr(inst string, v config.VIP, note string) {
	if err := d.p.DelVIP(v); err != nil {
		if note == "" {
			d.log.Warn(fmt.Sprintf("(%s) delete VIP %s on %s failed", inst, v.Prefix, v.Dev), "err", err)
			d.p.Report(Report{Kind: ReportError, Instance: inst, Addr: v.Prefix.Addr(), Text: err.Error()})
		}
		return
	}
	d.p.Report(Report{Kind: ReportVIPDel, Instance: inst, Addr: v.Prefix.Addr(), Text: vipText(v) + note})
}

// route adds or removes one virtual route of inst.
func (d *Driver) route(inst string, r config.Route, add bool, note string) {
	var err error
	kind := ReportRouteDel
	if add {
		err = d.p.AddRoute(r)
		kind = ReportRouteAdd
	} else {
		err = d.p.DelRoute(r)
	}
	d.routeDone(inst, "route", r.Words, add, kind, note, err)
}

// rule adds or removes one virtual rule of inst.
func (d *Driver) rule(inst string, r config.Rule, add bool, note string) {
	var err error
	kind := ReportRouteDel
	if add {
		err = d.p.AddRule(r)
		kind = ReportRouteAdd
	} else {
		err = d.p.DelRule(r)
	}
	d.routeDone(inst, "rule", r.Words, add, kind, note, err)
}

func (d *Driver) routeDone(inst, what string, words []string, add bool, kind ReportKind, note string, err error) {
	text := what + " " + strings.Join(words, " ")
	if err != nil {
		d.log.Warn(fmt.Sprintf("(%s) %s %s failed", inst, verb(add), text), "err", err)
		d.p.Report(Report{Kind: ReportError, Instance: inst, Text: err.Error()})
		return
	}
	d.p.Report(Report{Kind: kind, Instance: inst, Text: text + note})
}

// vipText is an address as `ip addr` would be given it.
func vipText(v config.VIP) string {
	t := v.Prefix.String() + " dev " + v.Dev
	if v.Label != "" {
		t += " label " + v.Label
	}
	return t
}

func verb(add bool) string {
	if add {
		return "add"
	}
	return "delete"
}

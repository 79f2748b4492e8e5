package daemon

import (
	"fmt"
	"slices"

	"github.com/gokeepalived/gokeepalived/pkg/vrrp"
)

// LinkChanged reports a carrier change on an interface.
func (d *Driver) LinkChanged(iface string, up bool) {
	if !d.running {
		return
	}
	if prev, ok := d.linkState[iface]; ok && prev == up {
		return
	}
	d.linkState[iface] = up
	if up {
		d.log.Info(fmt.Sprintf("Netlink reports %s up", iface))
	} else {
		d.log.Info(fmt.Sprintf("Netlink reports %s down", iface))
	}
	d.linkEvents(iface, up, false)
}

// watchedIfaces are the interfaces whose carrier matters: instance
// interfaces and track_interface entries, sorted.
func (d *Driver) watchedIfaces() []string {
	set := map[string]bool{}
	for _, m := range d.insts {
		set[m.iface] = true
		for _, t := range m.cfg.TrackInterfaces {
			set[t.Name] = true
		}
		for _, v := range m.addrs {
			if _, err := d.p.LinkUp(v.Dev); err == nil && !v.NoTrack {
				set[v.Dev] = true
			}
		}
	}
	for _, g := range d.cfg.SyncGroups {
		for _, t := range g.TrackInterfaces {
			set[t.Name] = true
		}
	}
	out := make([]string, 0, len(set))
	for k := range set {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// linkEvents turns one carrier change into engine events: the instances
// on that interface, and the track_interface tracker of that name. At
// start, only "down" needs saying (the engine assumes up).
func (d *Driver) linkEvents(iface string, up, initial bool) {
	if initial && up {
		return
	}
	for _, m := range d.insts {
		if m.iface == iface {
			d.step(vrrp.EvInterface{Instance: m.name, Up: up})
		}
	}
	d.step(vrrp.EvTracker{ID: ifaceID(iface), OK: up})
}

package daemon

import (
	"fmt"
	"net/netip"

	"github.com/gokeepalived/gokeepalived/pkg/config"
	"github.com/gokeepalived/gokeepalived/pkg/vrrp"
)

// AddressDeleted reports that an address was removed from an interface by
// someone else. A MASTER whose VIP disappears goes BACKUP (unless the VIP
// is no_track), as keepalived does.
func (d *Driver) AddressDeleted(iface string, addr netip.Prefix) {
	if !d.running {
		return
	}
	for _, m := range d.insts {
		if !d.isMaster(m.name) {
			continue
		}
		for _, v := range m.addrs {
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
				if err := d.p.DelAddress(v.Dev, a); err == nil {
					d.log.Info(fmt.Sprintf("(%s) removing stale VIP %s on %s", m.name, a, v.Dev))
					d.p.Report(Report{Kind: ReportVIPDel, Instance: m.name, Addr: a.Addr(), Text: a.String() + " dev " + v.Dev + " (stale at start)"})
				}
			}
		}
	}
}

func (d *Driver) setVIPs(inst string, add bool) {
	m := d.byName[inst]
	if m == nil {
		return
	}
	if add {
		d.log.Info(fmt.Sprintf("(%s) setting VIPs.", m.name))
	} else {
		d.log.Info(fmt.Sprintf("(%s) removing VIPs.", m.name))
	}
	for _, v := range m.addrs {
		var err error
		if add {
			err = d.p.AddAddress(v.Dev, v.Prefix, v.Label)
		} else {
			err = d.p.DelAddress(v.Dev, v.Prefix)
		}
		if err != nil {
			d.log.Warn(fmt.Sprintf("(%s) %s VIP %s on %s failed", m.name, verb(add), v.Prefix, v.Dev), "err", err)
			d.p.Report(Report{Kind: ReportError, Instance: m.name, Addr: v.Prefix.Addr(), Text: err.Error()})
			continue
		}
		kind := ReportVIPDel
		if add {
			kind = ReportVIPAdd
		}
		d.p.Report(Report{Kind: kind, Instance: m.name, Addr: v.Prefix.Addr(), Text: vipText(v)})
	}
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

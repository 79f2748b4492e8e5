package daemon

import (
	"fmt"
	"net/netip"
	"slices"

	"github.com/gokeepalived/gokeepalived/pkg/vrrp"
)

// A worker process that was killed leaves its addresses in the kernel.
// The process that replaces it either resumes the instances its
// predecessor held as MASTER (StartResume: no gap for the peers) or, when
// the worker keeps dying, the supervisor releases them (Release: a clean
// failover). See docs/operations.md for the process model.

// StartResume is Start for a process that replaces a dead one: the
// instances of rs are MASTER again at once (vrrp.EvStart.Resume), keeping
// the addresses the kernel still has instead of removing them as stale;
// vrrp_startup_delay does not apply. Instances whose addresses are not
// all there any more (deleted meanwhile) are not resumed.
func (d *Driver) StartResume(rs []vrrp.Resume) error {
	if d.running || d.stopped {
		return fmt.Errorf("daemon: Start called twice")
	}
	d.resumed = map[string]bool{}
	for _, r := range rs {
		m := d.byName[r.Instance]
		if m == nil {
			continue
		}
		if missing := d.missingAddrs(m); len(missing) > 0 {
			d.log.Warn(fmt.Sprintf("(%s) not resuming MASTER: %s no longer on the interface", m.name, missing[0]))
			continue
		}
		d.resumed[m.name] = true
		d.resume = append(d.resume, r)
	}
	return d.Start()
}

// missingAddrs lists the VIPs and eVIPs of m that are not on their
// interface (exact prefix).
func (d *Driver) missingAddrs(m *instanceMeta) []netip.Prefix {
	var out []netip.Prefix
	have := map[string][]netip.Prefix{}
	for _, v := range m.addrs {
		list, ok := have[v.Dev]
		if !ok {
			list, _ = d.p.Addresses(v.Dev)
			have[v.Dev] = list
		}
		if !slices.Contains(list, v.Prefix) {
			out = append(out, v.Prefix)
		}
	}
	return out
}

type vipKey struct {
	dev    string
	prefix netip.Prefix
}

// takeResumed returns, once, the addresses a resumed instance already
// holds, so that becoming MASTER does not add them again.
func (d *Driver) takeResumed(m *instanceMeta) map[vipKey]bool {
	if !d.resumed[m.name] {
		return nil
	}
	delete(d.resumed, m.name)
	keep := map[vipKey]bool{}
	for _, v := range m.addrs {
		keep[vipKey{v.Dev, v.Prefix}] = true
	}
	for _, p := range d.missingAddrs(m) {
		for k := range keep {
			if k.prefix == p {
				delete(keep, k)
			}
		}
	}
	return keep
}

// Release is the last resort of a supervisor whose worker keeps dying:
// for each named instance (the ones the worker held as MASTER) it sends
// one priority-0 advert, encoded exactly as the worker would (AH sealed
// with seq), and removes the instance's addresses, routes and rules, as
// Stop does for a MASTER. The engine is not started and nothing is
// scheduled; the driver is not usable afterwards except for Release.
func (d *Driver) Release(names []string, ahSeq map[string]uint32) {
	for _, name := range names {
		m := d.byName[name]
		if m == nil {
			continue
		}
		adv, ok := d.eng.Advert(name, vrrp.PriorityStop)
		if !ok {
			continue
		}
		d.log.Info(fmt.Sprintf("(%s) releasing MASTER for a dead worker", name))
		d.sendAdvert(vrrp.ActSendAdvert{Instance: name, Advert: adv, AHSeq: ahSeq[name] + 1})
		d.setVIPs(name, false)
	}
	d.stopped = true
}

// FileChanged tells the driver that the track_file at path (as
// configured) may have a new value. A platform that watches files
// (inotify on Linux) pushes it at once, as keepalived reacts; the
// driver's one-second poll stays as the fallback and is the simulator's
// only mechanism.
func (d *Driver) FileChanged(path string) {
	if !d.running {
		return
	}
	for _, f := range d.files {
		if f.def.File == path {
			d.readTrackFile(f, false)
		}
	}
}

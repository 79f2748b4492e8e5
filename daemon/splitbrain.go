package daemon

import (
	"fmt"
	"net/netip"
	"time"

	"github.com/gokeepalived/gokeepalived/pkg/vrrp"
)

type splitKey struct {
	inst string
	addr netip.Addr
	how  string
}

// detectForeignAdvert is the split-brain detector (EXPERIMENTS.md "Beyond
// the seeds"): a MASTER that sees another router advertise one of its VIPs
// under a different VRID reports it, whatever the VRID. Same-VRID adverts
// are the election's business.
func (d *Driver) detectForeignAdvert(p *vrrp.Packet) {
	for _, a := range p.Advert.Addrs {
		for _, m := range d.byAddr[a] {
			if d.isMaster(m.name) && m.cfg.VRID != int(p.Advert.VRID) && p.Src != m.src {
				d.splitBrain(m, a, fmt.Sprintf("advertised by %s in VRID %d", p.Src, p.Advert.VRID))
			}
		}
	}
}

// ARPAnnounced reports a gratuitous ARP / unsolicited NA seen on iface for
// addr from another host (sender is its MAC or name, for the log). A
// MASTER owning addr reports a split brain.
func (d *Driver) ARPAnnounced(iface string, addr netip.Addr, sender string) {
	if !d.running {
		return
	}
	for _, m := range d.byAddr[addr] {
		if d.isMaster(m.name) {
			d.splitBrain(m, addr, fmt.Sprintf("announced by ARP from %s on %s", sender, iface))
		}
	}
}

// splitBrainQuiet is how long the same split brain (instance, address,
// evidence) is not reported again: a GARP burst is one report.
const splitBrainQuiet = time.Second

func (d *Driver) splitBrain(m *instanceMeta, a netip.Addr, how string) {
	k := splitKey{m.name, a, how}
	now := d.now()
	if last, ok := d.splitSeen[k]; ok && now.Sub(last) < splitBrainQuiet {
		return
	}
	if d.splitSeen == nil {
		d.splitSeen = map[splitKey]time.Time{}
	}
	if _, ok := d.splitSeen[k]; !ok && len(d.splitSeen) >= splitSeenMax && !d.pruneSplitSeen(now) {
		// A flood of distinct senders: the table is full of fresh
		// entries. Report nothing new until they expire.
		d.allow(limitSplitBrain)
		return
	}
	d.splitSeen[k] = now
	msg := fmt.Sprintf("(%s) split brain: VIP %s %s while we are MASTER", m.name, a, how)
	if d.allow(limitSplitBrain) {
		d.log.Warn(msg)
	}
	d.p.Report(Report{Kind: ReportSplitBrain, Instance: m.name, Addr: a, Text: msg})
}

// pruneSplitSeen drops the entries older than splitBrainQuiet and reports
// whether there is room for one more. A full table is walked at most once
// per expiry of its oldest entry, so a flood costs O(1) per packet.
func (d *Driver) pruneSplitSeen(now time.Time) bool {
	if now.Before(d.splitPruneAt) {
		return false
	}
	var oldest time.Time
	for k, last := range d.splitSeen {
		switch {
		case now.Sub(last) >= splitBrainQuiet:
			delete(d.splitSeen, k)
		case oldest.IsZero() || last.Before(oldest):
			oldest = last
		}
	}
	d.splitPruneAt = oldest.Add(splitBrainQuiet)
	return len(d.splitSeen) < splitSeenMax
}

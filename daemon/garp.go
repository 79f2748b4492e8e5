package daemon

import (
	"fmt"
	"net/netip"
	"time"

	"github.com/gokeepalived/gokeepalived/pkg/vrrp"
)

func (d *Driver) garp(a vrrp.ActGARP) {
	m := d.byName[a.Instance]
	if m == nil || a.Repeat <= 0 {
		return
	}
	for _, v := range m.addrs {
		addr := v.Prefix.Addr()
		spacing := m.cfg.GARPInterval
		if addr.Is4() {
			d.log.Info(fmt.Sprintf("(%s) Sending/queueing gratuitous ARPs on %s for %s", m.name, v.Dev, addr))
		} else {
			spacing = m.cfg.GNAInterval
			d.log.Info(fmt.Sprintf("(%s) Sending/queueing Unsolicited Neighbour Adverts on %s for %s", m.name, v.Dev, addr))
		}
		if spacing > 0 {
			for range a.Repeat {
				d.queueGARP(m.name, v.Dev, addr, spacing)
			}
			continue
		}
		sent := 0
		for range a.Repeat {
			if err := d.p.SendGARP(v.Dev, addr); err != nil {
				break
			}
			sent++
		}
		if sent > 0 {
			d.p.Report(Report{Kind: ReportGARP, Instance: m.name, Addr: addr, Text: fmt.Sprintf("%d on %s", sent, v.Dev)})
		}
	}
}

// garpQueue spaces gratuitous ARPs on one interface by vrrp_garp_interval
// (keepalived queues them per interface).
type garpQueue struct {
	next   time.Time // earliest time the next one may go
	items  []garpItem
	cancel func()
}

type garpItem struct {
	inst, dev string
	addr      netip.Addr
	spacing   time.Duration
}

func (d *Driver) queueGARP(inst, dev string, addr netip.Addr, spacing time.Duration) {
	if d.garpQueue == nil {
		d.garpQueue = map[string]*garpQueue{}
	}
	q := d.garpQueue[dev]
	if q == nil {
		q = &garpQueue{}
		d.garpQueue[dev] = q
	}
	q.items = append(q.items, garpItem{inst, dev, addr, spacing})
	if q.cancel == nil {
		d.drainGARP(q)
	}
}

func (d *Driver) drainGARP(q *garpQueue) {
	q.cancel = nil
	for len(q.items) > 0 && d.running {
		now := d.now()
		if now.Before(q.next) {
			q.cancel = d.p.AfterFunc(q.next, func() { d.drainGARP(q) })
			return
		}
		it := q.items[0]
		q.items = q.items[1:]
		if err := d.p.SendGARP(it.dev, it.addr); err == nil {
			d.p.Report(Report{Kind: ReportGARP, Instance: it.inst, Addr: it.addr, Text: "1 on " + it.dev})
		}
		q.next = now.Add(it.spacing)
	}
}

package daemon

import (
	"fmt"
	"net/netip"

	"github.com/gokeepalived/gokeepalived/pkg/vrrp"
)

type demuxKey struct {
	iface string
	v6    bool
	vrid  uint8
}

// Receive hands a received advert to the instance it belongs to
// (demultiplexed by interface, family and VRID, like keepalived's socket
// pools). Adverts for an unknown VRID are ignored silently.
func (d *Driver) Receive(pkt Packet) {
	if !d.running || d.delayed {
		return
	}
	v6 := pkt.Src.Is6() && !pkt.Src.Is4In6()
	d.detectForeignAdvert(pkt)
	if m := d.byVRID[demuxKey{pkt.Iface, v6, pkt.Advert.VRID}]; m != nil {
		d.p.Report(Report{Kind: ReportAdvertRecv, Instance: m.name, Addr: pkt.Src, Priority: pkt.Advert.Priority})
		d.step(vrrp.EvAdvert{Instance: m.name, Src: pkt.Src, Dst: pkt.Dst, TTL: pkt.TTL, Advert: pkt.Advert})
		return
	}
	d.p.Report(Report{Kind: ReportReject, Reason: vrrp.RejectUnknownVRID, Addr: pkt.Src,
		Text: fmt.Sprintf("Unknown VRID(%d) received on interface(%s). ignoring...", pkt.Advert.VRID, pkt.Iface)})
}

// ReceiveRaw decodes a VRRP payload (IP header already stripped: src, dst,
// ttl come from it) and hands it to Receive. Packet-level failures are
// counted and dropped.
func (d *Driver) ReceiveRaw(iface string, src, dst netip.Addr, ttl uint8, payload []byte) {
	if !d.running {
		return
	}
	adv, err := vrrp.Parse(payload, src, dst, vrrp.ParseOptions{})
	if err != nil {
		r := vrrp.ReasonOf(err)
		d.log.Info(fmt.Sprintf("bogus VRRP packet received on %s from %s: %v", iface, src, err))
		d.p.Report(Report{Kind: ReportReject, Reason: r, Addr: src, Text: err.Error()})
		return
	}
	d.Receive(Packet{Iface: iface, Src: src, Dst: dst, TTL: ttl, Advert: adv})
}

// reject logs and reports an advert an instance discarded. detail is
// keepalived's text for the log; nothing branches on it.
func (d *Driver) reject(inst string, r vrrp.RejectReason, src netip.Addr, detail string) {
	if detail == "" {
		detail = r.String()
	}
	msg := fmt.Sprintf("(%s) %s", inst, detail)
	d.log.Info(msg)
	d.p.Report(Report{Kind: ReportReject, Instance: inst, Reason: r, Addr: src, Text: msg})
}

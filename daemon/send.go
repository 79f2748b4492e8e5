package daemon

import (
	"fmt"

	"github.com/gokeepalived/gokeepalived/pkg/config"
	"github.com/gokeepalived/gokeepalived/pkg/vrrp"
)

// sendAdvert encodes the engine's advert once per destination (the
// multicast group or each unicast peer) into the driver's buffer, as
// keepalived builds it: the IPv4 header with the instance's IP id (one per
// advert, never 0), the AH header sealed with the engine's sequence
// number, the VRRPv3 checksum in the instance's checksum form; and hands
// the bytes to the Transport.
func (d *Driver) sendAdvert(a vrrp.ActSendAdvert) {
	m := d.byName[a.Instance]
	if m == nil {
		return
	}
	w := m.wire
	if !m.ipv6 {
		if w.ipID++; w.ipID == 0 {
			w.ipID = 1 // the kernel would replace 0 (vrrp.c vrrp_update_pkt)
		}
	}
	unicast := len(m.cfg.UnicastPeers) > 0
	opt := vrrp.MarshalOptions{OldUnicastChecksum: w.oldChecksum, OldChecksumGroup: d.cfg.Global.VRRPMcastGroup4}
	adv := a.Advert
	for _, dst := range m.dsts {
		var err error
		if m.ipv6 {
			d.tx, err = adv.AppendMarshalIPv6(d.tx[:0], m.src, dst, vrrp.IPv6Params{HopLimit: m.ttl}, opt)
		} else {
			p := vrrp.IPv4Params{ID: w.ipID, TTL: m.ttl}
			if m.cfg.AuthType == config.AuthAH {
				w.ah = vrrp.AHParams{Seq: a.AHSeq, Key: vrrp.PassKey(m.cfg.AuthPass), Unicast: unicast}
				p.AH = &w.ah
			}
			d.tx, err = adv.AppendMarshalIPv4(d.tx[:0], m.src, dst, p, opt)
		}
		if err != nil {
			d.log.Debug(fmt.Sprintf("(%s) cannot encode advert to %s", m.name, dst), "err", err)
			continue
		}
		if err := d.p.SendVRRP(Datagram{Iface: m.iface, Src: m.src, Dst: dst, TTL: m.ttl, Data: d.tx}); err != nil {
			d.log.Debug(fmt.Sprintf("(%s) send advert to %s failed", m.name, dst), "err", err)
			continue
		}
		if a.Advert.Priority == vrrp.PriorityStop {
			d.log.Info(fmt.Sprintf("(%s) sent 0 priority", m.name))
		}
		r := Report{Kind: ReportAdvertSent, Instance: m.name, Addr: dst, Priority: a.Advert.Priority}
		if m.cfg.AuthType == config.AuthAH {
			r.AHSeq = a.AHSeq
		}
		d.p.Report(r)
	}
}

package daemon

import (
	"errors"
	"fmt"
	"net/netip"

	"github.com/gokeepalived/gokeepalived/pkg/config"
	"github.com/gokeepalived/gokeepalived/pkg/vrrp"
)

type demuxKey struct {
	iface string
	v6    bool
	vrid  uint8
}

// wireState is what the driver keeps per instance about the wire format,
// beside the engine's protocol state: keepalived's per-instance IPv4 id
// and its old-unicast-checksum mode. It survives a reload.
type wireState struct {
	ipID uint16
	// oldChecksum is keepalived's CHKSUM_COMPATIBILITY_AUTO: a unicast
	// VRRPv3/IPv4 advert arrived with the checksum of keepalived ≤ 1.3.6
	// (224.0.0.18 as pseudo-header destination), so the instance verifies
	// and sends only that form from then on (vrrp.c vrrp_check_packet).
	oldChecksum bool
	ah          vrrp.AHParams // reused for sealing
}

// Receive is the one receive path of every platform (see Inputs), in
// keepalived 2.2.7's order (vrrp_scheduler.c vrrp_dispatcher_read,
// vrrp.c vrrp_check_packet): decode the datagram; demultiplex by
// (interface, family, VRID) like keepalived's socket pools; check AH
// (presence, ICV, SPI) and the checksum as that instance expects them;
// look for a split brain; hand the advert to the engine, which applies the
// instance-level checks. A datagram rejected once its instance is known
// goes to the engine too (vrrp.EvDiscarded). vrrp_startup_delay drops
// nothing: keepalived hears adverts during the delay.
func (d *Driver) Receive(iface string, datagram []byte) {
	if !d.running {
		return
	}
	p := &d.rx
	if err := p.Unmarshal(datagram, vrrp.ParseOptions{SkipChecksum: true}); err != nil {
		// keepalived's vrrp_get_header only needs a whole VRRP header to
		// hand the packet to its instance, which rejects it in
		// vrrp_check_packet (and a MASTER re-phases).
		if m := d.headerInstance(iface, p, err); m != nil {
			d.discard(m, vrrp.ReasonOf(err), p.Src, err.Error())
		} else {
			d.bogus(iface, p.Src, err)
		}
		return
	}
	m := d.byVRID[demuxKey{iface, p.IPv6, p.Advert.VRID}]
	if m != nil {
		if r, detail := checkAH(m, p); r != vrrp.RejectNone {
			d.discard(m, r, p.Src, detail)
			return
		}
	}
	if err := d.verifyChecksum(m, p); err != nil {
		if m != nil {
			d.discard(m, vrrp.ReasonOf(err), p.Src, err.Error())
		} else {
			d.bogus(iface, p.Src, err)
		}
		return
	}
	d.detectForeignAdvert(p)
	if m == nil {
		// keepalived: silently ignored unless log_unknown_vrids.
		d.p.Report(Report{Kind: ReportReject, Reason: vrrp.RejectUnknownVRID, Addr: p.Src,
			Text: fmt.Sprintf("Unknown VRID(%d) received on interface(%s). ignoring...", p.Advert.VRID, iface)})
		return
	}
	d.p.Report(Report{Kind: ReportAdvertRecv, Instance: m.name, Addr: p.Src, Priority: p.Advert.Priority})
	d.step(vrrp.EvAdvert{Instance: m.name, Src: p.Src, Dst: p.Dst, TTL: p.TTL, Advert: p.Advert, AHSeq: p.AH.Seq})
}

// headerInstance is the instance a malformed datagram goes to in
// keepalived 2.2.7: vrrp_get_header accepts anything with a whole IP
// (and AH) header and 8 bytes of VRRP header, and the dispatcher looks
// the VRID up; what is wrong beyond that (length, version, type, auth
// type) is vrrp_check_packet's finding, for that instance. nil when the
// VRID cannot be read or names no instance.
func (d *Driver) headerInstance(iface string, p *vrrp.Packet, err error) *instanceMeta {
	var pe *vrrp.PacketError
	if !errors.As(err, &pe) || len(p.VRRP) < vrrp.HeaderLen {
		return nil
	}
	return d.byVRID[demuxKey{iface, p.IPv6, p.Advert.VRID}]
}

// discard hands the engine a datagram for m that failed a check on its
// bytes (vrrp.EvDiscarded): the engine reports it (ActReject → reject)
// and re-phases a MASTER, as keepalived does after any packet it handed
// to an instance.
func (d *Driver) discard(m *instanceMeta, r vrrp.RejectReason, src netip.Addr, detail string) {
	d.step(vrrp.EvDiscarded{Instance: m.name, Src: src, Reason: r, Detail: detail})
}

// bogus counts and logs a datagram that is no well-formed advert.
func (d *Driver) bogus(iface string, src netip.Addr, err error) {
	r := vrrp.ReasonOf(err)
	if r == vrrp.RejectNone && errors.Is(err, vrrp.ErrNotVRRP) {
		r = vrrp.RejectNotVRRP
	}
	if d.allow(limitKey(r)) {
		d.log.Info(fmt.Sprintf("bogus VRRP packet received on %s from %s: %v", iface, src, err))
	}
	d.p.Report(Report{Kind: ReportReject, Reason: r, Addr: src, Text: err.Error()})
}

// verifyChecksum checks a VRRP message's checksum the way the instance m
// it is for expects (keepalived 2.2.7 vrrp_check_packet). A unicast
// VRRPv3/IPv4 instance that receives keepalived ≤ 1.3.6's form switches to
// it ("Setting unicast VRRPv3 checksum to old version") and from then on
// accepts only that form. An advert for no instance is accepted in either
// form (the split-brain detector reads it).
func (d *Driver) verifyChecksum(m *instanceMeta, p *vrrp.Packet) error {
	// keepalived's old form uses vrrp_mcast_group4, whatever it is.
	group := d.cfg.Global.VRRPMcastGroup4
	if !group.Is4() { // a model built by hand
		group = vrrp.MulticastGroup(false)
	}
	dst := p.Dst
	if m != nil && m.wire.oldChecksum {
		dst = group
	}
	err := vrrp.VerifyChecksum(p.VRRP, p.Src, dst, vrrp.ParseOptions{})
	if err == nil || !vrrp.IsOldUnicastChecksumTo(p.VRRP, p.Src, p.Dst, group) {
		return err
	}
	switch {
	case m == nil:
		return nil
	case len(m.cfg.UnicastPeers) > 0 && !m.wire.oldChecksum:
		m.wire.oldChecksum = true
		d.log.Info(fmt.Sprintf("(%s) Setting unicast VRRPv3 checksum to old version", m.name))
		return nil
	}
	return err
}

// checkAH is keepalived 2.2.7's AH part of vrrp_check_packet for an IPv4
// instance: the AH header must be there exactly when auth_type is AH
// (the first check keepalived makes), and its ICV and SPI must verify
// with the instance's auth_pass. The sequence number is the engine's.
func checkAH(m *instanceMeta, p *vrrp.Packet) (vrrp.RejectReason, string) {
	if p.IPv6 {
		return vrrp.RejectNone, ""
	}
	wantAH := m.cfg.AuthType == config.AuthAH
	switch {
	case p.HasAH && !wantAH:
		return vrrp.RejectAHMismatch, "Received AH header but auth type not AH"
	case !p.HasAH && wantAH:
		return vrrp.RejectAHMismatch, "No AH header but auth type is AH"
	case !wantAH:
		return vrrp.RejectNone, ""
	}
	if r := vrrp.VerifyAH(p.IP, vrrp.PassKey(m.cfg.AuthPass), len(m.cfg.UnicastPeers) > 0); r != vrrp.RejectNone {
		return r, "IPSEC-AH : invalid IPSEC HMAC-MD5 value or SPI. Due to fields mutation or bad password !"
	}
	return vrrp.RejectNone, ""
}

// reject logs and reports an advert an instance discarded. detail is
// keepalived's text for the log; nothing branches on it.
func (d *Driver) reject(inst string, r vrrp.RejectReason, src netip.Addr, detail string) {
	if detail == "" {
		detail = r.String()
	}
	msg := fmt.Sprintf("(%s) %s", inst, detail)
	if d.allow(limitKey(r)) {
		d.log.Info(msg)
	}
	d.p.Report(Report{Kind: ReportReject, Instance: inst, Reason: r, Addr: src, Text: msg})
}

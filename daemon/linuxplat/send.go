package linuxplat

import (
	"fmt"
	"net/netip"

	"github.com/gokeepalived/gokeepalived/daemon"
	"github.com/gokeepalived/gokeepalived/daemon/linux"
	"github.com/gokeepalived/gokeepalived/pkg/vrrp"
)

// sendKey is one send socket (keepalived opens one per interface, family,
// protocol and multicast/unicast: vrrp.c open_vrrp_send_socket).
type sendKey struct {
	iface string
	v6    bool
	proto int
	mcast bool
}

// SendVRRP sends the driver's datagram: IPv4 whole through an IP_HDRINCL
// socket, IPv6 as its VRRP message with the header fields as ancillary
// data (the kernel fills the checksum, IPV6_CHECKSUM).
func (p *Platform) SendVRRP(d daemon.Datagram) error {
	v6 := d.IPv6()
	proto := vrrp.IPProtoVRRP
	if !v6 && len(d.Data) >= 20 {
		proto = int(d.Data[9]) // 51 for an AH instance
	}
	k := sendKey{iface: d.Iface, v6: v6, proto: proto, mcast: d.Dst.IsMulticast()}
	s := p.sends[k]
	if s == nil {
		if _, ok := p.links[d.Iface]; !ok {
			return fmt.Errorf("send advert on %s: %w", d.Iface, errNoIface)
		}
		err := p.inNS(func() error {
			var err error
			s, err = linux.OpenSender(linux.SenderConfig{Ifname: d.Iface, IPv6: v6, Proto: proto, Multicast: k.mcast})
			return err
		})
		if err != nil {
			return err
		}
		p.sends[k] = s
	}
	var err error
	if v6 {
		err = s.SendIPv6(d.Payload(), d.Src, d.Dst, d.TTL)
	} else {
		err = s.SendIPv4(d.Data)
	}
	if err != nil {
		p.stats.SendErrors++
	}
	return err
}

// SendGARP sends one gratuitous ARP (IPv4) or unsolicited neighbour
// advertisement (IPv6, with the Router flag when the interface forwards
// IPv6, as keepalived) for addr out of iface with its MAC.
func (p *Platform) SendGARP(iface string, addr netip.Addr) error {
	l, ok := p.links[iface]
	if !ok {
		return fmt.Errorf("gratuitous ARP on %s: %w", iface, errNoIface)
	}
	if p.ann == nil {
		err := p.inNS(func() error {
			var err error
			p.ann, err = linux.OpenAnnouncer()
			return err
		})
		if err != nil {
			return err
		}
	}
	if addr.Unmap().Is4() {
		return p.ann.SendGARP(l.index, l.mac, addr.Unmap())
	}
	router, ok := p.fwd[iface]
	if !ok {
		_ = p.inNS(func() error {
			var err error
			router, err = linux.IPv6Forwarding(iface)
			return err
		})
		p.fwd[iface] = router
	}
	return p.ann.SendNA(l.index, l.mac, addr, router)
}

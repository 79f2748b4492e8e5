package sim

import (
	"fmt"
	"io"
	"net"
	"net/netip"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"
)

// pcapWriter writes a segment's traffic as a pcap file: Ethernet frames
// with a MAC per node interface around exactly the datagrams the daemons'
// drivers encoded (IPv4 as keepalived sends it: TOS 0xC0, the instance's
// IP id, AH when configured; IPv6 with its header); gratuitous ARPs as
// keepalived's vrrp_arp.c builds them (broadcast ARP request, sender IP =
// target IP = VIP). Timestamps are virtual.
type pcapWriter struct {
	w   *pcapgo.Writer
	err error
}

// CaptureSegment writes everything sent on segment from now on to out as
// a pcap stream (readable by Wireshark, tcpdump -r and vrrpdump). Write
// errors stop the capture; see CaptureErr.
func (w *World) CaptureSegment(segment string, out io.Writer) error {
	seg, ok := w.segments[segment]
	if !ok {
		return fmt.Errorf("%w %q", ErrNoSegment, segment)
	}
	pw := pcapgo.NewWriter(out)
	if err := pw.WriteFileHeader(65535, layers.LinkTypeEthernet); err != nil {
		return fmt.Errorf("sim: pcap header: %w", err)
	}
	seg.pcap = &pcapWriter{w: pw}
	return nil
}

// CaptureErr is the first write error of segment's capture, if any.
func (w *World) CaptureErr(segment string) error {
	if seg, ok := w.segments[segment]; ok && seg.pcap != nil {
		return seg.pcap.err
	}
	return nil
}

func (p *pcapWriter) write(w *World, src *nodeIface, pkt packet) {
	if p.err != nil {
		return
	}
	frame, err := p.frame(src, pkt)
	if err != nil {
		w.obs.event(src.node.name, "", "pcap", "cannot encode: "+err.Error())
		return
	}
	ci := gopacket.CaptureInfo{Timestamp: w.Now(), CaptureLength: len(frame), Length: len(frame)}
	if err := p.w.WritePacket(ci, frame); err != nil {
		p.err = fmt.Errorf("sim: pcap: %w", err)
	}
}

func (p *pcapWriter) frame(src *nodeIface, pkt packet) ([]byte, error) {
	buf := gopacket.NewSerializeBuffer()
	opts := gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}
	eth := &layers.Ethernet{SrcMAC: net.HardwareAddr(src.mac[:])}
	if pkt.garp {
		eth.DstMAC = net.HardwareAddr{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}
		eth.EthernetType = layers.EthernetTypeARP
		ip := pkt.src.As4()
		arp := &layers.ARP{
			AddrType: layers.LinkTypeEthernet, Protocol: layers.EthernetTypeIPv4,
			HwAddressSize: 6, ProtAddressSize: 4, Operation: layers.ARPRequest,
			SourceHwAddress: eth.SrcMAC, SourceProtAddress: ip[:],
			DstHwAddress: eth.DstMAC, DstProtAddress: ip[:],
		}
		if !pkt.src.Is4() {
			return nil, fmt.Errorf("unsolicited NA capture not supported for %s", pkt.src)
		}
		if err := gopacket.SerializeLayers(buf, opts, eth, arp); err != nil {
			return nil, err
		}
		return buf.Bytes(), nil
	}
	// The datagram exactly as the sender's driver encoded it.
	eth.DstMAC = dstMAC(pkt.dst)
	eth.EthernetType = layers.EthernetTypeIPv4
	if len(pkt.data) > 0 && pkt.data[0]>>4 == 6 {
		eth.EthernetType = layers.EthernetTypeIPv6
	}
	if err := gopacket.SerializeLayers(buf, opts, eth, gopacket.Payload(pkt.data)); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// dstMAC maps a destination to its Ethernet address: IPv4 multicast
// 01:00:5e + low 23 bits (RFC 1112 §6.4), IPv6 multicast 33:33 + low 32
// bits (RFC 2464 §7), unicast a MAC derived from the address.
func dstMAC(a netip.Addr) net.HardwareAddr {
	b := a.AsSlice()
	switch {
	case a.Is4() && a.IsMulticast():
		return net.HardwareAddr{0x01, 0x00, 0x5e, b[1] & 0x7f, b[2], b[3]}
	case a.Is6() && a.IsMulticast():
		return net.HardwareAddr{0x33, 0x33, b[12], b[13], b[14], b[15]}
	}
	n := len(b)
	return net.HardwareAddr{0x02, 0xff, b[n-4], b[n-3], b[n-2], b[n-1]}
}

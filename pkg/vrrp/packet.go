package vrrp

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
)

const (
	ipv4MinLen = 20
	ipv6HdrLen = 40

	// TOSInternetControl is the IPv4 TOS / IPv6 traffic class keepalived
	// sends adverts with (IPTOS_PREC_INTERNETCONTROL, vrrp.c vrrp_build_ip4).
	TOSInternetControl = 0xc0
)

// ErrNotVRRP is returned by ParsePacket for an IP packet that carries
// neither VRRP nor AH-protected VRRP (callers reading captures skip it).
var ErrNotVRRP = errors.New("vrrp: not a VRRP packet")

// Packet is a whole received IP datagram carrying an advert: what a raw
// socket with IP_HDRINCL or a capture delivers.
type Packet struct {
	IPv6     bool
	Src, Dst netip.Addr
	TTL      uint8  // IPv4 TTL / IPv6 hop limit
	TOS      uint8  // IPv4 TOS / IPv6 traffic class
	ID       uint16 // IPv4 identification (0 for IPv6)
	Protocol uint8  // IPProtoVRRP, or IPProtoAH
	HasAH    bool
	AH       AHHeader // valid when HasAH
	// IP is the datagram up to its IP total length (Ethernet padding
	// removed); VRRP is the VRRP message inside it. Both alias the input.
	IP, VRRP []byte
	Advert   Advert
}

// Unicast reports whether the packet was sent to a unicast address.
func (p *Packet) Unicast() bool { return !p.Dst.IsMulticast() }

// ParsePacket parses an IPv4 or IPv6 datagram carrying VRRP (IPv4 also
// behind keepalived's AH header) and decodes its advert as Parse does.
// Bytes after the IP total / payload length (link-layer padding) are
// ignored. Errors: ErrNotVRRP (wrapped) for other protocols, a *PacketError
// for a truncated or malformed datagram or a rejected advert; on a
// *PacketError from the VRRP message, p is filled as far as it decoded.
func ParsePacket(pkt []byte, opt ParseOptions) (Packet, error) {
	var p Packet
	err := p.Unmarshal(pkt, opt)
	return p, err
}

// Unmarshal is ParsePacket into p, reusing p.Advert.Addrs.
func (p *Packet) Unmarshal(pkt []byte, opt ParseOptions) error {
	addrs := p.Advert.Addrs[:0]
	*p = Packet{Advert: Advert{Addrs: addrs}}
	if len(pkt) < 1 {
		return newPacketError(RejectTruncated, "empty IP packet")
	}
	switch pkt[0] >> 4 {
	case 4:
		if err := p.parseIPv4(pkt); err != nil {
			return err
		}
	case 6:
		if err := p.parseIPv6(pkt); err != nil {
			return err
		}
	default:
		return fmt.Errorf("IP version %d: %w", pkt[0]>>4, ErrNotVRRP)
	}
	return p.Advert.Unmarshal(p.VRRP, p.Src, p.Dst, opt)
}

func (p *Packet) parseIPv4(pkt []byte) error {
	if len(pkt) < ipv4MinLen {
		return newPacketError(RejectTruncated, "IPv4 packet of %d bytes is shorter than its header", len(pkt))
	}
	ihl := int(pkt[0]&0x0f) * 4
	total := int(binary.BigEndian.Uint16(pkt[2:4]))
	p.TOS = pkt[1]
	p.ID = binary.BigEndian.Uint16(pkt[4:6])
	p.TTL = pkt[8]
	p.Protocol = pkt[9]
	p.Src = netip.AddrFrom4([4]byte(pkt[12:16]))
	p.Dst = netip.AddrFrom4([4]byte(pkt[16:20]))
	if p.Protocol != IPProtoVRRP && p.Protocol != IPProtoAH {
		return fmt.Errorf("IPv4 protocol %d: %w", p.Protocol, ErrNotVRRP)
	}
	if ihl < ipv4MinLen || total < ihl {
		return newPacketError(RejectBadLength, "IPv4 header length %d, total length %d", ihl, total)
	}
	if len(pkt) < total {
		return newPacketError(RejectTruncated, "IPv4 packet of %d bytes, total length says %d", len(pkt), total)
	}
	if frag := binary.BigEndian.Uint16(pkt[6:8]); frag&0x3fff != 0 {
		// keepalived reads reassembled datagrams; a capture may hold fragments.
		return newPacketError(RejectBadLength, "IPv4 fragment (flags/offset 0x%04x)", frag)
	}
	p.IP = pkt[:total]
	off := ihl
	if p.Protocol == IPProtoAH {
		if total < ihl+AHLen {
			return newPacketError(RejectTruncated, "IPv4 packet of %d bytes too short for AH", total)
		}
		p.HasAH = true
		p.AH = parseAH(pkt[ihl:])
		if p.AH.NextHeader != IPProtoVRRP {
			// keepalived: AH for another protocol is dropped (VRRP_PACKET_DROP).
			return fmt.Errorf("AH next header %d: %w", p.AH.NextHeader, ErrNotVRRP)
		}
		off += AHLen
	}
	p.VRRP = pkt[off:total]
	return nil
}

func (p *Packet) parseIPv6(pkt []byte) error {
	if len(pkt) < ipv6HdrLen {
		return newPacketError(RejectTruncated, "IPv6 packet of %d bytes is shorter than its header", len(pkt))
	}
	p.IPv6 = true
	p.TOS = uint8(binary.BigEndian.Uint16(pkt[0:2]) >> 4)
	payload := int(binary.BigEndian.Uint16(pkt[4:6]))
	p.Protocol = pkt[6]
	p.TTL = pkt[7]
	p.Src = netip.AddrFrom16([16]byte(pkt[8:24]))
	p.Dst = netip.AddrFrom16([16]byte(pkt[24:40]))
	// Extension headers are not followed: keepalived's adverts have none.
	if p.Protocol != IPProtoVRRP {
		return fmt.Errorf("IPv6 next header %d: %w", p.Protocol, ErrNotVRRP)
	}
	if len(pkt) < ipv6HdrLen+payload {
		return newPacketError(RejectTruncated, "IPv6 packet of %d bytes, payload length says %d", len(pkt), ipv6HdrLen+payload)
	}
	p.IP = pkt[:ipv6HdrLen+payload]
	p.VRRP = p.IP[ipv6HdrLen:]
	return nil
}

// Reject applies the packet-level checks that need the IP header on top of
// the decode: the TTL/hop limit of a multicast advert (CheckTTL), and for
// IPv4 the AH SPI, which keepalived requires to equal the source address.
// It returns RejectNone for a packet a keepalived instance would go on to
// check against its configuration. The AH ICV needs the key: see VerifyAH.
func (p *Packet) Reject() RejectReason {
	if r := CheckTTL(p.TTL, p.Unicast()); r != RejectNone {
		return r
	}
	if p.HasAH && p.AH.SPI != binary.BigEndian.Uint32(p.IP[12:16]) {
		return RejectAuthData
	}
	return RejectNone
}

// IPv4Params are the IPv4 header fields of an advert that MarshalIPv4
// cannot derive.
type IPv4Params struct {
	// ID is the IPv4 identification. keepalived increments it per advert
	// and skips 0 (so the kernel does not replace it).
	ID uint16
	// TTL defaults to 255 when zero: keepalived sends 255 to multicast and
	// to unicast peers alike unless unicast_ttl is set.
	TTL uint8
	// AH, when non-nil, inserts keepalived's IPsec AH header (protocol 51)
	// with this sequence number and seals it with Key.
	AH *AHParams
}

// AHParams configure the AH header of MarshalIPv4.
type AHParams struct {
	Seq uint32
	Key [AuthDataLen]byte // PassKey(auth_pass)
	// Unicast must be set for an instance with unicast peers: keepalived
	// then zeroes the TTL in the ICV computation.
	Unicast bool
}

// MarshalIPv4 builds the whole IPv4 datagram keepalived 2.2.7 sends for a
// (vrrp.c vrrp_build_ip4, vrrp_build_ipsecah, vrrp_update_pkt): IHL 5, TOS
// 0xC0, no fragmentation flags, TTL 255, protocol 112 (51 with AH, then
// SPI = src), header checksum filled in (the kernel fills it for
// keepalived's IP_HDRINCL socket), VRRP checksum as Marshal.
func (a *Advert) MarshalIPv4(src, dst netip.Addr, p IPv4Params, opt MarshalOptions) ([]byte, error) {
	return a.AppendMarshalIPv4(make([]byte, 0, ipv4MinLen+AHLen+a.MessageLen(false)), src, dst, p, opt)
}

// AppendMarshalIPv4 is MarshalIPv4 appending to b, so a sender that reuses
// its buffer encodes without allocating (AH aside).
func (a *Advert) AppendMarshalIPv4(b []byte, src, dst netip.Addr, p IPv4Params, opt MarshalOptions) ([]byte, error) {
	if !src.Is4() || !dst.Is4() {
		return b, fmt.Errorf("vrrp: marshal IPv4: src %v dst %v are not both IPv4", src, dst)
	}
	if p.AH != nil && a.Version != 2 {
		// keepalived refuses authentication with VRRPv3 (RFC 5798 §9 removed it).
		return b, fmt.Errorf("vrrp: marshal IPv4: AH with VRRP version %d, only VRRPv2 has authentication", a.Version)
	}
	ttl := p.TTL
	if ttl == 0 {
		ttl = TTLRequired
	}
	proto := uint8(IPProtoVRRP)
	hlen := ipv4MinLen
	if p.AH != nil {
		proto = IPProtoAH
		hlen += AHLen
	}
	start := len(b)
	var hdr [ipv4MinLen + AHLen]byte
	b = append(b, hdr[:hlen]...)
	b, err := a.AppendMarshal(b, src, dst, opt)
	if err != nil {
		return b[:start], err
	}
	d := b[start:]
	if len(d) > 0xffff {
		return b[:start], fmt.Errorf("vrrp: marshal IPv4: datagram of %d bytes", len(d))
	}
	d[0] = 0x45
	d[1] = TOSInternetControl
	binary.BigEndian.PutUint16(d[2:4], uint16(len(d)))
	binary.BigEndian.PutUint16(d[4:6], p.ID)
	d[8] = ttl
	d[9] = proto
	s, t := src.As4(), dst.As4()
	copy(d[12:16], s[:])
	copy(d[16:20], t[:])
	if p.AH != nil {
		h := AHHeader{NextHeader: IPProtoVRRP, PayloadLen: AHPayloadLen, SPI: binary.BigEndian.Uint32(s[:]), Seq: p.AH.Seq}
		h.appendTo(d[ipv4MinLen:ipv4MinLen])
		// The ICV is computed with the header checksum zero, as keepalived
		// does before the kernel fills it in.
		if err := SealAH(d, p.AH.Key, p.AH.Unicast); err != nil {
			return b[:start], err
		}
	}
	binary.BigEndian.PutUint16(d[10:12], ipv4HeaderChecksum(d[:ipv4MinLen]))
	return b, nil
}

// IPv6Params are the IPv6 header fields of an advert that
// AppendMarshalIPv6 cannot derive.
type IPv6Params struct {
	// HopLimit defaults to 255 when zero (RFC 5798 §5.1.2.3).
	HopLimit uint8
}

// AppendMarshalIPv6 appends the whole IPv6 datagram of a: a 40-byte header
// (traffic class 0xC0 as keepalived's IPV6_TCLASS, no flow label, next
// header 112, no extension headers) and the VRRP message with its
// pseudo-header checksum. The Linux kernel builds this header itself for
// keepalived's raw socket; the driver builds it so that every platform
// sends and receives the same whole datagram (see AppendIPv6Datagram).
func (a *Advert) AppendMarshalIPv6(b []byte, src, dst netip.Addr, p IPv6Params, opt MarshalOptions) ([]byte, error) {
	if !src.Is6() || !dst.Is6() || src.Is4In6() || dst.Is4In6() {
		return b, fmt.Errorf("vrrp: marshal IPv6: src %v dst %v are not both IPv6", src, dst)
	}
	start := len(b)
	var hdr [ipv6HdrLen]byte
	b = append(b, hdr[:]...)
	b, err := a.AppendMarshal(b, src, dst, opt)
	if err != nil {
		return b[:start], err
	}
	hl := p.HopLimit
	if hl == 0 {
		hl = TTLRequired
	}
	putIPv6Header(b[start:start+ipv6HdrLen], src, dst, hl, len(b)-start-ipv6HdrLen)
	return b, nil
}

// AppendIPv6Datagram appends an IPv6 header for payload (next header 112)
// and payload itself: what a platform whose raw IPv6 socket delivers the
// VRRP message alone (Linux: no IPV6_HDRINCL on receive) hands the
// driver's single receive path, with src and dst from IPV6_PKTINFO and
// the hop limit from IPV6_HOPLIMIT. It refuses a payload an IPv6 packet
// without a jumbogram option cannot carry.
func AppendIPv6Datagram(b []byte, src, dst netip.Addr, hopLimit uint8, payload []byte) ([]byte, error) {
	if !src.Is6() || !dst.Is6() {
		return b, fmt.Errorf("vrrp: IPv6 datagram: src %v dst %v are not both IPv6", src, dst)
	}
	if len(payload) > 0xffff {
		return b, fmt.Errorf("vrrp: IPv6 datagram: payload of %d bytes", len(payload))
	}
	start := len(b)
	var hdr [ipv6HdrLen]byte
	b = append(b, hdr[:]...)
	putIPv6Header(b[start:], src, dst, hopLimit, len(payload))
	return append(b, payload...), nil
}

func putIPv6Header(h []byte, src, dst netip.Addr, hopLimit uint8, payloadLen int) {
	// Version 6, traffic class 0xC0, flow label 0.
	binary.BigEndian.PutUint32(h[0:4], 6<<28|uint32(TOSInternetControl)<<20)
	binary.BigEndian.PutUint16(h[4:6], uint16(payloadLen))
	h[6] = IPProtoVRRP
	h[7] = hopLimit
	s, d := src.As16(), dst.As16()
	copy(h[8:24], s[:])
	copy(h[24:40], d[:])
}

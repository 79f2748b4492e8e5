package vrrp

import (
	"errors"
	"fmt"
	"net/netip"
)

// Wire sizes (RFC 3768 §5.1, RFC 5798 §5.1; keepalived vrrp.h vrrphdr_t).
const (
	// HeaderLen is the fixed VRRP header before the addresses.
	HeaderLen = 8
	// AuthDataLen is the VRRPv2 Authentication Data after the addresses.
	AuthDataLen = 8
	// MaxAdvertIntV3 is the largest 12-bit VRRPv3 Max Adver Int (centiseconds).
	MaxAdvertIntV3 = 0x0fff
	// MaxAddrs is the largest Count IPvX Addr (an 8-bit field).
	MaxAddrs = 255

	// maxMessageLen is the longest VRRP message an IP packet without a
	// jumbogram carries: the IPv4 total length and the IPv6 payload
	// length are 16 bits (the IPv4 pseudo-header's length field too).
	maxMessageLen = 0xffff
)

// MarshalOptions select keepalived's checksum variants.
type MarshalOptions struct {
	// ChecksumAsV2 computes a VRRPv3/IPv4 checksum over the message only,
	// without the IPv4 pseudo-header (keepalived ≥2.2.8 v3_checksum_as_v2,
	// RFC 9568 §5.2.8). keepalived 2.2.7 always includes the pseudo-header.
	// It has no effect on VRRPv2 (never a pseudo-header) or IPv6 (always).
	ChecksumAsV2 bool
	// OldUnicastChecksum computes a VRRPv3/IPv4 checksum with 224.0.0.18
	// as the pseudo-header destination whatever the real destination: the
	// form of keepalived ≤ 1.3.6, which keepalived 2.2.7 switches to for an
	// instance once it received it (ParseOptions.OldUnicastChecksum).
	OldUnicastChecksum bool
	// OldChecksumGroup replaces 224.0.0.18 in the old form: keepalived
	// 2.2.7 uses vrrp_mcast_group4 (vrrp.c vrrp_csum_mcast). Zero means
	// 224.0.0.18.
	OldChecksumGroup netip.Addr
}

// ParseOptions select how a received message is checked.
type ParseOptions struct {
	// ChecksumAsV2 verifies a VRRPv3/IPv4 checksum without the pseudo-header
	// (see MarshalOptions.ChecksumAsV2).
	ChecksumAsV2 bool
	// SkipChecksum does not verify the checksum: for IPv6 raw sockets with
	// IPV6_CHECKSUM the kernel has verified it already (keepalived 2.2.7
	// checks it only for IPv4).
	SkipChecksum bool
	// OldUnicastChecksum also accepts a VRRPv3/IPv4 unicast advert whose
	// checksum was computed with 224.0.0.18 as the pseudo-header
	// destination (keepalived ≤1.3.6, or old_unicast_checksum). keepalived
	// 2.2.7 built with OLD_CHKSUM_COMPAT (Debian's is) accepts that form on
	// an instance with unicast peers, logs "Setting unicast VRRPv3 checksum
	// to old version" and sends it from then on; IsOldUnicastChecksum tells
	// the caller that this happened.
	OldUnicastChecksum bool
}

// PacketError is a packet-level rejection: the datagram is not a well-formed
// advertisement, whatever instance it is for. Reason is the counter the
// daemon increments; Detail says what was wrong, for the log.
type PacketError struct {
	Reason RejectReason
	Detail string
}

func (e *PacketError) Error() string {
	return "vrrp: " + e.Reason.String() + ": " + e.Detail
}

func newPacketError(r RejectReason, format string, args ...any) *PacketError {
	return &PacketError{Reason: r, Detail: fmt.Sprintf(format, args...)}
}

// ReasonOf returns the RejectReason of err if it is (or wraps) a
// *PacketError, and RejectNone otherwise.
func ReasonOf(err error) RejectReason {
	var pe *PacketError
	if errors.As(err, &pe) {
		return pe.Reason
	}
	return RejectNone
}

// ErrNeedAddrs is returned (not as a PacketError: it is the caller's mistake)
// when the IP addresses needed for the family or the checksum are missing.
var ErrNeedAddrs = errors.New("vrrp: VRRPv3 needs valid IP source and destination addresses of one family")

// familyIs6 decides the address family of a message from its IP addresses:
// dst's if valid, else src's.
func familyIs6(src, dst netip.Addr) bool {
	if dst.IsValid() {
		return dst.Is6()
	}
	return src.Is6()
}

// MessageLen is the length of the VRRP message (without IP or AH header)
// for a with the given address family.
func (a *Advert) MessageLen(ipv6 bool) int { return messageLen(a.Version, len(a.Addrs), ipv6) }

// messageLen is the length of a VRRP message carrying count addresses.
func messageLen(version uint8, count int, ipv6 bool) int {
	n := HeaderLen + count*addrLen(ipv6)
	if version == 2 {
		n += AuthDataLen
	}
	return n
}

// addrLen is the size of one address of the family on the wire.
func addrLen(ipv6 bool) int {
	if ipv6 {
		return 16
	}
	return 4
}

// Marshal encodes a as a VRRP message (no IP header) with the checksum
// keepalived 2.2.7 would put in it, and stores that checksum in a.Checksum.
// src and dst are the IP header addresses: the VRRPv3 checksum covers a
// pseudo-header built from them (for unicast, dst is the peer), and the
// family of dst (or src) decides between IPv4 and IPv6 for VRRPv3. VRRPv2
// is IPv4 only and ignores them. A zero Type is sent as TypeAdvertisement.
func (a *Advert) Marshal(src, dst netip.Addr, opt MarshalOptions) ([]byte, error) {
	return a.AppendMarshal(make([]byte, 0, a.MessageLen(familyIs6(src, dst))), src, dst, opt)
}

// AppendMarshal is Marshal appending to b, so a caller reusing a buffer
// encodes without allocating.
func (a *Advert) AppendMarshal(b []byte, src, dst netip.Addr, opt MarshalOptions) ([]byte, error) {
	ipv6, err := a.checkMarshal(src, dst, opt)
	if err != nil {
		return b, err
	}
	start := len(b)
	typ := a.Type
	if typ == 0 {
		typ = TypeAdvertisement
	}
	b = append(b, a.Version<<4|typ&0x0f, a.VRID, a.Priority, uint8(len(a.Addrs)))
	if a.Version == 2 {
		b = append(b, uint8(a.AuthType), uint8(a.AdvertIntCS/100))
	} else {
		// RFC 5798 §5.2.5: 4 reserved bits, sent as zero.
		b = append(b, uint8(a.AdvertIntCS>>8)&0x0f, uint8(a.AdvertIntCS))
	}
	b = append(b, 0, 0) // checksum, filled below
	for _, ip := range a.Addrs {
		b = appendAddr(b, ip)
	}
	if a.Version == 2 {
		b = append(b, a.AuthData[:]...)
	}
	msg := b[start:]
	var acc uint32
	switch {
	case a.Version == 2 || opt.ChecksumAsV2 && !ipv6:
	case ipv6:
		acc = pseudoSum6(src, dst, len(msg))
	case opt.OldUnicastChecksum:
		acc = pseudoSum4(src, oldGroup(opt.OldChecksumGroup), len(msg))
	default:
		acc = pseudoSum4(src, dst, len(msg))
	}
	a.Checksum = fold16(sum16(msg, acc))
	msg[6], msg[7] = uint8(a.Checksum>>8), uint8(a.Checksum)
	return b, nil
}

// appendAddr appends the 4 or 16 bytes of ip without allocating.
func appendAddr(b []byte, ip netip.Addr) []byte {
	if ip.Is4() {
		a := ip.As4()
		return append(b, a[:]...)
	}
	a := ip.As16()
	return append(b, a[:]...)
}

func (a *Advert) checkMarshal(src, dst netip.Addr, opt MarshalOptions) (ipv6 bool, err error) {
	if len(a.Addrs) > MaxAddrs {
		return false, fmt.Errorf("vrrp: marshal: %d addresses, at most %d fit Count IP Addrs", len(a.Addrs), MaxAddrs)
	}
	switch a.Version {
	case 2:
		// RFC 3768 §5.3.7: whole seconds in 8 bits.
		if a.AdvertIntCS%100 != 0 || a.AdvertIntCS/100 > 255 {
			return false, fmt.Errorf("vrrp: marshal: VRRPv2 advert interval %d cs is not 0..255 whole seconds", a.AdvertIntCS)
		}
		for _, ip := range a.Addrs {
			if !ip.Is4() {
				return false, fmt.Errorf("vrrp: marshal: VRRPv2 carries IPv4 addresses only, got %v", ip)
			}
		}
		return false, nil
	case 3:
		if a.AdvertIntCS > MaxAdvertIntV3 {
			return false, fmt.Errorf("vrrp: marshal: VRRPv3 advert interval %d cs exceeds %d", a.AdvertIntCS, MaxAdvertIntV3)
		}
		ipv6 = familyIs6(src, dst)
		if len(a.Addrs) > 0 && !src.IsValid() && !dst.IsValid() {
			ipv6 = a.Addrs[0].Is6()
		}
		for _, ip := range a.Addrs {
			if !ip.IsValid() || ip.Is4In6() || ip.Is6() != ipv6 {
				return false, fmt.Errorf("vrrp: marshal: address %v is not of the advert's family (IPv6=%v)", ip, ipv6)
			}
		}
		if ipv6 || !opt.ChecksumAsV2 {
			if !src.IsValid() || !dst.IsValid() || src.Is6() != ipv6 || dst.Is6() != ipv6 || src.Is4In6() || dst.Is4In6() {
				return false, fmt.Errorf("vrrp: marshal: src %v dst %v: %w", src, dst, ErrNeedAddrs)
			}
		}
		return ipv6, nil
	}
	return false, fmt.Errorf("vrrp: marshal: version %d is neither 2 nor 3", a.Version)
}

// Parse decodes the VRRP message b (no IP header) received from src to dst
// and applies the packet-level checks of keepalived 2.2.7's receive path
// (vrrp.c vrrp_check_packet, in its order): version, length against Count,
// VRRPv2 auth type, type, checksum. It returns a *PacketError naming the
// RejectReason when one fails. Instance-level checks (configured version,
// auth type and data, advert interval, VIP list, TTL, unicast vs multicast)
// belong to the caller. src and dst are the IP header addresses (see
// Marshal); a VRRPv3 message needs them unless the checksum is skipped or
// computed as v2.
func Parse(b []byte, src, dst netip.Addr, opt ParseOptions) (Advert, error) {
	var a Advert
	err := a.Unmarshal(b, src, dst, opt)
	return a, err
}

// Unmarshal is Parse into a, reusing the capacity of a.Addrs: a receive
// loop that keeps one Advert decodes without allocating. When it returns a
// *PacketError, the fields that could be decoded are set (for diagnostics
// such as vrrpdump); they must not be acted upon.
func (a *Advert) Unmarshal(b []byte, src, dst netip.Addr, opt ParseOptions) error {
	addrs := a.Addrs[:0]
	*a = Advert{Addrs: addrs}
	if len(b) < HeaderLen {
		return newPacketError(RejectTruncated, "VRRP message of %d bytes is shorter than the %d-byte header", len(b), HeaderLen)
	}
	a.Version = b[0] >> 4
	a.Type = b[0] & 0x0f
	a.VRID = b[1]
	a.Priority = b[2]
	count := int(b[3])
	a.Checksum = uint16(b[6])<<8 | uint16(b[7])
	ipv6 := false
	switch a.Version {
	case 2:
		a.AuthType = AuthType(b[4])
		a.AdvertIntCS = uint16(b[5]) * 100
		if familyIs6(src, dst) {
			return newPacketError(RejectVersion, "VRRPv2 over IPv6")
		}
	case 3:
		// RFC 5798 §5.2.5: the 4 reserved bits are ignored on receive.
		a.AdvertIntCS = (uint16(b[4])<<8 | uint16(b[5])) & MaxAdvertIntV3
		if !src.IsValid() && !dst.IsValid() {
			return fmt.Errorf("vrrp: parse: %w", ErrNeedAddrs)
		}
		ipv6 = familyIs6(src, dst)
	default:
		return newPacketError(RejectVersion, "unknown VRRP version %d", a.Version)
	}
	alen := addrLen(ipv6)
	want := messageLen(a.Version, count, ipv6)
	// Decode what is there, even on a length mismatch, for diagnostics.
	n := min(count, (len(b)-HeaderLen)/alen)
	if cap(a.Addrs) < n {
		a.Addrs = make([]netip.Addr, 0, n)
	}
	for i := 0; i < n; i++ {
		p := b[HeaderLen+i*alen:]
		if ipv6 {
			a.Addrs = append(a.Addrs, netip.AddrFrom16([16]byte(p[:16])))
		} else {
			a.Addrs = append(a.Addrs, netip.AddrFrom4([4]byte(p[:4])))
		}
	}
	if a.Version == 2 && len(b) >= want {
		copy(a.AuthData[:], b[want-AuthDataLen:want])
	}
	// keepalived: "vrrp packet too short/long, length %zu and expect %zu".
	if len(b) != want {
		return newPacketError(RejectBadLength, "VRRP message is %d bytes, Count IP Addrs %d needs %d", len(b), count, want)
	}
	if a.Version == 2 && a.AuthType > AuthAH {
		return newPacketError(RejectAuthType, "invalid auth type %d", a.AuthType)
	}
	if a.Type != TypeAdvertisement {
		return newPacketError(RejectType, "invalid packet type %d, expected %d", a.Type, TypeAdvertisement)
	}
	if opt.SkipChecksum {
		return nil
	}
	if ok, detail := verifyChecksum(b, a.Version, ipv6, src, dst, opt.ChecksumAsV2); !ok {
		if opt.OldUnicastChecksum && IsOldUnicastChecksum(b, src, dst) {
			return nil
		}
		return newPacketError(RejectChecksum, "%s", detail)
	}
	return nil
}

// IsOldUnicastChecksum reports whether msg is a VRRPv3/IPv4 advert to the
// unicast address dst whose checksum verifies only in the old form, with
// 224.0.0.18 as the pseudo-header destination (see
// ParseOptions.OldUnicastChecksum).
func IsOldUnicastChecksum(msg []byte, src, dst netip.Addr) bool {
	return !dst.IsMulticast() && IsOldUnicastChecksumTo(msg, src, dst, mcastGroup4)
}

// IsOldUnicastChecksumTo is keepalived 2.2.7's test for the old form
// with the group it is configured with (vrrp.c vrrp_check_packet, which
// uses vrrp_mcast_group4): msg, a VRRPv3/IPv4 advert from src to dst
// (not the group itself), fails its checksum but verifies with group as
// the pseudo-header destination. A zero group is 224.0.0.18.
func IsOldUnicastChecksumTo(msg []byte, src, dst, group netip.Addr) bool {
	group = oldGroup(group)
	if len(msg) < HeaderLen || msg[0]>>4 != 3 || !src.Is4() || !dst.Is4() || dst == group {
		return false
	}
	return fold16(sum16(msg, pseudoSum4(src, dst, len(msg)))) != 0 &&
		fold16(sum16(msg, pseudoSum4(src, group, len(msg)))) == 0
}

// oldGroup is the old unicast checksum's pseudo-header destination.
func oldGroup(g netip.Addr) netip.Addr {
	if g.Is4() {
		return g
	}
	return mcastGroup4
}

// VerifyChecksum verifies the checksum of the VRRP message msg from src to
// dst as Unmarshal does (opt.ChecksumAsV2 and opt.OldUnicastChecksum
// included), for a receive path that decodes with SkipChecksum first and
// verifies once it knows the instance. It returns nil or a *PacketError
// (RejectChecksum, or RejectTruncated / RejectVersion for a message that
// has no checksum to verify).
func VerifyChecksum(msg []byte, src, dst netip.Addr, opt ParseOptions) error {
	if len(msg) < HeaderLen {
		return newPacketError(RejectTruncated, "VRRP message of %d bytes is shorter than the %d-byte header", len(msg), HeaderLen)
	}
	if len(msg) > maxMessageLen {
		return newPacketError(RejectBadLength, "VRRP message of %d bytes: no IP packet carries it", len(msg))
	}
	v := msg[0] >> 4
	if v != 2 && v != 3 {
		return newPacketError(RejectVersion, "unknown VRRP version %d", v)
	}
	if ok, detail := verifyChecksum(msg, v, familyIs6(src, dst), src, dst, opt.ChecksumAsV2); !ok {
		if opt.OldUnicastChecksum && IsOldUnicastChecksum(msg, src, dst) {
			return nil
		}
		return newPacketError(RejectChecksum, "%s", detail)
	}
	return nil
}

// ChecksumOK reports whether the checksum of the VRRP message msg verifies
// the way keepalived 2.2.7 computes it for its version and family (see
// Marshal), independently of the message's other checks. It is false for a
// message too short to hold a header or of an unknown version.
func ChecksumOK(msg []byte, src, dst netip.Addr, opt ParseOptions) bool {
	if len(msg) < HeaderLen || len(msg) > maxMessageLen {
		return false
	}
	v := msg[0] >> 4
	if v != 2 && v != 3 {
		return false
	}
	ok, _ := verifyChecksum(msg, v, familyIs6(src, dst), src, dst, opt.ChecksumAsV2)
	return ok || opt.OldUnicastChecksum && IsOldUnicastChecksum(msg, src, dst)
}

// verifyChecksum checks the message checksum the way keepalived 2.2.7 does
// for the family and version, and on failure explains which other known
// form (v3_checksum_as_v2, or pre-1.3.6 unicast checksums computed with
// 224.0.0.18) would have matched.
func verifyChecksum(b []byte, version uint8, ipv6 bool, src, dst netip.Addr, asV2 bool) (bool, string) {
	plain := fold16(sum16(b, 0)) == 0
	got := uint16(b[6])<<8 | uint16(b[7])
	if version == 2 {
		if plain {
			return true, ""
		}
		return false, fmt.Sprintf("invalid VRRPv2 checksum 0x%04x", got)
	}
	if ipv6 {
		if src.Is6() && dst.Is6() && fold16(sum16(b, pseudoSum6(src, dst, len(b)))) == 0 {
			return true, ""
		}
		return false, fmt.Sprintf("invalid VRRPv3 checksum 0x%04x (IPv6 pseudo-header %v > %v)", got, src, dst)
	}
	if asV2 {
		if plain {
			return true, ""
		}
		return false, fmt.Sprintf("invalid VRRPv3 checksum 0x%04x (computed as v2, without pseudo-header)", got)
	}
	if src.Is4() && dst.Is4() && fold16(sum16(b, pseudoSum4(src, dst, len(b)))) == 0 {
		return true, ""
	}
	detail := fmt.Sprintf("invalid VRRPv3 checksum 0x%04x (IPv4 pseudo-header %v > %v)", got, src, dst)
	switch {
	case plain:
		detail += "; valid without the pseudo-header (sender uses v3_checksum_as_v2?)"
	case src.Is4() && fold16(sum16(b, pseudoSum4(src, mcastGroup4, len(b)))) == 0:
		detail += "; valid with destination 224.0.0.18 (keepalived ≤1.3.6 / old_unicast_checksum)"
	}
	return false, detail
}

// Well-known VRRP groups (RFC 5798 §5.1.1.2, §5.1.2.2).
var (
	mcastGroup4 = netip.AddrFrom4([4]byte{224, 0, 0, 18})
	mcastGroup6 = netip.AddrFrom16([16]byte{0xff, 0x02, 15: 0x12})
)

// MulticastGroup returns the VRRP multicast group for the family:
// 224.0.0.18 or ff02::12.
func MulticastGroup(ipv6 bool) netip.Addr {
	if ipv6 {
		return mcastGroup6
	}
	return mcastGroup4
}

// CheckTTL is the receive check of RFC 3768 §7.1 / RFC 5798 §7.1 as
// keepalived applies it: a multicast advert must arrive with TTL/hop limit
// 255; unicast adverts are exempt (they may be routed).
func CheckTTL(ttl uint8, unicast bool) RejectReason {
	if !unicast && ttl != TTLRequired {
		return RejectTTL
	}
	return RejectNone
}

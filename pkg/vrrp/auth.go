package vrrp

import (
	"crypto/hmac"
	"crypto/md5"
	"crypto/subtle"
	"encoding/binary"
	"fmt"
)

// PassKey returns keepalived's auth_pass as it goes on the wire and into the
// AH HMAC key: the first 8 bytes of the configured string, zero padded
// (RFC 2338 §5.3.10; keepalived truncates longer passwords with a warning).
func PassKey(pass string) [AuthDataLen]byte {
	var k [AuthDataLen]byte
	copy(k[:], pass)
	return k
}

// CheckPass compares a received VRRPv2 PASS authentication field with the
// configured one in constant time, as keepalived 2.2.7 does
// (memcmp_constant_time, "received an invalid passwd!").
func CheckPass(got, want [AuthDataLen]byte) bool {
	return subtle.ConstantTimeCompare(got[:], want[:]) == 1
}

// IPsec AH as keepalived implements it for VRRPv2/IPv4 (vrrp_ipsecah.h,
// vrrp.c vrrp_build_ipsecah / vrrp_update_pkt / vrrp_in_chk_ipsecah): a
// fixed 24-byte AH header (RFC 2402 §2) between the IPv4 header and the VRRP
// message, SPI = the IPv4 source address, a sequence number incremented per
// advert, and an ICV of HMAC-MD5-96 (RFC 2403) keyed with the 8-byte
// zero-padded auth_pass over the IPv4 header with its mutable fields zeroed
// (TOS, flags/fragment offset, header checksum, and the TTL only for unicast
// instances), the AH header with a zero ICV, and the VRRP message.
const (
	// AHLen is the AH header keepalived sends: 12 fixed bytes + 12-byte ICV.
	AHLen = 24
	// AHPayloadLen is its Payload Len field: 32-bit words minus 2 (RFC 2402 §2.2).
	AHPayloadLen = AHLen/4 - 2
	// ICVLen is the truncated HMAC-MD5-96 (RFC 2403 §3).
	ICVLen = 12
)

// AHHeader is the decoded IPsec AH header of a VRRPv2/IPv4 advert.
type AHHeader struct {
	NextHeader uint8 // IPProtoVRRP
	PayloadLen uint8 // AHPayloadLen
	SPI        uint32
	Seq        uint32
	ICV        [ICVLen]byte
}

func (h *AHHeader) appendTo(b []byte) []byte {
	b = append(b, h.NextHeader, h.PayloadLen, 0, 0)
	b = binary.BigEndian.AppendUint32(b, h.SPI)
	b = binary.BigEndian.AppendUint32(b, h.Seq)
	return append(b, h.ICV[:]...)
}

func parseAH(b []byte) AHHeader {
	h := AHHeader{
		NextHeader: b[0],
		PayloadLen: b[1],
		SPI:        binary.BigEndian.Uint32(b[4:8]),
		Seq:        binary.BigEndian.Uint32(b[8:12]),
	}
	copy(h.ICV[:], b[12:AHLen])
	return h
}

// computeICV returns the AH ICV of an IPv4 packet whose header is
// pkt[:ihl], followed by the AH header and the VRRP message up to len(pkt).
// pkt is not modified.
func computeICV(pkt []byte, ihl int, key [AuthDataLen]byte, unicast bool) [ICVLen]byte {
	var hdr [60 + AHLen]byte
	n := copy(hdr[:], pkt[:ihl+AHLen])
	hdr[1] = 0            // TOS
	hdr[6], hdr[7] = 0, 0 // flags, fragment offset
	hdr[10], hdr[11] = 0, 0
	if unicast {
		hdr[8] = 0 // TTL: keepalived zeroes it only with unicast peers
	}
	clear(hdr[ihl+12 : ihl+AHLen])
	m := hmac.New(md5.New, key[:])
	m.Write(hdr[:n])
	m.Write(pkt[ihl+AHLen:])
	var icv [ICVLen]byte
	copy(icv[:], m.Sum(nil))
	return icv
}

// SealAH fills in the ICV of an IPv4 packet carrying AH (as built by
// MarshalIPv4 with an AH sequence number), in place. unicast must be true
// for an instance with unicast peers (keepalived then also zeroes the TTL).
func SealAH(pkt []byte, key [AuthDataLen]byte, unicast bool) error {
	pkt, ihl, err := ahOffset(pkt)
	if err != nil {
		return fmt.Errorf("vrrp: seal AH: %w", err)
	}
	icv := computeICV(pkt, ihl, key, unicast)
	copy(pkt[ihl+12:ihl+AHLen], icv[:])
	return nil
}

// VerifyAH checks the AH ICV and SPI of a received IPv4 packet the way
// keepalived 2.2.7's vrrp_in_chk_ipsecah does, returning RejectAuthData
// ("invalid IPSEC HMAC-MD5 value" / "invalid IPSEC SPI value") on failure
// and RejectAHMismatch if the packet carries no AH. The sequence-number
// replay check needs per-instance state and is the caller's (keepalived
// drops a sequence number not greater than the last accepted one).
func VerifyAH(pkt []byte, key [AuthDataLen]byte, unicast bool) RejectReason {
	pkt, ihl, err := ahOffset(pkt)
	if err != nil {
		return RejectAHMismatch
	}
	icv := computeICV(pkt, ihl, key, unicast)
	if subtle.ConstantTimeCompare(icv[:], pkt[ihl+12:ihl+AHLen]) != 1 {
		return RejectAuthData
	}
	if subtle.ConstantTimeCompare(pkt[ihl+4:ihl+8], pkt[12:16]) != 1 {
		return RejectAuthData
	}
	return RejectNone
}

// ahOffset validates that pkt is an IPv4 packet with an AH header and
// returns it cut to its total length (dropping link padding) and the IPv4
// header length.
func ahOffset(pkt []byte) ([]byte, int, error) {
	if len(pkt) < ipv4MinLen || pkt[0]>>4 != 4 {
		return nil, 0, fmt.Errorf("not an IPv4 packet")
	}
	ihl := int(pkt[0]&0x0f) * 4
	total := int(binary.BigEndian.Uint16(pkt[2:4]))
	if ihl < ipv4MinLen || total < ihl+AHLen || len(pkt) < total {
		return nil, 0, fmt.Errorf("IPv4 packet of %d bytes (total length %d) too short for header %d + AH %d", len(pkt), total, ihl, AHLen)
	}
	if pkt[9] != IPProtoAH {
		return nil, 0, fmt.Errorf("IPv4 protocol %d is not AH", pkt[9])
	}
	return pkt[:total], ihl, nil
}

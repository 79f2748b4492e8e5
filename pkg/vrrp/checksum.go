package vrrp

import "net/netip"

// sum16 adds b to the running one's-complement accumulator acc as a sequence
// of big-endian 16-bit words, an odd trailing byte padded with zero
// (RFC 1071 §4.1). The result is a partial sum, folded to at most 17 bits,
// so partial sums over a pseudo-header and a message can be chained
// exactly as keepalived's in_csum(…, acc, …) does; fold16 finishes it. The
// 64-bit accumulator cannot overflow for any slice Go can hold (2^48
// words of 0xffff), so the sum is right for every length, odd ones
// included (FuzzChecksum checks it against a word-by-word end-around-carry
// sum).
func sum16(b []byte, acc uint32) uint32 {
	s := uint64(acc)
	n := len(b)
	i := 0
	for ; i+1 < n; i += 2 {
		s += uint64(b[i])<<8 | uint64(b[i+1])
	}
	if i < n {
		s += uint64(b[i]) << 8
	}
	for s>>17 != 0 {
		s = (s & 0xffff) + (s >> 16)
	}
	return uint32(s)
}

// fold16 folds the carries and complements: the value that goes into a
// checksum field (RFC 1071 §1).
func fold16(acc uint32) uint16 {
	for acc>>16 != 0 {
		acc = (acc & 0xffff) + (acc >> 16)
	}
	return ^uint16(acc)
}

// pseudoSum4 is the sum of the IPv4 pseudo-header keepalived 2.2.7 puts in
// front of a VRRPv3 message (vrrp.c vrrp_build_vrrp_v3: ipv4_phdr_t = src,
// dst, 0, IPPROTO_VRRP, htons(length)). dst is the real destination: the
// group, or the peer for unicast.
func pseudoSum4(src, dst netip.Addr, length int) uint32 {
	s, d := src.As4(), dst.As4()
	acc := sum16(s[:], 0)
	acc = sum16(d[:], acc)
	acc += IPProtoVRRP
	acc += uint32(length)
	return acc
}

// pseudoSum6 is the sum of the IPv6 pseudo-header (RFC 8200 §8.1: src, dst,
// 32-bit upper-layer length, 24 zero bits, next header), which the kernel
// adds for keepalived through IPV6_CHECKSUM (RFC 5798 §5.2.8).
func pseudoSum6(src, dst netip.Addr, length int) uint32 {
	s, d := src.As16(), dst.As16()
	acc := sum16(s[:], 0)
	acc = sum16(d[:], acc)
	acc += uint32(length>>16) + uint32(length&0xffff)
	acc += IPProtoVRRP
	return acc
}

// ipv4HeaderChecksum is the IPv4 header checksum (RFC 791 §3.1) of hdr with
// its checksum field taken as zero.
func ipv4HeaderChecksum(hdr []byte) uint16 {
	acc := sum16(hdr[:10], 0)
	acc = sum16(hdr[12:], acc)
	return fold16(acc)
}

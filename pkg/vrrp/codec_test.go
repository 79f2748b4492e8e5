package vrrp

import (
	"bytes"
	"errors"
	"net/netip"
	"strings"
	"testing"

	"pgregory.net/rapid"
)

func mustMarshal(t testing.TB, a Advert, src, dst netip.Addr) []byte {
	t.Helper()
	b, err := a.Marshal(src, dst, MarshalOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// refixChecksum recomputes the checksum of a hand-modified message so the
// test reaches the check after the one it wants to trigger.
func refixChecksum(b []byte, version uint8, src, dst netip.Addr) []byte {
	b[6], b[7] = 0, 0
	var acc uint32
	switch {
	case version == 2:
	case dst.Is6():
		acc = pseudoSum6(src, dst, len(b))
	default:
		acc = pseudoSum4(src, dst, len(b))
	}
	c := fold16(sum16(b, acc))
	b[6], b[7] = uint8(c>>8), uint8(c)
	return b
}

// TestParseRejects covers the packet-level checks of RFC 3768 §7.1 /
// RFC 5798 §7.1 in keepalived 2.2.7's order (vrrp.c vrrp_check_packet),
// one distinct RejectReason each.
func TestParseRejects(t *testing.T) {
	v2 := Advert{Version: 2, Type: 1, VRID: 7, Priority: 100, AdvertIntCS: 100, AuthType: AuthNone, Addrs: addrs("192.0.2.10")}
	v3 := Advert{Version: 3, Type: 1, VRID: 7, Priority: 100, AdvertIntCS: 100, Addrs: addrs("192.0.2.10", "192.0.2.11")}
	v36 := Advert{Version: 3, Type: 1, VRID: 7, Priority: 100, AdvertIntCS: 100, Addrs: addrs("2001:db8::10")}
	good2 := mustMarshal(t, v2, ip4Src, group4)
	good3 := mustMarshal(t, v3, ip4Src, group4)
	good36 := mustMarshal(t, v36, ll6Src, group6)
	mod := func(b []byte, version uint8, src, dst netip.Addr, f func([]byte) []byte) []byte {
		return refixChecksum(f(bytes.Clone(b)), version, src, dst)
	}
	tests := []struct {
		name     string
		msg      []byte
		src, dst netip.Addr
		opt      ParseOptions
		want     RejectReason
	}{
		{"v2 valid", good2, ip4Src, group4, ParseOptions{}, RejectNone},
		{"v3 valid", good3, ip4Src, group4, ParseOptions{}, RejectNone},
		{"v3 IPv6 valid", good36, ll6Src, group6, ParseOptions{}, RejectNone},
		// RFC 5798 §7.1: "MUST verify that the received packet contains the complete VRRP packet".
		{"shorter than header", good3[:7], ip4Src, group4, ParseOptions{}, RejectTruncated},
		{"empty", nil, ip4Src, group4, ParseOptions{}, RejectTruncated},
		// keepalived: "vrrp packet too short/long, length %zu and expect %zu".
		{"one address missing", good3[:len(good3)-4], ip4Src, group4, ParseOptions{}, RejectBadLength},
		{"trailing bytes", append(bytes.Clone(good3), 0, 0, 0, 0), ip4Src, group4, ParseOptions{}, RejectBadLength},
		{"v2 without auth data", good2[:len(good2)-8], ip4Src, group4, ParseOptions{}, RejectBadLength},
		{"count too high", mod(good3, 3, ip4Src, group4, func(b []byte) []byte { b[3] = 3; return b }), ip4Src, group4, ParseOptions{}, RejectBadLength},
		{"count 255 with 2 addrs", mod(good3, 3, ip4Src, group4, func(b []byte) []byte { b[3] = 255; return b }), ip4Src, group4, ParseOptions{}, RejectBadLength},
		// RFC 5798 §7.1: "MUST verify the VRRP version".
		{"version 1", mod(good2, 2, ip4Src, group4, func(b []byte) []byte { b[0] = 0x11; return b }), ip4Src, group4, ParseOptions{}, RejectVersion},
		{"version 15", mod(good2, 2, ip4Src, group4, func(b []byte) []byte { b[0] = 0xf1; return b }), ip4Src, group4, ParseOptions{}, RejectVersion},
		// RFC 3768 is IPv4 only; keepalived refuses version 2 with IPv6.
		{"v2 over IPv6", good2, ll6Src, group6, ParseOptions{}, RejectVersion},
		// RFC 3768 §5.3.6 (RFC 2338 §5.3.6): auth types 0, 1, 2; keepalived "Invalid auth type".
		{"v2 auth type 3", mod(good2, 2, ip4Src, group4, func(b []byte) []byte { b[4] = 3; return b }), ip4Src, group4, ParseOptions{}, RejectAuthType},
		// RFC 5798 §5.2.2: "A packet with unknown type MUST be discarded."
		{"type 2", mod(good3, 3, ip4Src, group4, func(b []byte) []byte { b[0] = 0x32; return b }), ip4Src, group4, ParseOptions{}, RejectType},
		{"type 0", mod(good2, 2, ip4Src, group4, func(b []byte) []byte { b[0] = 0x20; return b }), ip4Src, group4, ParseOptions{}, RejectType},
		// RFC 5798 §7.1: "MUST verify the VRRP checksum".
		{"v2 checksum", func() []byte { b := bytes.Clone(good2); b[7] ^= 1; return b }(), ip4Src, group4, ParseOptions{}, RejectChecksum},
		{"v3 checksum", func() []byte { b := bytes.Clone(good3); b[2] ^= 1; return b }(), ip4Src, group4, ParseOptions{}, RejectChecksum},
		{"v3 wrong source", good3, ip4Peer, group4, ParseOptions{}, RejectChecksum},
		{"v3 IPv6 checksum", func() []byte { b := bytes.Clone(good36); b[8] ^= 1; return b }(), ll6Src, group6, ParseOptions{}, RejectChecksum},
		// IPV6_CHECKSUM: the kernel verified it; keepalived does not recheck.
		{"v3 IPv6 checksum skipped", func() []byte { b := bytes.Clone(good36); b[8] ^= 1; return b }(), ll6Src, group6, ParseOptions{SkipChecksum: true}, RejectNone},
		// RFC 5798 §5.2.5: reserved bits "MUST be ignored on receipt".
		{"v3 reserved bits", mod(good3, 3, ip4Src, group4, func(b []byte) []byte { b[4] |= 0xf0; return b }), ip4Src, group4, ParseOptions{}, RejectNone},
		// keepalived: v2 "advertisement interval mismatch" is instance-level; any value decodes.
		{"v2 interval 0", mod(good2, 2, ip4Src, group4, func(b []byte) []byte { b[5] = 0; return b }), ip4Src, group4, ParseOptions{}, RejectNone},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(tt.msg, tt.src, tt.dst, tt.opt)
			if got := ReasonOf(err); got != tt.want {
				t.Fatalf("Parse: reason %v (%v), want %v", got, err, tt.want)
			}
			if tt.want != RejectNone {
				var pe *PacketError
				if !errors.As(err, &pe) || pe.Detail == "" || !strings.Contains(err.Error(), tt.want.String()) {
					t.Fatalf("error %q is not a *PacketError naming %v", err, tt.want)
				}
			}
		})
	}
}

// TestParseNeedsAddrs: a VRRPv3 message cannot be decoded without knowing
// its family, which is a caller error, not a packet rejection.
func TestParseNeedsAddrs(t *testing.T) {
	b := mustMarshal(t, Advert{Version: 3, VRID: 1, Priority: 1, AdvertIntCS: 100}, ip4Src, group4)
	_, err := Parse(b, netip.Addr{}, netip.Addr{}, ParseOptions{})
	if !errors.Is(err, ErrNeedAddrs) || ReasonOf(err) != RejectNone {
		t.Fatalf("err = %v, want ErrNeedAddrs", err)
	}
	// VRRPv2 is IPv4 only and needs no addresses.
	b = mustMarshal(t, Advert{Version: 2, VRID: 1, Priority: 1, AdvertIntCS: 100}, netip.Addr{}, netip.Addr{})
	if _, err := Parse(b, netip.Addr{}, netip.Addr{}, ParseOptions{}); err != nil {
		t.Fatal(err)
	}
}

// TestParseDecodesFields checks each header field of RFC 3768 §5.3 and
// RFC 5798 §5.2 at its bit position.
func TestParseDecodesFields(t *testing.T) {
	v2 := []byte{0x21, 0xfe, 0xc8, 0x01, 0x01, 0x03, 0, 0, 10, 0, 0, 1, 'p', 'w', 0, 0, 0, 0, 0, 0}
	refixChecksum(v2, 2, netip.Addr{}, netip.Addr{})
	a, err := Parse(v2, ip4Src, group4, ParseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if a.Version != 2 || a.Type != 1 || a.VRID != 254 || a.Priority != 200 || len(a.Addrs) != 1 ||
		a.AuthType != AuthPass || a.AdvertIntCS != 300 || a.AuthData != PassKey("pw") ||
		a.Addrs[0] != netip.MustParseAddr("10.0.0.1") || a.Checksum != uint16(v2[6])<<8|uint16(v2[7]) {
		t.Fatalf("v2 decoded %+v", a)
	}
	v3 := []byte{0x31, 0x01, 0xff, 0x00, 0x0f, 0xff, 0, 0}
	refixChecksum(v3, 3, ip4Src, group4)
	a, err = Parse(v3, ip4Src, group4, ParseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if a.Version != 3 || a.VRID != 1 || a.Priority != 255 || a.AdvertIntCS != 4095 || len(a.Addrs) != 0 || a.AuthType != 0 {
		t.Fatalf("v3 decoded %+v", a)
	}
}

// TestMarshalErrors: fields that do not fit the wire format are refused
// rather than silently truncated.
func TestMarshalErrors(t *testing.T) {
	many := make([]netip.Addr, 256)
	for i := range many {
		many[i] = netip.AddrFrom4([4]byte{10, 0, 1, byte(i)})
	}
	tests := []struct {
		name     string
		a        Advert
		src, dst netip.Addr
		opt      MarshalOptions
	}{
		{"version 4", Advert{Version: 4}, ip4Src, group4, MarshalOptions{}},
		{"version 0", Advert{}, ip4Src, group4, MarshalOptions{}},
		// RFC 3768 §5.3.7: Adver Int in whole seconds, 8 bits.
		{"v2 sub-second", Advert{Version: 2, AdvertIntCS: 150}, ip4Src, group4, MarshalOptions{}},
		{"v2 256 s", Advert{Version: 2, AdvertIntCS: 25600}, ip4Src, group4, MarshalOptions{}},
		{"v2 IPv6 address", Advert{Version: 2, AdvertIntCS: 100, Addrs: addrs("2001:db8::1")}, ip4Src, group4, MarshalOptions{}},
		// RFC 5798 §5.2.5: 12 bits of centiseconds.
		{"v3 41 s", Advert{Version: 3, AdvertIntCS: 4096}, ip4Src, group4, MarshalOptions{}},
		{"v3 mixed families", Advert{Version: 3, AdvertIntCS: 100, Addrs: addrs("192.0.2.1", "2001:db8::1")}, ip4Src, group4, MarshalOptions{}},
		{"v3 IPv6 addrs over IPv4", Advert{Version: 3, AdvertIntCS: 100, Addrs: addrs("2001:db8::1")}, ip4Src, group4, MarshalOptions{}},
		{"v3 IPv4 no src", Advert{Version: 3, AdvertIntCS: 100}, netip.Addr{}, group4, MarshalOptions{}},
		{"v3 IPv6 src with IPv4 dst", Advert{Version: 3, AdvertIntCS: 100}, ll6Src, group4, MarshalOptions{}},
		{"256 addresses", Advert{Version: 2, AdvertIntCS: 100, Addrs: many}, ip4Src, group4, MarshalOptions{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if b, err := tt.a.Marshal(tt.src, tt.dst, tt.opt); err == nil {
				t.Fatalf("Marshal = %x, want an error", b)
			}
		})
	}
	// v3_checksum_as_v2 needs no addresses for IPv4.
	if _, err := (&Advert{Version: 3, AdvertIntCS: 100, Addrs: addrs("192.0.2.1")}).Marshal(netip.Addr{}, netip.Addr{}, MarshalOptions{ChecksumAsV2: true}); err != nil {
		t.Fatal(err)
	}
}

// genAdvert draws any advert the wire format can carry.
func genAdvert(t *rapid.T) (a Advert, src, dst netip.Addr) {
	a.Version = rapid.SampledFrom([]uint8{2, 3}).Draw(t, "version")
	a.Type = TypeAdvertisement
	a.VRID = rapid.Uint8().Draw(t, "vrid")
	a.Priority = rapid.Uint8().Draw(t, "prio")
	ipv6 := a.Version == 3 && rapid.Bool().Draw(t, "ipv6")
	n := rapid.IntRange(0, 255).Draw(t, "count")
	for i := 0; i < n; i++ {
		if ipv6 {
			a.Addrs = append(a.Addrs, netip.AddrFrom16([16]byte(rapid.SliceOfN(rapid.Byte(), 16, 16).Draw(t, "a6"))))
		} else {
			a.Addrs = append(a.Addrs, netip.AddrFrom4([4]byte(rapid.SliceOfN(rapid.Byte(), 4, 4).Draw(t, "a4"))))
		}
	}
	if a.Version == 2 {
		a.AdvertIntCS = 100 * uint16(rapid.Uint8().Draw(t, "int"))
		a.AuthType = AuthType(rapid.IntRange(0, 2).Draw(t, "auth"))
		a.AuthData = [8]byte(rapid.SliceOfN(rapid.Byte(), 8, 8).Draw(t, "authdata"))
	} else {
		a.AdvertIntCS = rapid.Uint16Range(0, MaxAdvertIntV3).Draw(t, "int")
	}
	if ipv6 {
		src, dst = ll6Src, group6
		if rapid.Bool().Draw(t, "unicast") {
			dst = netip.MustParseAddr("2001:db8::2")
		}
	} else {
		src, dst = ip4Src, group4
		if rapid.Bool().Draw(t, "unicast") {
			dst = ip4Peer
		}
	}
	return a, src, dst
}

// TestRoundTrip: Parse(Marshal(a)) == a for every representable advert,
// with each checksum variant (RFC 3768 §5.3.8, RFC 5798 §5.2.8).
func TestRoundTrip(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		a, src, dst := genAdvert(t)
		asV2 := rapid.Bool().Draw(t, "asv2")
		b, err := a.Marshal(src, dst, MarshalOptions{ChecksumAsV2: asV2})
		if err != nil {
			t.Fatal(err)
		}
		if len(b) != a.MessageLen(dst.Is6()) {
			t.Fatalf("len %d, MessageLen %d", len(b), a.MessageLen(dst.Is6()))
		}
		got, err := Parse(b, src, dst, ParseOptions{ChecksumAsV2: asV2})
		if err != nil {
			t.Fatal(err)
		}
		if !sameAdvert(got, a) || got.Checksum != a.Checksum {
			t.Fatalf("round trip\n got %+v\nwant %+v", got, a)
		}
	})
}

// TestUnmarshalReuse: a receive loop reusing one Advert decodes without
// allocating, and a shorter advert does not keep stale addresses.
func TestUnmarshalReuse(t *testing.T) {
	a20 := Advert{Version: 3, VRID: 1, Priority: 100, AdvertIntCS: 100}
	for i := 0; i < 20; i++ {
		a20.Addrs = append(a20.Addrs, netip.AddrFrom4([4]byte{192, 0, 2, byte(i)}))
	}
	b20 := mustMarshal(t, a20, ip4Src, group4)
	b1 := mustMarshal(t, Advert{Version: 3, VRID: 1, Priority: 100, AdvertIntCS: 100, Addrs: addrs("192.0.2.99")}, ip4Src, group4)
	var a Advert
	if err := a.Unmarshal(b20, ip4Src, group4, ParseOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := a.Unmarshal(b1, ip4Src, group4, ParseOptions{}); err != nil {
		t.Fatal(err)
	}
	if len(a.Addrs) != 1 || a.Addrs[0] != netip.MustParseAddr("192.0.2.99") {
		t.Fatalf("addrs after reuse: %v", a.Addrs)
	}
	allocs := testing.AllocsPerRun(100, func() {
		if err := a.Unmarshal(b20, ip4Src, group4, ParseOptions{}); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Fatalf("Unmarshal allocates %v times per run, want 0", allocs)
	}
	buf := make([]byte, 0, 256)
	allocs = testing.AllocsPerRun(100, func() {
		if _, err := a20.AppendMarshal(buf[:0], ip4Src, group4, MarshalOptions{}); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Fatalf("AppendMarshal allocates %v times per run, want 0", allocs)
	}
}

// TestCheckTTL: RFC 5798 §7.1 "MUST verify that the IPvX TTL/Hop Limit is
// 255"; keepalived skips the check for unicast instances.
func TestCheckTTL(t *testing.T) {
	for _, tt := range []struct {
		ttl     uint8
		unicast bool
		want    RejectReason
	}{
		{255, false, RejectNone}, {254, false, RejectTTL}, {1, false, RejectTTL}, {0, false, RejectTTL},
		{64, true, RejectNone}, {255, true, RejectNone},
	} {
		if got := CheckTTL(tt.ttl, tt.unicast); got != tt.want {
			t.Errorf("CheckTTL(%d, %v) = %v, want %v", tt.ttl, tt.unicast, got, tt.want)
		}
	}
}

// TestCheckPass: keepalived compares the 8-byte PASS field in full
// (memcmp_constant_time over sizeof auth_data), so a password differing only
// in its zero padding, or longer than 8 characters past the 8th, is
// handled as keepalived's truncation does.
func TestCheckPass(t *testing.T) {
	if !CheckPass(PassKey("secret12"), PassKey("secret12-ignored")) {
		t.Error("keepalived uses only the first 8 characters of auth_pass")
	}
	if CheckPass(PassKey("secret"), PassKey("secret1")) {
		t.Error("different passwords compare equal")
	}
	if CheckPass(PassKey(""), PassKey("x")) {
		t.Error("empty password matches")
	}
	k := PassKey("ab")
	if k != [8]byte{'a', 'b'} {
		t.Errorf("PassKey(ab) = %v", k)
	}
}

// TestChecksumRFC1071 checks sum16/fold16 against RFC 1071 §3's example
// bytes and an odd length (the last byte padded with zero).
func TestChecksumRFC1071(t *testing.T) {
	// RFC 1071 §3: 00 01 f2 03 f4 f5 f6 f7 sums to ddf2 → checksum 220d.
	if got := fold16(sum16([]byte{0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7}, 0)); got != 0x220d {
		t.Errorf("checksum = %#04x, want 0x220d", got)
	}
	if got := fold16(sum16([]byte{0x01}, 0)); got != ^uint16(0x0100) {
		t.Errorf("odd byte checksum = %#04x", got)
	}
	// The largest IPv4 payload must not overflow the accumulator: 32767
	// words of 0xffff (one's-complement zero) plus 0xff00 sum to 0xff00.
	big := bytes.Repeat([]byte{0xff}, 65535)
	if got := fold16(sum16(big, pseudoSum4(ip4Src, group4, len(big)))); got != fold16(sum16([]byte{0xff, 0x00}, pseudoSum4(ip4Src, group4, len(big)))) {
		t.Errorf("64 KiB of 0xff: %#04x", got)
	}
	if got := fold16(sum16(big, 0)); got != 0x00ff {
		t.Errorf("64 KiB of 0xff: %#04x, want 0x00ff", got)
	}
}

// TestPacketParse covers the IPv4/IPv6 datagram layer: Ethernet padding is
// ignored (keepalived HEAD "tolerates Ethernet padding"), truncation and
// other protocols are reported, the TTL rule applies to multicast only.
func TestPacketParse(t *testing.T) {
	a := Advert{Version: 2, VRID: 9, Priority: 100, AdvertIntCS: 100, Addrs: addrs("192.0.2.10")}
	pkt, err := a.MarshalIPv4(ip4Src, group4, IPv4Params{ID: 7}, MarshalOptions{})
	if err != nil {
		t.Fatal(err)
	}
	padded := append(bytes.Clone(pkt), make([]byte, 18)...)
	p, err := ParsePacket(padded, ParseOptions{})
	if err != nil || len(p.IP) != len(pkt) || p.ID != 7 || p.Reject() != RejectNone {
		t.Fatalf("padded: %+v, %v", p, err)
	}
	if _, err := ParsePacket(pkt[:len(pkt)-1], ParseOptions{}); ReasonOf(err) != RejectTruncated {
		t.Errorf("cut datagram: %v", err)
	}
	if _, err := ParsePacket(pkt[:19], ParseOptions{}); ReasonOf(err) != RejectTruncated {
		t.Errorf("cut header: %v", err)
	}
	udp := bytes.Clone(pkt)
	udp[9] = 17
	if _, err := ParsePacket(udp, ParseOptions{}); !errors.Is(err, ErrNotVRRP) {
		t.Errorf("UDP: %v", err)
	}
	frag := bytes.Clone(pkt)
	frag[6] = 0x20 // MF
	if _, err := ParsePacket(frag, ParseOptions{}); ReasonOf(err) != RejectBadLength {
		t.Errorf("fragment: %v", err)
	}
	ttl := bytes.Clone(pkt)
	ttl[8] = 254
	p, err = ParsePacket(ttl, ParseOptions{})
	if err != nil || p.Reject() != RejectTTL {
		t.Errorf("TTL 254 to the group: %v, reject %v", err, p.Reject())
	}
	uni, err := a.MarshalIPv4(ip4Src, ip4Peer, IPv4Params{ID: 7, TTL: 64}, MarshalOptions{})
	if err != nil {
		t.Fatal(err)
	}
	p, err = ParsePacket(uni, ParseOptions{})
	if err != nil || !p.Unicast() || p.Reject() != RejectNone {
		t.Errorf("unicast TTL 64: %v, reject %v", err, p.Reject())
	}
	if _, err := ParsePacket([]byte{0x50}, ParseOptions{}); !errors.Is(err, ErrNotVRRP) {
		t.Errorf("IP version 5: %v", err)
	}
	v6 := readGolden(t, "v3_ipv6.pcap")[0].p.IP
	if _, err := ParsePacket(v6[:len(v6)-1], ParseOptions{}); ReasonOf(err) != RejectTruncated {
		t.Errorf("cut IPv6: %v", err)
	}
	if _, err := ParsePacket(v6[:39], ParseOptions{}); ReasonOf(err) != RejectTruncated {
		t.Errorf("cut IPv6 header: %v", err)
	}
	other := bytes.Clone(v6)
	other[6] = 58
	if _, err := ParsePacket(other, ParseOptions{}); !errors.Is(err, ErrNotVRRP) {
		t.Errorf("ICMPv6: %v", err)
	}
}

// TestAHUnicast: keepalived zeroes the TTL in the ICV for instances with
// unicast peers (vrrp_update_pkt: "if (!LIST_ISEMPTY(vrrp->unicast_peer))
// iph.ttl = 0"), so a routed advert with a decremented TTL still verifies.
func TestAHUnicast(t *testing.T) {
	a := Advert{Version: 2, VRID: 9, Priority: 100, AdvertIntCS: 100, AuthType: AuthAH, Addrs: addrs("192.0.2.10")}
	key := PassKey("k")
	pkt, err := a.MarshalIPv4(ip4Src, ip4Peer, IPv4Params{ID: 1, AH: &AHParams{Seq: 42, Key: key, Unicast: true}}, MarshalOptions{})
	if err != nil {
		t.Fatal(err)
	}
	pkt[8] = 60
	pkt[10], pkt[11] = 0, 0
	pkt = append(pkt, 0, 0) // link padding is not part of the ICV
	if r := VerifyAH(pkt, key, true); r != RejectNone {
		t.Fatalf("VerifyAH = %v", r)
	}
	p, err := ParsePacket(pkt, ParseOptions{})
	if err != nil || !p.HasAH || p.AH.Seq != 42 || p.Reject() != RejectNone {
		t.Fatalf("ParsePacket: %+v %v", p.AH, err)
	}
	pkt[len(pkt)-3] ^= 1 // the last auth-data byte of the VRRP message
	if r := VerifyAH(pkt, key, true); r != RejectAuthData {
		t.Fatalf("modified VRRP: VerifyAH = %v", r)
	}
	if err := SealAH(pkt[:20], key, true); err == nil {
		t.Fatal("SealAH on a packet without room for AH succeeded")
	}
	v3 := Advert{Version: 3, VRID: 9, Priority: 100, AdvertIntCS: 100}
	if _, err := v3.MarshalIPv4(ip4Src, group4, IPv4Params{AH: &AHParams{Key: key}}, MarshalOptions{}); err == nil {
		t.Fatal("AH with VRRPv3 accepted; keepalived allows authentication with VRRPv2 only")
	}
	if r := VerifyAH([]byte{0x45}, key, false); r != RejectAHMismatch {
		t.Fatalf("VerifyAH(garbage) = %v", r)
	}
}

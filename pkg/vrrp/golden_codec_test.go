package vrrp

import (
	"bytes"
	"errors"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"

	"github.com/gokeepalived/gokeepalived/pkg/pcapio"
)

// goldenPacket is one advert of a capture of Debian's keepalived 2.2.7
// (testdata/capture.sh, configs in testdata/capture/).
type goldenPacket struct {
	pcapio.Packet
	p   Packet
	err error // from ParsePacket with default options
}

func readGolden(t testing.TB, name string) []goldenPacket {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := pcapio.NewReader(f)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	var out []goldenPacket
	for {
		pp, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if pp.IP == nil {
			continue
		}
		p, err := ParsePacket(pp.IP, ParseOptions{})
		if errors.Is(err, ErrNotVRRP) {
			continue
		}
		out = append(out, goldenPacket{pp, p, err})
	}
	if len(out) < 3 {
		t.Fatalf("%s: only %d adverts", name, len(out))
	}
	return out
}

var (
	ip4Src  = netip.MustParseAddr("192.0.2.1")
	ip4Peer = netip.MustParseAddr("192.0.2.2")
	group4  = netip.MustParseAddr("224.0.0.18")
	ll6Src  = netip.MustParseAddr("fe80::ff:fe00:1")
	group6  = netip.MustParseAddr("ff02::12")
	ip6Src  = netip.MustParseAddr("2001:db8::1")
	ip6Peer = netip.MustParseAddr("2001:db8::2")
)

func addrs(s ...string) []netip.Addr {
	out := make([]netip.Addr, len(s))
	for i, a := range s {
		out[i] = netip.MustParseAddr(a)
	}
	return out
}

// Each capture is keepalived as MASTER sending adverts at its configured
// priority, then stopped with SIGTERM: its last advert has priority 0
// (RFC 3768 §6.4.3 / RFC 5798 §6.4.3 "send an ADVERTISEMENT with Priority =
// 0"; keepalived vrrp_state_leave_master → vrrp_send_adv(vrrp, VRRP_PRIO_STOP)).
var goldens = []struct {
	file     string
	src, dst netip.Addr
	want     Advert // Priority is the MASTER's; Checksum not compared
	ah       bool
	pass     string // auth_pass of the config
	unicast  bool
	ttl      uint8        // 0: 255
	reject   RejectReason // expected ParsePacket verdict
	csumDst  netip.Addr   // pseudo-header destination, if not dst
}{
	{
		// RFC 3768 §5.3: v2, auth type 1 with the password in the last 8 bytes.
		file: "v2_pass.pcap", src: ip4Src, dst: group4, pass: "secret12",
		want: Advert{Version: 2, Type: 1, VRID: 51, Priority: 150, AdvertIntCS: 100,
			AuthType: AuthPass, AuthData: PassKey("secret12"), Addrs: addrs("192.0.2.100", "192.0.2.101")},
	},
	{
		// keepalived auth_type AH: IP proto 51, VRRP auth type 2, zero auth data.
		file: "v2_ah.pcap", src: ip4Src, dst: group4, ah: true, pass: "ahpass",
		want: Advert{Version: 2, Type: 1, VRID: 52, Priority: 120, AdvertIntCS: 100,
			AuthType: AuthAH, Addrs: addrs("192.0.2.110")},
	},
	{
		// RFC 5798 §5.2.5: v3 Max Adver Int in centiseconds (advert_int 0.5).
		file: "v3_mcast4.pcap", src: ip4Src, dst: group4,
		want: Advert{Version: 3, Type: 1, VRID: 53, Priority: 200, AdvertIntCS: 50,
			Addrs: addrs("192.0.2.120", "192.0.2.121", "192.0.2.122")},
	},
	{
		// keepalived: the v3/IPv4 pseudo-header uses the unicast peer as dst.
		file: "v3_unicast4.pcap", src: ip4Src, dst: ip4Peer, unicast: true,
		want: Advert{Version: 3, Type: 1, VRID: 54, Priority: 100, AdvertIntCS: 100,
			Addrs: addrs("192.0.2.130")},
	},
	{
		// RFC 5798 §5.1.2: IPv6 from the link-local address to ff02::12.
		file: "v3_ipv6.pcap", src: ll6Src, dst: group6,
		want: Advert{Version: 3, Type: 1, VRID: 55, Priority: 110, AdvertIntCS: 100,
			Addrs: addrs("2001:db8::100", "2001:db8::101")},
	},
	{
		// Captured on "any" (Linux cooked SLL link type).
		file: "v2_prio0.pcap", src: ip4Src, dst: group4,
		want: Advert{Version: 2, Type: 1, VRID: 56, Priority: 100, AdvertIntCS: 100,
			Addrs: addrs("192.0.2.140")},
	},
	{
		// keepalived vrrp_update_pkt: with unicast peers the TTL is zeroed
		// for the ICV (it may be decremented on the way).
		file: "v2_ah_unicast.pcap", src: ip4Src, dst: ip4Peer, ah: true, pass: "ahuni123", unicast: true,
		want: Advert{Version: 2, Type: 1, VRID: 57, Priority: 130, AdvertIntCS: 100,
			AuthType: AuthAH, Addrs: addrs("192.0.2.150")},
	},
	{
		// old_unicast_checksum: the pre-1.3.6 form with 224.0.0.18 in the
		// pseudo-header, which 2.2.7 detects ("Setting unicast VRRPv3
		// checksum to old version") and the codec reports as a checksum
		// failure naming that form.
		file: "v3_unicast4_oldcsum.pcap", src: ip4Src, dst: ip4Peer, unicast: true,
		reject: RejectChecksum, csumDst: group4,
		want: Advert{Version: 3, Type: 1, VRID: 58, Priority: 100, AdvertIntCS: 100,
			Addrs: addrs("192.0.2.160")},
	},
	{
		// keepalived vrrp.c: IPv6 unicast uses the kernel's default hop
		// limit (64) unless unicast_ttl; unicast is exempt from the TTL rule.
		file: "v3_ipv6_unicast.pcap", src: ip6Src, dst: ip6Peer, unicast: true, ttl: 64,
		want: Advert{Version: 3, Type: 1, VRID: 59, Priority: 100, AdvertIntCS: 100,
			Addrs: addrs("2001:db8::200")},
	},
}

func sameAdvert(got, want Advert) bool {
	return slices.Equal(got.Addrs, want.Addrs) && got.Version == want.Version && got.Type == want.Type && got.VRID == want.VRID &&
		got.Priority == want.Priority && got.AdvertIntCS == want.AdvertIntCS &&
		got.AuthType == want.AuthType && got.AuthData == want.AuthData
}

// TestGoldenDecode checks that every captured keepalived advert decodes to
// the configured values and passes the packet-level checks (RFC 5798 §7.1:
// TTL 255, version, type, length, checksum).
func TestGoldenDecode(t *testing.T) {
	for _, g := range goldens {
		t.Run(g.file, func(t *testing.T) {
			pkts := readGolden(t, g.file)
			for i, gp := range pkts {
				p := gp.p
				if ReasonOf(gp.err) != g.reject {
					t.Fatalf("packet %d: ParsePacket: %v, want reason %v", i, gp.err, g.reject)
				}
				want := g.want
				if i == len(pkts)-1 {
					want.Priority = PriorityStop
				}
				if !sameAdvert(p.Advert, want) {
					t.Errorf("packet %d: decoded %+v, want %+v", i, p.Advert, want)
				}
				if p.Src != g.src || p.Dst != g.dst {
					t.Errorf("packet %d: %v > %v, want %v > %v", i, p.Src, p.Dst, g.src, g.dst)
				}
				wantTTL := g.ttl
				if wantTTL == 0 {
					wantTTL = TTLRequired
				}
				if p.TTL != wantTTL || p.TOS != TOSInternetControl {
					t.Errorf("packet %d: TTL %d TOS %#x, want %d and 0xc0 (keepalived vrrp_build_ip4)", i, p.TTL, p.TOS, wantTTL)
				}
				if p.HasAH != g.ah || p.Unicast() != g.unicast {
					t.Errorf("packet %d: AH %v unicast %v", i, p.HasAH, p.Unicast())
				}
				if r := p.Reject(); r != RejectNone {
					t.Errorf("packet %d: rejected %v", i, r)
				}
				if g.pass != "" && p.Advert.AuthType == AuthPass && !CheckPass(p.Advert.AuthData, PassKey(g.pass)) {
					t.Errorf("packet %d: password does not match", i)
				}
			}
		})
	}
}

// TestGoldenReencode checks byte-exact encoding: the decoded advert,
// marshalled with the packet's addresses, reproduces keepalived's VRRP
// message including its checksum, and for IPv4 MarshalIPv4 reproduces the
// whole datagram (header checksum and, for AH, the HMAC-MD5-96 ICV).
func TestGoldenReencode(t *testing.T) {
	for _, g := range goldens {
		t.Run(g.file, func(t *testing.T) {
			for i, gp := range readGolden(t, g.file) {
				p := gp.p
				a := p.Advert
				a.Checksum = 0
				csumDst := p.Dst
				if g.csumDst.IsValid() {
					csumDst = g.csumDst
				}
				msg, err := a.Marshal(p.Src, csumDst, MarshalOptions{})
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(msg, p.VRRP) {
					t.Errorf("packet %d: VRRP message\n got %x\nwant %x", i, msg, p.VRRP)
				}
				if a.Checksum != p.Advert.Checksum {
					t.Errorf("packet %d: Marshal stored checksum %#04x, want %#04x", i, a.Checksum, p.Advert.Checksum)
				}
				if p.IPv6 {
					continue
				}
				params := IPv4Params{ID: p.ID}
				if p.HasAH {
					params.AH = &AHParams{Seq: p.AH.Seq, Key: PassKey(g.pass), Unicast: g.unicast}
				}
				ip, err := a.MarshalIPv4(p.Src, p.Dst, params, MarshalOptions{})
				if err != nil {
					t.Fatal(err)
				}
				if g.csumDst.IsValid() {
					// MarshalIPv4 has no old-checksum option: patch it in.
					copy(ip[len(ip)-len(msg):], msg)
				}
				if !bytes.Equal(ip, p.IP) {
					t.Errorf("packet %d: IPv4 datagram\n got %x\nwant %x", i, ip, p.IP)
				}
			}
		})
	}
}

// TestGoldenAH checks keepalived's AH authentication (vrrp.c
// vrrp_in_chk_ipsecah): SPI = source address, ICV = HMAC-MD5-96 keyed with
// the 8-byte auth_pass; a wrong key or a modified packet is rejected.
func TestGoldenAH(t *testing.T) {
	for _, g := range goldens {
		if g.ah {
			t.Run(g.file, func(t *testing.T) { testGoldenAH(t, g.file, PassKey(g.pass), g.unicast) })
		}
	}
}

func testGoldenAH(t *testing.T, file string, key [8]byte, unicast bool) {
	pkts := readGolden(t, file)
	for i, gp := range pkts {
		p := gp.p
		if p.AH.SPI != 0xc0000201 || p.AH.NextHeader != IPProtoVRRP || p.AH.PayloadLen != AHPayloadLen {
			t.Errorf("packet %d: AH header %+v", i, p.AH)
		}
		if i > 0 && p.AH.Seq != pkts[i-1].p.AH.Seq+1 {
			t.Errorf("packet %d: sequence %d does not follow %d", i, p.AH.Seq, pkts[i-1].p.AH.Seq)
		}
		if r := VerifyAH(p.IP, key, unicast); r != RejectNone {
			t.Errorf("packet %d: VerifyAH = %v", i, r)
		}
		if r := VerifyAH(p.IP, PassKey("wrong"), unicast); r != RejectAuthData {
			t.Errorf("packet %d: wrong key: VerifyAH = %v, want auth_failure", i, r)
		}
		// The TTL is in the ICV of a multicast instance only; a unicast
		// instance zeroes it, so the other mode cannot verify the packet.
		if r := VerifyAH(p.IP, key, !unicast); r != RejectAuthData {
			t.Errorf("packet %d: verified with unicast=%v = %v, want auth_failure", i, !unicast, r)
		}
		mod := bytes.Clone(p.IP)
		mod[8] = 254
		if r, want := VerifyAH(mod, key, unicast), map[bool]RejectReason{false: RejectAuthData, true: RejectNone}[unicast]; r != want {
			t.Errorf("packet %d: changed TTL: VerifyAH = %v, want %v", i, r, want)
		}
		// Mutable fields (RFC 2402 §3.3.3.1.1.1): TOS, fragment, checksum.
		mod = bytes.Clone(p.IP)
		mod[1], mod[10], mod[11] = 0, 0, 0
		if r := VerifyAH(mod, key, unicast); r != RejectNone {
			t.Errorf("packet %d: mutable fields changed: VerifyAH = %v, want none", i, r)
		}
		// SPI must equal the source address.
		mod = bytes.Clone(p.IP)
		mod[20+7] ^= 1
		if r := VerifyAH(mod, key, unicast); r != RejectAuthData {
			t.Errorf("packet %d: changed SPI: VerifyAH = %v, want auth_failure", i, r)
		}
	}
	if r := VerifyAH(readGolden(t, "v2_pass.pcap")[0].p.IP, PassKey("secret12"), false); r != RejectAHMismatch {
		t.Errorf("VerifyAH on a packet without AH = %v, want ah_mismatch", r)
	}
}

// TestGoldenChecksumVariants: keepalived 2.2.7 puts the IPv4 pseudo-header
// with the real destination into the v3 checksum, so the unicast capture
// does not verify as v3_checksum_as_v2 nor with 224.0.0.18 as destination.
func TestGoldenChecksumVariants(t *testing.T) {
	old := readGolden(t, "v3_unicast4_oldcsum.pcap")[0]
	var pe *PacketError
	if !errors.As(old.err, &pe) || !bytes.Contains([]byte(pe.Detail), []byte("224.0.0.18")) {
		t.Errorf("old_unicast_checksum capture: %v, want a checksum error naming 224.0.0.18", old.err)
	}
	if !ChecksumOK(old.p.VRRP, old.p.Src, group4, ParseOptions{}) || !IsOldUnicastChecksum(old.p.VRRP, old.p.Src, old.p.Dst) {
		t.Error("old_unicast_checksum capture does not verify with 224.0.0.18 as destination")
	}
	// keepalived 2.2.7 (OLD_CHKSUM_COMPAT) accepts it on a unicast instance.
	if _, err := Parse(old.p.VRRP, old.p.Src, old.p.Dst, ParseOptions{OldUnicastChecksum: true}); err != nil {
		t.Errorf("old_unicast_checksum capture with OldUnicastChecksum: %v", err)
	}
	// keepalived uses vrrp_mcast_group4 for the old form (vrrp_csum_mcast):
	// with another group the capture's checksum is just wrong, and an
	// advert sealed for that group verifies only with it.
	other := netip.MustParseAddr("224.0.0.77")
	if IsOldUnicastChecksumTo(old.p.VRRP, old.p.Src, old.p.Dst, other) || !IsOldUnicastChecksumTo(old.p.VRRP, old.p.Src, old.p.Dst, netip.Addr{}) {
		t.Error("IsOldUnicastChecksumTo: the capture's form is 224.0.0.18's (the zero group) only")
	}
	resealed := old.p.Advert
	msg, err := resealed.Marshal(old.p.Src, old.p.Dst, MarshalOptions{OldUnicastChecksum: true, OldChecksumGroup: other})
	if err != nil {
		t.Fatal(err)
	}
	if !IsOldUnicastChecksumTo(msg, old.p.Src, old.p.Dst, other) || IsOldUnicastChecksum(msg, old.p.Src, old.p.Dst) {
		t.Error("an advert sealed with OldChecksumGroup 224.0.0.77 must verify with that group only")
	}
	cur := readGolden(t, "v3_unicast4.pcap")[0].p
	if IsOldUnicastChecksum(cur.VRRP, cur.Src, cur.Dst) {
		t.Error("a current-form checksum is reported as the old form")
	}
	bad := bytes.Clone(cur.VRRP)
	bad[2] ^= 1
	if _, err := Parse(bad, cur.Src, cur.Dst, ParseOptions{OldUnicastChecksum: true}); ReasonOf(err) != RejectChecksum {
		t.Errorf("corrupt checksum with OldUnicastChecksum: %v, want checksum", err)
	}
	p := cur
	if _, err := Parse(p.VRRP, p.Src, p.Dst, ParseOptions{ChecksumAsV2: true}); ReasonOf(err) != RejectChecksum {
		t.Errorf("as-v2 verification of a pseudo-header checksum: %v", err)
	}
	if _, err := Parse(p.VRRP, p.Src, group4, ParseOptions{}); ReasonOf(err) != RejectChecksum {
		t.Errorf("verification with the multicast group as destination: %v", err)
	}
	a := p.Advert
	v2form, err := a.Marshal(p.Src, p.Dst, MarshalOptions{ChecksumAsV2: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Parse(v2form, p.Src, p.Dst, ParseOptions{ChecksumAsV2: true}); err != nil {
		t.Errorf("as-v2 round trip: %v", err)
	}
	_, err = Parse(v2form, p.Src, p.Dst, ParseOptions{})
	if !errors.As(err, &pe) || pe.Reason != RejectChecksum || !bytes.Contains([]byte(pe.Detail), []byte("v3_checksum_as_v2")) {
		t.Errorf("as-v2 checksum under the default: %v, want a checksum error hinting at v3_checksum_as_v2", err)
	}
	oldForm, err := a.Marshal(p.Src, group4, MarshalOptions{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = Parse(oldForm, p.Src, p.Dst, ParseOptions{})
	if !errors.As(err, &pe) || pe.Reason != RejectChecksum || !bytes.Contains([]byte(pe.Detail), []byte("224.0.0.18")) {
		t.Errorf("old unicast checksum: %v, want a checksum error naming 224.0.0.18", err)
	}
}

// TestGoldenGopacketCrossCheck decodes the VRRPv2 goldens with gopacket's
// independent (decode-only, v2-only) layers.VRRPv2 and compares every field
// with ours.
func TestGoldenGopacketCrossCheck(t *testing.T) {
	for _, g := range goldens {
		if g.want.Version != 2 {
			continue
		}
		name := g.file
		for i, gp := range readGolden(t, name) {
			var l layers.VRRPv2
			if err := l.DecodeFromBytes(gp.p.VRRP, gopacket.NilDecodeFeedback); err != nil {
				t.Fatalf("%s packet %d: gopacket: %v", name, i, err)
			}
			a := gp.p.Advert
			if l.Version != a.Version || uint8(l.Type) != a.Type || l.VirtualRtrID != a.VRID ||
				l.Priority != a.Priority || int(l.CountIPAddr) != len(a.Addrs) || uint8(l.AuthType) != uint8(a.AuthType) ||
				uint16(l.AdverInt)*100 != a.AdvertIntCS || l.Checksum != a.Checksum || len(l.IPAddress) != len(a.Addrs) {
				t.Fatalf("%s packet %d: gopacket %+v, ours %+v", name, i, l, a)
			}
			for j, ip := range l.IPAddress {
				if got, ok := netip.AddrFromSlice(ip.To4()); !ok || got != a.Addrs[j] {
					t.Fatalf("%s packet %d: address %d: gopacket %v, ours %v", name, i, j, ip, a.Addrs[j])
				}
			}
		}
	}
}

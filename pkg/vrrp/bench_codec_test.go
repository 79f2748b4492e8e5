package vrrp

import (
	"fmt"
	"net/netip"
	"testing"
)

func benchAdvert(version uint8, n int) Advert {
	a := Advert{Version: version, VRID: 51, Priority: 100, AdvertIntCS: 100}
	if version == 2 {
		a.AuthType, a.AuthData = AuthPass, PassKey("secret12")
	}
	for i := 0; i < n; i++ {
		a.Addrs = append(a.Addrs, netip.AddrFrom4([4]byte{192, 0, 2, byte(100 + i)}))
	}
	return a
}

// BenchmarkCodecMarshal encodes one advert into a reused buffer
// (AppendMarshal, the daemon's send path) and into a fresh slice (Marshal).
func BenchmarkCodecMarshal(b *testing.B) {
	for _, version := range []uint8{2, 3} {
		for _, n := range []int{1, 20} {
			a := benchAdvert(version, n)
			b.Run(fmt.Sprintf("v%d/%dvip/append", version, n), func(b *testing.B) {
				buf := make([]byte, 0, 256)
				b.ReportAllocs()
				for b.Loop() {
					var err error
					if buf, err = a.AppendMarshal(buf[:0], ip4Src, group4, MarshalOptions{}); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run(fmt.Sprintf("v%d/%dvip/new", version, n), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if _, err := a.Marshal(ip4Src, group4, MarshalOptions{}); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkCodecParse decodes and validates one advert into a reused
// Advert (Unmarshal, the daemon's receive path) and into a new one (Parse).
func BenchmarkCodecParse(b *testing.B) {
	for _, version := range []uint8{2, 3} {
		for _, n := range []int{1, 20} {
			a := benchAdvert(version, n)
			msg, err := a.Marshal(ip4Src, group4, MarshalOptions{})
			if err != nil {
				b.Fatal(err)
			}
			b.Run(fmt.Sprintf("v%d/%dvip/reuse", version, n), func(b *testing.B) {
				var got Advert
				b.ReportAllocs()
				b.SetBytes(int64(len(msg)))
				for b.Loop() {
					if err := got.Unmarshal(msg, ip4Src, group4, ParseOptions{}); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run(fmt.Sprintf("v%d/%dvip/new", version, n), func(b *testing.B) {
				b.ReportAllocs()
				b.SetBytes(int64(len(msg)))
				for b.Loop() {
					if _, err := Parse(msg, ip4Src, group4, ParseOptions{}); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkCodecPacket is the whole-datagram receive path (IPv4 header +
// VRRP) and the AH seal/verify cost of auth_type AH.
func BenchmarkCodecPacket(b *testing.B) {
	a := benchAdvert(2, 1)
	pkt, err := a.MarshalIPv4(ip4Src, group4, IPv4Params{ID: 1}, MarshalOptions{})
	if err != nil {
		b.Fatal(err)
	}
	b.Run("parse-ipv4", func(b *testing.B) {
		var p Packet
		b.ReportAllocs()
		for b.Loop() {
			if err := p.Unmarshal(pkt, ParseOptions{}); err != nil {
				b.Fatal(err)
			}
		}
	})
	a.AuthType = AuthAH
	a.AuthData = [8]byte{}
	key := PassKey("ahpass")
	ah, err := a.MarshalIPv4(ip4Src, group4, IPv4Params{ID: 1, AH: &AHParams{Seq: 1, Key: key}}, MarshalOptions{})
	if err != nil {
		b.Fatal(err)
	}
	b.Run("ah-verify", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if r := VerifyAH(ah, key, false); r != RejectNone {
				b.Fatal(r)
			}
		}
	})
}

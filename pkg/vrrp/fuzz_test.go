package vrrp

import (
	"bytes"
	"net/netip"
	"os"
	"path/filepath"
	"testing"
)

// fuzzAddrs picks the IP addresses a fuzzed message is parsed with.
func fuzzAddrs(mode uint8) (src, dst netip.Addr) {
	switch mode % 4 {
	case 0:
		return ip4Src, group4
	case 1:
		return ip4Src, ip4Peer
	case 2:
		return ll6Src, group6
	}
	return netip.Addr{}, netip.Addr{}
}

func goldenSeeds(f *testing.F) []Packet {
	f.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "*.pcap"))
	if err != nil || len(files) == 0 {
		f.Fatalf("no golden captures: %v", err)
	}
	var out []Packet
	for _, name := range files {
		for _, gp := range readGolden(f, filepath.Base(name)) {
			out = append(out, gp.p)
		}
	}
	return out
}

// FuzzParse: no input panics Parse, and whatever it accepts re-encodes to
// the same bytes (apart from the v3 reserved bits, ignored on receipt per
// RFC 5798 §5.2.5, and the checksum's two one's-complement zeros).
func FuzzParse(f *testing.F) {
	for _, p := range goldenSeeds(f) {
		mode := uint8(0)
		switch {
		case p.IPv6:
			mode = 2
		case p.Unicast():
			mode = 1
		}
		f.Add(bytes.Clone(p.VRRP), mode, false)
	}
	f.Add([]byte{0x31, 1, 100, 0, 0, 100, 0, 0}, uint8(3), true)
	f.Fuzz(func(t *testing.T, b []byte, mode uint8, asV2 bool) {
		src, dst := fuzzAddrs(mode)
		a, err := Parse(b, src, dst, ParseOptions{ChecksumAsV2: asV2})
		if err != nil {
			return
		}
		if a.Type != TypeAdvertisement || (a.Version != 2 && a.Version != 3) || len(b) != a.MessageLen(src.Is6() || dst.Is6()) {
			t.Fatalf("accepted %+v from %x", a, b)
		}
		out, err := a.Marshal(src, dst, MarshalOptions{ChecksumAsV2: asV2})
		if err != nil {
			t.Fatalf("re-marshal of accepted %+v: %v", a, err)
		}
		want := bytes.Clone(b)
		if a.Version == 3 {
			want[4] &= 0x0f
		}
		want[6], want[7], out[6], out[7] = 0, 0, 0, 0
		if !bytes.Equal(out, want) {
			t.Fatalf("re-marshal\n got %x\nwant %x", out, want)
		}
		var again Advert
		if err := again.Unmarshal(out, src, dst, ParseOptions{SkipChecksum: true}); err != nil {
			t.Fatalf("re-parse: %v", err)
		}
	})
}

// FuzzParsePacket: no IP datagram panics ParsePacket, Reject or VerifyAH.
func FuzzParsePacket(f *testing.F) {
	for _, p := range goldenSeeds(f) {
		f.Add(bytes.Clone(p.IP))
	}
	f.Add([]byte{0x45})
	f.Add([]byte{0x60, 0, 0, 0, 0, 0, 112, 255})
	key := PassKey("ahpass")
	f.Fuzz(func(t *testing.T, b []byte) {
		orig := bytes.Clone(b)
		p, err := ParsePacket(b, ParseOptions{})
		_ = VerifyAH(b, key, false)
		_ = VerifyAH(b, key, true)
		if !bytes.Equal(b, orig) {
			t.Fatal("input modified")
		}
		if err != nil {
			return
		}
		_ = p.Reject()
		if len(p.IP) > len(b) || len(p.VRRP) > len(p.IP) {
			t.Fatalf("slices out of the datagram: IP %d VRRP %d of %d", len(p.IP), len(p.VRRP), len(b))
		}
	})
}

// TestFuzzSeedsExist keeps the seed corpus honest: the goldens are there.
func TestFuzzSeedsExist(t *testing.T) {
	for _, g := range goldens {
		if _, err := os.Stat(filepath.Join("testdata", g.file)); err != nil {
			t.Error(err)
		}
	}
}

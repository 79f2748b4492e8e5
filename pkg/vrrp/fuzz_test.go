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

// refChecksum is RFC 1071's checksum computed the slow way: one 16-bit
// word at a time with the end-around carry folded in after every addition,
// an odd last byte padded with zero.
func refChecksum(b []byte) uint16 {
	var s uint32
	for i := 0; i < len(b); i += 2 {
		w := uint32(b[i]) << 8
		if i+1 < len(b) {
			w |= uint32(b[i+1])
		}
		s += w
		if s > 0xffff {
			s = s&0xffff + 1
		}
	}
	return ^uint16(s)
}

// FuzzChecksum: the codec's checksum equals the reference for any input,
// odd lengths and inputs repeated past 128 KiB (where a 32-bit sum of
// 0xffff words overflows) included.
func FuzzChecksum(f *testing.F) {
	f.Add([]byte{}, uint8(0))
	f.Add([]byte{0xff}, uint8(1))
	f.Add([]byte{0xff, 0xff, 0xff}, uint8(200))
	f.Add([]byte{0x21, 0x33, 0x64, 0x01, 0x01, 0x01, 0x00, 0x00}, uint8(7))
	f.Fuzz(func(t *testing.T, b []byte, rep uint8) {
		if len(b) > 1024 {
			b = b[:1024]
		}
		in := b
		if rep > 0 && len(b) > 0 {
			// Up to 255 × 1 KiB: past the 128 KiB where 32 bits overflow.
			in = bytes.Repeat(b, int(rep))
		}
		if got, want := fold16(sum16(in, 0)), refChecksum(in); got != want {
			t.Fatalf("checksum of %d bytes: %#04x, reference %#04x", len(in), got, want)
		}
		// Chaining partial sums over a split (pseudo-header style) at an
		// even offset gives the same result.
		if len(in) >= 2 {
			k := len(in) / 2 &^ 1
			if got, want := fold16(sum16(in[k:], sum16(in[:k], 0))), refChecksum(in); got != want {
				t.Fatalf("chained checksum of %d bytes split at %d: %#04x, reference %#04x", len(in), k, got, want)
			}
		}
	})
}

// The sum stays right past the length where 32 bits of 0xffff words
// overflow (131074 bytes), and at odd lengths; what no IP packet can
// carry is refused before any arithmetic.
func TestChecksumLengths(t *testing.T) {
	for _, n := range []int{0, 1, 2, 3, 8, 65535, 65536, 131073, 131074, 131075, 1 << 20, 1<<20 + 1} {
		ones := bytes.Repeat([]byte{0xff}, n)
		if got, want := fold16(sum16(ones, 0)), refChecksum(ones); got != want {
			t.Errorf("%d bytes of 0xff: %#04x, reference %#04x", n, got, want)
		}
	}
	huge := make([]byte, maxMessageLen+1)
	huge[0] = 3 << 4
	if err := VerifyChecksum(huge, ip4Src, group4, ParseOptions{}); ReasonOf(err) != RejectBadLength {
		t.Errorf("a %d-byte message: %v, want bad_length", len(huge), err)
	}
	if ChecksumOK(huge, ip4Src, group4, ParseOptions{}) {
		t.Errorf("ChecksumOK accepted a %d-byte message", len(huge))
	}
}

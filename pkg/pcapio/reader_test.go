package pcapio

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"strings"
	"testing"
	"time"
)

// pcapFile builds a classic pcap file (tcpdump.org/manpages/pcap-savefile.5)
// in the given byte order with microsecond timestamps.
func pcapFile(order binary.ByteOrder, link LinkType, snaplen uint32, frames ...[]byte) []byte {
	var b bytes.Buffer
	h := make([]byte, 24)
	order.PutUint32(h[0:], 0xa1b2c3d4)
	order.PutUint16(h[4:], 2)
	order.PutUint16(h[6:], 4)
	order.PutUint32(h[16:], snaplen)
	order.PutUint32(h[20:], uint32(link))
	b.Write(h)
	for i, f := range frames {
		r := make([]byte, 16)
		order.PutUint32(r[0:], 1700000000+uint32(i))
		order.PutUint32(r[4:], 250000)
		order.PutUint32(r[8:], uint32(len(f)))
		order.PutUint32(r[12:], uint32(len(f)))
		b.Write(r)
		b.Write(f)
	}
	return b.Bytes()
}

var ipv4 = []byte{0x45, 0xc0, 0, 20, 0, 1, 0, 0, 255, 112, 0, 0, 192, 0, 2, 1, 224, 0, 0, 18}

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

// TestLinkTypes: the IP datagram is found behind each supported link-layer
// header (LINKTYPE_ETHERNET with VLAN tags, LINUX_SLL, LINUX_SLL2, RAW).
func TestLinkTypes(t *testing.T) {
	eth := []byte{1, 0, 0x5e, 0, 0, 0x12, 2, 0, 0, 0, 0, 1}
	tests := []struct {
		name  string
		link  LinkType
		frame []byte
		want  []byte
	}{
		{"ethernet", LinkTypeEthernet, cat(eth, []byte{0x08, 0x00}, ipv4), ipv4},
		{"ethernet 802.1Q", LinkTypeEthernet, cat(eth, []byte{0x81, 0x00, 0, 10, 0x08, 0x00}, ipv4), ipv4},
		{"ethernet QinQ", LinkTypeEthernet, cat(eth, []byte{0x88, 0xa8, 0, 10, 0x81, 0x00, 0, 20, 0x08, 0x00}, ipv4), ipv4},
		{"ethernet ARP", LinkTypeEthernet, cat(eth, []byte{0x08, 0x06}, make([]byte, 28)), nil},
		{"ethernet short", LinkTypeEthernet, eth, nil},
		{"sll", LinkTypeLinuxSLL, cat(make([]byte, 14), []byte{0x08, 0x00}, ipv4), ipv4},
		{"sll2", LinkTypeLinuxSLL2, cat([]byte{0x08, 0x00}, make([]byte, 18), ipv4), ipv4},
		{"raw", LinkTypeRaw, ipv4, ipv4},
		{"raw not IP", LinkTypeRaw, []byte{0x12, 0x34}, nil},
		{"ipv4", LinkTypeIPv4, ipv4, ipv4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := NewReader(bytes.NewReader(pcapFile(binary.LittleEndian, tt.link, 65535, tt.frame)))
			if err != nil {
				t.Fatal(err)
			}
			if r.LinkType() != tt.link {
				t.Fatalf("link type %d, want %d", r.LinkType(), tt.link)
			}
			p, err := r.Next()
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(p.IP, tt.want) || !bytes.Equal(p.Frame, tt.frame) || p.Offset != 24 {
				t.Fatalf("IP %x (offset %d), want %x", p.IP, p.Offset, tt.want)
			}
			if want := time.Unix(1700000000, 250000000); !p.Time.Equal(want) {
				t.Fatalf("time %v, want %v", p.Time, want)
			}
			if _, err := r.Next(); !errors.Is(err, io.EOF) {
				t.Fatalf("after the last packet: %v, want io.EOF", err)
			}
		})
	}
}

// TestBigEndian: pcap files written on big-endian hosts are read.
func TestBigEndian(t *testing.T) {
	r, err := NewReader(bytes.NewReader(pcapFile(binary.BigEndian, LinkTypeRaw, 65535, ipv4, ipv4)))
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		p, err := r.Next()
		if err != nil || !bytes.Equal(p.IP, ipv4) || p.Offset != int64(24+i*(16+len(ipv4))) {
			t.Fatalf("packet %d: %+v %v", i, p, err)
		}
	}
}

// TestCorrupt: every way a file can be broken gives a *FormatError with the
// offset of the failing part, never a panic or a huge allocation.
func TestCorrupt(t *testing.T) {
	good := pcapFile(binary.LittleEndian, LinkTypeRaw, 65535, ipv4, ipv4)
	huge := pcapFile(binary.LittleEndian, LinkTypeRaw, 0xffffffff, ipv4)
	binary.LittleEndian.PutUint32(huge[24+8:], 0x7fffffff)
	tests := []struct {
		name   string
		data   []byte
		offset int64
		msg    string
	}{
		{"empty", nil, 0, "file header"},
		{"short header", good[:10], 0, "file header"},
		{"bad magic", cat([]byte{1, 2, 3, 4}, good[4:]), 0, "magic"},
		{"pcapng", cat([]byte{0x0a, 0x0d, 0x0d, 0x0a}, good[4:]), 0, "pcapng"},
		{"gzip", cat([]byte{0x1f, 0x8b, 8, 0}, good[4:]), 0, "gzip"},
		{"unsupported link", pcapFile(binary.LittleEndian, 147, 65535), 20, "link type 147"},
		{"cut record header", good[:24+8], 24, "packet record"},
		{"cut second packet", good[:len(good)-3], int64(24 + 16 + len(ipv4)), "packet record"},
		{"caplen beyond snaplen cap", huge, 24, "snap length"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := NewReader(bytes.NewReader(tt.data))
			for err == nil {
				_, err = r.Next()
			}
			var fe *FormatError
			if !errors.As(err, &fe) {
				t.Fatalf("err = %v, want a *FormatError", err)
			}
			if fe.Offset != tt.offset || !strings.Contains(err.Error(), tt.msg) {
				t.Fatalf("err = %v (offset %d), want offset %d and %q", err, fe.Offset, tt.offset, tt.msg)
			}
		})
	}
}

// FuzzReader: no file panics the reader or loops forever.
func FuzzReader(f *testing.F) {
	f.Add(pcapFile(binary.LittleEndian, LinkTypeRaw, 65535, ipv4))
	f.Add(pcapFile(binary.BigEndian, LinkTypeEthernet, 0, cat(make([]byte, 12), []byte{0x81, 0, 0, 1}, ipv4)))
	f.Add(pcapFile(binary.LittleEndian, LinkTypeLinuxSLL2, 100, cat([]byte{0x86, 0xdd}, make([]byte, 18), []byte{0x60})))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := NewReader(bytes.NewReader(data))
		for i := 0; err == nil; i++ {
			var p Packet
			p, err = r.Next()
			if err == nil && (len(p.Frame) > MaxSnaplen || len(p.IP) > len(p.Frame)) {
				t.Fatalf("packet %d: frame %d IP %d", i, len(p.Frame), len(p.IP))
			}
			if i > len(data) {
				t.Fatal("more packets than bytes")
			}
		}
		var fe *FormatError
		if !errors.Is(err, io.EOF) && !errors.As(err, &fe) {
			t.Fatalf("error %v is neither io.EOF nor a *FormatError", err)
		}
	})
}

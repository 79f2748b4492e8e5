package pcapio

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/google/gopacket/pcapgo"
)

// MaxSnaplen bounds the per-packet allocation (tcpdump's MAXIMUM_SNAPLEN).
// A file declaring a larger (or zero) snap length is read with this one.
const MaxSnaplen = 262144

// LinkType is a pcap LINKTYPE_ value. gopacket v1.1.19's layers.LinkType is
// a uint8 and cannot hold LINKTYPE_LINUX_SLL2 (276), so the reader reads the
// file header's link type itself.
type LinkType uint32

// The link types Reader understands (tcpdump.org/linktypes.html).
const (
	LinkTypeEthernet  LinkType = 1
	LinkTypeRawAlt    LinkType = 12 // DLT_RAW on OpenBSD
	LinkTypeRaw       LinkType = 101
	LinkTypeLinuxSLL  LinkType = 113
	LinkTypeIPv4      LinkType = 228
	LinkTypeIPv6      LinkType = 229
	LinkTypeLinuxSLL2 LinkType = 276
)

// FormatError is a pcap file that cannot be read further.
type FormatError struct {
	Offset int64 // byte offset of the file header or record that failed
	Err    error
}

func (e *FormatError) Error() string {
	return fmt.Sprintf("corrupt pcap at offset %d: %v", e.Offset, e.Err)
}

func (e *FormatError) Unwrap() error { return e.Err }

// Packet is one captured frame.
type Packet struct {
	Time   time.Time
	Offset int64  // offset of the record header in the file
	Frame  []byte // the captured bytes, link header included
	// IP is the network-layer datagram inside Frame, or nil if the frame
	// is not IPv4/IPv6 (ARP, LLDP, …).
	IP []byte
}

// Reader reads packets from a pcap file.
type Reader struct {
	r      *pcapgo.Reader
	link   LinkType
	offset int64
}

// NewReader reads the pcap file header from r.
func NewReader(r io.Reader) (*Reader, error) {
	var hdr [24]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return nil, &FormatError{Offset: 0, Err: fmt.Errorf("file header: %w", err)}
	}
	if hdr[0] == 0x1f && hdr[1] == 0x8b {
		return nil, &FormatError{Offset: 0, Err: errors.New("gzip-compressed pcap is not supported; gunzip it first")}
	}
	var link LinkType
	switch binary.LittleEndian.Uint32(hdr[:4]) {
	case 0xa1b2c3d4, 0xa1b23c4d:
		link = LinkType(binary.LittleEndian.Uint32(hdr[20:24]))
	case 0xd4c3b2a1, 0x4d3cb2a1:
		link = LinkType(binary.BigEndian.Uint32(hdr[20:24]))
	case 0x0a0d0d0a:
		return nil, &FormatError{Offset: 0, Err: errors.New("pcapng is not supported; convert with: tcpdump -r in.pcapng -w out.pcap")}
	}
	pr, err := pcapgo.NewReader(io.MultiReader(bytes.NewReader(hdr[:]), r))
	if err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return nil, &FormatError{Offset: 0, Err: fmt.Errorf("file header: %w", err)}
	}
	if s := pr.Snaplen(); s == 0 || s > MaxSnaplen {
		pr.SetSnaplen(MaxSnaplen)
	}
	switch link {
	case LinkTypeEthernet, LinkTypeLinuxSLL, LinkTypeLinuxSLL2,
		LinkTypeRaw, LinkTypeRawAlt, LinkTypeIPv4, LinkTypeIPv6:
	default:
		return nil, &FormatError{Offset: 20, Err: fmt.Errorf("unsupported link type %d", uint32(link))}
	}
	return &Reader{r: pr, link: link, offset: 24}, nil
}

// LinkType is the file's link-layer header type.
func (r *Reader) LinkType() LinkType { return r.link }

// Next returns the next packet, io.EOF at the clean end of the file, or a
// *FormatError.
func (r *Reader) Next() (Packet, error) {
	data, ci, err := r.r.ReadPacketData()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return Packet{}, io.EOF
		}
		return Packet{}, &FormatError{Offset: r.offset, Err: fmt.Errorf("packet record: %w", err)}
	}
	p := Packet{Time: ci.Timestamp, Offset: r.offset, Frame: data, IP: NetworkLayer(r.link, data)}
	r.offset += 16 + int64(len(data))
	return p, nil
}

// NetworkLayer returns the IPv4/IPv6 datagram inside a frame of the given
// link type, or nil if there is none.
func NetworkLayer(link LinkType, frame []byte) []byte {
	var etherType uint16
	var rest []byte
	switch link {
	case LinkTypeRaw, LinkTypeRawAlt, LinkTypeIPv4, LinkTypeIPv6:
		return ipOnly(frame)
	case LinkTypeEthernet:
		if len(frame) < 14 {
			return nil
		}
		etherType, rest = binary.BigEndian.Uint16(frame[12:14]), frame[14:]
		// 802.1Q / 802.1ad VLAN tags.
		for (etherType == 0x8100 || etherType == 0x88a8) && len(rest) >= 4 {
			etherType, rest = binary.BigEndian.Uint16(rest[2:4]), rest[4:]
		}
	case LinkTypeLinuxSLL:
		if len(frame) < 16 {
			return nil
		}
		etherType, rest = binary.BigEndian.Uint16(frame[14:16]), frame[16:]
	case LinkTypeLinuxSLL2:
		if len(frame) < 20 {
			return nil
		}
		etherType, rest = binary.BigEndian.Uint16(frame[0:2]), frame[20:]
	default:
		return nil
	}
	switch etherType {
	case 0x0800, 0x86dd:
		return ipOnly(rest)
	}
	return nil
}

func ipOnly(b []byte) []byte {
	if len(b) == 0 || (b[0]>>4 != 4 && b[0]>>4 != 6) {
		return nil
	}
	return b
}

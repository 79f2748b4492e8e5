package linux

import (
	"encoding/binary"
	"fmt"
	"net"
	"net/netip"
	"os"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// Frame sizes of keepalived's announcements on Ethernet (no padding: the
// driver pads to 60 bytes where the medium needs it; a veth does not).
const (
	GARPFrameLen = 14 + 28          // Ethernet + ARP
	NAFrameLen   = 14 + 40 + 24 + 8 // Ethernet + IPv6 + NA + target link-layer option
)

const (
	etherTypeARP  = 0x0806
	etherTypeIPv4 = 0x0800
	etherTypeIPv6 = 0x86dd
	arpHrdEther   = 1 // ARPHRD_ETHER
	arpOpRequest  = 1 // ARPOP_REQUEST

	icmpv6NeighborAdvert = 136
	ndOptTargetLLAddr    = 2
	naFlagRouter         = 0x80
	naFlagOverride       = 0x20
	ndiscHopLimit        = 255 // NDISC_HOPLIMIT, RFC 4861 §7.1.2
)

// AppendGARP appends keepalived 2.2.7's gratuitous ARP for vip announced
// by mac (vrrp_arp.c send_gratuitous_arp_immediate): Ethernet to
// ff:ff:ff:ff:ff:ff from mac, ARP request, sender mac/vip, target
// ff:ff:ff:ff:ff:ff/vip (the broadcast target hardware address, not the
// zeros of RFC 5227).
func AppendGARP(b []byte, mac net.HardwareAddr, vip netip.Addr) ([]byte, error) {
	if len(mac) != 6 {
		return b, fmt.Errorf("gratuitous ARP for %s: MAC %v is not Ethernet", vip, mac)
	}
	if !vip.Unmap().Is4() {
		return b, fmt.Errorf("gratuitous ARP: %s is not IPv4", vip)
	}
	ip := vip.Unmap().As4()
	bcast := [6]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}
	b = append(b, bcast[:]...)
	b = append(b, mac...)
	b = binary.BigEndian.AppendUint16(b, etherTypeARP)
	b = binary.BigEndian.AppendUint16(b, arpHrdEther)
	b = binary.BigEndian.AppendUint16(b, etherTypeIPv4)
	b = append(b, 6, 4)
	b = binary.BigEndian.AppendUint16(b, arpOpRequest)
	b = append(b, mac...)
	b = append(b, ip[:]...)
	b = append(b, bcast[:]...)
	return append(b, ip[:]...), nil
}

// AppendUnsolicitedNA appends keepalived 2.2.7's unsolicited neighbour
// advertisement for vip (vrrp_ndisc.c ndisc_send_unsolicited_na_immediate):
// Ethernet to 33:33:00:00:00:01 from mac; IPv6 from vip to ff02::1, hop
// limit 255; ICMPv6 type 136 with the Override flag (and Router when the
// interface forwards IPv6, see IPv6Forwarding), target vip, and the target
// link-layer address option carrying mac.
func AppendUnsolicitedNA(b []byte, mac net.HardwareAddr, vip netip.Addr, router bool) ([]byte, error) {
	if len(mac) != 6 {
		return b, fmt.Errorf("neighbour advertisement for %s: MAC %v is not Ethernet", vip, mac)
	}
	if !vip.Is6() || vip.Is4In6() {
		return b, fmt.Errorf("neighbour advertisement: %s is not IPv6", vip)
	}
	src := vip.As16()
	dst := [16]byte{0: 0xff, 1: 0x02, 15: 0x01}
	b = append(b, 0x33, 0x33, 0, 0, 0, 1)
	b = append(b, mac...)
	b = binary.BigEndian.AppendUint16(b, etherTypeIPv6)
	b = binary.BigEndian.AppendUint32(b, 6<<28)
	b = binary.BigEndian.AppendUint16(b, 24+8)
	b = append(b, unix.IPPROTO_ICMPV6, ndiscHopLimit)
	b = append(b, src[:]...)
	b = append(b, dst[:]...)
	icmp := len(b)
	flags := byte(naFlagOverride)
	if router {
		flags |= naFlagRouter
	}
	b = append(b, icmpv6NeighborAdvert, 0, 0, 0, flags, 0, 0, 0)
	b = append(b, src[:]...)
	b = append(b, ndOptTargetLLAddr, 1)
	b = append(b, mac...)
	sum := icmpv6Checksum(src, dst, b[icmp:])
	binary.BigEndian.PutUint16(b[icmp+2:], sum)
	return b, nil
}

// icmpv6Checksum is the RFC 4443 §2.3 checksum over the pseudo-header
// (RFC 8200 §8.1) and msg, whose checksum field is zero.
func icmpv6Checksum(src, dst [16]byte, msg []byte) uint16 {
	var sum uint32
	add := func(b []byte) {
		for i := 0; i+1 < len(b); i += 2 {
			sum += uint32(binary.BigEndian.Uint16(b[i:]))
		}
		if len(b)%2 == 1 {
			sum += uint32(b[len(b)-1]) << 8
		}
	}
	add(src[:])
	add(dst[:])
	sum += uint32(len(msg)) + unix.IPPROTO_ICMPV6
	add(msg)
	for sum > 0xffff {
		sum = sum&0xffff + sum>>16
	}
	return ^uint16(sum)
}

// Announcer sends gratuitous ARPs and unsolicited neighbour advertisements
// from AF_PACKET sockets of the network namespace it was opened in. Its
// sockets are opened with protocol 0, so they never receive (keepalived
// opens ETH_P_ARP / ETH_P_IPV6 sockets with a drop-all filter; the frames
// on the wire are the same). Sends never block: one the kernel cannot
// queue fails with EAGAIN. Safe for concurrent use.
type Announcer struct {
	f  *os.File
	rc syscall.RawConn
}

// OpenAnnouncer opens the sending socket in the calling thread's network
// namespace.
func OpenAnnouncer() (*Announcer, error) {
	fd, err := unix.Socket(unix.AF_PACKET, unix.SOCK_RAW|unix.SOCK_CLOEXEC|unix.SOCK_NONBLOCK, 0)
	if err != nil {
		return nil, fmt.Errorf("gratuitous ARP socket: %w", err)
	}
	f := os.NewFile(uintptr(fd), "garp")
	rc, err := f.SyscallConn()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("gratuitous ARP socket: %w", err)
	}
	return &Announcer{f: f, rc: rc}, nil
}

// Close closes the socket.
func (a *Announcer) Close() error { return a.f.Close() }

// SendGARP sends one gratuitous ARP for vip out of ifindex, announcing mac
// (the interface's MAC, or the VMAC's).
func (a *Announcer) SendGARP(ifindex int, mac net.HardwareAddr, vip netip.Addr) error {
	var buf [GARPFrameLen]byte
	frame, err := AppendGARP(buf[:0], mac, vip)
	if err != nil {
		return err
	}
	if err := a.send(ifindex, etherTypeARP, frame); err != nil {
		return fmt.Errorf("gratuitous ARP for %s on ifindex %d: %w", vip, ifindex, err)
	}
	return nil
}

// SendNA sends one unsolicited neighbour advertisement for vip out of
// ifindex, announcing mac; router sets the Router flag.
func (a *Announcer) SendNA(ifindex int, mac net.HardwareAddr, vip netip.Addr, router bool) error {
	var buf [NAFrameLen]byte
	frame, err := AppendUnsolicitedNA(buf[:0], mac, vip, router)
	if err != nil {
		return err
	}
	if err := a.send(ifindex, etherTypeIPv6, frame); err != nil {
		return fmt.Errorf("neighbour advertisement for %s on ifindex %d: %w", vip, ifindex, err)
	}
	return nil
}

func (a *Announcer) send(ifindex int, proto uint16, frame []byte) error {
	sa := &unix.SockaddrLinklayer{Ifindex: ifindex, Protocol: htons(proto), Halen: 6}
	copy(sa.Addr[:], frame[0:6])
	var serr error
	if err := a.rc.Control(func(fd uintptr) { serr = unix.Sendto(int(fd), frame, 0, sa) }); err != nil {
		return err
	}
	return serr
}

// IPv6Forwarding reports net.ipv6.conf.IFNAME.forwarding in the calling
// thread's network namespace: keepalived sets the Router flag of its
// neighbour advertisements when it is on (vrrp_if_config.c
// set_ipv6_forwarding, re-read at most every 5 seconds).
func IPv6Forwarding(ifname string) (bool, error) {
	key, err := ifSysctl("ipv6", ifname, "forwarding")
	if err != nil {
		return false, err
	}
	v, err := readSysctl(key)
	if err != nil {
		return false, err
	}
	return strings.TrimSpace(v) != "0", nil
}

// htons puts v in network byte order for a sockaddr field.
func htons(v uint16) uint16 {
	var b [2]byte
	binary.BigEndian.PutUint16(b[:], v)
	return binary.NativeEndian.Uint16(b[:])
}

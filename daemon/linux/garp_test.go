package linux

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

func hexBytes(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.Join(strings.Fields(s), ""))
	must(t, err)
	return b
}

// wantGARP is vrrp_arp.c's frame written out byte by byte.
func wantGARP(t testing.TB, mac net.HardwareAddr, vip string) []byte {
	ip := netip.MustParseAddr(vip).As4()
	var b bytes.Buffer
	b.Write(hexBytes(t, "ffffffffffff"))
	b.Write(mac)
	b.Write(hexBytes(t, "0806 0001 0800 06 04 0001"))
	b.Write(mac)
	b.Write(ip[:])
	b.Write(hexBytes(t, "ffffffffffff"))
	b.Write(ip[:])
	return b.Bytes()
}

// wantNA is vrrp_ndisc.c's frame with the checksum field left as sent.
func wantNA(t testing.TB, mac net.HardwareAddr, vip string, flags byte, csum []byte) []byte {
	ip := netip.MustParseAddr(vip).As16()
	var b bytes.Buffer
	b.Write(hexBytes(t, "333300000001"))
	b.Write(mac)
	b.Write(hexBytes(t, "86dd 60000000 0020 3a ff"))
	b.Write(ip[:])
	b.Write(hexBytes(t, "ff020000000000000000000000000001"))
	b.Write([]byte{136, 0})
	b.Write(csum)
	b.Write([]byte{flags, 0, 0, 0})
	b.Write(ip[:])
	b.Write([]byte{2, 1})
	b.Write(mac)
	return b.Bytes()
}

// checkICMPv6Sum verifies an NA frame's checksum the receiver's way: the
// ones' complement sum over pseudo-header and message is 0xffff.
func checkICMPv6Sum(t testing.TB, frame []byte) {
	t.Helper()
	ip6 := frame[14:54]
	msg := frame[54:]
	var sum uint32
	words := func(b []byte) {
		for i := 0; i < len(b); i += 2 {
			sum += uint32(b[i])<<8 | uint32(b[i+1])
		}
	}
	words(ip6[8:40])
	var l [8]byte
	binary.BigEndian.PutUint32(l[0:4], uint32(len(msg)))
	l[7] = 58
	words(l[:])
	words(msg)
	for sum > 0xffff {
		sum = sum&0xffff + sum>>16
	}
	if sum != 0xffff {
		t.Errorf("ICMPv6 checksum does not verify (sum %#x)", sum)
	}
}

func TestGARPFrameLayout(t *testing.T) {
	mac := net.HardwareAddr{0x02, 0xaa, 0xbb, 0xcc, 0xdd, 0xee}
	got, err := AppendGARP(nil, mac, netip.MustParseAddr("192.0.2.100"))
	must(t, err)
	if want := wantGARP(t, mac, "192.0.2.100"); !bytes.Equal(got, want) {
		t.Fatalf("GARP\n got %x\nwant %x", got, want)
	}
	for _, router := range []bool{false, true} {
		na, err := AppendUnsolicitedNA(nil, mac, netip.MustParseAddr("2001:db8::100"), router)
		must(t, err)
		flags := byte(0x20)
		if router {
			flags |= 0x80
		}
		if want := wantNA(t, mac, "2001:db8::100", flags, na[56:58]); !bytes.Equal(na, want) || len(na) != NAFrameLen {
			t.Fatalf("NA (router %v)\n got %x\nwant %x", router, na, want)
		}
		checkICMPv6Sum(t, na)
	}
	if _, err := AppendGARP(nil, mac, netip.MustParseAddr("2001:db8::1")); err == nil {
		t.Error("GARP for an IPv6 address accepted")
	}
	if _, err := AppendUnsolicitedNA(nil, mac[:4], netip.MustParseAddr("2001:db8::1"), false); err == nil {
		t.Error("NA with a 4-byte MAC accepted")
	}
}

// listen captures every frame on the node's eth0 (AF_PACKET, ETH_P_ALL).
func listen(t *testing.T, n *labNode) func(match func([]byte) bool) []byte {
	t.Helper()
	var fd int
	n.do(t, func() (err error) {
		fd, err = unix.Socket(unix.AF_PACKET, unix.SOCK_RAW|unix.SOCK_CLOEXEC, int(htons(unix.ETH_P_ALL)))
		if err != nil {
			return err
		}
		return unix.Bind(fd, &unix.SockaddrLinklayer{Protocol: htons(unix.ETH_P_ALL), Ifindex: n.ifindex})
	})
	t.Cleanup(func() { unix.Close(fd) })
	must(t, unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &unix.Timeval{Usec: 100000}))
	return func(match func([]byte) bool) []byte {
		t.Helper()
		buf := make([]byte, 2048)
		deadline := time.Now().Add(5 * time.Second)
		for time.Now().Before(deadline) {
			nr, _, err := unix.Recvfrom(fd, buf, 0)
			if err != nil {
				continue // timeout: poll again until the deadline
			}
			if match(buf[:nr]) {
				return bytes.Clone(buf[:nr])
			}
		}
		t.Fatal("no matching frame within 5s")
		return nil
	}
}

// A GARP and an unsolicited NA sent from one namespace arrive in the peer
// namespace byte for byte as keepalived builds them.
func TestGARPAndNAOnTheWire(t *testing.T) {
	l := newLab(t, 2)
	a, b := l.nodes[0], l.nodes[1]
	capture := listen(t, b)
	var ann *Announcer
	a.do(t, func() (err error) {
		ann, err = OpenAnnouncer()
		return err
	})
	t.Cleanup(func() { ann.Close() })

	vip4 := netip.MustParseAddr("192.0.2.100")
	must(t, ann.SendGARP(a.ifindex, a.mac, vip4))
	got := capture(func(f []byte) bool { return len(f) >= 14 && f[12] == 0x08 && f[13] == 0x06 })
	if want := wantGARP(t, a.mac, "192.0.2.100"); !bytes.Equal(got, want) {
		t.Errorf("GARP received in %s\n got %x\nwant %x", b.name, got, want)
	}

	vip6 := netip.MustParseAddr("2001:db8::100")
	var fwd bool
	a.do(t, func() (err error) {
		fwd, err = IPv6Forwarding(a.ifname)
		return err
	})
	must(t, ann.SendNA(a.ifindex, a.mac, vip6, fwd))
	got = capture(func(f []byte) bool {
		return len(f) == NAFrameLen && f[12] == 0x86 && f[13] == 0xdd && f[20] == 58 && f[54] == 136
	})
	flags := byte(0x20)
	if fwd {
		flags |= 0x80
	}
	if want := wantNA(t, a.mac, "2001:db8::100", flags, got[56:58]); !bytes.Equal(got, want) {
		t.Errorf("NA received in %s\n got %x\nwant %x", b.name, got, want)
	}
	checkICMPv6Sum(t, got)
}

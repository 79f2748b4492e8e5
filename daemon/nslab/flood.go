package nslab

import (
	"encoding/binary"
	"net"
	"net/netip"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/gokeepalived/gokeepalived/pkg/vrrp"
)

// Frame is an Ethernet frame: dst MAC, the node's MAC as source, the
// ethertype and payload.
func (n *Node) Frame(dst net.HardwareAddr, ethertype uint16, payload []byte) []byte {
	f := make([]byte, 14, 14+len(payload))
	copy(f[0:6], dst)
	copy(f[6:12], n.MAC)
	binary.BigEndian.PutUint16(f[12:14], ethertype)
	return append(f, payload...)
}

// Flood sends frames round-robin out of the node's eth0 from an AF_PACKET
// socket, at about pps frames per second for d, and returns how many the
// kernel took (a full queue drops the rest, as on a real flood).
func (n *Node) Flood(t testing.TB, frames [][]byte, pps int, d time.Duration) int {
	t.Helper()
	var fd int
	n.Do(t, func() error {
		var err error
		fd, err = unix.Socket(unix.AF_PACKET, unix.SOCK_RAW|unix.SOCK_CLOEXEC, 0)
		return err
	})
	defer unix.Close(fd)
	l, err := n.NL.LinkByName(n.Ifname)
	Must(t, err)
	idx := l.Attrs().Index
	sent := 0
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	start := time.Now()
	i := 0
	for time.Since(start) < d {
		<-tick.C
		// Catch up with the wall clock, whatever the ticker's slips.
		due := int(time.Since(start).Seconds()*float64(pps)) - i
		for range due {
			f := frames[i%len(frames)]
			i++
			sa := &unix.SockaddrLinklayer{Ifindex: idx, Halen: 6, Protocol: htons(binary.BigEndian.Uint16(f[12:14]))}
			copy(sa.Addr[:], f[0:6])
			if unix.Sendto(fd, f, unix.MSG_DONTWAIT, sa) == nil {
				sent++
			}
		}
	}
	return sent
}

func htons(v uint16) uint16 { return v<<8 | v>>8 }

var mcastMAC = net.HardwareAddr{0x01, 0x00, 0x5e, 0x00, 0x00, 0x12}

// HostileFrames are what a stranger on the LAN sends at an instance with
// VRID vrid, VIP vip and PASS authentication pass: a valid advert for an
// unknown VRID, adverts for vrid with the wrong password, a TTL of 64, a
// bad checksum, a truncated VRRP header and version 7, and an IPv6
// packet whose hop-by-hop header claims more than the packet holds. The
// kinds name each frame.
func (n *Node) HostileFrames(t testing.TB, vrid uint8, vip netip.Addr, pass string) (frames [][]byte, kinds []string) {
	t.Helper()
	group := netip.MustParseAddr("224.0.0.18")
	src := netip.MustParseAddr("10.99.0.3")
	adv := func(vrid, prio uint8, pass string) vrrp.Advert {
		a := vrrp.Advert{Version: 2, Type: vrrp.TypeAdvertisement, VRID: vrid, Priority: prio, AdvertIntCS: 100,
			AuthType: vrrp.AuthPass, Addrs: []netip.Addr{vip}}
		copy(a.AuthData[:], pass)
		return a
	}
	enc := func(a vrrp.Advert, ttl uint8) []byte {
		b, err := a.MarshalIPv4(src, group, vrrp.IPv4Params{ID: 7, TTL: ttl}, vrrp.MarshalOptions{})
		Must(t, err)
		return b
	}
	fixIPSum := func(d []byte) []byte {
		d[10], d[11] = 0, 0
		var s uint32
		for i := 0; i < 20; i += 2 {
			s += uint32(binary.BigEndian.Uint16(d[i:]))
		}
		for s>>16 != 0 {
			s = s&0xffff + s>>16
		}
		binary.BigEndian.PutUint16(d[10:], ^uint16(s))
		return d
	}
	add := func(kind string, ip []byte) {
		frames = append(frames, n.Frame(mcastMAC, 0x0800, ip))
		kinds = append(kinds, kind)
	}
	other := uint8(200)
	if vrid == other {
		other = 201
	}
	add("unknown_vrid", enc(adv(other, 100, pass), 255))
	add("auth_failure", enc(adv(vrid, 50, pass+"x"), 255))
	add("invalid_ttl", enc(adv(vrid, 50, pass), 64))
	bad := enc(adv(vrid, 50, pass), 255)
	bad[20+6] ^= 0xff // the VRRP checksum
	add("checksum", bad)
	trunc := enc(adv(vrid, 50, pass), 255)[:20+6]
	binary.BigEndian.PutUint16(trunc[2:4], uint16(len(trunc)))
	add("truncated", fixIPSum(trunc))
	ver := enc(adv(vrid, 50, pass), 255)
	ver[20] = 0x71 // version 7
	add("wrong version", ver)
	v6 := make([]byte, 40+8)
	v6[0] = 0x60
	binary.BigEndian.PutUint16(v6[4:6], 8)
	v6[6], v6[7] = 0, 255 // next header: hop-by-hop
	copy(v6[8:24], net.ParseIP("fe80::3"))
	copy(v6[24:40], net.ParseIP("ff02::12"))
	v6[40], v6[41] = 112, 4 // 8×(4+1) = 40 bytes of options, 8 present
	frames = append(frames, n.Frame(net.HardwareAddr{0x33, 0x33, 0, 0, 0, 0x12}, 0x86dd, v6))
	kinds = append(kinds, "truncated IPv6 extension header")
	return frames, kinds
}

package linux

import (
	"encoding/binary"
	"net"
	"net/netip"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/gokeepalived/gokeepalived/pkg/vrrp"
)

// ipv6Control is what the kernel hands an IPv6 receiver with
// IPV6_RECVPKTINFO, IPV6_RECVHOPLIMIT and IPV6_RECVTCLASS on.
func ipv6Control() []byte {
	var pi [unix.SizeofInet6Pktinfo]byte
	dst := netip.MustParseAddr("ff02::12").As16()
	copy(pi[:16], dst[:])
	binary.NativeEndian.PutUint32(pi[16:], 2)
	var hl, tc [4]byte
	binary.NativeEndian.PutUint32(hl[:], 255)
	binary.NativeEndian.PutUint32(tc[:], 0xc0)
	b := appendCmsg(nil, unix.IPPROTO_IPV6, unix.IPV6_PKTINFO, pi[:])
	b = appendCmsg(b, unix.IPPROTO_IPV6, unix.IPV6_HOPLIMIT, hl[:])
	return appendCmsg(b, unix.IPPROTO_IPV6, unix.IPV6_TCLASS, tc[:])
}

func TestParseControl(t *testing.T) {
	var d Datagram
	parseControl(ipv6Control(), &d)
	if d.Dst != netip.MustParseAddr("ff02::12") || d.Ifindex != 2 || d.TTL != 255 || d.TOS != 0xc0 {
		t.Fatalf("parsed %+v", d)
	}
	// Truncated or garbage control data is ignored, never a panic.
	c := ipv6Control()
	for n := range len(c) {
		var d Datagram
		parseControl(c[:n], &d)
	}
	bad := ipv6Control()
	binary.NativeEndian.PutUint64(bad[0:8], 1<<40)
	parseControl(bad, &d)
}

// BenchmarkParseControl is the per-datagram cost of reading the IPv6
// ancillary data.
func BenchmarkParseControl(b *testing.B) {
	c := ipv6Control()
	var d Datagram
	b.ReportAllocs()
	for b.Loop() {
		parseControl(c, &d)
	}
}

// BenchmarkReceiveVeth is the receive path of one advert datagram over a
// veth pair and a bridge between two namespaces: recvmsg through the
// runtime poller, ancillary data, Datagram filled. The sends that queue
// each batch are outside the timer.
func BenchmarkReceiveVeth(b *testing.B) {
	for _, ipv6 := range []bool{false, true} {
		b.Run("ipv"+map[bool]string{false: "4", true: "6"}[ipv6], func(b *testing.B) {
			l := newLab(b, 2)
			from, to := l.nodes[0], l.nodes[1]
			var r *Receiver
			var s *Sender
			to.do(b, func() (err error) {
				r, err = OpenReceiver(ReceiverConfig{Ifname: to.ifname, IPv6: ipv6, RcvBuf: 1 << 20})
				return err
			})
			b.Cleanup(func() { r.Close() })
			from.do(b, func() (err error) {
				s, err = OpenSender(SenderConfig{Ifname: from.ifname, IPv6: ipv6, Multicast: true})
				return err
			})
			b.Cleanup(func() { s.Close() })
			src := from.v4
			if ipv6 {
				src = from.ll
			}
			dst := vrrp.MulticastGroup(ipv6)
			msg := advert(b, src, dst, 100, 0, 1)
			const batch = 64
			var d Datagram
			b.ReportAllocs()
			b.ResetTimer()
			for done := 0; done < b.N; {
				b.StopTimer()
				n := min(batch, b.N-done)
				for range n {
					var err error
					if ipv6 {
						err = s.SendIPv6(msg, src, dst, 0)
					} else {
						err = s.SendIPv4(msg)
					}
					if err != nil {
						b.Fatal(err)
					}
				}
				b.StartTimer()
				for range n {
					if err := r.Read(&d); err != nil {
						b.Fatal(err)
					}
				}
				done += n
			}
			b.StopTimer()
			if st := r.Stats(); st.Datagrams != uint64(b.N) || st.Truncated+st.Malformed != 0 {
				b.Fatalf("stats %+v after %d", st, b.N)
			}
		})
	}
}

func BenchmarkAppendGARP(b *testing.B) {
	mac := net.HardwareAddr{2, 0, 0, 0, 0, 1}
	vip := netip.MustParseAddr("192.0.2.1")
	buf := make([]byte, 0, GARPFrameLen)
	b.ReportAllocs()
	for b.Loop() {
		_, _ = AppendGARP(buf[:0], mac, vip)
	}
}

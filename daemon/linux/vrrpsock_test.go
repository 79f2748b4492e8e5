package linux

import (
	"bytes"
	"context"
	"fmt"
	"net/netip"
	"testing"
	"time"

	"github.com/gokeepalived/gokeepalived/pkg/vrrp"
)

// recvd is a copied Datagram.
type recvd struct {
	Datagram
	data []byte
}

// startReceiver opens a receiver in node's namespace and collects what it
// receives on the returned channel until the test ends.
func startReceiver(t *testing.T, node *labNode, cfg ReceiverConfig) (*Receiver, <-chan recvd) {
	t.Helper()
	var r *Receiver
	node.do(t, func() (err error) {
		r, err = OpenReceiver(cfg)
		return err
	})
	ch := make(chan recvd, 64)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- r.Run(ctx, func(d *Datagram) {
			c := recvd{Datagram: *d, data: bytes.Clone(d.Data)}
			c.Datagram.Data = nil
			select {
			case ch <- c:
			default:
			}
		})
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("receiver on %s: %v", node.name, err)
		}
		r.Close()
	})
	return r, ch
}

func openSender(t *testing.T, node *labNode, cfg SenderConfig) *Sender {
	t.Helper()
	var s *Sender
	node.do(t, func() (err error) {
		s, err = OpenSender(cfg)
		return err
	})
	t.Cleanup(func() { s.Close() })
	return s
}

func next(t *testing.T, ch <-chan recvd, what string) recvd {
	t.Helper()
	select {
	case d := <-ch:
		return d
	case <-time.After(5 * time.Second):
		t.Fatalf("no datagram within 5s: %s", what)
		return recvd{}
	}
}

// advert builds the datagram a node sends: the whole IPv4 packet, or the
// IPv6 VRRP message. prio tells adverts apart.
func advert(t testing.TB, src, dst netip.Addr, prio uint8, ttl uint8, nAddrs int) []byte {
	t.Helper()
	a := vrrp.Advert{Version: 3, Type: vrrp.TypeAdvertisement, VRID: 51, Priority: prio, AdvertIntCS: 100}
	for i := range nAddrs {
		if src.Is4() {
			a.Addrs = append(a.Addrs, netip.AddrFrom4([4]byte{192, 0, 2, byte(i + 1)}))
		} else {
			a.Addrs = append(a.Addrs, netip.MustParseAddr(fmt.Sprintf("2001:db8::%x", i+1)))
		}
	}
	var b []byte
	var err error
	if src.Is4() {
		b, err = a.MarshalIPv4(src, dst, vrrp.IPv4Params{ID: uint16(prio), TTL: ttl}, vrrp.MarshalOptions{})
	} else {
		b, err = a.Marshal(src, dst, vrrp.MarshalOptions{})
	}
	must(t, err)
	return b
}

func send(t *testing.T, s *Sender, src, dst netip.Addr, prio, ttl uint8) {
	t.Helper()
	send6(t, s, src, dst, prio, ttl, 1)
}

func send6(t *testing.T, s *Sender, src, dst netip.Addr, prio, ttl uint8, nAddrs int) {
	t.Helper()
	b := advert(t, src, dst, prio, ttl, nAddrs)
	if src.Is4() {
		must(t, s.SendIPv4(b))
	} else {
		must(t, s.SendIPv6(b, src, dst, ttl))
	}
}

// checkAdvert decodes a received datagram with the codec (checksums
// included) and checks its envelope.
func checkAdvert(t *testing.T, d recvd, src, dst netip.Addr, ifindex int, ttl, prio uint8) {
	t.Helper()
	d.Datagram.Data = d.data
	pkt, err := vrrp.ParsePacket(d.AppendPacket(nil), vrrp.ParseOptions{})
	if err != nil {
		t.Fatalf("received datagram does not parse: %v", err)
	}
	if d.Src != src || d.Dst != dst || d.Ifindex != ifindex || d.TTL != ttl || d.TOS != 0xc0 || pkt.Advert.Priority != prio || pkt.Advert.VRID != 51 {
		t.Fatalf("got src %s dst %s ifindex %d ttl %d tos %#x prio %d vrid %d; want src %s dst %s ifindex %d ttl %d tos 0xc0 prio %d vrid 51",
			d.Src, d.Dst, d.Ifindex, d.TTL, d.TOS, pkt.Advert.Priority, pkt.Advert.VRID, src, dst, ifindex, ttl, prio)
	}
}

// RFC 5798 §5.1.1.3 / keepalived vrrp.c: adverts leave with TTL (hop
// limit) 255 and TOS 0xC0, multicast to 224.0.0.18 / ff02::12; unicast
// peers get unicast_ttl. Both directions, both families.
func TestVRRPExchange(t *testing.T) {
	l := newLab(t, 2)
	cases := []struct {
		name    string
		ipv6    bool
		unicast bool
		ttl     uint8 // sent (unicast_ttl); 0 = default
		wantTTL uint8
		addr    func(n *labNode) netip.Addr
	}{
		{"v4-multicast", false, false, 0, 255, func(n *labNode) netip.Addr { return n.v4 }},
		{"v4-unicast-ttl7", false, true, 7, 7, func(n *labNode) netip.Addr { return n.v4 }},
		{"v6-multicast", true, false, 0, 255, func(n *labNode) netip.Addr { return n.ll }},
		{"v6-unicast-hop9", true, true, 9, 9, func(n *labNode) netip.Addr { return n.v6 }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for _, dir := range [][2]*labNode{{l.nodes[0], l.nodes[1]}, {l.nodes[1], l.nodes[0]}} {
				from, to := dir[0], dir[1]
				rc := ReceiverConfig{Ifname: to.ifname, IPv6: tc.ipv6}
				dst := vrrp.MulticastGroup(tc.ipv6)
				if tc.unicast {
					rc.UnicastSrc = tc.addr(to)
					dst = tc.addr(to)
				}
				_, ch := startReceiver(t, to, rc)
				s := openSender(t, from, SenderConfig{Ifname: from.ifname, IPv6: tc.ipv6, Multicast: !tc.unicast})
				send(t, s, tc.addr(from), dst, 100, tc.ttl)
				checkAdvert(t, next(t, ch, from.name+"->"+to.name), tc.addr(from), dst, to.ifindex, tc.wantTTL, 100)
			}
		})
	}
}

// keepalived binds a multicast socket to the group, turns
// IP(V6)_MULTICAST_ALL off and multicast loopback off: it hears neither
// unicast adverts, nor another group joined by another socket, nor its own
// node's adverts. Each check sends the unwanted datagram first and a
// marker second; the first datagram received must be the marker.
func TestVRRPMulticastFilters(t *testing.T) {
	l := newLab(t, 2)
	a, b := l.nodes[0], l.nodes[1]
	for _, ipv6 := range []bool{false, true} {
		t.Run(fmt.Sprintf("ipv%d", ipVersion(ipv6)), func(t *testing.T) {
			addr := func(n *labNode) netip.Addr {
				if ipv6 {
					return n.ll
				}
				return n.v4
			}
			other := netip.MustParseAddr("224.0.0.99")
			if ipv6 {
				other = netip.MustParseAddr("ff02::99")
			}
			group := vrrp.MulticastGroup(ipv6)
			_, chB := startReceiver(t, b, ReceiverConfig{Ifname: b.ifname, IPv6: ipv6})
			_, chOther := startReceiver(t, b, ReceiverConfig{Ifname: b.ifname, IPv6: ipv6, Group: other})
			_, chUni := startReceiver(t, b, ReceiverConfig{Ifname: b.ifname, IPv6: ipv6, UnicastSrc: addr(b)})
			_, chA := startReceiver(t, a, ReceiverConfig{Ifname: a.ifname, IPv6: ipv6})
			mcA := openSender(t, a, SenderConfig{Ifname: a.ifname, IPv6: ipv6, Multicast: true})
			uniA := openSender(t, a, SenderConfig{Ifname: a.ifname, IPv6: ipv6})
			mcB := openSender(t, b, SenderConfig{Ifname: b.ifname, IPv6: ipv6, Multicast: true})

			send(t, uniA, addr(a), addr(b), 10, 0) // unicast: only chUni
			send(t, mcA, addr(a), other, 20, 0)    // other group: only chOther
			send(t, mcA, addr(a), group, 30, 0)    // marker for b; a's own: not looped back
			send(t, mcB, addr(b), group, 40, 0)    // marker for a

			if d := next(t, chUni, "unicast"); d.Dst != addr(b) {
				t.Errorf("unicast socket: first datagram to %s, want %s", d.Dst, addr(b))
			}
			if d := next(t, chOther, "other group"); d.Dst != other {
				t.Errorf("socket joined to %s: first datagram to %s", other, d.Dst)
			}
			if d := next(t, chB, "b's group socket"); d.Dst != group || d.Src != addr(a) {
				t.Errorf("b's %s socket: first datagram %s -> %s, want the marker from %s", group, d.Src, d.Dst, addr(a))
			}
			if d := next(t, chA, "a's group socket"); d.Src != addr(b) {
				t.Errorf("a's %s socket: first datagram from %s, want b's marker (own adverts are not looped back)", group, d.Src)
			}
		})
	}
}

// A datagram longer than the receive buffer is counted and dropped; the
// next one is delivered.
func TestVRRPTruncatedCounted(t *testing.T) {
	l := newLab(t, 2)
	a, b := l.nodes[0], l.nodes[1]
	r, ch := startReceiver(t, b, ReceiverConfig{Ifname: b.ifname, MaxDatagram: 64})
	s := openSender(t, a, SenderConfig{Ifname: a.ifname, Multicast: true})
	group := vrrp.MulticastGroup(false)
	send6(t, s, a.v4, group, 50, 0, 20) // 20+8+80 bytes > 64
	send(t, s, a.v4, group, 60, 0)      // 20+8+4 = 32 bytes
	d := next(t, ch, "small advert")
	checkAdvert(t, d, a.v4, group, b.ifindex, 255, 60)
	if st := r.Stats(); st.Truncated != 1 || st.Datagrams != 1 {
		t.Fatalf("stats %+v, want 1 truncated and 1 delivered", st)
	}
}

// auth_type AH: keepalived opens IPPROTO_AH sockets for the instance and
// builds the AH header itself; the receiver gets the whole datagram (IP,
// AH, VRRP) and the ICV verifies. A VRRP (112) socket does not see it.
func TestVRRPAuthAH(t *testing.T) {
	l := newLab(t, 2)
	a, b := l.nodes[0], l.nodes[1]
	group := vrrp.MulticastGroup(false)
	_, chAH := startReceiver(t, b, ReceiverConfig{Ifname: b.ifname, Proto: vrrp.IPProtoAH})
	_, chVRRP := startReceiver(t, b, ReceiverConfig{Ifname: b.ifname})
	ah := openSender(t, a, SenderConfig{Ifname: a.ifname, Proto: vrrp.IPProtoAH, Multicast: true})
	plain := openSender(t, a, SenderConfig{Ifname: a.ifname, Multicast: true})

	key := vrrp.PassKey("secret")
	adv := vrrp.Advert{Version: 2, Type: vrrp.TypeAdvertisement, VRID: 7, Priority: 150, AdvertIntCS: 100,
		AuthType: vrrp.AuthAH, Addrs: []netip.Addr{netip.MustParseAddr("192.0.2.7")}}
	pkt, err := adv.MarshalIPv4(a.v4, group, vrrp.IPv4Params{ID: 1, AH: &vrrp.AHParams{Seq: 1, Key: key}}, vrrp.MarshalOptions{})
	must(t, err)
	must(t, ah.SendIPv4(pkt))
	send(t, plain, a.v4, group, 90, 0) // marker on 112

	d := next(t, chAH, "AH advert")
	if r := vrrp.VerifyAH(d.data, key, false); r != vrrp.RejectNone {
		t.Fatalf("VerifyAH of the received datagram: %v", r)
	}
	p, err := vrrp.ParsePacket(d.data, vrrp.ParseOptions{})
	if err != nil || !p.HasAH || p.Advert.VRID != 7 || d.TTL != 255 || d.TOS != 0xc0 {
		t.Fatalf("AH datagram: %+v ttl %d tos %#x: %v", p.Advert, d.TTL, d.TOS, err)
	}
	if m := next(t, chVRRP, "plain marker"); m.data[9] != vrrp.IPProtoVRRP {
		t.Errorf("VRRP socket received protocol %d first", m.data[9])
	}
}

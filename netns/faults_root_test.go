package netns

import (
	"context"
	"encoding/binary"
	"net"
	"net/netip"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/gokeepalived/gokeepalived/pkg/vrrp"
)

// sender puts raw Ethernet frames on a node interface: an AF_PACKET
// socket opened inside the node's namespace.
type sender struct {
	fd  int
	sll unix.SockaddrLinklayer
	mac net.HardwareAddr
}

func newSender(t *testing.T, lab *Lab, node, ifname string) *sender {
	t.Helper()
	n, ifc, err := lab.ifaceOf(node, ifname)
	must(t, err)
	link, err := n.handle.LinkByName(ifname)
	must(t, err)
	s := &sender{mac: ifc.mac}
	must(t, inNetns(n.nsPath, func() error {
		var err error
		s.fd, err = unix.Socket(unix.AF_PACKET, unix.SOCK_RAW|unix.SOCK_CLOEXEC, 0) // protocol 0: send only
		return err
	}))
	t.Cleanup(func() { unix.Close(s.fd) })
	s.sll = unix.SockaddrLinklayer{Ifindex: link.Attrs().Index, Halen: 6}
	return s
}

func (s *sender) send(t *testing.T, frame []byte, count int) {
	t.Helper()
	for range count {
		if err := unix.Sendto(s.fd, frame, 0, &s.sll); err != nil {
			t.Fatal(err)
		}
	}
}

// vrrpFrame is a VRRPv2 advert from src in an Ethernet frame to
// 224.0.0.18.
func (s *sender) vrrpFrame(t *testing.T, src netip.Addr) []byte {
	a := vrrp.Advert{Version: 2, Type: vrrp.TypeAdvertisement, VRID: 7, Priority: 100, AdvertIntCS: 100,
		Addrs: []netip.Addr{netip.MustParseAddr("192.0.2.7")}}
	ip, err := a.MarshalIPv4(src, netip.MustParseAddr("224.0.0.18"), vrrp.IPv4Params{ID: 1}, vrrp.MarshalOptions{})
	must(t, err)
	f := append([]byte{0x01, 0x00, 0x5e, 0x00, 0x00, 0x12}, s.mac...)
	f = binary.BigEndian.AppendUint16(f, 0x0800)
	return append(f, ip...)
}

// arpFrame is a broadcast ARP request from src for target.
func (s *sender) arpFrame(src, target netip.Addr) []byte {
	f := append([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, s.mac...)
	f = binary.BigEndian.AppendUint16(f, 0x0806)
	f = append(f, 0, 1, 8, 0, 6, 4, 0, 1)
	f = append(f, s.mac...)
	f = append(f, src.AsSlice()...)
	f = append(f, 0, 0, 0, 0, 0, 0)
	return append(f, target.AsSlice()...)
}

func counts(t *testing.T, lab *Lab, node string) PortCounters {
	t.Helper()
	cs, err := lab.Counters("lan")
	must(t, err)
	for _, c := range cs {
		if c.Node == node {
			return c
		}
	}
	t.Fatalf("no port of %s", node)
	return PortCounters{}
}

// Faults are enforced by the kernel: frames from a are sent to the
// segment (a broadcast ARP and a multicast advert each time) and counted
// where the switch delivers them to b and to c. c has no fault, so once c
// has them all, every forwarding decision for b is made.
func TestFaultsInTheSwitch(t *testing.T) {
	t.Parallel()
	lab := newLab(t, Topology{Nodes: []Node{
		{Name: "a", Ifaces: []Iface{{Name: "eth0", Segment: "lan", Addrs: []netip.Prefix{netip.MustParsePrefix("10.9.0.1/24")}}}},
		{Name: "b", Ifaces: []Iface{{Name: "eth0", Segment: "lan", Addrs: []netip.Prefix{netip.MustParsePrefix("10.9.0.2/24")}}}},
		{Name: "c", Ifaces: []Iface{{Name: "eth0", Segment: "lan", Addrs: []netip.Prefix{netip.MustParsePrefix("10.9.0.3/24")}}}},
	}})
	s := newSender(t, lab, "a", "eth0")
	src := netip.MustParseAddr("10.9.0.1")
	vf, af := s.vrrpFrame(t, src), s.arpFrame(src, netip.MustParseAddr("10.9.0.99"))

	// round sends n of each and returns what b got of them. wantV, wantA
	// > 0 are exact counts b must reach: c's copy of a frame can be counted a
	// moment before b's (the bridge floods to both in one pass), so a
	// positive count is awaited, not read.
	round := func(n int, wantV, wantA uint64) (vrrpToB, arpToB uint64) {
		t.Helper()
		b0, c0 := counts(t, lab, "b"), counts(t, lab, "c")
		s.send(t, vf, n)
		s.send(t, af, n)
		await(t, lab, 5*time.Second, "c receives every frame", func() bool {
			c := counts(t, lab, "c")
			return c.Delivered.VRRP-c0.Delivered.VRRP >= uint64(n) && c.Delivered.ARP-c0.Delivered.ARP >= uint64(n)
		})
		if wantV > 0 || wantA > 0 {
			ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second)
			defer cancel()
			_ = lab.Await(ctx, func() bool {
				b := counts(t, lab, "b")
				return b.Delivered.VRRP-b0.Delivered.VRRP >= wantV && b.Delivered.ARP-b0.Delivered.ARP >= wantA
			})
		}
		b := counts(t, lab, "b")
		return b.Delivered.VRRP - b0.Delivered.VRRP, b.Delivered.ARP - b0.Delivered.ARP
	}

	const n = 1000
	if v, a := round(n, n, n); v != n || a != n {
		t.Fatalf("no fault: b got %d adverts and %d ARPs of %d", v, a, n)
	}

	// 30 % loss a → b: b gets about 700 of each (binomial, σ ≈ 14.5: the
	// bounds are ±7σ).
	must(t, lab.SetLoss("a", "b", 30))
	v, a := round(n, 0, 0)
	t.Logf("loss 30%%: b got %d adverts, %d ARPs of %d", v, a, n)
	for _, got := range []uint64{v, a} {
		if got < 600 || got > 800 {
			t.Errorf("loss 30%%: b got %d of %d", got, n)
		}
	}
	// The other direction is untouched: b → a has no rule.
	must(t, lab.SetLoss("a", "b", 0))

	// drop-vrrp a → b: no advert reaches b, every ARP does.
	must(t, lab.DropVRRP("a", "b"))
	if v, a := round(n, 0, n); v != 0 || a != n {
		t.Errorf("drop-vrrp: b got %d adverts and %d ARPs of %d, want 0 and all", v, a, n)
	}
	must(t, lab.Heal())

	// A partition cuts ARP too. c goes with a: a node named in no group
	// would form a group of its own and be cut off from both.
	must(t, lab.Partition([][]string{{"a", "c"}, {"b"}}))
	if v, a := round(n, 0, 0); v != 0 || a != 0 {
		t.Errorf("partition: b got %d adverts and %d ARPs", v, a)
	}
	// One way, Jepsen's bridge (c in the middle) and isolating b all cut
	// a → b and leave a → c.
	for _, f := range []func() error{
		func() error { return lab.PartitionOneWay("a", "b") },
		func() error { return lab.Bridge([]string{"a"}, "c", []string{"b"}) },
		func() error { return lab.Isolate("b") },
	} {
		must(t, lab.Heal())
		must(t, f())
		if v, a := round(n, 0, 0); v != 0 || a != 0 {
			t.Errorf("%s: b got %d adverts and %d ARPs", lab.Events(0)[len(lab.Events(0))-1].Text, v, a)
		}
	}
	// Duplication: b gets a second copy of everything a sends.
	must(t, lab.Heal())
	must(t, lab.SetDuplicate("a", "b", 100))
	if v, a := round(n, 2*n, 2*n); v != 2*n || a != 2*n {
		t.Errorf("duplicate 100%%: b got %d adverts and %d ARPs of %d, want twice", v, a, n)
	}
	must(t, lab.Heal())
	if v, a := round(n, n, n); v != n || a != n {
		t.Errorf("after heal: b got %d adverts and %d ARPs of %d", v, a, n)
	}

	// The capture reports what a sent, once per frame.
	if got := counts(t, lab, "a").Sent; got.VRRP != 9*n || got.ARP < 9*n {
		t.Errorf("a sent %+v, want %d adverts and at least %d ARPs", got, 9*n, 9*n)
	}
	// Delay and clock faults are refused with a reason, before anything runs.
	if err := lab.SetDelay("a", "b", 10*time.Millisecond, 0); err == nil {
		t.Error("SetDelay succeeded")
	}
}

// A link set down on the node is seen by netlink as the node sees it.
func TestLinkAndCarrier(t *testing.T) {
	t.Parallel()
	lab := newLab(t, pairTopology("a", "b", "10.9.1.1/24", "10.9.1.2/24"))
	linkIs := func(up, running bool) func() bool {
		return func() bool {
			evs := lab.Events(0)
			for i := len(evs) - 1; i >= 0; i-- {
				if e := evs[i]; e.Kind == KindLink && e.Node == "a" && e.Iface == "eth0" {
					return e.Up == up && e.Running == running
				}
			}
			return false
		}
	}
	await(t, lab, 2*time.Second, "eth0 up", linkIs(true, true))
	must(t, lab.SetLink("a", "eth0", false))
	await(t, lab, 2*time.Second, "eth0 admin down", linkIs(false, false))
	must(t, lab.SetLink("a", "eth0", true))
	await(t, lab, 2*time.Second, "eth0 up again", linkIs(true, true))
	must(t, lab.SetCarrier("a", "eth0", false))
	await(t, lab, 2*time.Second, "eth0 without carrier", linkIs(true, false))
	must(t, lab.SetCarrier("a", "eth0", true))
	await(t, lab, 2*time.Second, "eth0 with carrier", linkIs(true, true))

	vip := netip.MustParsePrefix("10.9.1.100/32")
	must(t, lab.AddAddress("b", "eth0", vip, "eth0:1"))
	await(t, lab, 2*time.Second, "address added by hand", holdersAre(lab, vip.Addr(), "b"))
	found := false
	for _, e := range lab.Events(0) {
		if e.Kind == KindAddrAdd && e.Addr == vip && e.Label == "eth0:1" {
			found = true
		}
	}
	if !found {
		t.Error("no addr-add event with label eth0:1")
	}
	must(t, lab.DelAddress("b", "eth0", vip))
	await(t, lab, 2*time.Second, "address removed by hand", holdersAre(lab, vip.Addr()))
}

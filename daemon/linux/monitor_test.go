package linux

import (
	"context"
	"fmt"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// view is what a consumer of Monitor events knows: links by name and the
// addresses of each interface index, built from the events alone.
type view struct {
	mu     sync.Mutex
	links  map[string]Link
	addrs  map[int]map[netip.Prefix]bool
	events []Event
	synced int
	hold   chan struct{} // when set, the next event blocks until it is closed
}

func newView() *view {
	return &view{links: map[string]Link{}, addrs: map[int]map[netip.Prefix]bool{}}
}

func (v *view) apply(e Event) {
	v.mu.Lock()
	hold := v.hold
	v.hold = nil
	v.events = append(v.events, e)
	switch e.Kind {
	case LinkChanged:
		v.links[e.Link.Name] = e.Link
	case LinkDeleted:
		if v.links[e.Link.Name].Index == e.Link.Index {
			delete(v.links, e.Link.Name)
		}
	case AddrAdded:
		if v.addrs[e.Ifindex] == nil {
			v.addrs[e.Ifindex] = map[netip.Prefix]bool{}
		}
		v.addrs[e.Ifindex][e.Addr] = true
	case AddrDeleted:
		delete(v.addrs[e.Ifindex], e.Addr)
	case Synced:
		v.synced++
	}
	v.mu.Unlock()
	if hold != nil {
		<-hold
	}
}

func (v *view) check(f func(v *view) bool) bool {
	v.mu.Lock()
	defer v.mu.Unlock()
	return f(v)
}

// since returns the events after the first n.
func (v *view) since(n int) []Event {
	v.mu.Lock()
	defer v.mu.Unlock()
	return append([]Event(nil), v.events[n:]...)
}

func (v *view) count() int {
	v.mu.Lock()
	defer v.mu.Unlock()
	return len(v.events)
}

func startMonitor(t *testing.T, n *testNS, cfg MonitorConfig) (*Monitor, *view) {
	t.Helper()
	ns := n.ns
	cfg.Namespace = &ns
	m := NewMonitor(cfg)
	v := newView()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx, v.apply) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("monitor: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Errorf("monitor did not stop within 10s of cancel")
		}
	})
	waitFor(t, 5*time.Second, "initial sync", func() bool { return v.check(func(v *view) bool { return v.synced > 0 }) })
	return m, v
}

// waitEvent waits for an event after the first n that matches.
func waitEvent(t *testing.T, v *view, n int, what string, match func(Event) bool) Event {
	t.Helper()
	var got Event
	waitFor(t, 5*time.Second, what, func() bool {
		for _, e := range v.since(n) {
			if match(e) {
				got = e
				return true
			}
		}
		return false
	})
	return got
}

// keepalived (vrrp_if.h FLAGS_UP) counts an interface as up when it is
// IFF_UP and IFF_RUNNING: `ip link set down` clears both; carrier loss
// (the bridge end of the veth going down) clears IFF_RUNNING only. Each
// change arrives as one LinkChanged event, and addresses as AddrAdded /
// AddrDeleted.
func TestMonitorLinkDownAndAddrs(t *testing.T) {
	lb := newLab(t, 1)
	node := lb.nodes[0]
	ethLink, err := node.h.LinkByName(node.ifname)
	must(t, err)
	side, err := lb.br.h.LinkByName(node.peer)
	must(t, err)
	_, v := startMonitor(t, node.testNS, MonitorConfig{})
	if !v.check(func(v *view) bool {
		return v.links["eth0"].Up() && v.addrs[node.ifindex][netip.PrefixFrom(node.v4, 24)]
	}) {
		t.Fatal("initial state lacks eth0 up with 10.99.0.1/24")
	}
	eth := func(e Event) bool { return e.Kind == LinkChanged && e.Link.Name == "eth0" }

	n := v.count()
	must(t, node.h.LinkSetDown(ethLink))
	e := waitEvent(t, v, n, "eth0 admin down", func(e Event) bool { return eth(e) && e.Link.Flags&unix.IFF_UP == 0 })
	if e.Link.Up() || e.Link.Flags&unix.IFF_RUNNING != 0 {
		t.Errorf("admin down: flags %#x, want neither IFF_UP nor IFF_RUNNING", e.Link.Flags)
	}
	n = v.count()
	must(t, node.h.LinkSetUp(ethLink))
	waitEvent(t, v, n, "eth0 up again", func(e Event) bool { return eth(e) && e.Link.Up() })

	n = v.count()
	must(t, lb.br.h.LinkSetDown(side))
	e = waitEvent(t, v, n, "eth0 carrier loss", func(e Event) bool { return eth(e) && e.Link.Flags&unix.IFF_RUNNING == 0 })
	if e.Link.Up() || e.Link.Flags&unix.IFF_UP == 0 {
		t.Errorf("carrier loss: flags %#x, want IFF_UP without IFF_RUNNING", e.Link.Flags)
	}
	n = v.count()
	must(t, lb.br.h.LinkSetUp(side))
	waitEvent(t, v, n, "eth0 carrier back", func(e Event) bool { return eth(e) && e.Link.Up() })

	nl := nodeNetlink(t, node)
	vip := netip.MustParsePrefix("192.0.2.99/32")
	n = v.count()
	must(t, nl.AddAddr(node.ifindex, Addr{Prefix: vip, Label: "eth0:9"}))
	waitEvent(t, v, n, "VIP added", func(e Event) bool { return e.Kind == AddrAdded && e.Addr == vip && e.Link.Name == "eth0" })
	n = v.count()
	must(t, nl.DelAddr(node.ifindex, vip))
	waitEvent(t, v, n, "VIP deleted", func(e Event) bool { return e.Kind == AddrDeleted && e.Addr == vip && e.Ifindex == node.ifindex })
}

// An interface deleted and re-created under the same name is reported
// deleted, then new (with its new index), so a consumer keyed by name
// picks it up again.
func TestMonitorRecreatedByName(t *testing.T) {
	ns := newNS(t)
	_, v := startMonitor(t, ns, MonitorConfig{})
	mk := func() int {
		must(t, ns.h.LinkAdd(&netlink.Veth{LinkAttrs: netlink.LinkAttrs{Name: "vrrp0"}, PeerName: "vrrp0p"}))
		l, err := ns.h.LinkByName("vrrp0")
		must(t, err)
		return l.Attrs().Index
	}
	first := mk()
	waitEvent(t, v, 0, "vrrp0 created", func(e Event) bool { return e.Kind == LinkChanged && e.Link.Name == "vrrp0" })
	n := v.count()
	l, err := ns.h.LinkByName("vrrp0")
	must(t, err)
	must(t, ns.h.LinkDel(l))
	waitEvent(t, v, n, "vrrp0 deleted", func(e Event) bool {
		return e.Kind == LinkDeleted && e.Link.Name == "vrrp0" && e.Link.Index == first
	})
	n = v.count()
	second := mk()
	waitEvent(t, v, n, "vrrp0 re-created", func(e Event) bool {
		return e.Kind == LinkChanged && e.Link.Name == "vrrp0" && e.Link.Index == second
	})
	if !v.check(func(v *view) bool { return v.links["vrrp0"].Index == second }) {
		t.Error("consumer view does not hold the re-created vrrp0")
	}
}

// A consumer that stalls while notifications pour in makes the netlink
// socket overflow (ENOBUFS). The monitor resubscribes, re-reads the
// state and reports the differences, so the consumer's view ends equal to
// the kernel's: every address added during the stall is reported, and so
// is every one deleted in a second stall.
func TestMonitorResyncAfterOverflow(t *testing.T) {
	ns := newNS(t)
	m, v := startMonitor(t, ns, MonitorConfig{RcvBuf: 4096, Queue: 1})
	lo, err := ns.h.LinkByName("lo")
	must(t, err)
	const burst = 1500
	addr := func(i int) netip.Prefix {
		return netip.PrefixFrom(netip.AddrFrom4([4]byte{10, 200, byte(i >> 8), byte(i)}), 32)
	}
	stall := func(change func(i int) error) {
		hold := make(chan struct{})
		v.mu.Lock()
		v.hold = hold
		v.mu.Unlock()
		for i := range burst {
			must(t, change(i))
		}
		close(hold)
	}
	onLo := func(want bool) func() bool {
		return func() bool {
			return v.check(func(v *view) bool {
				for i := range burst {
					if v.addrs[lo.Attrs().Index][addr(i)] != want {
						return false
					}
				}
				return true
			})
		}
	}
	stall(func(i int) error { return ns.h.AddrAdd(lo, &netlink.Addr{IPNet: prefixNet(addr(i))}) })
	waitFor(t, 20*time.Second, fmt.Sprintf("all %d addresses in the consumer's view", burst), onLo(true))
	if st := m.Stats(); st.Overflows == 0 || st.Resyncs == 0 {
		t.Fatalf("stats %+v: the burst did not overflow the socket (the test proves nothing)", st)
	}
	before := m.Stats()
	stall(func(i int) error { return ns.h.AddrDel(lo, &netlink.Addr{IPNet: prefixNet(addr(i))}) })
	waitFor(t, 20*time.Second, fmt.Sprintf("all %d addresses gone from the consumer's view", burst), onLo(false))
	if st := m.Stats(); st.Overflows == before.Overflows {
		t.Fatalf("stats %+v: the delete burst did not overflow the socket", st)
	}
}

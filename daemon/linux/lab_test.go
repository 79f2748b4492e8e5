package linux

import (
	"crypto/rand"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"
)

// Test namespaces are named gkl-lnx-<pid>-<random> so parallel runs and
// other engineers' namespaces never collide; links live inside them.

// requireRoot skips a test that needs root and network namespaces.
func requireRoot(t testing.TB) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root (network namespaces, raw sockets)")
	}
	if _, err := os.Stat("/proc/self/ns/net"); err != nil {
		t.Skip("no network namespace support")
	}
}

// testNS is a named network namespace owned by one test.
type testNS struct {
	name string
	ns   netns.NsHandle
	h    *netlink.Handle
}

// newNS creates a named namespace (gkl-lnx-PID-RANDOM) without leaving the
// test goroutine's thread in it, with lo up, removed at cleanup.
func newNS(t testing.TB) *testNS {
	t.Helper()
	var rnd [4]byte
	_, _ = rand.Read(rnd[:])
	name := fmt.Sprintf("gkl-lnx-%d-%x", os.Getpid()%100000, rnd)
	runtime.LockOSThread()
	orig, err := netns.Get()
	if err != nil {
		runtime.UnlockOSThread()
		t.Fatalf("current netns: %v", err)
	}
	ns, nerr := netns.NewNamed(name)
	if err := netns.Set(orig); err != nil {
		orig.Close()
		t.Fatalf("restore netns after creating %s: %v (thread stays locked)", name, err)
	}
	orig.Close()
	runtime.UnlockOSThread()
	if nerr != nil {
		t.Skipf("cannot create network namespace: %v", nerr)
	}
	h, err := netlink.NewHandleAt(ns)
	if err != nil {
		ns.Close()
		_ = netns.DeleteNamed(name)
		t.Fatalf("netlink handle in %s: %v", name, err)
	}
	n := &testNS{name: name, ns: ns, h: h}
	t.Cleanup(func() {
		h.Close()
		ns.Close()
		if err := netns.DeleteNamed(name); err != nil {
			t.Errorf("delete netns %s: %v", name, err)
		}
	})
	lo, err := h.LinkByName("lo")
	must(t, err)
	must(t, h.LinkSetUp(lo))
	return n
}

// do runs fn inside the namespace (InNamespace), failing the test on error.
func (n *testNS) do(t testing.TB, fn func() error) {
	t.Helper()
	must(t, InNamespace(n.ns, fn))
}

// ip runs ip(8) in the namespace and returns its output.
func (n *testNS) ip(t testing.TB, args ...string) string {
	t.Helper()
	if _, err := exec.LookPath("ip"); err != nil {
		t.Skip("no ip(8) to look at the result with")
	}
	out, err := exec.Command("ip", append([]string{"-n", n.name}, args...)...).CombinedOutput()
	must(t, err, "ip -n %s %s: %s", n.name, strings.Join(args, " "), out)
	return string(out)
}

// labNode is one namespace with eth0 plugged into the lab bridge.
type labNode struct {
	*testNS
	ifname  string
	ifindex int
	mac     net.HardwareAddr
	v4, v6  netip.Addr // 10.99.0.N, fd99::N
	ll      netip.Addr // fe80::N (no DAD)
	peer    string     // the bridge-side veth
}

// lab is a bridge in its own namespace with n nodes, each eth0 on it.
type lab struct {
	br    *testNS
	nodes []*labNode
}

// newLab builds the bridge namespace and n node namespaces. Every node's
// eth0 has 10.99.0.N/24, fd99::N/64 and fe80::N/64 (nodad, no automatic
// link-local address), and the bridge does no multicast snooping, so
// group traffic is flooded like on a dumb switch.
func newLab(t testing.TB, n int) *lab {
	t.Helper()
	requireRoot(t)
	l := &lab{br: newNS(t)}
	off := false
	br := &netlink.Bridge{LinkAttrs: netlink.LinkAttrs{Name: "br0"}, MulticastSnooping: &off}
	must(t, l.br.h.LinkAdd(br))
	must(t, l.br.h.LinkSetUp(br))
	for i := 1; i <= n; i++ {
		l.nodes = append(l.nodes, l.addNode(t, i, br))
	}
	return l
}

func (l *lab) addNode(t testing.TB, i int, br *netlink.Bridge) *labNode {
	t.Helper()
	node := &labNode{testNS: newNS(t), ifname: "eth0", peer: fmt.Sprintf("vbr%d", i)}
	veth := &netlink.Veth{LinkAttrs: netlink.LinkAttrs{Name: node.peer}, PeerName: node.ifname,
		PeerNamespace: netlink.NsFd(int(node.ns))}
	must(t, l.br.h.LinkAdd(veth))
	side, err := l.br.h.LinkByName(node.peer)
	must(t, err)
	must(t, l.br.h.LinkSetMaster(side, br))
	must(t, l.br.h.LinkSetUp(side))

	eth, err := node.h.LinkByName(node.ifname)
	must(t, err)
	must(t, node.h.LinkSetIP6AddrGenMode(eth, 1)) // IN6_ADDR_GEN_MODE_NONE
	node.v4 = netip.AddrFrom4([4]byte{10, 99, 0, byte(i)})
	node.v6 = netip.MustParseAddr(fmt.Sprintf("fd99::%d", i))
	node.ll = netip.MustParseAddr(fmt.Sprintf("fe80::%d", i))
	for _, a := range []*netlink.Addr{
		{IPNet: prefixNet(netip.PrefixFrom(node.v4, 24))},
		{IPNet: prefixNet(netip.PrefixFrom(node.v6, 64)), Flags: unix.IFA_F_NODAD},
		{IPNet: prefixNet(netip.PrefixFrom(node.ll, 64)), Flags: unix.IFA_F_NODAD},
	} {
		must(t, node.h.AddrAdd(eth, a), "add %s", a)
	}
	must(t, node.h.LinkSetUp(eth))
	eth, err = node.h.LinkByName(node.ifname)
	must(t, err)
	node.ifindex = eth.Attrs().Index
	node.mac = eth.Attrs().HardwareAddr
	// Carrier is processed by the kernel's linkwatch work, up to a second
	// later: until then the qdisc drops what eth0 sends and the bridge
	// port is disabled. Operstate UP on both ends is set in that work.
	waitFor(t, 5*time.Second, "operstate up on both ends of "+node.name+" eth0", func() bool {
		eth, err := node.h.LinkByName(node.ifname)
		side, serr := l.br.h.LinkByName(node.peer)
		return err == nil && serr == nil && eth.Attrs().OperState == netlink.OperUp && side.Attrs().OperState == netlink.OperUp
	})
	return node
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t testing.TB, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", within, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// must fails the test on a non-nil error, with optional context.
func must(t testing.TB, err error, context ...any) {
	t.Helper()
	if err != nil {
		if len(context) > 0 {
			t.Fatalf("%s: %v", fmt.Sprintf(context[0].(string), context[1:]...), err)
		}
		t.Fatal(err)
	}
}

// Package nslab builds throw-away network namespaces for the daemon's root
// tests: a bridge in its own namespace and nodes whose eth0 is plugged
// into it, the way docs/linux-platform.md describes the primitives' lab.
// Every namespace is named gkl-dmn-<pid>-<random> and removed by the
// test's cleanup; nothing here touches the host's own namespace except
// to create and delete those names.
//
// It is a test helper (imported only by _test files) but a normal package
// so that the platform, process-model and command tests share one lab.
package nslab

import (
	"bytes"
	"crypto/rand"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"

	"github.com/gokeepalived/gokeepalived/daemon/linux"
)

// Prefix starts every namespace name this package creates.
const Prefix = "gkl-dmn-"

// RequireRoot skips a test that needs root and network namespaces.
func RequireRoot(t testing.TB) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root (network namespaces, raw sockets)")
	}
	if _, err := os.Stat("/proc/self/ns/net"); err != nil {
		t.Skip("no network namespace support")
	}
	if _, err := exec.LookPath("ip"); err != nil {
		t.Skip("no ip(8)")
	}
}

// NS is a named network namespace owned by one test.
type NS struct {
	Name   string
	Handle netns.NsHandle
	NL     *netlink.Handle
}

// NewNS creates a named namespace without leaving the calling thread in it,
// with lo up, removed at cleanup.
func NewNS(t testing.TB) *NS {
	t.Helper()
	var rnd [4]byte
	_, _ = rand.Read(rnd[:])
	name := fmt.Sprintf("%s%d-%x", Prefix, os.Getpid()%100000, rnd)
	runtime.LockOSThread()
	orig, err := netns.Get()
	if err != nil {
		runtime.UnlockOSThread()
		t.Fatalf("current netns: %v", err)
	}
	ns, nerr := netns.NewNamed(name)
	if err := netns.Set(orig); err != nil {
		orig.Close()
		// The thread stays locked and dies with the goroutine.
		t.Fatalf("restore netns after creating %s: %v", name, err)
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
	n := &NS{Name: name, Handle: ns, NL: h}
	t.Cleanup(func() {
		h.Close()
		ns.Close()
		if err := netns.DeleteNamed(name); err != nil {
			t.Errorf("delete netns %s: %v", name, err)
		}
	})
	lo, err := h.LinkByName("lo")
	Must(t, err)
	Must(t, h.LinkSetUp(lo))
	return n
}

// Do runs fn on a thread switched into the namespace.
func (n *NS) Do(t testing.TB, fn func() error) {
	t.Helper()
	Must(t, linux.InNamespace(n.Handle, fn))
}

// IP runs ip(8) in the namespace and returns its output.
func (n *NS) IP(t testing.TB, args ...string) string {
	t.Helper()
	out, err := exec.Command("ip", append([]string{"-n", n.Name}, args...)...).CombinedOutput()
	Must(t, err, "ip -n %s %s: %s", n.Name, strings.Join(args, " "), out)
	return string(out)
}

// HasAddr reports whether ifname in the namespace carries addr (any
// prefix length), asking the kernel.
func (n *NS) HasAddr(ifname string, addr netip.Addr) bool {
	l, err := n.NL.LinkByName(ifname)
	if err != nil {
		return false
	}
	list, err := n.NL.AddrList(l, netlink.FAMILY_ALL)
	if err != nil {
		return false
	}
	for _, a := range list {
		if ip, ok := netip.AddrFromSlice(a.IP); ok && ip.Unmap() == addr {
			return true
		}
	}
	return false
}

// Node is one namespace with eth0 plugged into the lab bridge.
type Node struct {
	*NS
	Ifname string
	MAC    net.HardwareAddr
	V4, V6 netip.Addr // 10.99.0.N, fd99::N
	LL     netip.Addr // fe80::N (no DAD)
	// Peer is the bridge-side veth (in the bridge namespace).
	Peer string
	lab  *Lab
}

// Lab is a bridge in its own namespace with nodes, each eth0 on it.
type Lab struct {
	Br    *NS
	Nodes []*Node
	br    *netlink.Bridge
}

// New builds the bridge namespace and n node namespaces. Every node's
// eth0 has 10.99.0.N/24, fd99::N/64 and fe80::N/64 (nodad, no automatic
// link-local address), and the bridge does no multicast snooping, so
// group traffic is flooded like on a dumb switch.
func New(t testing.TB, n int) *Lab {
	t.Helper()
	RequireRoot(t)
	l := &Lab{Br: NewNS(t)}
	off := false
	l.br = &netlink.Bridge{LinkAttrs: netlink.LinkAttrs{Name: "br0"}, MulticastSnooping: &off}
	Must(t, l.Br.NL.LinkAdd(l.br))
	Must(t, l.Br.NL.LinkSetUp(l.br))
	for i := 1; i <= n; i++ {
		l.Nodes = append(l.Nodes, l.addNode(t, i))
	}
	return l
}

func (l *Lab) addNode(t testing.TB, i int) *Node {
	t.Helper()
	node := &Node{NS: NewNS(t), Ifname: "eth0", Peer: fmt.Sprintf("vbr%d", i), lab: l}
	node.V4 = netip.AddrFrom4([4]byte{10, 99, 0, byte(i)})
	node.V6 = netip.MustParseAddr(fmt.Sprintf("fd99::%d", i))
	node.LL = netip.MustParseAddr(fmt.Sprintf("fe80::%d", i))
	node.Plug(t)
	return node
}

// Plug (re)creates the node's eth0 on the bridge with its addresses and
// waits until both ends are operationally up. Tests use it to re-create
// an interface after Unplug.
func (node *Node) Plug(t testing.TB) {
	t.Helper()
	l := node.lab
	veth := &netlink.Veth{LinkAttrs: netlink.LinkAttrs{Name: node.Peer}, PeerName: node.Ifname,
		PeerNamespace: netlink.NsFd(int(node.Handle))}
	Must(t, l.Br.NL.LinkAdd(veth))
	side, err := l.Br.NL.LinkByName(node.Peer)
	Must(t, err)
	Must(t, l.Br.NL.LinkSetMaster(side, l.br))
	Must(t, l.Br.NL.LinkSetUp(side))
	eth, err := node.NL.LinkByName(node.Ifname)
	Must(t, err)
	Must(t, node.NL.LinkSetIP6AddrGenMode(eth, 1)) // IN6_ADDR_GEN_MODE_NONE
	for _, a := range []*netlink.Addr{
		{IPNet: ipnet(netip.PrefixFrom(node.V4, 24))},
		{IPNet: ipnet(netip.PrefixFrom(node.V6, 64)), Flags: unix.IFA_F_NODAD},
		{IPNet: ipnet(netip.PrefixFrom(node.LL, 64)), Flags: unix.IFA_F_NODAD},
	} {
		Must(t, node.NL.AddrAdd(eth, a), "add %s", a)
	}
	Must(t, node.NL.LinkSetUp(eth))
	eth, err = node.NL.LinkByName(node.Ifname)
	Must(t, err)
	node.MAC = eth.Attrs().HardwareAddr
	// Carrier is processed by the kernel's linkwatch work, up to a second
	// later: until then the qdisc drops what eth0 sends.
	WaitFor(t, 5*time.Second, "operstate up on both ends of "+node.Name+" eth0", func() bool {
		eth, err := node.NL.LinkByName(node.Ifname)
		side, serr := l.Br.NL.LinkByName(node.Peer)
		return err == nil && serr == nil && eth.Attrs().OperState == netlink.OperUp && side.Attrs().OperState == netlink.OperUp
	})
}

// Unplug deletes the node's eth0 (and its bridge side with it).
func (node *Node) Unplug(t testing.TB) {
	t.Helper()
	side, err := node.lab.Br.NL.LinkByName(node.Peer)
	Must(t, err)
	Must(t, node.lab.Br.NL.LinkDel(side))
}

// SetBridgeSide sets the bridge side of the node's cable down or up: the
// node's eth0 loses or regains carrier (IFF_RUNNING), as a pulled cable.
func (node *Node) SetBridgeSide(t testing.TB, up bool) {
	t.Helper()
	side, err := node.lab.Br.NL.LinkByName(node.Peer)
	Must(t, err)
	if up {
		Must(t, node.lab.Br.NL.LinkSetUp(side))
	} else {
		Must(t, node.lab.Br.NL.LinkSetDown(side))
	}
}

// Capture runs tcpdump on the bridge and writes a pcap file of what
// crossed it (VRRP and AH), stopped at cleanup or by the returned
// function, which waits for the file to be complete. It skips the test
// when tcpdump is missing.
func (l *Lab) Capture(t testing.TB, path string) (stop func()) {
	t.Helper()
	if _, err := exec.LookPath("tcpdump"); err != nil {
		t.Skip("no tcpdump")
	}
	errb := &syncBuffer{}
	cmd := exec.Command("ip", "netns", "exec", l.Br.Name, "tcpdump", "-i", "br0", "-U", "-n", "-w", path, "ip proto 112 or ip proto 51 or ip6 proto 112")
	cmd.Stderr = errb
	// Ends with the test binary if it dies before its cleanup runs.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	Must(t, cmd.Start())
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	WaitFor(t, 5*time.Second, "tcpdump listening", func() bool { return strings.Contains(errb.String(), "listening on") })
	stopped := false
	stop = func() {
		if stopped {
			return
		}
		stopped = true
		_ = cmd.Process.Signal(unix.SIGINT)
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	}
	t.Cleanup(stop)
	return stop
}

// WaitFor polls cond every 5 ms until it holds or within passes.
func WaitFor(t testing.TB, within time.Duration, what string, cond func() bool) {
	t.Helper()
	if !Poll(within, cond) {
		t.Fatalf("timed out after %v waiting for %s", within, what)
	}
}

// Poll polls cond every 5 ms until it holds (true) or within passes.
func Poll(within time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(5 * time.Millisecond)
	}
	return true
}

// Must fails the test on a non-nil error, with optional context.
func Must(t testing.TB, err error, context ...any) {
	t.Helper()
	if err != nil {
		if len(context) > 0 {
			t.Fatalf("%s: %v", fmt.Sprintf(context[0].(string), context[1:]...), err)
		}
		t.Fatal(err)
	}
}

func ipnet(p netip.Prefix) *net.IPNet {
	a := p.Addr().Unmap()
	return &net.IPNet{IP: net.IP(a.AsSlice()), Mask: net.CIDRMask(p.Bits(), a.BitLen())}
}

// syncBuffer is a bytes.Buffer safe for a writer and a reader.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// AddSegment adds a second (third, …) L2 segment: bridge br<seg> in the
// bridge namespace and on every node an interface eth<seg> plugged into
// it with 10.99.<seg>.<N>/24, up on both ends.
func (l *Lab) AddSegment(t testing.TB, seg int) {
	t.Helper()
	off := false
	br := &netlink.Bridge{LinkAttrs: netlink.LinkAttrs{Name: fmt.Sprintf("br%d", seg)}, MulticastSnooping: &off}
	Must(t, l.Br.NL.LinkAdd(br))
	Must(t, l.Br.NL.LinkSetUp(br))
	for i, node := range l.Nodes {
		side := fmt.Sprintf("vb%dn%d", seg, i+1)
		name := fmt.Sprintf("eth%d", seg)
		veth := &netlink.Veth{LinkAttrs: netlink.LinkAttrs{Name: side}, PeerName: name, PeerNamespace: netlink.NsFd(int(node.Handle))}
		Must(t, l.Br.NL.LinkAdd(veth))
		s, err := l.Br.NL.LinkByName(side)
		Must(t, err)
		Must(t, l.Br.NL.LinkSetMaster(s, br))
		Must(t, l.Br.NL.LinkSetUp(s))
		eth, err := node.NL.LinkByName(name)
		Must(t, err)
		Must(t, node.NL.LinkSetIP6AddrGenMode(eth, 1))
		Must(t, node.NL.AddrAdd(eth, &netlink.Addr{IPNet: ipnet(netip.PrefixFrom(netip.AddrFrom4([4]byte{10, 99, byte(seg), byte(i + 1)}), 24))}))
		Must(t, node.NL.LinkSetUp(eth))
		WaitFor(t, 5*time.Second, "operstate up on "+node.Name+" "+name, func() bool {
			e, err := node.NL.LinkByName(name)
			s, serr := l.Br.NL.LinkByName(side)
			return err == nil && serr == nil && e.Attrs().OperState == netlink.OperUp && s.Attrs().OperState == netlink.OperUp
		})
	}
}

package ipvs_test

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"regexp"
	"runtime"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"

	"github.com/gokeepalived/gokeepalived/daemon/ipvs"
	"github.com/gokeepalived/gokeepalived/pkg/lvs"
)

// freshNetns makes a new network namespace for the test (so a host's own
// IPVS table is never touched) and returns its handle and a path for it.
func freshNetns(t *testing.T) (netns.NsHandle, string) {
	t.Helper()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	orig, err := netns.Get()
	require.NoError(t, err)
	defer orig.Close()
	ns, err := netns.New()
	require.NoError(t, err)
	require.NoError(t, netns.Set(orig))
	t.Cleanup(func() { ns.Close() })
	return ns, fmt.Sprintf("/proc/%d/fd/%d", os.Getpid(), int(ns))
}

// inNetns reads a file from inside ns (/proc/net follows the thread's
// namespace through /proc/thread-self).
func readInNetns(t *testing.T, ns netns.NsHandle, path string) string {
	t.Helper()
	type res struct {
		b   []byte
		err error
	}
	ch := make(chan res, 1)
	go func() {
		runtime.LockOSThread() // the thread dies with the goroutine: never reused in ns
		if err := netns.Set(ns); err != nil {
			ch <- res{err: err}
			return
		}
		b, err := os.ReadFile(path)
		ch <- res{b, err}
	}()
	r := <-ch
	require.NoError(t, r.err)
	return string(r.b)
}

// TestKernelIPVS runs the IPVS actuator against a real kernel: the VM tier
// (netns/vm) boots a Debian kernel with ip_vs and runs this test inside.
// On a kernel without IPVS it skips.
func TestKernelIPVS(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root (network namespaces, IPVS)")
	}
	if err := ipvs.Available(""); err != nil {
		t.Skipf("%v: run it in the VM tier (go test ./netns/vm -run TestIPVSInVM)", err)
	}
	ns, path := freshNetns(t)
	k, err := ipvs.Open(path)
	require.NoError(t, err)
	t.Cleanup(k.Close)
	nl, err := netlink.NewHandleAt(ns, unix.NETLINK_ROUTE)
	require.NoError(t, err)
	t.Cleanup(nl.Close)

	// vm-tier.md: with no interface up, every destination is unroutable
	// (ip_vs_new_dest: inet_addr_type is neither RTN_UNICAST nor RTN_LOCAL).
	svc := lvs.Service{Key: lvs.ServiceKey{Family: lvs.Inet, Protocol: lvs.TCP, Addr: netip.MustParseAddr("10.0.0.210"), Port: 80}, Scheduler: "rr", Netmask: 0xffffffff}
	require.NoError(t, k.AddService(svc))
	err = k.AddDest(svc.Key, lvs.Destination{Key: lvs.DestKey{Addr: netip.MustParseAddr("10.0.0.201"), Port: 80}, Forward: lvs.Route, Weight: 1})
	require.ErrorIs(t, err, syscall.EINVAL, "unroutable destination before any interface is up")
	require.NoError(t, k.DelService(svc.Key))

	lo, err := nl.LinkByName("lo")
	require.NoError(t, err)
	require.NoError(t, nl.LinkSetUp(lo))
	dummy := &netlink.Dummy{LinkAttrs: netlink.LinkAttrs{Name: "gkl-lvs0"}}
	require.NoError(t, nl.LinkAdd(dummy))
	require.NoError(t, nl.AddrAdd(dummy, &netlink.Addr{IPNet: &net.IPNet{IP: net.IPv4(10, 0, 0, 1), Mask: net.CIDRMask(24, 32)}}))
	require.NoError(t, nl.LinkSetUp(dummy))

	t.Run("rejections", func(t *testing.T) {
		checkRejections(t, k, netip.MustParseAddr("10.0.0.201"), netip.Addr{})
	})
	t.Run("install, read back, heal, delete", func(t *testing.T) {
		checkHeals(t, k)
	})
	t.Run("persistence granularity byte order", func(t *testing.T) {
		e := engine(t, e4)
		r := &ipvs.Reconciler{IPVS: k, Desired: e.Desired, Owns: e.Owns}
		_, err := r.Reconcile()
		require.NoError(t, err)
		proc := readInNetns(t, ns, "/proc/thread-self/net/ip_vs")
		t.Logf("/proc/net/ip_vs:\n%s", proc)
		// ip_vs_info_seq_show: "persistent %d %08X" with the timeout in
		// jiffies and ntohl(netmask): the mask reached the kernel in
		// network order. Read back (genetlink) the timeout is seconds.
		require.Regexp(t, regexp.MustCompile(`(?m)^FWM\s+00000008 wlc persistent \d+ FFFFFF00`), proc)
		tb, err := lvs.Read(k)
		require.NoError(t, err)
		fwm := tb.Find(lvs.ServiceKey{Family: lvs.Inet, FWMark: 8})
		require.NotNil(t, fwm)
		require.Equal(t, uint32(600), fwm.Service.Timeout)
		require.Equal(t, uint32(0xffffff00), fwm.Service.Netmask)
		require.Regexp(t, regexp.MustCompile(`(?m)^TCP\s+0A0000D2:0050 rr\s*$`), proc)
		require.Regexp(t, regexp.MustCompile(`(?m)^\s+-> 0A0000C9:0050\s+Route\s+1`), proc)
		require.Regexp(t, regexp.MustCompile(`(?m)^\s+-> 0A0000CD:0050\s+Masq\s+2`), proc)
		e.Step(lvs.EvStop{})
		_, err = r.Reconcile()
		require.NoError(t, err)
		tb, err = lvs.Read(k)
		require.NoError(t, err)
		require.Len(t, tb.Entries, 1, "only the foreign service is left: %s", tb)
	})
	t.Run("unsupported tunnel types", func(t *testing.T) {
		svc := svc
		svc.Key.Port = 8443
		require.NoError(t, k.AddService(svc))
		defer k.DelService(svc.Key)
		err := k.AddDest(svc.Key, lvs.Destination{Key: lvs.DestKey{Addr: netip.MustParseAddr("10.0.0.201"), Port: 80}, Forward: lvs.Tunnel, TunType: lvs.TunGUE, TunPort: 6080})
		require.True(t, errors.Is(err, ipvs.ErrUnsupported), "%v", err)
	})
}

// On this project's hosts the kernel has no IPVS: Available must say so
// (moby/ipvs alone would pretend every command worked).
func TestAvailableMatchesProc(t *testing.T) {
	_, statErr := os.Stat("/proc/net/ip_vs")
	err := ipvs.Available("")
	if statErr == nil {
		require.NoError(t, err)
	} else {
		require.ErrorIs(t, err, ipvs.ErrNoIPVS)
	}
}

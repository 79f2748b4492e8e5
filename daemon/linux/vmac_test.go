package linux

import (
	"bytes"
	"net"
	"net/netip"
	"strings"
	"testing"

	"github.com/vishvananda/netlink"
)

func TestVRRPMACAndEUI64(t *testing.T) {
	if got := VRRPMAC(51, false).String(); got != "00:00:5e:00:01:33" {
		t.Errorf("VRRPMAC(51, v4) = %s", got)
	}
	if got := VRRPMAC(255, true).String(); got != "00:00:5e:00:02:ff" {
		t.Errorf("VRRPMAC(255, v6) = %s", got)
	}
	ll, err := EUI64LinkLocal(net.HardwareAddr{0x52, 0x54, 0x00, 0x12, 0x34, 0x56})
	must(t, err)
	if ll != netip.MustParseAddr("fe80::5054:ff:fe12:3456") {
		t.Errorf("EUI64LinkLocal = %s", ll)
	}
}

// sysctlIn reads a sysctl in the node's namespace.
func sysctlIn(t *testing.T, n *labNode, key string) int {
	t.Helper()
	var v int
	n.do(t, func() (err error) {
		v, err = readSysctlInt(key)
		return err
	})
	return v
}

// use_vmac: a private-mode macvlan on the parent with the VRRP MAC, up,
// without an automatic link-local address, with keepalived's sysctls on it
// and on the parent; IPv6 gets the configured link-local source; deleting
// removes it and the parent's ARP settings come back.
func TestVMAC(t *testing.T) {
	node := newLab(t, 1).nodes[0]
	nl := nodeNetlink(t, node)

	info, err := nl.CreateVMAC(VMAC{Name: "vrrp.51", Parent: "eth0", VRID: 51})
	must(t, err)
	if !info.Created || info.MAC.String() != "00:00:5e:00:01:33" || !info.Parent.Changed {
		t.Errorf("CreateVMAC: %+v", info)
	}
	link, err := node.h.LinkByName("vrrp.51")
	must(t, err)
	mv, ok := link.(*netlink.Macvlan)
	if !ok || mv.Mode != netlink.MACVLAN_MODE_PRIVATE || mv.ParentIndex != node.ifindex ||
		!bytes.Equal(mv.HardwareAddr, VRRPMAC(51, false)) || mv.Attrs().Flags&net.FlagUp == 0 {
		t.Fatalf("vrrp.51: %T %+v", link, link.Attrs())
	}
	if out := node.ip(t, "-d", "link", "show", "vrrp.51"); !strings.Contains(out, "link/ether 00:00:5e:00:01:33") ||
		!strings.Contains(out, "macvlan mode private") {
		t.Errorf("ip -d link show vrrp.51:\n%s", out)
	}
	for key, want := range map[string]int{
		"net/ipv4/conf/vrrp.51/arp_ignore":          1,
		"net/ipv4/conf/vrrp.51/accept_local":        1,
		"net/ipv4/conf/vrrp.51/rp_filter":           0,
		"net/ipv4/conf/vrrp.51/promote_secondaries": 1,
		"net/ipv6/conf/vrrp.51/disable_ipv6":        1,
		"net/ipv4/conf/eth0/arp_ignore":             1,
		"net/ipv4/conf/eth0/arp_filter":             1,
	} {
		if got := sysctlIn(t, node, key); got != want {
			t.Errorf("%s = %d, want %d", key, got, want)
		}
	}

	again, err := nl.CreateVMAC(VMAC{Name: "vrrp.51", Parent: "eth0", VRID: 51})
	must(t, err)
	if again.Created || again.Index != info.Index {
		t.Errorf("second CreateVMAC: %+v, want the same interface reused", again)
	}

	ll := netip.MustParseAddr("fe80::1")
	info6, err := nl.CreateVMAC(VMAC{Name: "vrrp6.51", Parent: "eth0", VRID: 51, IPv6: true, LinkLocal: ll})
	must(t, err)
	addrs, err := nl.Addrs(info6.Index)
	must(t, err)
	if len(addrs) != 1 || addrs[0].Prefix != netip.PrefixFrom(ll, 64) || addrs[0].DAD {
		t.Errorf("vrrp6.51 addresses %+v, want only %s/64 nodad (no EUI-64 address)", addrs, ll)
	}
	if !bytes.Equal(info6.MAC, VRRPMAC(51, true)) {
		t.Errorf("vrrp6.51 MAC %s", info6.MAC)
	}

	for _, name := range []string{"vrrp.51", "vrrp6.51"} {
		must(t, nl.DeleteVMAC(name))
		if _, err := node.h.LinkByName(name); err == nil {
			t.Errorf("%s still exists after DeleteVMAC", name)
		}
	}
	must(t, nl.DeleteVMAC("vrrp.51")) // already gone: fine
	must(t, nl.RestoreParentARP(info.Parent))
	if sysctlIn(t, node, "net/ipv4/conf/eth0/arp_ignore") != 0 || sysctlIn(t, node, "net/ipv4/conf/eth0/arp_filter") != 0 {
		t.Error("parent ARP settings not restored")
	}
	if err := nl.DeleteVMAC("eth0"); err == nil {
		t.Error("DeleteVMAC removed a veth")
	}
	if _, err := nl.CreateVMAC(VMAC{Name: "eth0", Parent: "lo", VRID: 1}); err == nil {
		t.Error("CreateVMAC over a veth succeeded")
	}
}

// keepalived lowers all/rp_filter once, raising every interface (and
// default) to the old value first, and restores it at exit.
func TestClearAllRPFilter(t *testing.T) {
	node := newLab(t, 1).nodes[0]
	nl := nodeNetlink(t, node)
	node.do(t, func() error {
		return writeSysctl("net/ipv4/conf/all/rp_filter", 2)
	})
	st, err := nl.ClearAllRPFilter()
	must(t, err)
	if got := sysctlIn(t, node, "net/ipv4/conf/all/rp_filter"); got != 0 {
		t.Errorf("all/rp_filter = %d after clear", got)
	}
	for _, ifn := range []string{"eth0", "lo", "default"} {
		if got := sysctlIn(t, node, "net/ipv4/conf/"+ifn+"/rp_filter"); got != 2 {
			t.Errorf("%s/rp_filter = %d after clear, want 2", ifn, got)
		}
	}
	must(t, nl.RestoreRPFilter(st))
	if got := sysctlIn(t, node, "net/ipv4/conf/all/rp_filter"); got != 2 {
		t.Errorf("all/rp_filter = %d after restore", got)
	}
	if got := sysctlIn(t, node, "net/ipv4/conf/eth0/rp_filter"); got != st.Raised["eth0"] {
		t.Errorf("eth0/rp_filter = %d after restore, want %d", got, st.Raised["eth0"])
	}
}

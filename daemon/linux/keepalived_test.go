package linux

import (
	"bytes"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/vishvananda/netlink"

	"github.com/gokeepalived/gokeepalived/pkg/vrrp"
)

// startKeepalived runs the installed keepalived (VRRP only, foreground)
// in the node's namespace with conf, stopped by PID at cleanup.
func startKeepalived(t *testing.T, n *labNode, conf string) *bytes.Buffer {
	t.Helper()
	bin, err := exec.LookPath("keepalived")
	if err != nil {
		t.Skip("keepalived is not installed")
	}
	dir := t.TempDir()
	cf := filepath.Join(dir, "keepalived.conf")
	must(t, os.WriteFile(cf, []byte(conf), 0o644))
	var log bytes.Buffer
	cmd := exec.Command(bin, "-n", "-l", "-G", "-P", "-f", cf, "-s", n.name,
		"-p", filepath.Join(dir, "ka.pid"), "-r", filepath.Join(dir, "vrrp.pid"), "-c", filepath.Join(dir, "chk.pid"))
	cmd.Stdout, cmd.Stderr = &log, &log
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	must(t, cmd.Start())
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(5 * time.Second):
			// Its own process group: the parent and the VRRP child.
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-exited
		}
		if t.Failed() {
			t.Logf("keepalived output:\n%s", log.String())
		}
	})
	return &log
}

// The real keepalived 2.2.7 next to this package: its gratuitous ARP and
// unsolicited NA are the bytes AppendGARP / AppendUnsolicitedNA build, its
// adverts arrive in a Receiver with TTL/hop limit 255 and TOS/traffic
// class 0xC0, and the VMAC it creates has the MAC, mode and sysctls
// CreateVMAC gives ours.
func TestKeepalivedInterop(t *testing.T) {
	l := newLab(t, 3)
	ka, peer, ours := l.nodes[0], l.nodes[1], l.nodes[2]
	capture := listen(t, peer)
	_, ch4 := startReceiver(t, peer, ReceiverConfig{Ifname: peer.ifname})
	_, ch6 := startReceiver(t, peer, ReceiverConfig{Ifname: peer.ifname, IPv6: true})
	startKeepalived(t, ka, `
global_defs {
	router_id gkllnx
}
vrrp_instance V4 {
	state MASTER
	interface eth0
	virtual_router_id 51
	priority 255
	advert_int 1
	virtual_ipaddress {
		192.0.2.100/32
	}
}
vrrp_instance V6 {
	state MASTER
	interface eth0
	version 3
	virtual_router_id 52
	priority 255
	advert_int 1
	virtual_ipaddress {
		2001:db8::100/128
	}
}
vrrp_instance VM {
	state BACKUP
	interface eth0
	use_vmac vrrp.53
	virtual_router_id 53
	priority 100
	advert_int 1
	virtual_ipaddress {
		192.0.2.53/32
	}
}
`)
	vip4, vip6 := netip.MustParseAddr("192.0.2.100"), netip.MustParseAddr("2001:db8::100")

	garp := capture(func(f []byte) bool {
		return len(f) >= GARPFrameLen && f[12] == 0x08 && f[13] == 0x06 && bytes.Equal(f[28:32], vip4.AsSlice())
	})
	want, err := AppendGARP(nil, ka.mac, vip4)
	must(t, err)
	if !bytes.Equal(garp, want) {
		t.Errorf("keepalived's GARP\n got %x\n ours %x", garp, want)
	}

	na := capture(func(f []byte) bool {
		return len(f) == NAFrameLen && f[12] == 0x86 && f[13] == 0xdd && f[54] == 136 && bytes.Equal(f[62:78], vip6.AsSlice())
	})
	var fwd bool
	ka.do(t, func() (err error) {
		fwd, err = IPv6Forwarding(ka.ifname)
		return err
	})
	want, err = AppendUnsolicitedNA(nil, ka.mac, vip6, fwd)
	must(t, err)
	if !bytes.Equal(na, want) {
		t.Errorf("keepalived's NA\n got %x\n ours %x", na, want)
	}

	for _, c := range []struct {
		ch   <-chan recvd
		vrid uint8
		src  netip.Addr
	}{{ch4, 51, ka.v4}, {ch6, 52, ka.ll}} {
		deadline := time.Now().Add(5 * time.Second)
		for {
			d := next(t, c.ch, "keepalived advert")
			d.Datagram.Data = d.data
			pkt, err := vrrp.ParsePacket(d.AppendPacket(nil), vrrp.ParseOptions{})
			if err == nil && pkt.Advert.VRID == c.vrid {
				if d.Src != c.src || d.TTL != 255 || d.TOS != 0xc0 || d.Dst != vrrp.MulticastGroup(d.IPv6) {
					t.Errorf("keepalived advert VRID %d: src %s dst %s ttl %d tos %#x", c.vrid, d.Src, d.Dst, d.TTL, d.TOS)
				}
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("no advert for VRID %d from keepalived (last: %v)", c.vrid, err)
			}
		}
	}

	// keepalived's VIPs on ka, ours on another node: same attributes
	// (no broadcast, IPv6 nodad and deprecated for a /128).
	kanl, nl := nodeNetlink(t, ka), nodeNetlink(t, ours)
	for _, p := range []netip.Prefix{netip.PrefixFrom(vip4, 32), netip.PrefixFrom(vip6, 128)} {
		must(t, nl.AddAddr(ours.ifindex, Addr{Prefix: p, PreferredLft: DefaultPreferredLft(p)}))
		find := func(n *Netlink, ifindex int) Addr {
			addrs, err := n.Addrs(ifindex)
			must(t, err)
			for _, a := range addrs {
				if a.Prefix == p {
					return a
				}
			}
			t.Fatalf("%s not found", p)
			return Addr{}
		}
		if k, o := find(kanl, ka.ifindex), find(nl, ours.ifindex); k != o {
			t.Errorf("VIP %s differs\nkeepalived: %+v\n      ours: %+v", p, k, o)
		}
	}

	// keepalived's VMAC on ka, ours on another node: same shape.
	waitFor(t, 5*time.Second, "keepalived's vrrp.53", func() bool {
		l, err := ka.h.LinkByName("vrrp.53")
		return err == nil && l.Attrs().Flags&1 != 0
	})
	_, err = nl.CreateVMAC(VMAC{Name: "vrrp.53", Parent: "eth0", VRID: 53})
	must(t, err)
	describe := func(n *labNode) string {
		link, err := n.h.LinkByName("vrrp.53")
		must(t, err)
		mv, ok := link.(*netlink.Macvlan)
		if !ok {
			return "not a macvlan: " + link.Type()
		}
		var b strings.Builder
		b.WriteString("mac " + mv.HardwareAddr.String() + " mode " + strconv.Itoa(int(mv.Mode)) +
			" parent-is-eth0 " + strconv.FormatBool(mv.ParentIndex == n.ifindex) + "\n")
		for _, k := range []string{
			"ipv4/conf/vrrp.53/arp_ignore", "ipv4/conf/vrrp.53/accept_local", "ipv4/conf/vrrp.53/rp_filter",
			"ipv4/conf/vrrp.53/promote_secondaries", "ipv6/conf/vrrp.53/disable_ipv6",
			"ipv4/conf/eth0/arp_ignore", "ipv4/conf/eth0/arp_filter", "ipv4/conf/all/rp_filter",
		} {
			b.WriteString(k + "=" + strconv.Itoa(sysctlIn(t, n, "net/"+k)) + "\n")
		}
		return b.String()
	}
	// keepalived also lowers all/rp_filter first (ClearAllRPFilter); in a
	// fresh namespace it is already 0 on both sides.
	if k, o := describe(ka), describe(ours); k != o {
		t.Errorf("VMAC differs\nkeepalived:\n%s\nours:\n%s", k, o)
	}
}

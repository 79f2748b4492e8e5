package daemon

import (
	"net/netip"
	"testing"
	"time"

	"github.com/gokeepalived/gokeepalived/pkg/config"
	"github.com/gokeepalived/gokeepalived/pkg/vrrp"
)

// keepalived 2.2.7 keepalived_netlink.c ignore_address_if_ours_or_link_local:
// an interface address equal to one of the instance's VIPs is never its
// advert source; another address is, and without one the instance has none
// (the engine's FaultNoAddress).
func TestSourceSkipsOurVIPs(t *testing.T) {
	own := netip.MustParsePrefix("10.0.0.50/24")
	other := netip.MustParsePrefix("10.0.0.51/24")
	for _, c := range []struct {
		name  string
		addrs []netip.Prefix
		want  netip.Addr
		state vrrp.State
	}{
		{"only the VIP", []netip.Prefix{own}, netip.Addr{}, vrrp.StateFault},
		{"a second address", []netip.Prefix{own, other}, other.Addr(), vrrp.StateMaster},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg := e1(255, "MASTER")
			cfg.Instances[0].VIPs = []config.VIP{{Prefix: netip.MustParsePrefix("10.0.0.50/32"), Dev: "eth0"}}
			f := newFake(t)
			f.addrs["eth0"] = c.addrs
			ec, err := BuildEngineConfig(cfg, f)
			must(t, err)
			if got := ec.Instances[0].SrcAddr; got != c.want {
				t.Fatalf("source %v, want %v", got, c.want)
			}
			d, err := New(cfg, f, testLogger(t))
			must(t, err)
			must(t, d.Start())
			if got := state(t, d); got != c.state {
				t.Fatalf("state %v, want %v", got, c.state)
			}
		})
	}
}

// twoInstances is e1's VI_1 (VIP 172.20.0.100) and a VI_2 (VRID 200, VIP
// 172.20.0.200) on eth0, whose only address is VI_1's VIP.
func twoInstances(t *testing.T) (*Driver, *fakePlatform) {
	cfg := e1(100, "BACKUP")
	in2 := cfg.Instances[0]
	in2.Name, in2.VRID = "VI_2", 200
	in2.VIPs = []config.VIP{{Prefix: netip.MustParsePrefix("172.20.0.200/32"), Dev: "eth0"}}
	cfg.Instances = append(cfg.Instances, in2)
	f := newFake(t)
	f.addrs["eth0"] = []netip.Prefix{netip.MustParsePrefix("172.20.0.100/24")}
	f.primary["eth0"] = netip.MustParseAddr("172.20.0.100")
	d, err := New(cfg, f, testLogger(t))
	must(t, err)
	must(t, d.Start())
	return d, f
}

func states(t *testing.T, d *Driver) [2]vrrp.State {
	t.Helper()
	var out [2]vrrp.State
	for i, n := range []string{"VI_1", "VI_2"} {
		st, ok := d.Status(n)
		if !ok {
			t.Fatalf("no %s", n)
		}
		out[i] = st.State
	}
	return out
}

// keepalived 2.2.7 ignore_address_if_ours_or_link_local looks at every
// instance on the interface: VI_2 does not take VI_1's VIP as its source
// either. Verified against keepalived 2.2.7 in a namespace (both
// instances "entering FAULT state (no IPv4 address for interface)").
func TestSourceSkipsOtherInstancesVIPs(t *testing.T) {
	d, _ := twoInstances(t)
	if got := states(t, d); got != [2]vrrp.State{vrrp.StateFault, vrrp.StateFault} {
		t.Fatalf("states %v, want both FAULT", got)
	}
}

// keepalived 2.2.7 keepalived_netlink.c netlink_if_address_filter: an
// address added later that is not a VIP becomes the source of the
// instances without one, which leave FAULT (try_up_instance); a VIP of
// any instance is ignored. Verified against keepalived 2.2.7 in a
// namespace: `ip addr add` of the other instance's VIP changed nothing,
// of 10.99.0.9/24 brought both instances to BACKUP at once and MASTER a
// Master_Down_Interval later, advertising from the new address.
func TestAddressAddedLeavesFault(t *testing.T) {
	d, f := twoInstances(t)
	f.advance(time.Second)
	vip2 := netip.MustParsePrefix("172.20.0.200/24")
	f.addrs["eth0"] = append(f.addrs["eth0"], vip2)
	d.AddressAdded("eth0", vip2)
	if got := states(t, d); got != [2]vrrp.State{vrrp.StateFault, vrrp.StateFault} {
		t.Fatalf("after adding VI_2's VIP: states %v, want both FAULT", got)
	}
	plain := netip.MustParsePrefix("172.20.0.9/24")
	f.addrs["eth0"] = append(f.addrs["eth0"], plain)
	d.AddressAdded("eth0", plain)
	if got := states(t, d); got != [2]vrrp.State{vrrp.StateBackup, vrrp.StateBackup} {
		t.Fatalf("after adding %v: states %v, want both BACKUP", plain, got)
	}
	mdi := 3*time.Second + 156*time.Second/256
	f.advance(mdi)
	if got := states(t, d); got != [2]vrrp.State{vrrp.StateMaster, vrrp.StateMaster} {
		t.Fatalf("one Master_Down_Interval later: states %v, want both MASTER", got)
	}
	for _, p := range f.sent {
		if p.Src != plain.Addr() {
			t.Fatalf("advert from %v, want %v", p.Src, plain.Addr())
		}
	}
	if len(f.sent) < 2 {
		t.Fatalf("%d adverts sent", len(f.sent))
	}
}

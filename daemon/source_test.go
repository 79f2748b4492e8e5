package daemon

import (
	"net/netip"
	"testing"

	"github.com/gokeepalived/gokeepalived/pkg/config"
	"github.com/gokeepalived/gokeepalived/pkg/vrrp"
)

// keepalived 2.2.7 keepalived_netlink.c ignore_address_if_ours_or_link_local:
// an interface address equal to one of the instance's VIPs is never its
// advert source; another address is, and without one the instance has none
// (the engine's FaultNoAddress).
func TestSourceSkipsOwnVIPs(t *testing.T) {
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

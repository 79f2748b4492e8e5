package daemon

import (
	"net/netip"
	"testing"
	"time"

	"github.com/gokeepalived/gokeepalived/pkg/config"
	"github.com/gokeepalived/gokeepalived/pkg/vrrp"
)

// keepalived SIGHUP (reference §2.2, §3.3): a MASTER stays MASTER and
// sends an advert before the reload (its old configuration) and one after
// it (the new one: here the new VIP list); a changed VIP list is
// reconciled and the new address announced.
func TestReloadKeepsMasterAndReconcilesVIPs(t *testing.T) {
	d, f := start(t, e1(100, "MASTER"))
	f.advance(4 * time.Second)
	if state(t, d) != vrrp.StateMaster {
		t.Fatal("not MASTER")
	}
	cfg := e1(100, "MASTER")
	cfg.Instances[0].VIPs = []config.VIP{{Prefix: netip.MustParsePrefix("172.20.0.101/32"), Dev: "eth0"}}
	n, g := len(f.sent), len(f.garps)
	if err := d.Reload(cfg); err != nil {
		t.Fatal(err)
	}
	if state(t, d) != vrrp.StateMaster {
		t.Errorf("after reload: %v, want MASTER", state(t, d))
	}
	if len(f.sent) != n+2 {
		t.Errorf("%d adverts at reload, want 2 (before and after, reload_master)", len(f.sent)-n)
	}
	if f.has("eth0", "172.20.0.100") || !f.has("eth0", "172.20.0.101") {
		t.Errorf("addresses after reload %v", f.addrs["eth0"])
	}
	if len(f.garps) != g+5 {
		t.Errorf("%d GARPs for the new VIP, want 5", len(f.garps)-g)
	}
	// Timers survive: adverts keep coming every second.
	n = len(f.sent)
	f.advance(3 * time.Second)
	if len(f.sent) != n+3 {
		t.Errorf("%d adverts in 3s after reload, want 3", len(f.sent)-n)
	}
}

// An instance removed on reload stops: priority 0, VIPs released, STOP.
func TestReloadRemovesInstance(t *testing.T) {
	d, f := start(t, e1(100, "MASTER"))
	f.advance(4 * time.Second)
	cfg := e1(100, "MASTER")
	cfg.Instances = nil
	if err := d.Reload(cfg); err != nil {
		t.Fatal(err)
	}
	if p, _ := f.lastAdvert(); p.Advert.Priority != 0 {
		t.Errorf("last advert priority %d, want 0", p.Advert.Priority)
	}
	if f.has("eth0", "172.20.0.100") {
		t.Error("VIP kept after its instance was removed")
	}
	n := len(f.sent)
	f.advance(5 * time.Second)
	if len(f.sent) != n {
		t.Errorf("%d adverts from a removed instance", len(f.sent)-n)
	}
}

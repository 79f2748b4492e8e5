package sim

import (
	"fmt"
	"net/netip"
	"slices"
	"testing"
	"time"
)

// VRRPv3 over IPv6 (RFC 5798 §5.1.2): adverts from the interface's
// link-local address to ff02::12, centisecond intervals; the
// higher-priority router wins after 3 × 0.5 s + skew.
func TestIPv6VRRPv3(t *testing.T) {
	conf := func(prio int) string {
		return fmt.Sprintf(`vrrp_instance V6 {
    interface eth0
    virtual_router_id 60
    priority %d
    advert_int 0.5
    version 3
    virtual_ipaddress {
        fe80::60
        2001:db8::60/64
    }
}
`, prio)
	}
	w := NewWorld(Options{Seed: 1, RecordAdverts: true})
	must(t, w.AddSegment("lan"))
	for i, name := range []string{"a", "b"} {
		must(t, w.AddNode(name, Iface{Name: "eth0", Segment: "lan", Addrs: []netip.Prefix{netip.MustParsePrefix(fmt.Sprintf("2001:db8::%d/64", i+1))}}))
		must(t, w.WriteFile(name, ConfigPath, []byte(conf(200-100*i))))
		must(t, w.StartDaemon(name))
	}
	vip := netip.MustParseAddr("2001:db8::60")
	if !w.RunUntil(3*time.Second, func() bool { return slices.Equal(w.VIPHolders(vip), []string{"a"}) }) {
		t.Fatalf("holders %v", w.VIPHolders(vip))
	}
	// Master_Down_Interval = 3 × 0.5 s + (256−200) × 0.5 s / 256.
	want := 1500*time.Millisecond + 56*500*time.Millisecond/256
	if d := w.Elapsed() - want; d < 0 || d > 10*time.Millisecond {
		t.Errorf("a became MASTER at %v, want %v", w.Elapsed(), want)
	}
	w.RunFor(5 * time.Second)
	if got := w.VIPHolders(vip); !slices.Equal(got, []string{"a"}) {
		t.Errorf("holders %v after 5s", got)
	}
	ads := w.Adverts()
	if len(ads) < 10 {
		t.Fatalf("%d adverts", len(ads))
	}
	for _, a := range ads {
		if !a.Src.IsLinkLocalUnicast() || a.Dst != netip.MustParseAddr("ff02::12") || a.Node != "a" {
			t.Fatalf("advert %+v: want a's link-local to ff02::12", a)
		}
	}
	if r := w.History().Rejects("b"); len(r) != 0 {
		t.Errorf("b rejected %v", r)
	}
}

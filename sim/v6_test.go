package sim

import (
	"fmt"
	"net/netip"
	"slices"
	"testing"
	"time"
)

// keepalived 2.2.7 vrrp.c vrrp_complete_instance ("For IPv6 the default is
// to let the kernel set the default value") and vrrp_build_ancillary_data
// (IPV6_HOPLIMIT only when unicast_ttl is set): IPv6 unicast adverts go
// out with the kernel's default hop limit (64) unless unicast_ttl says
// otherwise; multicast ones with 255.
func TestIPv6UnicastHopLimit(t *testing.T) {
	for _, c := range []struct {
		name, extra string
		unicast     bool
		want        uint8
	}{
		{"unicast without unicast_ttl", "", true, 64},
		{"unicast_ttl 200", "    unicast_ttl 200\n", true, 200},
		{"multicast", "", false, 255},
	} {
		t.Run(c.name, func(t *testing.T) {
			peers := ""
			if c.unicast {
				peers = "    unicast_peer {\n        fe80::2\n    }\n"
			}
			conf := "vrrp_instance V6 {\n    interface eth0\n    virtual_router_id 60\n    priority 200\n" +
				"    advert_int 1\n" + peers + c.extra + "    virtual_ipaddress {\n        2001:db8::60/64\n    }\n}\n"
			w := NewWorld(Options{Seed: 1, RecordAdverts: true})
			must(t, w.AddSegment("lan"))
			must(t, w.AddNode("a", Iface{Name: "eth0", Segment: "lan", Addrs: []netip.Prefix{netip.MustParsePrefix("2001:db8::1/64")}}))
			must(t, w.WriteFile("a", ConfigPath, []byte(conf)))
			must(t, w.StartDaemon("a"))
			w.RunFor(6 * time.Second)
			ads := w.Adverts()
			if len(ads) == 0 {
				t.Fatal("no advert sent")
			}
			for _, a := range ads {
				if a.TTL != c.want {
					t.Fatalf("advert to %v with hop limit %d, want %d", a.Dst, a.TTL, c.want)
				}
			}
		})
	}
}

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

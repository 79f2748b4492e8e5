package vrrp_test

import (
	"fmt"
	"net/netip"

	"github.com/gokeepalived/gokeepalived/pkg/vrrp"
)

// A VRRPv3 advert sent to the IPv4 group and decoded on the other side:
// the checksum covers the IPv4 pseudo-header, as keepalived 2.2.7 does.
func Example() {
	src := netip.MustParseAddr("192.0.2.1")
	group := vrrp.MulticastGroup(false)
	a := vrrp.Advert{Version: 3, VRID: 51, Priority: 150, AdvertIntCS: 100,
		Addrs: []netip.Addr{netip.MustParseAddr("192.0.2.100")}}
	msg, err := a.Marshal(src, group, vrrp.MarshalOptions{})
	if err != nil {
		panic(err)
	}
	fmt.Printf("% x\n", msg)

	got, err := vrrp.Parse(msg, src, group, vrrp.ParseOptions{})
	fmt.Println(got.VRID, got.Priority, got.AdvertIntCS, got.Addrs, err)

	msg[2] = 200 // a forged priority no longer matches the checksum
	_, err = vrrp.Parse(msg, src, group, vrrp.ParseOptions{})
	fmt.Println(vrrp.ReasonOf(err))
	// Output:
	// 31 33 96 01 00 64 d3 71 c0 00 02 64
	// 51 150 100 [192.0.2.100] <nil>
	// checksum
}

package sim_test

import (
	"fmt"
	"net/netip"
	"time"

	"github.com/gokeepalived/gokeepalived/sim"
)

// Two routers, one VRID: the higher priority takes the VIP after its
// Master_Down_Interval, and a graceful stop hands it over within Skew_Time.
func Example() {
	conf := func(prio int) []byte {
		return fmt.Appendf(nil, `vrrp_instance VI_1 {
    interface eth0
    virtual_router_id 51
    priority %d
    advert_int 1
    virtual_ipaddress {
        10.0.0.3/24
    }
}
`, prio)
	}
	w := sim.NewWorld(sim.Options{Seed: 1})
	w.AddSegment("lan")
	w.AddNode("lb01", sim.Iface{Name: "eth0", Segment: "lan", Addrs: []netip.Prefix{netip.MustParsePrefix("10.0.0.7/24")}})
	w.AddNode("lb02", sim.Iface{Name: "eth0", Segment: "lan", Addrs: []netip.Prefix{netip.MustParsePrefix("10.0.0.8/24")}})
	w.WriteFile("lb01", sim.ConfigPath, conf(150))
	w.WriteFile("lb02", sim.ConfigPath, conf(100))
	w.StartDaemon("lb01")
	w.StartDaemon("lb02")
	w.RunFor(10 * time.Second)
	w.StopDaemon("lb01")
	w.RunFor(5 * time.Second)
	for _, t := range w.Transitions() {
		fmt.Printf("%v %s %s -> %s\n", t.At, t.Node, t.From, t.To)
	}
	fmt.Println("VIP on", w.VIPHolders(netip.MustParseAddr("10.0.0.3")))
	// Output:
	// 0s lb01 INIT -> BACKUP
	// 0s lb02 INIT -> BACKUP
	// 3.414062s lb01 BACKUP -> MASTER
	// 10s lb01 MASTER -> STOP
	// 10.609375s lb02 BACKUP -> MASTER
	// VIP on [lb02]
}

package sim

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"
)

// clusterConf is one node's keepalived.conf with vrids instances on eth0,
// priorities rotated so that masters spread over the nodes.
func clusterConf(node, nodes, vrids int) string {
	var b strings.Builder
	b.WriteString("global_defs {\n  router_id n" + fmt.Sprint(node) + "\n}\n")
	for v := 1; v <= vrids; v++ {
		fmt.Fprintf(&b, `vrrp_instance VI_%d {
  state BACKUP
  interface eth0
  virtual_router_id %d
  priority %d
  advert_int 1
  virtual_ipaddress {
    10.%d.%d.1/32
  }
}
`, v, v, 100+(node+v)%nodes, 100+v/250, v%250)
	}
	return b.String()
}

func clusterWorld(t tb, nodes, vrids int, seed int64) *World {
	w := NewWorld(Options{Seed: seed})
	must(t, w.AddSegment("lan"))
	for i := range nodes {
		name := fmt.Sprintf("n%02d", i)
		addr := netip.MustParsePrefix(fmt.Sprintf("192.168.%d.%d/16", i/250, i%250+1))
		must(t, w.AddNode(name, Iface{Name: "eth0", Segment: "lan", Addrs: []netip.Prefix{addr}}))
		must(t, w.WriteFile(name, ConfigPath, []byte(clusterConf(i, nodes, vrids))))
		must(t, w.StartDaemon(name))
	}
	return w
}

func benchCluster(b *testing.B, nodes, vrids int, simulated time.Duration) {
	b.ReportAllocs()
	var wall time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		w := clusterWorld(b, nodes, vrids, int64(i))
		b.StartTimer()
		t0 := time.Now()
		w.RunFor(simulated)
		wall += time.Since(t0)
		b.StopTimer()
		sent := 0
		for _, n := range w.Nodes() {
			sent += w.Counters(n).AdvertsSent
		}
		if sent == 0 {
			b.Fatal("no adverts sent")
		}
		if sb := w.SplitBrains(); len(sb) != 0 {
			b.Fatalf("split brain in a fault-free run: %+v", sb[0])
		}
		b.StartTimer()
	}
	b.ReportMetric(simulated.Seconds()*float64(b.N)/wall.Seconds(), "sim-s/wall-s")
}

// 3 nodes × 1 VRID for one simulated hour.
func BenchmarkThreeNodesOneVRIDOneHour(b *testing.B) { benchCluster(b, 3, 1, time.Hour) }

// 50 nodes × 255 VRIDs (every node in every VRID) for one simulated minute.
func BenchmarkFiftyNodes255VRIDsOneMinute(b *testing.B) { benchCluster(b, 50, 255, time.Minute) }

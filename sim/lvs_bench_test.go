package sim

import (
	"fmt"
	"net/netip"
	"runtime"
	"strings"
	"testing"
	"time"
)

// bigLVSConf is nVS NAT virtual servers (10.1.x.y:80) with nRS real
// servers each (10.0.1.1..nRS port 80), TCP_CHECK every second.
func bigLVSConf(nVS, nRS int) string {
	var b strings.Builder
	for i := range nVS {
		fmt.Fprintf(&b, "virtual_server 10.1.%d.%d 80 {\n delay_loop 1\n lb_algo wlc\n lb_kind NAT\n protocol TCP\n", i/250, i%250+1)
		for j := range nRS {
			fmt.Fprintf(&b, " real_server 10.0.1.%d 80 {\n  weight 1\n  TCP_CHECK {\n   connect_timeout 3\n  }\n }\n", j+1)
		}
		b.WriteString("}\n")
	}
	return b.String()
}

// lvsScale is a director running nVS × nRS TCP_CHECKs every second
// against nRS real-server hosts, started and past its first round.
func lvsScale(b *testing.B, nVS, nRS int) *World {
	b.Helper()
	w := NewWorld(Options{Seed: 1})
	if err := w.AddSegment("lan"); err != nil {
		b.Fatal(err)
	}
	if err := w.AddNode("lvs", Iface{Name: "eth0", Segment: "lan", Addrs: []netip.Prefix{netip.MustParsePrefix("10.0.0.1/16")}}); err != nil {
		b.Fatal(err)
	}
	for j := range nRS {
		name := fmt.Sprintf("rs%d", j+1)
		if err := w.AddNode(name, Iface{Name: "eth0", Segment: "lan", Addrs: []netip.Prefix{netip.MustParsePrefix(fmt.Sprintf("10.0.1.%d/16", j+1))}}); err != nil {
			b.Fatal(err)
		}
		if err := w.AddService(name, Service{Kind: ServiceTCP, Port: 80}); err != nil {
			b.Fatal(err)
		}
	}
	if err := w.WriteFile("lvs", ConfigPath, []byte(bigLVSConf(nVS, nRS))); err != nil {
		b.Fatal(err)
	}
	if err := w.StartDaemon("lvs"); err != nil {
		b.Fatal(err)
	}
	w.RunFor(5 * time.Second)
	tb, err := w.IPVS("lvs")
	if err != nil || len(tb.Entries) != nVS || len(tb.Entries[0].Dests) != nRS {
		b.Fatalf("table: %v, %d services", err, len(tb.Entries))
	}
	return w
}

// BenchmarkChecker10kTCP is 10,000 real servers across 1,000 virtual
// servers, TCP_CHECK every second, in the simulator: one op is one
// simulated second (10,000 probes through the simulated network, their
// verdict handling, and the once-a-second drift-healing reconcile of the
// 11,000-entry table). The heap after the first rounds is reported too.
func BenchmarkChecker10kTCP(b *testing.B) {
	w := lvsScale(b, 1000, 10)
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		w.RunFor(time.Second)
	}
	b.ReportMetric(float64(ms.HeapInuse)/(1<<20), "heapMB")
}

// BenchmarkCheckerFailover10kTCP: the same director, one real server host
// refusing and coming back every simulated second in turn: 1,000 removals
// or 1,000 re-adds per op, each reconciling its own service.
func BenchmarkCheckerFailover10kTCP(b *testing.B) {
	w := lvsScale(b, 1000, 10)
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		if i%2 == 0 {
			_ = w.StopProcess("rs3", "tcpd")
		} else {
			_ = w.StartProcess("rs3", "tcpd")
		}
		w.RunFor(2 * time.Second)
	}
}

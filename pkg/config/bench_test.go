package config

import (
	"fmt"
	"strings"
	"testing"
)

// genConfig writes a configuration of vrrp instances and virtual servers
// with rs real servers each (one HTTP_GET checker per real server).
func genConfig(instances, vservers, rs int) []byte {
	var b strings.Builder
	b.WriteString("global_defs {\n    router_id bench\n    enable_script_security\n}\n")
	for i := 0; i < instances; i++ {
		fmt.Fprintf(&b, `vrrp_instance VI_%d {
    state BACKUP
    interface eth%d
    virtual_router_id %d
    priority 100
    advert_int 1
    authentication {
        auth_type PASS
        auth_pass secret
    }
    virtual_ipaddress {
        10.%d.%d.1/24 dev eth%d label eth%d:1
    }
}
`, i, i/255, i%255+1, i/250, i%250, i/255, i/255)
	}
	for v := 0; v < vservers; v++ {
		fmt.Fprintf(&b, "virtual_server 172.16.%d.%d 80 {\n    delay_loop 6\n    lb_algo rr\n    lb_kind DR\n    protocol TCP\n", v/250, v%250+1)
		for r := 0; r < rs; r++ {
			fmt.Fprintf(&b, "    real_server 192.168.%d.%d 80 {\n        weight 1\n        TCP_CHECK { connect_timeout 3 }\n    }\n", r, v%250+1)
		}
		b.WriteString("}\n")
	}
	return []byte(b.String())
}

func benchParse(b *testing.B, src []byte) {
	lines := strings.Count(string(src), "\n")
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	b.ReportMetric(float64(lines), "lines")
	for b.Loop() {
		_, ds, err := Parse("bench.conf", src, Options{})
		if err != nil {
			b.Fatalf("%v\n%s", err, ds[:min(len(ds), 5)])
		}
	}
}

// The benchmark: 2,000 virtual servers × 10 real servers + 500
// VRRP instances ≈ 100,000 lines; the 10k variant shows linear growth.
func BenchmarkParse100k(b *testing.B) { benchParse(b, genConfig(500, 2000, 10)) }
func BenchmarkParse10k(b *testing.B)  { benchParse(b, genConfig(50, 200, 10)) }

// TestParseLinear: ten times the input costs about ten times the work
// (allocation counts are deterministic, unlike time on a shared machine).
func TestParseLinear(t *testing.T) {
	if testing.Short() {
		t.Skip("short mode")
	}
	small, large := genConfig(50, 200, 10), genConfig(500, 2000, 10)
	as := testing.AllocsPerRun(2, func() { _, _, _ = Parse("s", small, Options{}) })
	al := testing.AllocsPerRun(2, func() { _, _, _ = Parse("l", large, Options{}) })
	ratio := al / as
	if ratio < 8 || ratio > 12.5 {
		t.Errorf("allocations grow by %.1f× for 10× input (small %.0f, large %.0f): not linear", ratio, as, al)
	}
}

func TestGenConfigSize(t *testing.T) {
	src := genConfig(500, 2000, 10)
	n := strings.Count(string(src), "\n")
	if n < 95000 || n > 105000 {
		t.Errorf("benchmark config has %d lines, want about 100,000", n)
	}
	cfg, _, err := Parse("gen", src, Options{})
	if err != nil || len(cfg.VirtualServers) != 2000 || len(cfg.Instances) != 500 || len(cfg.VirtualServers[0].RealServers) != 10 ||
		cfg.VirtualServers[0].RealServers[0].Checkers[0].ConnectTimeout.Seconds() != 3 {
		t.Fatalf("generated config: %v", err)
	}
}

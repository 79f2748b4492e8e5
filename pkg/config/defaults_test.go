package config

import (
	"fmt"
	"testing"
	"time"
)

func instanceFrom(t *testing.T, global, body string) (*VRRPInstance, Diagnostics) {
	t.Helper()
	src := fmt.Sprintf("global_defs {\n%s}\nvrrp_instance VI_1 {\n    interface eth0\n    virtual_router_id 7\n%s}\n", global, body)
	cfg, ds, _ := Parse("t.conf", []byte(src), Options{})
	if len(cfg.Instances) != 1 {
		t.Fatalf("no instance:\n%s", ds)
	}
	return &cfg.Instances[0], ds
}

// keepalived.conf(5) "state"/"priority" and vrrp.c vrrp_complete_instance
// (2.2.7): how state, priority, version, accept mode and advert_int are
// derived.
func TestInstanceDerivation(t *testing.T) {
	v4 := "    virtual_ipaddress {\n        10.0.0.1\n    }\n"
	v6 := "    virtual_ipaddress {\n        fe80::1\n    }\n"
	for _, tc := range []struct {
		name, global, body string
		state              string
		prio, version      int
		accept             bool
		advert             time.Duration
	}{
		{"nothing given", "", v4, "BACKUP", 100, 2, true, time.Second},
		{"MASTER without priority is the owner", "", "    state MASTER\n" + v4, "MASTER", 255, 2, true, time.Second},
		{"priority 255 without state is MASTER", "", "    priority 255\n" + v4, "MASTER", 255, 2, true, time.Second},
		{"strict: MASTER must be the owner", "    vrrp_strict\n", "    state MASTER\n    priority 100\n" + v4, "BACKUP", 100, 2, false, time.Second},
		{"strict: the owner accepts", "    vrrp_strict\n", "    priority 255\n" + v4, "MASTER", 255, 2, true, time.Second},
		{"global vrrp_version", "    vrrp_version 3\n", v4, "BACKUP", 100, 3, true, time.Second},
		{"IPv6 is version 3", "", v6, "BACKUP", 100, 3, true, time.Second},
		{"IPv6 with version 2 stays 2 unless strict", "", "    version 2\n" + v6, "BACKUP", 100, 2, true, time.Second},
		{"strict IPv6 forces version 3", "    vrrp_strict\n", "    version 2\n" + v6, "BACKUP", 100, 3, false, time.Second},
		{"v2 advert_int rounds half up", "", "    advert_int 1.5\n" + v4, "BACKUP", 100, 2, true, 2 * time.Second},
		{"v2 advert_int never below 1s", "", "    advert_int 0.3\n" + v4, "BACKUP", 100, 2, true, time.Second},
		{"v3 advert_int in 10ms units", "", "    version 3\n    advert_int 0.015\n" + v4, "BACKUP", 100, 3, true, 20 * time.Millisecond},
		{"v3 advert_int at most 40.95s", "", "    version 3\n    advert_int 50\n" + v4, "BACKUP", 100, 3, true, 40950 * time.Millisecond},
		{"no_accept", "", "    no_accept\n" + v4, "BACKUP", 100, 2, false, time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			vi, ds := instanceFrom(t, tc.global, tc.body)
			if vi.State != tc.state || vi.Priority != tc.prio || vi.Version != tc.version || vi.Accept != tc.accept || vi.AdvertInt != tc.advert {
				t.Errorf("state %s prio %d version %d accept %v advert %v; want %s %d %d %v %v\n%s",
					vi.State, vi.Priority, vi.Version, vi.Accept, vi.AdvertInt, tc.state, tc.prio, tc.version, tc.accept, tc.advert, ds)
			}
		})
	}
}

// reference §2.8 / vrrp_complete_instance: strict mode's consequences, and
// instance settings overriding global ones in both directions.
func TestStrictAndOverrides(t *testing.T) {
	v4 := "    virtual_ipaddress {\n        10.0.0.1\n    }\n"
	vi, _ := instanceFrom(t, "    vrrp_strict\n    vrrp_garp_lower_prio_repeat 4\n", "    authentication {\n        auth_type PASS\n        auth_pass x\n    }\n"+v4)
	if vi.AuthType != AuthNone || !vi.LowerPrioNoAdvert || vi.HigherPrioSendAdvert || vi.GARPLowerPrioRepeat != 0 || vi.GARPLowerPrioDelay != 0 || vi.DownTimerAdverts != 3 {
		t.Errorf("strict: %+v", vi)
	}
	vi, _ = instanceFrom(t, "    vrrp_skip_check_adv_addr\n    vrrp_lower_prio_no_advert\n", "    skip_check_adv_addr off\n    lower_prio_no_advert off\n"+v4)
	if vi.SkipCheckAdvAddr || vi.LowerPrioNoAdvert {
		t.Errorf("instance 'off' must win over the global default: %+v", vi)
	}
	vi, _ = instanceFrom(t, "    vrrp_garp_master_delay 7\n    vrrp_garp_master_repeat 3\n    vrrp_garp_interval 0.5\n", v4)
	if vi.GARPMasterDelay != 7*time.Second || vi.GARPMasterRepeat != 3 || vi.GARPLowerPrioDelay != 7*time.Second || vi.GARPLowerPrioRepeat != 3 || vi.GARPInterval != 500*time.Millisecond {
		t.Errorf("GARP defaults from global_defs: %+v", vi)
	}
	vi, _ = instanceFrom(t, "    vrrp_min_garp\n", v4)
	if vi.GARPMasterRepeat != 1 || vi.GARPMasterDelay != 0 {
		t.Errorf("vrrp_min_garp: %+v", vi)
	}
}

// Tracker weights: a line without "weight" takes the tracked object's
// weight and reverse flag (keepalived.conf(5) track_script).
func TestTrackerWeights(t *testing.T) {
	src := `vrrp_script a {
    script /bin/true
    weight -20 reverse
}
vrrp_script b {
    script /bin/true
}
vrrp_instance VI_1 {
    interface eth0
    virtual_router_id 7
    virtual_ipaddress {
        10.0.0.1
    }
    track_script {
        a
        b weight 10
    }
    track_interface {
        eth1 weight -5 reverse
        eth2
    }
}
`
	cfg, ds, err := Parse("t.conf", []byte(src), Options{})
	if err != nil {
		t.Fatalf("%v\n%s", err, ds)
	}
	ts := cfg.Instances[0].TrackScripts
	if ts[0].Weight != -20 || !ts[0].Reverse || ts[0].WeightSet || ts[1].Weight != 10 || !ts[1].WeightSet {
		t.Errorf("track_script %+v", ts)
	}
	ti := cfg.Instances[0].TrackInterfaces
	if ti[0].Weight != -5 || !ti[0].Reverse || ti[1].Weight != 0 {
		t.Errorf("track_interface %+v", ti)
	}
}

// check_data.c validate_check_config: defaults inherited virtual server →
// real server → checker, and the checker's own defaults.
func TestCheckerInheritance(t *testing.T) {
	src := `virtual_server 10.0.0.1 80 {
    protocol TCP
    lb_algo rr
    lb_kind DR
    delay_loop 20
    connect_timeout 7
    real_server 10.0.0.2 8080 {
        retry 4
        HTTP_GET {
            url {
                path /
            }
        }
        DNS_CHECK {
            delay_loop 9
        }
        MISC_CHECK {
            misc_path /bin/true
        }
    }
}
`
	cfg, ds, _ := Parse("t.conf", []byte(src), Options{})
	vs := cfg.VirtualServers[0]
	rs := vs.RealServers[0]
	if rs.Port != 80 {
		t.Errorf("DR real server port %d, want the virtual server's 80 (ports don't match - resetting)", rs.Port)
	}
	http, dns, misc := rs.Checkers[0], rs.Checkers[1], rs.Checkers[2]
	if http.DelayLoop != 20*time.Second || http.ConnectTimeout != 7*time.Second || http.Retry != 4 || http.DelayBeforeRetry != 3*time.Second || http.Warmup != 20*time.Second {
		t.Errorf("HTTP_GET %+v", http)
	}
	if dns.DelayLoop != 9*time.Second || dns.Retry != 4 || dns.DelayBeforeRetry != 9*time.Second || dns.Warmup != 9*time.Second || dns.DNSType != "SOA" || dns.DNSName != "." {
		t.Errorf("DNS_CHECK %+v", dns)
	}
	if misc.Retry != 4 || misc.DelayBeforeRetry != time.Second || misc.MiscTimeout != 20*time.Second {
		t.Errorf("MISC_CHECK %+v", misc)
	}
	if !hasDiag(ds, Warning, 7, "real_server") {
		t.Errorf("want the port reset warning:\n%s", ds)
	}
}

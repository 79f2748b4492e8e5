package daemon

import (
	"math"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/gokeepalived/gokeepalived/pkg/config"
	"github.com/gokeepalived/gokeepalived/pkg/vrrp"
)

func parse(t *testing.T, src string) *config.Config {
	t.Helper()
	cfg, diags, err := config.Parse("test.conf", []byte(src), config.Options{})
	if err != nil {
		t.Fatalf("parse: %v\n%s", err, diags)
	}
	return cfg
}

// keepalived.conf(5): the advert source is unicast_src_ip / mcast_src_ip,
// else the interface's primary address; adverts go to vrrp_mcast_group4 or
// to each unicast_peer; track_script without weight takes the script's
// weight; track_interface of the own interface is ignored; auth_pass is cut to 8 bytes on the wire.
func TestBuildEngineConfig(t *testing.T) {
	cfg := parse(t, `
global_defs {
   vrrp_mcast_group4 224.0.0.19
}
vrrp_script chk_down {
    script "[[ -f /etc/keepalived/down ]]&& exit 1 ||exit 0"
    interval 1
    weight -2
}
vrrp_script chk_www {
    script "/server/scripts/check_www.sh"
    interval 2
    weight 2
}
vrrp_instance VI_1 {
    state MASTER
    interface eth0
    virtual_router_id 199
    priority 100
    advert_int 1
    authentication {
        auth_type PASS
        auth_pass c09060332be9bb06
    }
    virtual_ipaddress {
        172.20.0.100/16 dev eth0 label eth0:0
    }
    virtual_ipaddress_excluded {
        172.20.0.200
    }
    track_interface {
        eth0
        eth1 weight -20
    }
    track_script {
        chk_down
        chk_www weight 5
    }
}
vrrp_instance VI_2 {
    state BACKUP
    interface eth0
    virtual_router_id 200
    priority 99
    unicast_src_ip 10.0.0.99
    unicast_peer {
        10.0.0.51
        10.0.0.52
    }
    virtual_ipaddress {
        172.20.0.101
    }
}
`)
	f := newFake(t)
	ec, metas, err := buildEngineConfig(cfg, f, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(ec.Instances) != 2 {
		t.Fatalf("%d instances", len(ec.Instances))
	}
	i1, m1 := ec.Instances[0], metas[0]
	if i1.VRID != 199 || i1.Priority != 100 || !i1.WantMaster || i1.AdvertInt != time.Second || i1.Version != 2 {
		t.Errorf("VI_1 basics %+v", i1)
	}
	if i1.SrcAddr != netip.MustParseAddr("10.0.0.50") || m1.dsts[0] != netip.MustParseAddr("224.0.0.19") || m1.ttl != 255 {
		t.Errorf("VI_1 src %v dsts %v ttl %d", i1.SrcAddr, m1.dsts, m1.ttl)
	}
	if i1.AuthType != vrrp.AuthPass || string(i1.AuthPass[:]) != "c0906033" {
		t.Errorf("auth %v %q", i1.AuthType, i1.AuthPass)
	}
	if len(i1.VIPs) != 1 || i1.VIPs[0] != netip.MustParseAddr("172.20.0.100") {
		t.Errorf("VIPs (eVIPs are not advertised) %v", i1.VIPs)
	}
	if len(m1.addrs) != 2 || m1.addrs[0].Label != "eth0:0" || m1.addrs[1].Dev != "eth0" {
		t.Errorf("addresses to set %+v", m1.addrs)
	}
	want := []vrrp.TrackerRef{
		{Name: "chk_down", Kind: vrrp.TrackScript, Weight: -2},
		{Name: "chk_www", Kind: vrrp.TrackScript, Weight: 5},
		{Name: "eth1", Kind: vrrp.TrackInterface, Weight: -20}, // own eth0 is dropped (keepalived ignores it)
	}
	if len(i1.Trackers) != len(want) {
		t.Fatalf("trackers %+v", i1.Trackers)
	}
	for i := range want {
		if i1.Trackers[i] != want[i] {
			t.Errorf("tracker %d = %+v, want %+v", i, i1.Trackers[i], want[i])
		}
	}
	i2, m2 := ec.Instances[1], metas[1]
	if !i2.Unicast || i2.SrcAddr != netip.MustParseAddr("10.0.0.99") || len(m2.dsts) != 2 || m2.dsts[1] != netip.MustParseAddr("10.0.0.52") {
		t.Errorf("VI_2 unicast %+v %+v", i2, m2.dsts)
	}
	if i2.WantMaster || i2.Priority != 99 {
		t.Errorf("VI_2 %+v", i2)
	}
}

// track_file (keepalived.conf(5)): the file's number × weight is added to
// the priority; the driver re-reads it (here: every second).
func TestTrackFile(t *testing.T) {
	cfg := parse(t, `
track_file tf {
    file /etc/keepalived/prio
    weight -10
}
vrrp_instance VI_1 {
    interface eth0
    virtual_router_id 1
    priority 100
    virtual_ipaddress {
        10.0.0.100
    }
    track_file {
        tf
    }
}
`)
	f := newFake(t)
	f.files["/etc/keepalived/prio"] = "0\n"
	d, err := New(cfg, f, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	must(t, d.Start())
	f.advance(time.Second)
	f.files["/etc/keepalived/prio"] = "2\n"
	f.advance(1100 * time.Millisecond)
	if st, _ := d.Status("VI_1"); st.EffectivePriority != 80 {
		t.Errorf("effective priority %d, want 100 + 2×(−10) = 80", st.EffectivePriority)
	}
}

// keepalived 2.2.7 track_file.c process_track_file reads a track_file
// with strtol(buf, NULL, 0) on its first 127 bytes and ignores a value
// with errno set or outside [INT32_MIN, INT32_MAX + 1]. The table is
// glibc's strtol on the same inputs (printed with ctypes on this machine).
func TestTrackFileValue(t *testing.T) {
	for _, c := range []struct {
		in   string
		want int64
		ok   bool
	}{
		{"10", 10, true}, {"0x10", 16, true}, {"010", 8, true}, {"10abc", 10, true},
		{"  42\n", 42, true}, {"\t-7", -7, true}, {"+5", 5, true}, {"-0x10", -16, true},
		{"0x", 0, true}, {"0xg", 0, true}, {"08", 0, true}, {"09", 0, true}, {"abc", 0, true},
		{"-", 0, true}, {"+", 0, true}, {" ", 0, true}, {"0", 0, true}, {"00", 0, true},
		{"0X1f", 31, true}, {"1e3", 1, true}, {"3.7", 3, true},
		{"2147483647", 2147483647, true}, {"2147483648", 2147483648, true}, {"2147483649", 2147483649, false},
		{"-2147483648", -2147483648, true}, {"-2147483649", -2147483649, false},
		{"9223372036854775807", math.MaxInt64, false}, {"9223372036854775808", math.MaxInt64, false},
		{"-9223372036854775809", math.MinInt64, false}, {"99999999999999999999", math.MaxInt64, false},
		{"\v\f\r 12", 12, true}, {"- 5", 0, true}, {"0x7fffffff", 2147483647, true},
		{"0x80000000", 2147483648, true}, {"017777777777", 2147483647, true}, {"020000000000", 2147483648, true},
		{"1\x002", 1, true},
		// Only the first 127 bytes are read.
		{strings.Repeat(" ", 126) + "5", 5, true}, {strings.Repeat(" ", 127) + "5", 0, true},
	} {
		got, ok := trackFileValue([]byte(c.in))
		if got != c.want || ok != c.ok {
			t.Errorf("%q: %d %v, want %d %v", c.in, got, ok, c.want, c.ok)
		}
	}
}

// A track_file value keepalived refuses is ignored: the last one stays
// ("Invalid number ... - ignoring"); 0x and leading-zero numbers count in
// their base.
func TestTrackFileBases(t *testing.T) {
	cfg := parse(t, `
track_file tf {
    file /etc/keepalived/prio
    weight -1
}
vrrp_instance VI_1 {
    interface eth0
    virtual_router_id 1
    priority 100
    virtual_ipaddress {
        10.0.0.100
    }
    track_file {
        tf
    }
}
`)
	f := newFake(t)
	f.files["/etc/keepalived/prio"] = "0x10\n"
	d, err := New(cfg, f, testLogger(t))
	must(t, err)
	must(t, d.Start())
	prio := func() uint8 { st, _ := d.Status("VI_1"); return st.EffectivePriority }
	if p := prio(); p != 84 {
		t.Fatalf("0x10: effective priority %d, want 100 - 16 = 84", p)
	}
	for _, c := range []struct {
		file string
		want uint8
	}{{"010", 92}, {"5 apples", 95}, {"4294967296", 95}, {"-0x3", 103}} {
		f.files["/etc/keepalived/prio"] = c.file
		f.advance(1100 * time.Millisecond)
		if p := prio(); p != c.want {
			t.Errorf("%q: effective priority %d, want %d", c.file, p, c.want)
		}
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// keepalived.conf(5): skip_check_adv_addr, lower_prio_no_advert and
// garp_master_repeat in an instance override the global_defs defaults in
// both directions; the parser resolves them, and the engine config must
// take the instance's value as it is (an explicit "off" wins over the global
// "on", an explicit repeat wins over vrrp_min_garp).
func TestInstanceOverridesGlobal(t *testing.T) {
	cfg := parse(t, `
global_defs {
   vrrp_skip_check_adv_addr
   vrrp_lower_prio_no_advert
   vrrp_min_garp
}
vrrp_instance VI_1 {
    interface eth0
    virtual_router_id 51
    skip_check_adv_addr off
    lower_prio_no_advert false
    garp_master_repeat 3
    virtual_ipaddress {
        10.0.0.3
    }
}
vrrp_instance VI_2 {
    interface eth0
    virtual_router_id 52
    virtual_ipaddress {
        10.0.0.4
    }
}
`)
	ec, _, err := buildEngineConfig(cfg, newFake(t), testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	i1, i2 := ec.Instances[0], ec.Instances[1]
	if i1.SkipCheckAdvAddr || i1.LowerPrioNoAdvert {
		t.Errorf("VI_1: explicit off overridden by global: skip=%v lower=%v", i1.SkipCheckAdvAddr, i1.LowerPrioNoAdvert)
	}
	if i1.GARPMasterRepeat != 3 {
		t.Errorf("VI_1: garp_master_repeat = %d, want the explicit 3", i1.GARPMasterRepeat)
	}
	if !i2.SkipCheckAdvAddr || !i2.LowerPrioNoAdvert {
		t.Errorf("VI_2: global defaults lost: skip=%v lower=%v", i2.SkipCheckAdvAddr, i2.LowerPrioNoAdvert)
	}
	if i2.GARPMasterRepeat != 1 || i2.GARPMasterDelay != 0 {
		t.Errorf("VI_2: vrrp_min_garp gives repeat 1, no second burst; got %d, %v", i2.GARPMasterRepeat, i2.GARPMasterDelay)
	}
}

// The engine config is the resolved model copied as it is: a sync group's
// track_script entry without weight carries the script's weight (pkg/config
// resolves it; the daemon used to inherit it itself), the multicast
// destination is the instance's, and the daemon fills in nothing — a model
// built by hand without keepalived's defaults is refused by the engine
// instead of being completed twice.
func TestEngineConfigCopiesResolvedModel(t *testing.T) {
	cfg := parse(t, `
global_defs {
   vrrp_mcast_group4 224.0.0.77
   vrrp_garp_master_repeat 4
}
vrrp_script chk {
    script /bin/true
    weight -30
}
vrrp_instance A {
    interface eth0
    virtual_router_id 1
    virtual_ipaddress {
        10.0.0.1
    }
}
vrrp_instance B {
    interface eth0
    virtual_router_id 2
    virtual_ipaddress {
        10.0.0.2
    }
}
vrrp_sync_group G {
    group {
        A
        B
    }
    track_script {
        chk
    }
    sync_group_tracking_weight
}
`)
	ec, metas, err := buildEngineConfig(cfg, newFake(t), testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	if got := ec.SyncGroups[0].Trackers; len(got) != 1 || got[0].Weight != -30 {
		t.Errorf("sync group trackers %+v, want chk with the script's weight -30", got)
	}
	if metas[0].dsts[0] != netip.MustParseAddr("224.0.0.77") || ec.Instances[0].GARPMasterRepeat != 4 {
		t.Errorf("dst %v repeat %d: want the model's values", metas[0].dsts, ec.Instances[0].GARPMasterRepeat)
	}
	if _, err := vrrp.NewEngine(ec); err != nil {
		t.Fatalf("resolved model refused: %v", err)
	}

	bare := &config.Config{Instances: []config.VRRPInstance{{Name: "X", Interface: "eth0", VRID: 3, Priority: 100,
		Version: 2, AdvertInt: time.Second, McastDstIP: netip.MustParseAddr("224.0.0.18")}}}
	ec, _, err = buildEngineConfig(bare, newFake(t), testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	if ic := ec.Instances[0]; ic.DownTimerAdverts != 0 || ic.GARPMasterRepeat != 0 {
		t.Errorf("the daemon filled in defaults: %+v", ic)
	}
	if _, err := vrrp.NewEngine(ec); err == nil {
		t.Error("the engine accepted down_timer_adverts 0")
	}
	bare.Instances[0].VRID = 300
	if _, _, err := buildEngineConfig(bare, newFake(t), testLogger(t)); err == nil {
		t.Error("virtual_router_id 300 wrapped into a byte")
	}
}

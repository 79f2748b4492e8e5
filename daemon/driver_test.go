package daemon

import (
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gokeepalived/gokeepalived/pkg/config"
	"github.com/gokeepalived/gokeepalived/pkg/vrrp"
)

// e1 is seed 000's first experiment, built by hand (the parser has its
// own tests) with the values pkg/config resolves, each VIP's device
// included: VI_1, VRID 199, PASS, advert_int 1, VIP 172.20.0.100 with a
// label, track_interface eth0, chk_down weight -2.
func e1(prio int, state string) *config.Config {
	return &config.Config{
		Global: config.GlobalDefs{
			VRRPVersion: 2, VRRPMcastGroup4: netip.MustParseAddr("224.0.0.18"), VRRPDownTimerAdverts: 3,
			DefaultInterface: "eth0",
		},
		Scripts: []config.VRRPScript{{
			Name: "chk_down", Script: "[[ -f /etc/keepalived/down ]]&& exit 1 ||exit 0",
			Interval: time.Second, Timeout: time.Second, Weight: -2, Rise: 1, Fall: 1,
		}},
		Instances: []config.VRRPInstance{{
			Name: "VI_1", State: state, Interface: "eth0", VRID: 199, Priority: prio,
			AdvertInt: time.Second, Version: 2, AuthType: config.AuthPass, AuthPass: "1111",
			VIPs:            []config.VIP{{Prefix: netip.MustParsePrefix("172.20.0.100/32"), Dev: "eth0", Label: "eth0:0"}},
			TrackInterfaces: []config.TrackRef{{Name: "eth0"}},
			TrackScripts:    []config.TrackRef{{Name: "chk_down", Weight: -2}},
			Notify:          config.Notify{Command: "/etc/keepalived/notify.sh"},
			NotifyMaster:    config.Notify{Command: "/etc/keepalived/master.sh"},
			UnicastTTL:      255, DownTimerAdverts: 3, McastDstIP: netip.MustParseAddr("224.0.0.18"),
			GARPMasterDelay: 5 * time.Second, GARPMasterRepeat: 5, GARPMasterRefreshRepeat: 1,
			GARPLowerPrioDelay: 5 * time.Second, GARPLowerPrioRepeat: 5,
		}},
	}
}

func start(t *testing.T, cfg *config.Config, opts ...Option) (*Driver, *fakePlatform) {
	t.Helper()
	f := newFake(t)
	d, err := New(cfg, f, testLogger(t), opts...)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	if err := d.Start(); err != nil {
		t.Fatalf("Start: %v", err)
	}
	return d, f
}

func advert(vrid, prio uint8) vrrp.Advert {
	a := vrrp.Advert{Version: 2, Type: vrrp.TypeAdvertisement, VRID: vrid, Priority: prio, AdvertIntCS: 100,
		AuthType: vrrp.AuthPass, Addrs: []netip.Addr{netip.MustParseAddr("172.20.0.100")}}
	copy(a.AuthData[:], "1111")
	return a
}

func state(t *testing.T, d *Driver) vrrp.State {
	t.Helper()
	st, ok := d.Status("VI_1")
	if !ok {
		t.Fatal("no status for VI_1")
	}
	return st.State
}

// RFC 3768 §6.4.1 / keepalived: a non-owner starts BACKUP and becomes
// MASTER after Master_Down_Interval = 3 × Advert + Skew_Time, where
// Skew_Time = (256 − 100)/256 s; then it sends an advert (src = interface
// primary address, dst 224.0.0.18, TTL 255), sets the VIP with its label,
// sends 5 gratuitous ARPs and runs notify_master and notify.
func TestBecomeMasterAfterMasterDownInterval(t *testing.T) {
	d, f := start(t, e1(100, "MASTER"))
	mdi := 3*time.Second + 156*time.Second/256
	f.advance(mdi - time.Millisecond)
	if got := state(t, d); got != vrrp.StateBackup {
		t.Fatalf("before Master_Down_Interval: state %v, want BACKUP", got)
	}
	f.advance(2 * time.Millisecond)
	if got := state(t, d); got != vrrp.StateMaster {
		t.Fatalf("after Master_Down_Interval: state %v, want MASTER", got)
	}
	if !f.has("eth0", "172.20.0.100") || f.labels[netip.MustParseAddr("172.20.0.100")] != "eth0:0" {
		t.Errorf("VIP not set with label eth0:0: %v %v", f.addrs, f.labels)
	}
	p, ok := f.lastAdvert()
	if !ok || p.Dst != netip.MustParseAddr("224.0.0.18") || p.Src != netip.MustParseAddr("10.0.0.50") || p.TTL != 255 || p.Advert.Priority != 100 || p.Advert.VRID != 199 {
		t.Errorf("advert = %+v", p)
	}
	if len(f.garps) != 5 {
		t.Errorf("GARPs = %d, want garp_master_repeat 5", len(f.garps))
	}
	want := []string{"/etc/keepalived/master.sh", "/etc/keepalived/notify.sh INSTANCE VI_1 MASTER 100"}
	got := f.notifies()
	if len(got) < 2 || !slices.Equal(got[len(got)-2:], want) {
		t.Errorf("notifies = %q, want to end with %q", got, want)
	}
	// The second GARP burst comes garp_master_delay (5s) later.
	f.advance(5 * time.Second)
	if len(f.garps) != 10 {
		t.Errorf("GARPs after garp_master_delay = %d, want 10", len(f.garps))
	}
}

// keepalived vrrp.c: a MASTER receiving a higher-priority advert goes
// BACKUP without a priority-0 advert and removes its VIPs.
func TestMasterYieldsToHigherPriority(t *testing.T) {
	d, f := start(t, e1(100, "MASTER"))
	f.advance(4 * time.Second)
	if state(t, d) != vrrp.StateMaster {
		t.Fatal("not MASTER")
	}
	n := len(f.sent)
	d.Receive("eth0", datagram(t, "10.0.0.51", "224.0.0.18", 255, advert(199, 150)))
	if got := state(t, d); got != vrrp.StateBackup {
		t.Fatalf("state %v, want BACKUP", got)
	}
	if f.has("eth0", "172.20.0.100") {
		t.Error("VIP still set after yielding")
	}
	for _, p := range f.sent[n:] {
		if p.Advert.Priority == 0 {
			t.Error("priority-0 advert sent when yielding to a higher priority")
		}
	}
}

// keepalived SIGTERM: a MASTER sends a priority-0 advert ("sent 0
// priority"), removes its VIPs and runs notify with STOP.
func TestStopSendsPriorityZero(t *testing.T) {
	d, f := start(t, e1(100, "MASTER"))
	f.advance(4 * time.Second)
	d.Stop()
	p, _ := f.lastAdvert()
	if p.Advert.Priority != 0 {
		t.Errorf("last advert priority %d, want 0", p.Advert.Priority)
	}
	if f.has("eth0", "172.20.0.100") {
		t.Error("VIP still set after stop")
	}
	got := f.notifies()
	if len(got) == 0 || got[len(got)-1] != "/etc/keepalived/notify.sh INSTANCE VI_1 STOP 100" {
		t.Errorf("last notify = %q", got)
	}
	// No timer may fire into a stopped driver.
	n := len(f.sent)
	f.advance(10 * time.Second)
	if len(f.sent) != n {
		t.Errorf("%d adverts sent after Stop", len(f.sent)-n)
	}
}

// keepalived vrrp_track.c: a failing weight −2 script lowers the advertised
// priority from 100 to 98 (seed 000, chk_down with /etc/keepalived/down).
func TestScriptWeightLowersPriority(t *testing.T) {
	cfg := e1(100, "MASTER")
	d, f := start(t, cfg)
	f.advance(4 * time.Second)
	f.exit[cfg.Scripts[0].Script] = 1
	f.advance(1100 * time.Millisecond)
	st, _ := d.Status("VI_1")
	if st.EffectivePriority != 98 {
		t.Fatalf("effective priority %d, want 98", st.EffectivePriority)
	}
	f.advance(time.Second)
	if p, _ := f.lastAdvert(); p.Advert.Priority != 98 {
		t.Errorf("advertised priority %d, want 98", p.Advert.Priority)
	}
	f.exit[cfg.Scripts[0].Script] = 0
	f.advance(1100 * time.Millisecond)
	if st, _ := d.Status("VI_1"); st.EffectivePriority != 100 {
		t.Errorf("priority after recovery %d, want 100", st.EffectivePriority)
	}
}

// keepalived: interface down puts the instance in FAULT ("entering FAULT
// state (interface eth0 down)"); a MASTER releases its VIPs.
func TestLinkDownFault(t *testing.T) {
	d, f := start(t, e1(100, "MASTER"))
	f.advance(4 * time.Second)
	f.links["eth0"] = false
	d.LinkChanged("eth0", false)
	if got := state(t, d); got != vrrp.StateFault {
		t.Fatalf("state %v, want FAULT", got)
	}
	if f.has("eth0", "172.20.0.100") {
		t.Error("VIP kept in FAULT")
	}
	if st := f.states(); len(st) < 3 || st[len(st)-1] != "VI_1:MASTER->FAULT" {
		t.Errorf("transitions %v, want to end with MASTER->FAULT", st)
	}
	f.links["eth0"] = true
	d.LinkChanged("eth0", true)
	if got := state(t, d); got != vrrp.StateBackup {
		t.Fatalf("after link up: state %v, want BACKUP", got)
	}
}

// keepalived at start removes configured VIPs left on the interface (a
// previous daemon killed with -9 left them there).
func TestStartRemovesStaleVIPs(t *testing.T) {
	f := newFake(t)
	f.addrs["eth0"] = append(f.addrs["eth0"], netip.MustParsePrefix("172.20.0.100/32"))
	d, err := New(e1(100, "MASTER"), f, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Start(); err != nil {
		t.Fatal(err)
	}
	if f.has("eth0", "172.20.0.100") {
		t.Error("stale VIP not removed at start")
	}
}

// keepalived deletes only the exact address and prefix length it added
// (RTM_DELADDR carries the prefix length): an address owner (priority 255,
// VIP 10.0.0.50/32 equal to its own 10.0.0.50/24) keeps its interface
// address through the stale-VIP clean-up at start and through a stop; only
// a stale 10.0.0.50/32 is removed. Its interface has no address but the
// VIP, which keepalived 2.2.7 never takes as the advert source: the owner
// enters FAULT ("(VI_1) entering FAULT state (no IPv4 address for
// interface)", seen with the Debian binary in a namespace) and adds
// nothing.
func TestStaleVIPPrefixExact(t *testing.T) {
	own := netip.MustParsePrefix("10.0.0.50/24")
	vip := netip.MustParsePrefix("10.0.0.50/32")
	for _, stale := range []bool{false, true} {
		cfg := e1(255, "MASTER")
		cfg.Instances[0].VIPs = []config.VIP{{Prefix: vip, Dev: "eth0"}}
		f := newFake(t)
		if stale {
			f.addrs["eth0"] = append(f.addrs["eth0"], vip)
		}
		d, err := New(cfg, f, testLogger(t))
		must(t, err)
		must(t, d.Start())
		if !slices.Contains(f.addrs["eth0"], own) {
			t.Fatalf("stale=%v: own %s deleted at start; eth0 has %v", stale, own, f.addrs["eth0"])
		}
		if stale {
			var dels []string
			for _, r := range f.reports {
				if r.Kind == ReportVIPDel {
					dels = append(dels, r.Text)
				}
			}
			if want := []string{"10.0.0.50/32 dev eth0 (stale at start)"}; !slices.Equal(dels, want) {
				t.Errorf("stale=%v: deletions %q, want %q", stale, dels, want)
			}
		}
		f.advance(time.Second)
		if got := state(t, d); got != vrrp.StateFault {
			t.Fatalf("stale=%v: state %v, want FAULT (no IPv4 address but the VIP)", stale, got)
		}
		if slices.Contains(f.addrs["eth0"], vip) {
			t.Errorf("stale=%v: VIP %s added by an instance in FAULT: eth0 has %v", stale, vip, f.addrs["eth0"])
		}
		d.Stop()
		if want := []netip.Prefix{own}; !slices.Equal(f.addrs["eth0"], want) {
			t.Errorf("stale=%v: after stop eth0 has %v, want %v", stale, f.addrs["eth0"], want)
		}
	}
}

// Unicast: one advert per unicast_peer (keepalived sends one packet per
// peer), with unicast_src_ip and unicast_ttl.
func TestUnicastPerPeer(t *testing.T) {
	cfg := e1(100, "MASTER")
	in := &cfg.Instances[0]
	in.UnicastSrcIP = netip.MustParseAddr("10.0.0.50")
	in.UnicastPeers = []config.UnicastPeer{{Addr: netip.MustParseAddr("10.0.0.51")}, {Addr: netip.MustParseAddr("10.0.0.52")}}
	in.UnicastTTL = 64
	_, f := start(t, cfg)
	f.advance(4 * time.Second)
	var dsts []string
	for _, p := range f.sent {
		if p.TTL != 64 || p.Src != in.UnicastSrcIP {
			t.Errorf("unicast advert %+v: want TTL 64 from 10.0.0.50", p)
		}
		dsts = append(dsts, p.Dst.String())
	}
	if len(dsts) < 2 || dsts[0] != "10.0.0.51" || dsts[1] != "10.0.0.52" {
		t.Errorf("destinations %v", dsts)
	}
}

// keepalived: an advert for a VRID no instance has is ignored (counted).
func TestUnknownVRIDIgnored(t *testing.T) {
	d, f := start(t, e1(100, "MASTER"))
	d.Receive("eth0", datagram(t, "10.0.0.51", "224.0.0.18", 255, advert(42, 200)))
	found := false
	for _, r := range f.reports {
		if r.Kind == ReportReject && r.Reason == vrrp.RejectUnknownVRID {
			found = true
		}
	}
	if !found {
		t.Error("unknown VRID not reported")
	}
	if state(t, d) != vrrp.StateBackup {
		t.Error("unknown VRID changed the state")
	}
}

// reference §1.8 (vrrp_scheduler.c:1385-1410): result in [0, rise+fall−1],
// OK when result ≥ rise; success increments to rise−1 then jumps to the
// top, failure decrements to rise then jumps to 0; the first result of a
// script in "init" state decides at once.
func TestScriptRiseFall(t *testing.T) {
	cases := []struct {
		name       string
		rise, fall int
		initFail   bool
		results    string // s = success, f = failure
		want       string // verdict after each result: + ok, - failed
	}{
		{"default 1/1", 1, 1, false, "ssffs", "++--+"},
		{"fall 3 needs three failures", 1, 3, false, "sfffs", "+++-+"},
		{"rise 2 needs two successes after a failure", 2, 1, false, "sfss", "+--+"},
		{"init decides on first failure", 2, 3, false, "fsss", "--++"},
		{"init_fail counts rise from zero", 2, 2, true, "sss", "-++"},
		{"alternating never flips with rise 2 fall 2", 2, 2, false, "sfsfsf", "++++++"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := newScriptState(&config.VRRPScript{Name: "x", Rise: c.rise, Fall: c.fall, InitFail: c.initFail})
			got := ""
			for _, r := range c.results {
				s.record(r == 's')
				if s.ok {
					got += "+"
				} else {
					got += "-"
				}
			}
			if got != c.want {
				t.Errorf("results %s: verdicts %s, want %s", c.results, got, c.want)
			}
		})
	}
}

// vrrp_startup_delay in keepalived 2.2.7: the instances start at once
// ("Entering BACKUP STATE (init)") and hear adverts during the delay;
// only a BACKUP's down timer counts from the end of it (vrrp_scheduler.c
// vrrp_init_instance_sands). Measured with keepalived 2.2.7 in a
// namespace: "(VI_1) received lower priority (100) advert from ... -
// discarding" and "(VI_1) Invalid VRRPv2 checksum" logged within the
// delay.
func TestStartupDelay(t *testing.T) {
	cfg := e1(100, "MASTER")
	cfg.Global.VRRPStartupDelay = 2 * time.Second
	d, f := start(t, cfg)
	if got := state(t, d); got != vrrp.StateBackup {
		t.Fatalf("state during startup delay %v, want BACKUP", got)
	}
	f.advance(500 * time.Millisecond)
	bad := datagram(t, "10.0.0.51", "224.0.0.18", 255, advert(199, 150))
	bad[20+6] ^= 0xff
	d.Receive("eth0", bad)
	if r := lastReject(f); r != vrrp.RejectChecksum {
		t.Fatalf("bad checksum within the delay: reject %v, want checksum", r)
	}
	d.Receive("eth0", datagram(t, "10.0.0.51", "224.0.0.18", 255, advert(199, 150)))
	if st, _ := d.Status("VI_1"); st.MasterAddr != netip.MustParseAddr("10.0.0.51") {
		t.Fatalf("the master heard within the delay was not recorded: %+v", st)
	}
	// The master falls silent: the down timer runs from the end of the
	// delay (2 s), not from its advert (0.5 s).
	mdi := 3*time.Second + 156*time.Second/256
	f.advance(1500*time.Millisecond + mdi - time.Millisecond)
	if got := state(t, d); got != vrrp.StateBackup {
		t.Fatalf("state %v before one Master_Down_Interval after the delay", got)
	}
	f.advance(time.Millisecond)
	if got := state(t, d); got != vrrp.StateMaster {
		t.Errorf("state %v, want MASTER one Master_Down_Interval after the delay", got)
	}
}

// vrrp_garp_interval: the GARPs of a burst are spaced on the interface.
func TestGARPInterval(t *testing.T) {
	cfg := e1(100, "MASTER")
	cfg.Instances[0].GARPInterval = 100 * time.Millisecond
	_, f := start(t, cfg)
	f.advance(3*time.Second + 156*time.Second/256)
	if len(f.garps) != 1 {
		t.Fatalf("GARPs at the transition %d, want 1 (then spaced)", len(f.garps))
	}
	f.advance(399 * time.Millisecond)
	if len(f.garps) != 4 {
		t.Errorf("GARPs after 399ms %d, want 4", len(f.garps))
	}
	f.advance(time.Millisecond)
	if len(f.garps) != 5 {
		t.Errorf("GARPs after 400ms %d, want 5", len(f.garps))
	}
}

// The receive path decodes the whole datagram; a bad checksum is counted
// and dropped before the engine (keepalived: "Invalid VRRPv2 checksum").
func TestReceiveChecksum(t *testing.T) {
	d, f := start(t, e1(100, "MASTER"))
	f.advance(4 * time.Second)
	raw := datagram(t, "10.0.0.51", "224.0.0.18", 255, advert(199, 150))
	bad := append([]byte(nil), raw...)
	bad[20+6] ^= 0xff
	d.Receive("eth0", bad)
	if state(t, d) != vrrp.StateMaster {
		t.Fatal("a corrupted advert changed the state")
	}
	last := f.reports[len(f.reports)-1]
	if last.Kind != ReportReject || last.Reason != vrrp.RejectChecksum {
		t.Errorf("last report %+v, want a checksum reject", last)
	}
	d.Receive("eth0", raw)
	if state(t, d) != vrrp.StateBackup {
		t.Errorf("a valid higher-priority advert left the state %v", state(t, d))
	}
}

// notify_priority_changes: notify runs with the new priority.
func TestNotifyPriorityChanges(t *testing.T) {
	cfg := e1(100, "MASTER")
	cfg.Instances[0].NotifyPriorityChanges = true
	_, f := start(t, cfg)
	f.advance(4 * time.Second)
	f.exit[cfg.Scripts[0].Script] = 1
	f.advance(1100 * time.Millisecond)
	got := f.notifies()
	if last := got[len(got)-1]; last != "/etc/keepalived/notify.sh INSTANCE VI_1 MASTER 98" {
		t.Errorf("last notify %q", last)
	}
}

// keepalived.conf(5): notify_priority_changes in an instance overrides
// vrrp_notify_priority_changes; pkg/config resolves it, so an instance
// that turns it off gets no priority notifies even when the global is on.
func TestNotifyPriorityChangesInstanceOff(t *testing.T) {
	cfg := e1(100, "MASTER")
	cfg.Global.VRRPNotifyPriorityChanges = true
	cfg.Instances[0].NotifyPriorityChanges = false
	_, f := start(t, cfg)
	f.advance(4 * time.Second)
	before := len(f.notifies())
	f.exit[cfg.Scripts[0].Script] = 1
	f.advance(1100 * time.Millisecond)
	for _, n := range f.notifies()[before:] {
		if strings.HasSuffix(n, " 98") {
			t.Errorf("priority notify despite the instance turning it off: %q", n)
		}
	}
}

// keepalived (reference §2.9): a VIP on another interface (dev eth1)
// tracks that interface: eth1 down → FAULT, unless no_track.
func TestVIPInterfaceDownFault(t *testing.T) {
	for _, noTrack := range []bool{false, true} {
		cfg := e1(100, "MASTER")
		cfg.Instances[0].VIPs = append(cfg.Instances[0].VIPs, config.VIP{Prefix: netip.MustParsePrefix("192.168.1.1/24"), Dev: "eth1", NoTrack: noTrack})
		f := newFake(t)
		f.links["eth1"] = true
		d, err := New(cfg, f, testLogger(t))
		must(t, err)
		must(t, d.Start())
		f.advance(4 * time.Second)
		f.links["eth1"] = false
		d.LinkChanged("eth1", false)
		want := vrrp.StateFault
		if noTrack {
			want = vrrp.StateMaster
		}
		if got := state(t, d); got != want {
			t.Errorf("no_track=%v: eth1 down → %v, want %v", noTrack, got, want)
		}
	}
}

// keepalived.conf(5) vrrp_sync_group notify: $1 GROUP, $2 the group's
// name, $3 the state, $4 0 (keepalived 2.2.7 vrrp_notify.c
// send_group_notifies passes priority 0 for a group); notify_master runs
// first.
func TestSyncGroupNotify(t *testing.T) {
	cfg := e1(100, "MASTER")
	cfg.SyncGroups = []config.SyncGroup{{Name: "VG1", Group: []string{"VI_1"},
		NotifyMaster: config.Notify{Command: "/etc/keepalived/group_master.sh"},
		Notify:       config.Notify{Command: "/etc/keepalived/group.sh"}}}
	_, f := start(t, cfg)
	f.advance(4 * time.Second)
	got := f.notifies()
	want := []string{"/etc/keepalived/group_master.sh", "/etc/keepalived/group.sh GROUP VG1 MASTER 0"}
	found := 0
	for _, n := range got {
		if found < len(want) && n == want[found] {
			found++
		}
	}
	if found != len(want) {
		t.Errorf("notifies %q, want %q in order", got, want)
	}
}

// Split-brain detection: a MASTER seeing a GARP for its VIP from another
// host, or its VIP in an advert of another VRID, reports it — once per
// burst (rate limited to one per second per evidence).
func TestSplitBrainDetection(t *testing.T) {
	d, f := start(t, e1(100, "MASTER"))
	f.advance(4 * time.Second)
	vip := netip.MustParseAddr("172.20.0.100")
	for range 5 {
		d.ARPAnnounced("eth0", vip, "lvs2")
	}
	d.Receive("eth0", datagram(t, "10.0.0.51", "224.0.0.18", 255, advert(200, 99)))
	n := 0
	for _, r := range f.reports {
		if r.Kind == ReportSplitBrain {
			n++
		}
	}
	if n != 2 {
		t.Errorf("%d split-brain reports, want 2 (one per evidence)", n)
	}
	d.ARPAnnounced("eth0", netip.MustParseAddr("172.20.0.200"), "lvs2")
	f.advance(2 * time.Second)
	d.ARPAnnounced("eth0", vip, "lvs2")
	m := 0
	for _, r := range f.reports {
		if r.Kind == ReportSplitBrain {
			m++
		}
	}
	if m != 3 {
		t.Errorf("%d reports, want 3 (other addresses ignored; a new burst reported)", m)
	}
}

package vrrp

import (
	"net/netip"
	"slices"
	"testing"
	"time"
)

// RFC 3768 §6.1 / RFC 5798 §6.1 and keepalived vrrp.h VRRP_TIMER_SKEW_CALC:
// Skew_Time and Master_Down_Interval, exact to the microsecond.
func TestFSMTimerArithmetic(t *testing.T) {
	cases := []struct {
		name       string
		version    uint8
		prio       uint8
		masterInt  time.Duration
		adverts    int
		skew, down time.Duration
	}{
		// Reference §2.2 example: 3 + 156/256 s.
		{"v2 prio 100", 2, 100, time.Second, 3, 609375 * time.Microsecond, 3609375 * time.Microsecond},
		{"v2 prio 254", 2, 254, time.Second, 3, 7812 * time.Microsecond, 3007812 * time.Microsecond},
		{"v2 owner", 2, 255, 3 * time.Second, 3, 3906 * time.Microsecond, 9003906 * time.Microsecond},
		{"v2 prio 1 down_timer_adverts 5", 2, 1, time.Second, 5, 996093 * time.Microsecond, 5996093 * time.Microsecond},
		// RFC 3768 §6.1: a v2 Skew_Time does not grow with advert_int.
		{"v2 prio 100 2s", 2, 100, 2 * time.Second, 3, 609375 * time.Microsecond, 6609375 * time.Microsecond},
		{"v3 prio 100 1s", 3, 100, time.Second, 3, 609375 * time.Microsecond, 3609375 * time.Microsecond},
		// v3: (256-200) × 50cs × 625/16 µs = 109375 µs.
		{"v3 prio 200 0.5s", 3, 200, 500 * time.Millisecond, 3, 109375 * time.Microsecond, 1609375 * time.Microsecond},
		// v3: 155 × 7 × 625 / 16 = 42382.8 → 42382 µs (integer division as keepalived).
		{"v3 prio 101 70ms", 3, 101, 70 * time.Millisecond, 3, 42382 * time.Microsecond, 252382 * time.Microsecond},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := &instance{cfg: InstanceConfig{Version: c.version, DownTimerAdverts: c.adverts}, eff: c.prio, masterAdvInt: c.masterInt}
			if got := in.skew(); got != c.skew {
				t.Errorf("skew = %v, want %v", got, c.skew)
			}
			if got := in.masterDown(); got != c.down {
				t.Errorf("masterDown = %v, want %v", got, c.down)
			}
			// The exported formula is the one the engine runs.
			if got := MasterDownInterval(c.version, c.prio, c.masterInt, c.adverts); got != c.down {
				t.Errorf("MasterDownInterval = %v, want %v", got, c.down)
			}
			if got := SkewTime(c.version, c.prio, c.masterInt); got != c.skew {
				t.Errorf("SkewTime = %v, want %v", got, c.skew)
			}
		})
	}
}

// keepalived.conf(5) "state": only the wanted initial state. A non-owner
// enters BACKUP and becomes MASTER after a full Master_Down_Interval
// (RFC 5798 §6.4.1); reference §2.2: v2 prio 100 → 3.609375 s.
func TestFSMStartupBackupThenMaster(t *testing.T) {
	ic := baseCfg()
	ic.WantMaster = true
	d := newDriver(t, one(ic))
	acts := d.step(EvStart{})
	d.wantState("VI_1", StateBackup)
	if got, want := kinds(acts), []string{"state:INIT>BACKUP", "notify:BACKUP", "set:master_down"}; !slices.Equal(got, want) {
		t.Fatalf("start actions %v, want %v", got, want)
	}
	if got := d.timerAt("VI_1", TimerMasterDown); got != 3609375*time.Microsecond {
		t.Fatalf("down timer at %v, want 3.609375s", got)
	}
	acts = d.fire("VI_1", TimerMasterDown)
	d.wantState("VI_1", StateMaster)
	// Reference §2.7: advert first, then VIPs, then GARP burst, delayed
	// second burst, notification, Adver_Timer.
	want := []string{"advert(100)", "state:BACKUP>MASTER", "addvips", "garp(5)", "set:garp_delay", "notify:MASTER", "set:advert"}
	if got := kinds(acts); !slices.Equal(got, want) {
		t.Fatalf("become master actions %v, want %v", got, want)
	}
	if got := d.timerAt("VI_1", TimerGARPDelay); got != 3609375*time.Microsecond+5*time.Second {
		t.Fatalf("garp delay timer at %v", got)
	}
	if got := d.timerAt("VI_1", TimerAdvert); got != 4609375*time.Microsecond {
		t.Fatalf("advert timer at %v", got)
	}
	// RFC 5798 §6.4.3: every Advertisement_Interval an advert.
	acts = d.fire("VI_1", TimerAdvert)
	if got, want := kinds(acts), []string{"advert(100)", "set:advert"}; !slices.Equal(got, want) {
		t.Fatalf("advert tick %v, want %v", got, want)
	}
	acts = d.fire("VI_1", TimerGARPDelay)
	if got, want := kinds(acts), []string{"garp(5)"}; !slices.Equal(got, want) {
		t.Fatalf("garp delay %v, want %v", got, want)
	}
}

// keepalived.conf(5): an address owner (priority 255) with state MASTER
// transitions to MASTER at once (RFC 5798 §6.4.1).
func TestFSMStartupOwner(t *testing.T) {
	ic := baseCfg()
	ic.Priority = 255
	ic.WantMaster = true
	ic.GARPMasterRefresh = 60 * time.Second
	ic.GARPMasterRefreshRepeat = 2
	d := newDriver(t, one(ic))
	acts := d.step(EvStart{})
	d.wantState("VI_1", StateMaster)
	want := []string{"advert(255)", "state:INIT>MASTER", "addvips", "garp(5)", "set:garp_delay", "set:garp_refresh", "notify:MASTER", "set:advert"}
	if got := kinds(acts); !slices.Equal(got, want) {
		t.Fatalf("owner start %v, want %v", got, want)
	}
	// keepalived vrrp_state_become_master: the refresh is counted from
	// becoming MASTER (garp_refresh_timer = timer_add_now(garp_refresh)),
	// and repeats garp_master_refresh_repeat GARPs.
	if got := d.timerAt("VI_1", TimerGARPRefresh); got != 60*time.Second {
		t.Fatalf("refresh at %v, want 60s", got)
	}
	acts = d.fire("VI_1", TimerGARPRefresh)
	if got, want := kinds(acts), []string{"garp(2)", "set:garp_refresh"}; !slices.Equal(got, want) {
		t.Fatalf("refresh %v, want %v", got, want)
	}
	if got := d.timerAt("VI_1", TimerGARPRefresh); got != 120*time.Second {
		t.Fatalf("refresh re-armed at %v, want 120s", got)
	}
}

// RFC 5798 §6.4.2: a Backup receiving priority 0 sets Master_Down_Timer to
// Skew_Time (reference §2.2: 0.609375 s for prio 100 v2).
func TestFSMBackupPriorityZero(t *testing.T) {
	ic := baseCfg()
	d := newDriver(t, one(ic))
	d.step(EvStart{})
	d.now = t0.Add(time.Second)
	d.step(advFrom(ic, srcHigh, 150))
	if got := d.timerAt("VI_1", TimerMasterDown); got != time.Second+3609375*time.Microsecond {
		t.Fatalf("down timer after accepted advert at %v", got)
	}
	d.now = t0.Add(2 * time.Second)
	d.step(advFrom(ic, srcHigh, 0))
	if got := d.timerAt("VI_1", TimerMasterDown); got != 2*time.Second+609375*time.Microsecond {
		t.Fatalf("down timer after priority 0 at %v, want 2.609375s", got)
	}
	d.runUntil(t0.Add(3 * time.Second))
	d.wantState("VI_1", StateMaster)
}

// RFC 5798 §6.4.2 and keepalived vrrp_state_backup: BACKUP accepts equal
// or higher priority (reset timer), discards lower (timer keeps running);
// with nopreempt it accepts every priority.
func TestFSMBackupPreempt(t *testing.T) {
	cases := []struct {
		name      string
		nopreempt bool
		prio      uint8
		accepted  bool
	}{
		{"higher accepted", false, 150, true},
		{"equal accepted", false, 100, true},
		{"lower discarded", false, 50, false},
		{"nopreempt lower accepted", true, 50, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ic := baseCfg()
			ic.Nopreempt = c.nopreempt
			d := newDriver(t, one(ic))
			d.step(EvStart{})
			d.now = t0.Add(2 * time.Second)
			acts := d.step(advFrom(ic, srcHigh, c.prio))
			got := d.timerAt("VI_1", TimerMasterDown)
			if c.accepted && got != 2*time.Second+3609375*time.Microsecond {
				t.Fatalf("accepted advert: down timer %v (actions %v)", got, kinds(acts))
			}
			if !c.accepted && (got != 3609375*time.Microsecond || len(acts) != 0) {
				t.Fatalf("discarded advert: down timer %v, actions %v", got, kinds(acts))
			}
			st, _ := d.e.Status("VI_1")
			if st.MasterAddr != srcHigh {
				t.Fatalf("master addr %v", st.MasterAddr)
			}
		})
	}
}

// RFC 5798 §6.4.3 and keepalived 2.2.7 vrrp_state_master_rx (reference §2.5);
// "set:advert" is the dispatcher's re-phase after every packet (fsm.go
// masterRx; rephase_test.go checks the deadlines).
func TestFSMMasterReceive(t *testing.T) {
	cases := []struct {
		name   string
		tweak  func(*InstanceConfig)
		src    string
		prio   uint8
		state  State
		acts   []string
		downAt time.Duration // relative to receive time; 0 = not checked
	}{
		{"priority 0 → advert at once", nil, "192.0.2.3", 0, StateMaster, []string{"advert(100)", "set:advert"}, 0},
		{"higher priority → backup, no prio-0", nil, "192.0.2.1", 150, StateBackup,
			[]string{"state:MASTER>BACKUP", "delvips", "cancel:advert", "cancel:garp_delay", "notify:BACKUP", "set:master_down"}, 3609375 * time.Microsecond},
		{"equal priority higher address → backup", nil, "192.0.2.3", 100, StateBackup,
			[]string{"state:MASTER>BACKUP", "delvips", "cancel:advert", "cancel:garp_delay", "notify:BACKUP", "set:master_down"}, 3609375 * time.Microsecond},
		{"equal priority lower address → advert", nil, "192.0.2.1", 100, StateMaster, []string{"advert(100)", "set:advert"}, 0},
		{"lower priority → advert (forcing new election)", nil, "192.0.2.3", 50, StateMaster, []string{"advert(100)", "set:advert"}, 0},
		{"lower priority, lower_prio_no_advert", func(c *InstanceConfig) { c.LowerPrioNoAdvert = true }, "192.0.2.3", 50, StateMaster, nil, 0},
		{"lower priority, garp_lower_prio_repeat", func(c *InstanceConfig) {
			c.GARPLowerPrioRepeat = 3
			c.GARPLowerPrioDelay = 2 * time.Second
		}, "192.0.2.3", 50, StateMaster, []string{"advert(100)", "garp(3)", "set:lower_prio_garp", "set:advert"}, 0},
		{"higher_prio_send_advert", func(c *InstanceConfig) { c.HigherPrioSendAdvert = true }, "192.0.2.1", 150, StateBackup,
			[]string{"advert(100)", "state:MASTER>BACKUP", "delvips", "cancel:advert", "cancel:garp_delay", "notify:BACKUP", "set:master_down"}, 3609375 * time.Microsecond},
		{"equal priority own address → warning", nil, "192.0.2.2", 100, StateMaster, []string{"reject:own_address", "set:advert"}, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ic := baseCfg()
			if c.tweak != nil {
				c.tweak(&ic)
			}
			d := newDriver(t, one(ic))
			d.step(EvStart{})
			d.fire("VI_1", TimerMasterDown)
			d.wantState("VI_1", StateMaster)
			d.now = d.now.Add(300 * time.Millisecond)
			recv := d.now
			acts := d.step(advFrom(ic, mustAddr(c.src), c.prio))
			if got := kinds(acts); !slices.Equal(got, c.acts) {
				t.Fatalf("actions %v, want %v", got, c.acts)
			}
			d.wantState("VI_1", c.state)
			if c.downAt != 0 {
				if got := d.timers[timerKey{"VI_1", TimerMasterDown}].Sub(recv); got != c.downAt {
					t.Fatalf("down timer %v after receive, want %v", got, c.downAt)
				}
			}
		})
	}
}

func mustAddr(s string) netip.Addr { return netip.MustParseAddr(s) }

// keepalived.conf(5) preempt_delay, man page example: "advert_int 1,
// priority 128, preempt_delay 2" takes over from a live lower-priority
// master after ≈ 5.5 s (keepalived 2.2.7 vrrp_state_backup: lower
// adverts are accepted until preempt_time, then discarded, and the down
// timer runs out 3.5 s after the last accepted one).
func TestFSMPreemptDelay(t *testing.T) {
	for _, c := range []struct {
		name  string
		delay time.Duration
		want  time.Duration
	}{
		{"preempt_delay 2", 2 * time.Second, 5500 * time.Millisecond},
		// RFC 5798 §6.4.2: without it, lower adverts are discarded and the
		// backup takes over after Master_Down_Interval = 3.5 s.
		{"no preempt_delay", 0, 3500 * time.Millisecond},
	} {
		t.Run(c.name, func(t *testing.T) {
			ic := baseCfg()
			ic.Priority = 128
			ic.PreemptDelay = c.delay
			d := newDriver(t, one(ic))
			d.step(EvStart{})
			for i := 1; i <= 10; i++ {
				d.runUntil(t0.Add(time.Duration(i) * time.Second))
				if d.state("VI_1") == StateMaster {
					break
				}
				d.step(advFrom(ic, srcHigh, 100))
			}
			st, _ := d.e.Status("VI_1")
			if st.State != StateMaster {
				t.Fatalf("never took over")
			}
			at := d.timerAt("VI_1", TimerAdvert) - time.Second
			if at != c.want {
				t.Fatalf("took over at %v, want %v", at, c.want)
			}
		})
	}
}

// RFC 5798 §6.4.2: a v3 Backup sets Master_Adver_Interval from the
// accepted advert; a new Master uses its own Advertisement_Interval.
func TestFSMV3AdoptsInterval(t *testing.T) {
	ic := baseCfg()
	ic.Version = 3
	d := newDriver(t, one(ic))
	d.step(EvStart{})
	d.now = t0.Add(time.Second)
	ev := advFrom(ic, srcHigh, 200)
	ev.Advert.AdvertIntCS = 50
	d.step(ev)
	// 3 × 0.5 s + (256−100) × 50 × 625/16 µs = 1.5 s + 304687 µs.
	if got := d.timerAt("VI_1", TimerMasterDown); got != time.Second+1804687*time.Microsecond {
		t.Fatalf("down timer %v", got)
	}
	if st, _ := d.e.Status("VI_1"); st.MasterAdvertInt != 500*time.Millisecond {
		t.Fatalf("master advert int %v", st.MasterAdvertInt)
	}
	d.runUntil(t0.Add(3 * time.Second))
	d.wantState("VI_1", StateMaster)
	if st, _ := d.e.Status("VI_1"); st.MasterAdvertInt != time.Second {
		t.Fatalf("master kept adopted interval %v", st.MasterAdvertInt)
	}
	if got := d.timerAt("VI_1", TimerAdvert) - (time.Second + 1804687*time.Microsecond); got != time.Second {
		t.Fatalf("advert interval as master %v", got)
	}
}

// Reference §2.9 / §2.7: FAULT → a MASTER sends priority 0 and releases
// its VIPs; leaving FAULT → BACKUP with a full Master_Down_Interval.
// dont_track_primary ignores the interface.
func TestFSMFault(t *testing.T) {
	ic := baseCfg()
	d := newDriver(t, one(ic))
	d.step(EvStart{})
	d.fire("VI_1", TimerMasterDown)
	acts := d.step(EvInterface{Instance: "VI_1", Up: false})
	want := []string{"state:MASTER>FAULT", "advert(0)", "delvips", "cancel:advert", "cancel:garp_delay", "notify:FAULT"}
	if got := kinds(acts); !slices.Equal(got, want) {
		t.Fatalf("MASTER→FAULT %v, want %v", got, want)
	}
	if sc := acts[0].(ActStateChange); sc.Reason.Kind != CauseFault || sc.Reason.String() != "fault: interface down" {
		t.Fatalf("fault reason %v", sc.Reason)
	}
	if fs := d.e.Faults("VI_1"); len(fs) != 1 || fs[0].Kind != FaultInterfaceDown {
		t.Fatalf("fault reasons %v", fs)
	}
	d.now = d.now.Add(10 * time.Second)
	leave := d.now
	acts = d.step(EvInterface{Instance: "VI_1", Up: true})
	if got, want := kinds(acts), []string{"state:FAULT>BACKUP", "notify:BACKUP", "set:master_down"}; !slices.Equal(got, want) {
		t.Fatalf("FAULT→BACKUP %v, want %v", got, want)
	}
	if got := d.timers[timerKey{"VI_1", TimerMasterDown}].Sub(leave); got != 3609375*time.Microsecond {
		t.Fatalf("down timer after fault %v", got)
	}

	ic.DontTrackPrimary = true
	d = newDriver(t, one(ic))
	d.step(EvStart{})
	if acts := d.step(EvInterface{Instance: "VI_1", Up: false}); len(acts) != 0 {
		t.Fatalf("dont_track_primary: %v", kinds(acts))
	}
}

// Reference §2.2: an address owner leaving FAULT waits adver_int +
// Skew_Time (1 s + 1/256 s) and becomes MASTER.
func TestFSMOwnerLeavesFault(t *testing.T) {
	ic := baseCfg()
	ic.Priority = 255
	ic.WantMaster = true
	d := newDriver(t, one(ic))
	d.step(EvStart{})
	d.step(EvInterface{Instance: "VI_1", Up: false})
	d.wantState("VI_1", StateFault)
	d.step(EvInterface{Instance: "VI_1", Up: true})
	d.wantState("VI_1", StateBackup)
	if got := d.timerAt("VI_1", TimerMasterDown); got != time.Second+3906*time.Microsecond {
		t.Fatalf("owner down timer %v", got)
	}
	d.fire("VI_1", TimerMasterDown)
	d.wantState("VI_1", StateMaster)
}

// keepalived vrrp_shutdown (reference §2.7, §3.2): "sent 0 priority",
// "removing VIPs"; every instance enters STOP with its timers cancelled.
func TestFSMStop(t *testing.T) {
	a, b := baseCfg(), baseCfg()
	b.Name, b.VRID = "VI_2", 52
	d := newDriver(t, EngineConfig{Instances: []InstanceConfig{a, b}})
	d.step(EvStart{})
	d.fire("VI_1", TimerMasterDown)
	acts := d.step(EvStop{})
	want := []string{"state:MASTER>STOP", "advert(0)", "delvips", "cancel:advert", "cancel:garp_delay", "notify:STOP",
		"state:BACKUP>STOP", "cancel:master_down", "notify:STOP"}
	if got := kinds(acts); !slices.Equal(got, want) {
		t.Fatalf("stop %v, want %v", got, want)
	}
	if len(d.timers) != 0 {
		t.Fatalf("timers left after stop: %v", d.timers)
	}
	// A restart starts over from BACKUP.
	d.step(EvStart{})
	d.wantState("VI_1", StateBackup)
	d.wantState("VI_2", StateBackup)
}

// Reference §2.7: an externally deleted VIP → BACKUP with a priority-0
// advert and a Skew_Time-only down timer.
func TestFSMVIPDeleted(t *testing.T) {
	ic := baseCfg()
	d := newDriver(t, one(ic))
	d.step(EvStart{})
	d.fire("VI_1", TimerMasterDown)
	at := d.now
	acts := d.step(EvVIPDeleted{Instance: "VI_1"})
	want := []string{"state:MASTER>BACKUP", "advert(0)", "delvips", "cancel:advert", "cancel:garp_delay", "notify:BACKUP", "set:master_down"}
	if got := kinds(acts); !slices.Equal(got, want) {
		t.Fatalf("VIP deleted %v, want %v", got, want)
	}
	if got := d.timers[timerKey{"VI_1", TimerMasterDown}].Sub(at); got != 609375*time.Microsecond {
		t.Fatalf("down timer %v, want Skew_Time", got)
	}
	if acts := d.step(EvVIPDeleted{Instance: "VI_1"}); len(acts) != 0 {
		t.Fatalf("VIP deleted in BACKUP: %v", kinds(acts))
	}
}

// The engine owns its timers: a firing for a timer that was re-armed
// (early) or cancelled (not armed) is ignored.
func TestFSMStaleTimers(t *testing.T) {
	ic := baseCfg()
	d := newDriver(t, one(ic))
	d.step(EvStart{})
	d.now = t0.Add(time.Second)
	d.step(advFrom(ic, srcHigh, 200)) // down timer moves to 4.609375 s
	d.now = t0.Add(3609375 * time.Microsecond)
	for _, ev := range []Event{
		EvTimer{Instance: "VI_1", Timer: TimerMasterDown}, // old deadline
		EvTimer{Instance: "VI_1", Timer: TimerAdvert},     // never armed
		EvTimer{Instance: "VI_1", Timer: TimerKind(200)},  // nonsense kind
		EvTimer{Instance: "nope", Timer: TimerMasterDown},
		EvInterface{Instance: "nope"},
		EvTracker{ID: TrackerID{Name: "nope"}},
		nil,
	} {
		if acts := d.step(ev); len(acts) != 0 {
			t.Fatalf("%#v: %v", ev, kinds(acts))
		}
	}
	d.wantState("VI_1", StateBackup)
}

// keepalived 2.2.7 vrrp_state_master_rx: two address owners → "CONFIGURATION
// ERROR ... reducing local priority" to 254 (base included), then yield.
func TestFSMOwnerConflict(t *testing.T) {
	ic := baseCfg()
	ic.Priority = 255
	ic.WantMaster = true
	d := newDriver(t, one(ic))
	d.step(EvStart{})
	acts := d.step(advFrom(ic, srcHigh, 255))
	if !has(acts, "prio:255>254") || !has(acts, "state:MASTER>BACKUP") {
		t.Fatalf("owner conflict %v", kinds(acts))
	}
	if st, _ := d.e.Status("VI_1"); st.BasePriority != 254 || st.EffectivePriority != 254 {
		t.Fatalf("priorities %d/%d", st.BasePriority, st.EffectivePriority)
	}
}

// NewEngine rejects configurations the state machine cannot run.
func TestEngineConfigErrors(t *testing.T) {
	for name, mod := range map[string]func(*EngineConfig){
		"duplicate":     func(c *EngineConfig) { c.Instances = append(c.Instances, c.Instances[0]) },
		"no name":       func(c *EngineConfig) { c.Instances[0].Name = "" },
		"vrid 0":        func(c *EngineConfig) { c.Instances[0].VRID = 0 },
		"version 4":     func(c *EngineConfig) { c.Instances[0].Version = 4 },
		"v2 fraction":   func(c *EngineConfig) { c.Instances[0].AdvertInt = 1500 * time.Millisecond },
		"v3 too long":   func(c *EngineConfig) { c.Instances[0].Version = 3; c.Instances[0].AdvertInt = 41 * time.Second },
		"ipv6 v2":       func(c *EngineConfig) { c.Instances[0].IPv6 = true },
		"weight":        func(c *EngineConfig) { c.Instances[0].Trackers = []TrackerRef{{Name: "x", Weight: 300}} },
		"down adverts":  func(c *EngineConfig) { c.Instances[0].DownTimerAdverts = 101 },
		"group unknown": func(c *EngineConfig) { c.SyncGroups = []SyncGroupConfig{{Name: "G", Members: []string{"nope"}}} },
		"group twice": func(c *EngineConfig) {
			c.SyncGroups = []SyncGroupConfig{{Name: "G", Members: []string{"VI_1"}}, {Name: "H", Members: []string{"VI_1"}}}
		},
		"group empty":     func(c *EngineConfig) { c.SyncGroups = []SyncGroupConfig{{Name: "G"}} },
		"negative repeat": func(c *EngineConfig) { c.Instances[0].GARPLowerPrioRepeat = -1 },
		// The engine applies no default (pkg/config resolves them): a zero
		// where zero is no setting is an error, not keepalived's default.
		"version 0":              func(c *EngineConfig) { c.Instances[0].Version = 0 },
		"priority 0":             func(c *EngineConfig) { c.Instances[0].Priority = 0 },
		"advert_int 0":           func(c *EngineConfig) { c.Instances[0].AdvertInt = 0 },
		"down adverts 0":         func(c *EngineConfig) { c.Instances[0].DownTimerAdverts = 0 },
		"garp repeat 0":          func(c *EngineConfig) { c.Instances[0].GARPMasterRepeat = 0 },
		"garp refresh repeat 0":  func(c *EngineConfig) { c.Instances[0].GARPMasterRefreshRepeat = 0 },
		"negative preempt delay": func(c *EngineConfig) { c.Instances[0].PreemptDelay = -time.Second },
	} {
		cfg := one(baseCfg())
		mod(&cfg)
		if _, err := NewEngine(cfg); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if _, err := NewEngine(one(baseCfg())); err != nil {
		t.Fatalf("base config: %v", err)
	}
}

// keepalived reload (reference §2.2, §3.3): instances keep their state; a
// MASTER sends an advert with its old priority before the reload and one
// with the new priority after it, and re-phases its adverts from the
// reload; a BACKUP's down timer restarts from the reload; the delayed GARP
// burst is cancelled; removed instances send priority 0 and release; new
// ones start; a priority change is applied (keepalived 2.2.7
// vrrp_daemon.c sigreload_vrrp, vrrp_scheduler.c vrrp_init_state and
// vrrp_init_instance_sands; measured in scenarios/regress_reload_timers.scn).
func TestEngineReload(t *testing.T) {
	a, b := baseCfg(), baseCfg()
	b.Name, b.VRID = "VI_2", 52
	d := newDriver(t, EngineConfig{Instances: []InstanceConfig{a, b}})
	d.step(EvStart{})
	d.fire("VI_1", TimerMasterDown)
	d.now = d.now.Add(100 * time.Millisecond)
	d.step(advFrom(b, srcHigh, 200)) // VI_2 BACKUP with a fresh down timer
	d.now = d.now.Add(300 * time.Millisecond)

	// Same config: the MASTER's two adverts, timers from the reload.
	acts := d.reload(EngineConfig{Instances: []InstanceConfig{a, b}})
	if got, want := kinds(acts), []string{"advert(100)", "cancel:garp_delay", "advert(100)", "set:advert", "set:master_down"}; !slices.Equal(got, want) {
		t.Fatalf("identity reload %v, want %v", got, want)
	}
	at := d.now.Sub(t0)
	if d.timerAt("VI_1", TimerAdvert) != at+time.Second || d.timerAt("VI_2", TimerMasterDown) != at+3609375*time.Microsecond || !d.vips["VI_1"] {
		t.Fatalf("reload: advert timer %v, down timer %v, want %v and %v after the reload", d.timerAt("VI_1", TimerAdvert)-at,
			d.timerAt("VI_2", TimerMasterDown)-at, time.Second, 3609375*time.Microsecond)
	}

	// VI_2 priority 100 → 150: its Master_Down_Interval from the reload;
	// VI_3 added.
	d.now = d.now.Add(200 * time.Millisecond)
	b.Priority = 150
	c := baseCfg()
	c.Name, c.VRID = "VI_3", 53
	acts = d.reload(EngineConfig{Instances: []InstanceConfig{a, b, c}})
	want := []string{"advert(100)", "advert(100)", "set:advert", "prio:100>150", "set:master_down", "state:INIT>BACKUP", "notify:BACKUP", "set:master_down"}
	if got := kinds(acts); !slices.Equal(got, want) {
		t.Fatalf("reload with changes %v, want %v", got, want)
	}
	if got := d.timerAt("VI_2", TimerMasterDown); got != d.now.Sub(t0)+3414062*time.Microsecond {
		t.Fatalf("VI_2 down timer %v after the reload", got-d.now.Sub(t0))
	}

	// VI_1 removed: priority 0, VIPs released, STOP.
	acts = d.reload(EngineConfig{Instances: []InstanceConfig{b, c}})
	want = []string{"advert(100)", "state:MASTER>STOP", "advert(0)", "delvips", "cancel:advert", "notify:STOP", "set:master_down", "set:master_down"}
	if got := kinds(acts); !slices.Equal(got, want) {
		t.Fatalf("reload removing a master %v, want %v", got, want)
	}
	if _, ok := d.e.Status("VI_1"); ok {
		t.Fatalf("removed instance still reported")
	}

	// A bad configuration leaves the engine as it was.
	if _, err := d.e.Reload(d.now, EngineConfig{Instances: []InstanceConfig{b, b}}); err == nil {
		t.Fatalf("duplicate instance accepted on reload")
	}
	d.wantState("VI_2", StateBackup)
}

// EngineConfig.LogActions: keepalived's own log lines, word for word
// (vrrp.c vrrp_state_backup / vrrp_state_master_rx); none without it.
func TestEngineLogActions(t *testing.T) {
	ic := baseCfg()
	cfg := one(ic)
	d := newDriver(t, cfg)
	d.step(EvStart{})
	if acts := d.step(advFrom(ic, srcHigh, 50)); len(acts) != 0 {
		t.Fatalf("log lines without LogActions: %v", kinds(acts))
	}
	cfg.LogActions = true
	d = newDriver(t, cfg)
	d.step(EvStart{})
	logs := func(acts []Action) []string {
		var out []string
		for _, a := range acts {
			if l, ok := a.(ActLog); ok {
				out = append(out, l.Msg)
			}
		}
		return out
	}
	if got := logs(d.step(advFrom(ic, srcHigh, 50))); !slices.Equal(got, []string{"(VI_1) received lower priority (50) advert from 192.0.2.3 - discarding"}) {
		t.Fatalf("backup discard: %q", got)
	}
	d.fire("VI_1", TimerMasterDown)
	if got := logs(d.step(advFrom(ic, srcHigh, 50))); !slices.Equal(got, []string{"(VI_1) Received advert from 192.0.2.3 with lower priority 50, ours 100, forcing new election"}) {
		t.Fatalf("master lower: %q", got)
	}
	if got := logs(d.step(advFrom(ic, srcHigh, 150))); !slices.Equal(got, []string{"(VI_1) Master received advert from 192.0.2.3 with higher priority 150, ours 100"}) {
		t.Fatalf("master higher: %q", got)
	}
}

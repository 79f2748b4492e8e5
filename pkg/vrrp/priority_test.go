package vrrp

import (
	"slices"
	"testing"
	"time"
)

// keepalived.conf(5) track_script/track_interface/track_file weights and
// vrrp_track.c (reference §1.9): effective = clamp(base + Σ, 1, 254),
// owners unaffected, weight 0 failure → FAULT, reverse flips direction.
func TestFSMPriorityArithmetic(t *testing.T) {
	trackers := []TrackerRef{
		{Name: "plus", Weight: 10},
		{Name: "minus", Weight: -20},
		{Name: "plusrev", Weight: 5, Reverse: true},
		{Name: "minusrev", Weight: -30, Reverse: true},
		{Name: "zero", Weight: 0},
		{Name: "zerorev", Weight: 0, Reverse: true},
		{Name: "file", Kind: TrackFile, Weight: 3},
		{Name: "file0", Kind: TrackFile, Weight: 0},
	}
	type st struct {
		ok    bool
		value int
	}
	allOK := map[string]st{"plus": {true, 0}, "minus": {true, 0}, "plusrev": {true, 0}, "minusrev": {true, 0},
		"zero": {true, 0}, "zerorev": {false, 0}, "file": {true, 0}, "file0": {true, 0}}
	with := func(kv ...any) map[string]st {
		m := map[string]st{}
		for k, v := range allOK {
			m[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1].(st)
		}
		return m
	}
	cases := []struct {
		name  string
		base  uint8
		sts   map[string]st
		eff   uint8
		fault bool
	}{
		// plus OK +10, plusrev OK −5: 100+10−5 = 105.
		{"all ok", 100, allOK, 105, false},
		{"plus failed → +0", 100, with("plus", st{false, 0}), 95, false},
		{"minus failed → −20", 100, with("minus", st{false, 0}), 85, false},
		{"plusrev failed → 0", 100, with("plusrev", st{false, 0}), 110, false},
		{"minusrev failed → +30", 100, with("minusrev", st{false, 0}), 135, false},
		{"file value 4 × 3", 100, with("file", st{true, 4}), 117, false},
		{"file result < −253 → FAULT", 100, with("file", st{true, -85}), 1, true},
		{"clamp high 254", 250, allOK, 254, false},
		{"clamp low 1", 10, with("minus", st{false, 0}, "plus", st{false, 0}), 1, false},
		{"owner unaffected", 255, with("minus", st{false, 0}), 255, false},
		{"weight 0 failed → FAULT", 100, with("zero", st{false, 0}), 105, true},
		{"weight 0 reverse OK → FAULT", 100, with("zerorev", st{true, 0}), 105, true},
		{"file weight 0 non-zero → FAULT", 100, with("file0", st{true, 1}), 105, true},
		{"owner FAULT", 255, with("zero", st{false, 0}), 255, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ic := baseCfg()
			ic.Priority = c.base
			ic.Trackers = trackers
			d := newDriver(t, one(ic))
			names := make([]string, 0, len(c.sts))
			for n := range c.sts {
				names = append(names, n)
			}
			slices.Sort(names)
			for _, n := range names {
				i := slices.IndexFunc(trackers, func(r TrackerRef) bool { return r.Name == n })
				d.step(EvTracker{ID: trackers[i].ID(), OK: c.sts[n].ok, Value: c.sts[n].value})
			}
			d.step(EvStart{})
			s, _ := d.e.Status("VI_1")
			if s.EffectivePriority != c.eff {
				t.Errorf("effective priority %d, want %d", s.EffectivePriority, c.eff)
			}
			if faults := d.e.Faults("VI_1"); (s.State == StateFault) != c.fault || (len(faults) > 0) != c.fault {
				t.Errorf("state %v reasons %v, want fault=%v", s.State, faults, c.fault)
			}
		})
	}
}

// Reference §1.9: changing the effective priority in BACKUP re-computes
// the running down timer in place (Skew_Time changes); in MASTER the next
// advert carries the new priority (keepalived vrrp_set_effective_priority
// sends none at once).
func TestFSMPriorityChangeTimers(t *testing.T) {
	ic := baseCfg()
	ic.Trackers = []TrackerRef{{Name: "chk", Weight: 50}}
	d := newDriver(t, one(ic))
	d.step(EvTracker{ID: TrackerID{Name: "chk"}, OK: false})
	d.step(EvStart{})
	if got := d.timerAt("VI_1", TimerMasterDown); got != 3609375*time.Microsecond {
		t.Fatalf("initial down timer %v", got)
	}
	d.now = t0.Add(time.Second)
	acts := d.step(EvTracker{ID: TrackerID{Name: "chk"}, OK: true})
	if got, want := kinds(acts), []string{"prio:100>150", "set:master_down"}; !slices.Equal(got, want) {
		t.Fatalf("priority change in BACKUP %v, want %v", got, want)
	}
	// Skew 156/256 s → 106/256 s: 609375 µs → 414062 µs.
	if got := d.timerAt("VI_1", TimerMasterDown); got != 3*time.Second+414062*time.Microsecond {
		t.Fatalf("shifted down timer %v", got)
	}
	d.fire("VI_1", TimerMasterDown)
	d.wantState("VI_1", StateMaster)
	acts = d.step(EvTracker{ID: TrackerID{Name: "chk"}, OK: false})
	if got, want := kinds(acts), []string{"prio:150>100"}; !slices.Equal(got, want) {
		t.Fatalf("priority change in MASTER %v, want %v", got, want)
	}
	if acts := d.fire("VI_1", TimerAdvert); kinds(acts)[0] != "advert(100)" {
		t.Fatalf("next advert %v", kinds(acts))
	}
	// EvSetPriority (reload with a new priority) goes through the same path.
	if acts := d.step(EvSetPriority{Instance: "VI_1", Priority: 90}); !has(acts, "prio:100>90") {
		t.Fatalf("set priority %v", kinds(acts))
	}
}

// keepalived 2.2.7 vrrp.c: in a sync group without
// sync_group_tracking_weight a weighted track_script is ignored and a
// weighted track_interface becomes unweighted (down → FAULT); with
// sync_group_tracking_weight weights apply.
func TestFSMSyncGroupTrackerWeights(t *testing.T) {
	for _, tw := range []bool{false, true} {
		a, b := baseCfg(), baseCfg()
		b.Name, b.VRID = "VI_2", 52
		a.Trackers = []TrackerRef{{Name: "script", Weight: -30}, {Name: "eth1", Kind: TrackInterface, Weight: -40}}
		cfg := EngineConfig{Instances: []InstanceConfig{a, b},
			SyncGroups: []SyncGroupConfig{{Name: "G", Members: []string{"VI_1", "VI_2"}, TrackingWeight: tw}}}
		d := newDriver(t, cfg)
		d.step(EvStart{})
		d.step(EvTracker{ID: TrackerID{Name: "script"}, OK: false})
		s, _ := d.e.Status("VI_1")
		if want := map[bool]uint8{false: 100, true: 70}[tw]; s.EffectivePriority != want {
			t.Errorf("tracking_weight=%v: script: priority %d, want %d", tw, s.EffectivePriority, want)
		}
		d.step(EvTracker{ID: TrackerID{Kind: TrackInterface, Name: "eth1"}, OK: false})
		s, _ = d.e.Status("VI_1")
		if tw && (s.State != StateBackup || s.EffectivePriority != 30) {
			t.Errorf("tracking_weight: interface: %v %d", s.State, s.EffectivePriority)
		}
		if !tw {
			d.wantState("VI_1", StateFault)
			d.wantState("VI_2", StateFault)
		}
	}
}

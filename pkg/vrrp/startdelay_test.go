package vrrp

import (
	"testing"
	"time"
)

// keepalived 2.2.7 vrrp_startup_delay (vrrp_scheduler.c
// vrrp_init_instance_sands): the instances start at once and hear
// adverts; while the delay lasts a BACKUP's down timer is set from its
// end, sands = vrrp_delayed_start_time + ms_down_timer. An accepted advert
// sets ms_down_timer to Master_Down_Interval, a priority 0 to Skew_Time,
// and an ignored one (rejected, or lower priority) to what was left, so
// each ignored packet pushes the deadline back by what remains of the
// delay.
func TestStartupDelayBackupTimer(t *testing.T) {
	const delay = 8 * time.Second
	ic := baseCfg()
	ic.Priority = 200
	cfg := one(ic)
	cfg.StartupDelay = delay
	d := newDriver(t, cfg)
	acts := d.step(EvStart{})
	d.wantState("VI_1", StateBackup)
	if !has(acts, "state:INIT>BACKUP") {
		t.Fatalf("start actions %v: keepalived enters BACKUP (init) at once", kinds(acts))
	}
	mdi := MasterDownInterval(2, 200, time.Second, 3) // 3.21875 s
	if got := d.timerAt("VI_1", TimerMasterDown); got != delay+mdi {
		t.Fatalf("down timer at %v, want the delay + MDI = %v", got, delay+mdi)
	}

	// An accepted advert (higher priority) within the delay.
	d.now = t0.Add(time.Second)
	d.step(advFrom(ic, srcHigh, 250))
	if got := d.timerAt("VI_1", TimerMasterDown); got != delay+mdi {
		t.Fatalf("after an accepted advert: down timer at %v, want %v", got, delay+mdi)
	}
	// A lower-priority advert within the delay: ms_down_timer = what is
	// left (delay + mdi − 2 s), counted again from the end of the delay.
	d.now = t0.Add(2 * time.Second)
	d.step(advFrom(ic, srcLow, 100))
	want := delay + (delay + mdi - 2*time.Second)
	if got := d.timerAt("VI_1", TimerMasterDown); got != want {
		t.Fatalf("after an ignored advert: down timer at %v, want %v", got, want)
	}
	// A rejected one (the engine's checks, or the driver's: EvDiscarded)
	// does the same.
	d.now = t0.Add(3 * time.Second)
	d.step(EvDiscarded{Instance: "VI_1", Src: srcLow, Reason: RejectChecksum})
	want = delay + (want - 3*time.Second)
	if got := d.timerAt("VI_1", TimerMasterDown); got != want {
		t.Fatalf("after a discarded datagram: down timer at %v, want %v", got, want)
	}
	// Priority 0: Skew_Time from the end of the delay.
	d.now = t0.Add(4 * time.Second)
	d.step(advFrom(ic, srcHigh, 0))
	if got, want := d.timerAt("VI_1", TimerMasterDown), delay+SkewTime(2, 200, time.Second); got != want {
		t.Fatalf("after priority 0: down timer at %v, want %v", got, want)
	}
	// After the delay, everything counts from now again.
	d.now = t0.Add(9 * time.Second)
	d.step(advFrom(ic, srcHigh, 250))
	if got := d.timerAt("VI_1", TimerMasterDown); got != 9*time.Second+mdi {
		t.Fatalf("after the delay: down timer at %v, want %v", got, 9*time.Second+mdi)
	}
	d.now = t0.Add(10 * time.Second)
	d.step(advFrom(ic, srcLow, 100))
	if got := d.timerAt("VI_1", TimerMasterDown); got != 9*time.Second+mdi {
		t.Fatalf("ignored advert after the delay moved the timer to %v", got)
	}
	// A reload does not start the delay again (vrrp_daemon.c: !reload).
	d.reload(cfg)
	if got := d.timerAt("VI_1", TimerMasterDown); got != 10*time.Second+mdi {
		t.Fatalf("after a reload: down timer at %v, want %v", got, 10*time.Second+mdi)
	}
}

// keepalived 2.2.7 vrrp_init_state: an address owner with `state MASTER`
// is put in BACKUP without a log line or a notify, with a 1 µs down
// timer; within vrrp_startup_delay that timer runs from the end of the
// delay, so the owner becomes MASTER when the delay ends.
func TestStartupDelayOwner(t *testing.T) {
	ic := baseCfg()
	ic.Priority, ic.WantMaster = PriorityOwner, true
	cfg := one(ic)
	cfg.StartupDelay = 5 * time.Second
	d := newDriver(t, cfg)
	if acts := d.step(EvStart{}); len(kinds(acts)) != 1 || !has(acts, "set:master_down") {
		t.Fatalf("start actions %v, want only the down timer", kinds(acts))
	}
	if got := d.timerAt("VI_1", TimerMasterDown); got != 5*time.Second {
		t.Fatalf("down timer at %v, want the end of the delay", got)
	}
	acts := d.fire("VI_1", TimerMasterDown)
	d.wantState("VI_1", StateMaster)
	if !has(acts, "addvips") {
		t.Fatalf("actions at the end of the delay %v", kinds(acts))
	}

	// A sync group of owners waits the same way, then goes MASTER together.
	ic2 := ic
	ic2.Name, ic2.VRID = "VI_2", 52
	gcfg := EngineConfig{Instances: []InstanceConfig{ic, ic2}, StartupDelay: 5 * time.Second,
		SyncGroups: []SyncGroupConfig{{Name: "G", Members: []string{"VI_1", "VI_2"}}}}
	d = newDriver(t, gcfg)
	d.step(EvStart{})
	d.runUntil(t0.Add(5*time.Second - time.Nanosecond))
	d.wantState("VI_1", StateBackup)
	d.runUntil(t0.Add(5 * time.Second))
	d.wantState("VI_1", StateMaster)
	d.wantState("VI_2", StateMaster)
}

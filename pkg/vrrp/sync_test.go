package vrrp

import (
	"slices"
	"testing"
	"time"
)

func syncPair() (InstanceConfig, InstanceConfig, EngineConfig) {
	a, b := baseCfg(), baseCfg()
	b.Name, b.VRID = "VI_2", 52
	return a, b, EngineConfig{Instances: []InstanceConfig{a, b},
		SyncGroups: []SyncGroupConfig{{Name: "G", Members: []string{"VI_1", "VI_2"}}}}
}

// keepalived vrrp_sync.c vrrp_sync_can_goto_master / vrrp_sync_master
// (reference §1.10): the group goes MASTER when every member wants it; a
// member whose down timer expires first waits another interval.
func TestFSMSyncGroupMaster(t *testing.T) {
	_, _, cfg := syncPair()
	d := newDriver(t, cfg)
	acts := d.step(EvStart{})
	if !has(acts, "group:INIT>BACKUP") {
		t.Fatalf("start %v", kinds(acts))
	}
	acts = d.fire("VI_1", TimerMasterDown)
	if got, want := kinds(acts), []string{"set:master_down"}; !slices.Equal(got, want) {
		t.Fatalf("first member expiry %v, want %v", got, want)
	}
	d.wantState("VI_1", StateBackup)
	acts = d.fire("VI_2", TimerMasterDown)
	d.wantState("VI_1", StateMaster)
	d.wantState("VI_2", StateMaster)
	if !has(acts, "group:BACKUP>MASTER") || !d.vips["VI_1"] || !d.vips["VI_2"] {
		t.Fatalf("group master %v", kinds(acts))
	}
}

// keepalived vrrp_scheduler.c / vrrp_sync.c, in the order keepalived
// logs them: the member whose Master_Down_Timer expired logs "Receive
// advertisement timeout" and goes MASTER on its own (vrrp_goto_master),
// then vrrp_sync_master logs "Syncing instances to MASTER state" and moves
// the others, then the group's notify runs.
func TestFSMSyncGroupMasterOrder(t *testing.T) {
	_, _, cfg := syncPair()
	cfg.LogActions = true
	d := newDriver(t, cfg)
	d.step(EvStart{})
	d.fire("VI_1", TimerMasterDown)
	acts := d.fire("VI_2", TimerMasterDown)
	want := []string{
		"log:(VI_2) Receive advertisement timeout",
		"advert(100)", "state:BACKUP>MASTER", "addvips", "garp(5)", "set:garp_delay", "notify:MASTER", "set:advert",
		"log:VRRP_Group(G) Syncing instances to MASTER state",
		"cancel:master_down", "advert(100)", "state:BACKUP>MASTER", "addvips", "garp(5)", "set:garp_delay", "notify:MASTER", "set:advert",
		"group:BACKUP>MASTER",
	}
	if got := kinds(acts); !slices.Equal(got, want) {
		t.Fatalf("group to MASTER:\n got %q\nwant %q", got, want)
	}
	if sc := acts[2].(ActStateChange); sc.Instance != "VI_2" || sc.Reason.Kind != CauseMasterDown {
		t.Fatalf("first transition %+v", sc)
	}
	if sc := acts[11].(ActStateChange); sc.Instance != "VI_1" || sc.Reason.String() != "sync group G" {
		t.Fatalf("second transition %+v", sc)
	}
}

// keepalived vrrp_sync.c: an accepted advert resets wantstate, so a member
// that still hears its master holds the group in BACKUP.
func TestFSMSyncGroupHeldBackup(t *testing.T) {
	a, _, cfg := syncPair()
	d := newDriver(t, cfg)
	d.step(EvStart{})
	d.fire("VI_1", TimerMasterDown) // VI_1 wants MASTER, VI_2 does not
	d.now = t0.Add(3700 * time.Millisecond)
	d.step(advFrom(a, srcHigh, 200)) // VI_1 hears a master again
	d.fire("VI_2", TimerMasterDown)
	d.wantState("VI_1", StateBackup)
	d.wantState("VI_2", StateBackup)
}

// keepalived vrrp_sync.c vrrp_sync_backup: one member yielding takes the
// group to BACKUP; vrrp_sync_fault: any FAULT → all FAULT, and the group
// leaves FAULT when no member has a fault.
func TestFSMSyncGroupBackupAndFault(t *testing.T) {
	a, _, cfg := syncPair()
	d := newDriver(t, cfg)
	d.step(EvStart{})
	d.fire("VI_1", TimerMasterDown)
	d.fire("VI_2", TimerMasterDown)
	d.now = d.now.Add(100 * time.Millisecond)
	acts := d.step(advFrom(a, srcHigh, 200))
	d.wantState("VI_1", StateBackup)
	d.wantState("VI_2", StateBackup)
	if !has(acts, "group:MASTER>BACKUP") || d.vips["VI_1"] || d.vips["VI_2"] || has(acts, "advert(0)") {
		t.Fatalf("group backup %v", kinds(acts))
	}
	d.runUntil(d.now.Add(10 * time.Second))
	d.wantState("VI_1", StateMaster)
	d.wantState("VI_2", StateMaster)

	acts = d.step(EvInterface{Instance: "VI_2", Up: false})
	d.wantState("VI_1", StateFault)
	d.wantState("VI_2", StateFault)
	// keepalived vrrp_state_leave_master: "Entering FAULT STATE", then
	// the priority-0 advert.
	if !has(acts, "group:MASTER>FAULT") || kinds(acts)[0] != "state:MASTER>FAULT" || kinds(acts)[1] != "advert(0)" {
		t.Fatalf("group fault %v", kinds(acts))
	}
	if fs := d.e.Faults("VI_1"); len(fs) != 1 {
		t.Fatalf("VI_1 fault reasons %v", fs)
	}
	acts = d.step(EvInterface{Instance: "VI_2", Up: true})
	d.wantState("VI_1", StateBackup)
	d.wantState("VI_2", StateBackup)
	if !has(acts, "group:FAULT>BACKUP") {
		t.Fatalf("group leave fault %v", kinds(acts))
	}
	acts = d.step(EvStop{})
	if !has(acts, "group:BACKUP>STOP") {
		t.Fatalf("group stop %v", kinds(acts))
	}
}

// keepalived vrrp_state_master_rx: on a lower-priority advert a MASTER
// sends garp_lower_prio_repeat GARPs for itself and for the other members
// of its sync group.
func TestFSMSyncGroupLowerPrioGARP(t *testing.T) {
	a, _, cfg := syncPair()
	for i := range cfg.Instances {
		cfg.Instances[i].GARPLowerPrioRepeat = 2
	}
	d := newDriver(t, cfg)
	d.step(EvStart{})
	d.fire("VI_1", TimerMasterDown)
	d.fire("VI_2", TimerMasterDown)
	acts := d.step(advFrom(a, srcHigh, 50))
	var garps []string
	for _, x := range acts {
		if g, ok := x.(ActGARP); ok {
			garps = append(garps, g.Instance)
		}
	}
	if !slices.Equal(garps, []string{"VI_1", "VI_2"}) {
		t.Fatalf("lower-prio GARPs for %v (actions %v)", garps, kinds(acts))
	}
}

// keepalived.conf(5) state: a sync group whose members are all address
// owners with state MASTER starts MASTER; any member with a fault at start
// puts the whole group in FAULT.
func TestFSMSyncGroupStart(t *testing.T) {
	_, _, cfg := syncPair()
	for i := range cfg.Instances {
		cfg.Instances[i].Priority, cfg.Instances[i].WantMaster = 255, true
	}
	d := newDriver(t, cfg)
	if acts := d.step(EvStart{}); !has(acts, "group:INIT>MASTER") {
		t.Fatalf("owner group start %v", kinds(acts))
	}
	d.wantState("VI_2", StateMaster)

	_, _, cfg = syncPair()
	d = newDriver(t, cfg)
	d.step(EvInterface{Instance: "VI_2", Up: false})
	if acts := d.step(EvStart{}); !has(acts, "group:INIT>FAULT") {
		t.Fatalf("faulty group start %v", kinds(acts))
	}
	d.wantState("VI_1", StateFault)
	// EvStart again is a no-op.
	if acts := d.step(EvStart{}); len(acts) != 0 {
		t.Fatalf("second start %v", kinds(acts))
	}
}

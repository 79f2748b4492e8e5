package vrrp

import (
	"slices"
	"testing"
	"time"
)

// A respawned daemon resumes the instances its dead predecessor held as
// MASTER: the advert goes out first, then "Entering MASTER STATE" with the
// cause "resumed after restart", the addresses, one GARP burst and the
// advert timer, and no notify (nothing changed for the world).
func TestResumeMasterAtOnce(t *testing.T) {
	d := newDriver(t, one(baseCfg()))
	acts := d.step(EvStart{Resume: []Resume{{Instance: "VI_1"}}})
	want := []string{"advert(100)", "state:INIT>MASTER", "addvips", "garp(5)", "set:advert"}
	if got := kinds(acts); !slices.Equal(got, want) {
		t.Fatalf("actions %v, want %v", got, want)
	}
	for _, a := range acts {
		if sc, ok := a.(ActStateChange); ok && sc.Reason.Kind != CauseResumed {
			t.Fatalf("cause %v, want resumed", sc.Reason)
		}
	}
	d.wantState("VI_1", StateMaster)
	if got := d.timerAt("VI_1", TimerAdvert); got != time.Second {
		t.Fatalf("advert timer at %v, want 1s", got)
	}
	// The resumed MASTER is an ordinary MASTER: a higher priority takes over.
	d.step(advFrom(baseCfg(), srcHigh, 200))
	d.wantState("VI_1", StateBackup)
}

// An instance that would start in FAULT is not resumed; one not listed
// starts in BACKUP; an unknown name is ignored.
func TestResumeOnlyHealthyListedInstances(t *testing.T) {
	a, b := baseCfg(), baseCfg()
	b.Name, b.VRID = "VI_2", 52
	a.Trackers = []TrackerRef{{Name: "chk", Kind: TrackScript}}
	d := newDriver(t, EngineConfig{Instances: []InstanceConfig{a, b}})
	d.step(EvTracker{ID: TrackerID{Kind: TrackScript, Name: "chk"}, OK: false})
	d.step(EvStart{Resume: []Resume{{Instance: "VI_1"}, {Instance: "gone"}}})
	d.wantState("VI_1", StateFault)
	d.wantState("VI_2", StateBackup)
}

// A sync group is resumed only when all its members were MASTER.
func TestResumeSyncGroup(t *testing.T) {
	a, b := baseCfg(), baseCfg()
	b.Name, b.VRID = "VI_2", 52
	cfg := EngineConfig{Instances: []InstanceConfig{a, b},
		SyncGroups: []SyncGroupConfig{{Name: "G", Members: []string{"VI_1", "VI_2"}}}}

	d := newDriver(t, cfg)
	acts := d.step(EvStart{Resume: []Resume{{Instance: "VI_1"}, {Instance: "VI_2"}}})
	d.wantState("VI_1", StateMaster)
	d.wantState("VI_2", StateMaster)
	if !has(acts, "group:INIT>MASTER") {
		t.Fatalf("group not MASTER: %v", kinds(acts))
	}

	d = newDriver(t, cfg)
	d.step(EvStart{Resume: []Resume{{Instance: "VI_1"}}})
	d.wantState("VI_1", StateBackup)
	d.wantState("VI_2", StateBackup)
}

// An AH instance continues its sequence number after the one it sent
// last, so that peers do not drop the resumed adverts as replays.
func TestResumeAHSequence(t *testing.T) {
	ic := baseCfg()
	ic.AuthType = AuthAH
	d := newDriver(t, one(ic))
	acts := d.step(EvStart{Resume: []Resume{{Instance: "VI_1", AHSeq: 41}}})
	if sa, ok := acts[0].(ActSendAdvert); !ok || sa.AHSeq != 42 {
		t.Fatalf("first action %#v, want an advert with AH sequence 42", acts[0])
	}
}

// Advert is what the next ActSendAdvert carries, at any priority.
func TestAdvertAccessor(t *testing.T) {
	d := newDriver(t, one(baseCfg()))
	a, ok := d.e.Advert("VI_1", PriorityStop)
	if !ok || a.Priority != 0 || a.VRID != 51 || len(a.Addrs) != 2 || a.AdvertIntCS != 100 {
		t.Fatalf("Advert = %+v, %v", a, ok)
	}
	if _, ok := d.e.Advert("nope", 0); ok {
		t.Fatal("Advert of an unknown instance")
	}
}

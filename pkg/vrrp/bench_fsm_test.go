package vrrp

import (
	"testing"
	"time"
)

// BenchmarkStepMasterAdvertTick: a steady-state MASTER's Adver_Timer
// firing (send advert, re-arm the timer).
func BenchmarkStepMasterAdvertTick(b *testing.B) {
	ic := baseCfg()
	ic.Priority, ic.WantMaster = 255, true
	e, err := NewEngine(one(ic))
	if err != nil {
		b.Fatal(err)
	}
	now := t0
	e.Step(now, EvStart{})
	var ev Event = EvTimer{Instance: "VI_1", Timer: TimerAdvert}
	b.ReportAllocs()
	for b.Loop() {
		now = now.Add(time.Second)
		if acts := e.Step(now, ev); len(acts) != 2 {
			b.Fatalf("actions %v", kinds(acts))
		}
	}
}

// BenchmarkStepBackupAdvert: a steady-state BACKUP receiving a valid advert
// from its master (all receive checks, reset Master_Down_Timer).
func BenchmarkStepBackupAdvert(b *testing.B) {
	ic := baseCfg()
	ic.AuthType, ic.AuthPass = AuthPass, [8]byte{'s', 'e', 'c', 'r', 'e', 't'}
	e, err := NewEngine(one(ic))
	if err != nil {
		b.Fatal(err)
	}
	now := t0
	e.Step(now, EvStart{})
	var ev Event = advFrom(ic, srcHigh, 150)
	b.ReportAllocs()
	for b.Loop() {
		now = now.Add(time.Second)
		if acts := e.Step(now, ev); len(acts) != 1 {
			b.Fatalf("actions %v", kinds(acts))
		}
	}
}

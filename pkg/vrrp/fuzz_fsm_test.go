package vrrp

import (
	"testing"
	"time"
)

// FuzzEngineStep drives an engine (two instances in a sync group plus one
// alone) with an event sequence decoded from the input: no input may panic
// and the driver's VIP bookkeeping must stay consistent (STYLE: never a
// panic on bad input; issue 2 invariants).
func FuzzEngineStep(f *testing.F) {
	f.Add([]byte{0, 1, 1, 2, 3, 4, 5, 6, 7, 8})
	f.Add([]byte{0, 3, 0, 200, 3, 1, 0, 255, 2, 0, 3, 4, 1, 5, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		a, b, c := baseCfg(), baseCfg(), baseCfg()
		b.Name, b.VRID, b.Version = "VI_2", 52, 3
		c.Name, c.VRID, c.Priority, c.WantMaster = "VI_3", 53, 255, true
		a.Trackers = []TrackerRef{{Name: "s", Weight: -60}, {Name: "z"}}
		cfg := EngineConfig{Instances: []InstanceConfig{a, b, c},
			SyncGroups: []SyncGroupConfig{{Name: "G", Members: []string{"VI_1", "VI_2"}}}}
		d := newDriver(t, cfg)
		names := []string{"VI_1", "VI_2", "VI_3", "nope"}
		next := func() byte {
			if len(data) == 0 {
				return 0
			}
			x := data[0]
			data = data[1:]
			return x
		}
		for len(data) > 0 {
			op, arg := next(), next()
			name := names[int(arg)%len(names)]
			switch op % 10 {
			case 0:
				d.step(EvStart{})
			case 1:
				d.step(EvStop{})
			case 2:
				d.now = d.now.Add(time.Duration(next()) * 37 * time.Millisecond)
				d.runUntil(d.now)
			case 3:
				ic := cfg.Instances[int(arg)%3]
				ev := advFrom(ic, propSources[int(next())%3], next())
				if x := next(); x&1 != 0 {
					ev.TTL = x
				}
				if x := next(); x&1 != 0 {
					ev.Advert.Addrs = nil
				}
				ev.Advert.AdvertIntCS = uint16(next()) * 10
				d.step(ev)
			case 4:
				d.step(EvTracker{ID: TrackerID{Name: []string{"s", "z", "x"}[int(arg)%3]}, OK: next()&1 == 0, Value: int(int8(next()))})
			case 5:
				d.step(EvInterface{Instance: name, Up: next()&1 == 0})
			case 6:
				d.step(EvVIPDeleted{Instance: name})
			case 7:
				d.step(EvTimer{Instance: name, Timer: TimerKind(next())})
			case 8:
				d.step(EvSetPriority{Instance: name, Priority: next()})
			case 9:
				if k, _, ok := d.nextTimer(); ok {
					d.fire(k.inst, k.kind)
				}
			}
			for _, s := range d.e.Statuses() {
				if d.vips[s.Name] != (s.State == StateMaster) {
					t.Fatalf("%s: VIPs %v in %v", s.Name, d.vips[s.Name], s.State)
				}
			}
		}
	})
}

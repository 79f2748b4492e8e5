package sim

import (
	"strings"
	"testing"
	"time"

	"github.com/gokeepalived/gokeepalived/scenarios/observe"
)

func detections(w *World) []observe.Detection { return w.History().Detections() }

// EXPERIMENTS.md E9 (seed 004 §2.2): each cause of split brain makes both
// nodes hold the VIP; the observer sees it, a daemon reports it where it
// can (a GARP or a foreign-VRID advert for its VIP), and removing the cause
// leaves one holder within one Master_Down_Interval.
func TestE9SplitBrainCauses(t *testing.T) {
	mdi := 3*time.Second + 157*time.Second/256
	cases := []struct {
		name     string
		cause    func(w *World) error
		heal     func(w *World) error
		detected bool
	}{
		{"heartbeat link cut", func(w *World) error { return w.Partition([]string{"lvs1"}, []string{"lvs2"}) },
			func(w *World) error { w.Heal(); return nil }, false},
		{"firewall drops VRRP one way", func(w *World) error { return w.DropVRRP("lvs1", "lvs2") },
			func(w *World) error { w.Heal(); return nil }, true},
		{"different virtual_router_id", func(w *World) error {
			conf := strings.Replace(e1Conf("BACKUP", 99), "virtual_router_id 199", "virtual_router_id 200", 1)
			if err := w.WriteFile("lvs2", ConfigPath, []byte(conf)); err != nil {
				return err
			}
			return w.RestartDaemon("lvs2")
		}, func(w *World) error {
			if err := w.WriteFile("lvs2", ConfigPath, []byte(e1Conf("BACKUP", 99))); err != nil {
				return err
			}
			return w.RestartDaemon("lvs2")
		}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := e1World(t, Options{Seed: 5})
			waitHolders(t, w, "lvs1", 5*time.Second)
			must(t, c.cause(w))
			waitHolders(t, w, "lvs1,lvs2", 2*mdi)
			w.RunFor(5 * time.Second)
			if got := len(detections(w)) > 0; got != c.detected {
				t.Errorf("daemon detection %v, want %v: %v", got, c.detected, detections(w))
			}
			must(t, c.heal(w))
			t0 := w.Elapsed()
			waitHolders(t, w, "lvs1", mdi+time.Second)
			if took := w.Elapsed() - t0; took > mdi {
				t.Errorf("healed after %v, want ≤ Master_Down_Interval %v", took, mdi)
			}
			sb := w.SplitBrains()
			if len(sb) != 1 || sb[0].Open || sb[0].Duration() < 5*time.Second {
				t.Errorf("split brains %+v", sb)
			}
		})
	}
}

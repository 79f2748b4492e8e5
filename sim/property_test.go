package sim

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"pgregory.net/rapid"
)

// A random fault schedule (every World operation, in any order, including
// ones that must fail) never panics, and replaying it with the same seed
// gives the same timeline (FoundationDB / TigerBeetle determinism rule).
func TestRandomSchedulesAreDeterministic(t *testing.T) {
	nodes := []string{"lvs1", "lvs2"}
	rapid.Check(t, func(rt *rapid.T) {
		seed := rapid.Int64().Draw(rt, "seed")
		model := rapid.SampledFrom(DaemonModels()).Draw(rt, "model")
		n := rapid.IntRange(1, 25).Draw(rt, "steps")
		type step struct {
			op   int
			node string
			a    float64
			d    time.Duration
		}
		steps := make([]step, n)
		for i := range steps {
			steps[i] = step{
				op:   rapid.IntRange(0, 16).Draw(rt, "op"),
				node: rapid.SampledFrom(nodes).Draw(rt, "node"),
				a:    rapid.Float64Range(0, 100).Draw(rt, "a"),
				d:    time.Duration(rapid.IntRange(0, 8000).Draw(rt, "ms")) * time.Millisecond,
			}
		}
		run := func() string {
			w := e1World(rt, Options{Seed: seed, Model: model})
			var b strings.Builder
			for _, s := range steps {
				other := "lvs1"
				if s.node == "lvs1" {
					other = "lvs2"
				}
				var err error
				switch s.op {
				case 0:
					err = w.StopDaemon(s.node)
				case 1:
					err = w.KillDaemon(s.node)
				case 2:
					err = w.StartDaemon(s.node)
				case 3:
					err = w.PauseDaemon(s.node)
				case 4:
					err = w.ResumeDaemon(s.node)
				case 5:
					err = w.RestartDaemon(s.node)
				case 6:
					err = w.SetLink(s.node, "eth0", s.a > 50)
				case 7:
					err = w.SetLoss(s.node, other, s.a)
				case 8:
					err = w.SetDelay(s.node, "*", s.d/10, s.d/5)
				case 9:
					err = w.SetDuplicate("*", s.node, s.a)
				case 10:
					err = w.Partition([]string{s.node})
				case 11:
					err = w.PartitionOneWay(s.node, other)
				case 12:
					w.Heal()
				case 13:
					err = w.SetClockRate(s.node, 0.5+s.a/50)
				case 15:
					err = w.BumpClock(s.node, s.d-4*time.Second)
				case 16:
					err = w.ReloadDaemon(s.node)
				case 14:
					if s.a > 50 {
						err = w.WriteFile(s.node, "/etc/keepalived/down", nil)
					} else {
						err = w.RemoveFile(s.node, "/etc/keepalived/down")
					}
				}
				fmt.Fprintf(&b, "op %d %s: %v\n", s.op, s.node, err)
				w.RunFor(s.d)
			}
			w.RunFor(10 * time.Second)
			for _, e := range w.Observations(0) {
				fmt.Fprintln(&b, e)
			}
			fmt.Fprintf(&b, "%+v %+v %v\n", w.Counters("lvs1"), w.Counters("lvs2"), w.SplitBrains())
			return b.String()
		}
		if a, b := run(), run(); a != b {
			rt.Fatalf("same schedule, different runs:\n%s", firstDiff(a, b))
		}
	})
}

package netns

import (
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// measureEnv opts in to TestMeasureKeepalived and says how many runs of
// each measurement to make:
//
//	GKL_LAB_MEASURE=5 go test ./netns -run TestMeasureKeepalived -v -timeout 30m
const measureEnv = "GKL_LAB_MEASURE"

// A measurement run: a fresh E1 lab (keepalived 2.2.7 on both nodes),
// the first election, a steady state (lvs1 has sent two more adverts),
// then one fault on lvs1, timed from the lab's action stamp to the VIP's
// moves as the kernels report them.
type faultRun struct {
	name string
	do   func(t *testing.T, lab *Lab) // the fault, on lvs1
	// prefix of the action's text that stamps the fault
	action string
}

func measureFaults() []faultRun {
	return []faultRun{
		{"touch-down", func(t *testing.T, lab *Lab) {
			must(t, lab.WriteFile("lvs1", "/etc/keepalived/down", nil, 0o644))
		}, "write /etc/keepalived/down"},
		{"kill-9-parent", func(t *testing.T, lab *Lab) { must(t, lab.KillRole("lvs1", RoleParent)) }, "kill -9 keepalived parent"},
		{"kill-9-vrrp-child", func(t *testing.T, lab *Lab) { must(t, lab.KillRole("lvs1", RoleVRRP)) }, "kill -9 keepalived vrrp"},
		// Stop returns once keepalived has exited, about 1 s after the VIP
		// moved; the figures come from the events, not from its return.
		{"sigterm", func(t *testing.T, lab *Lab) { must(t, lab.Stop(t.Context(), "lvs1")) }, "stop keepalived"},
	}
}

type sample struct {
	election time.Duration // lvs1's start → VIP on lvs1
	firstUp  time.Duration // lvs1's start → VIP on any node (lvs2 wins the start race now and then)
	advert   time.Duration // fault → lvs2's first advert as MASTER on the wire
	takeover time.Duration // fault → VIP on lvs2, read from lvs2's kernel
	outage   time.Duration // no holder at all between the fault and the takeover
}

func TestMeasureKeepalived(t *testing.T) {
	runs, _ := strconv.Atoi(os.Getenv(measureEnv))
	if runs <= 0 {
		t.Skip("opt-in: " + measureEnv + "=N runs each fault N times (minutes of real time)")
	}
	keepalivedBin(t)
	// The machine is shared: the load says how much the figures can be
	// trusted (keepalived's timers are real time).
	load := func() string { b, _ := os.ReadFile("/proc/loadavg"); return strings.TrimSpace(string(b)) }
	t.Logf("load average before: %s", load())
	results := map[string][]sample{}
	for _, f := range measureFaults() {
		for i := range runs {
			var s sample
			if !t.Run(fmt.Sprintf("%s/%d", f.name, i), func(t *testing.T) { s = measureOnce(t, f) }) {
				continue // a failed run (its log says why) gives no figure
			}
			results[f.name] = append(results[f.name], s)
			t.Logf("%s run %d: election %.3fs (first holder %.3fs) advert %.3fs takeover %.3fs outage %.3fs",
				f.name, i, s.election.Seconds(), s.firstUp.Seconds(), s.advert.Seconds(), s.takeover.Seconds(), s.outage.Seconds())
		}
	}
	var elections, firsts []time.Duration
	var b strings.Builder
	fmt.Fprintf(&b, "\n%-18s %-9s %8s %8s %8s   (seconds, %d runs each, keepalived 2.2.7 on both nodes)\n", "fault on lvs1", "figure", "min", "median", "max", runs)
	for _, f := range measureFaults() {
		var adv, take, out []time.Duration
		for _, s := range results[f.name] {
			elections = append(elections, s.election)
			firsts = append(firsts, s.firstUp)
			adv = append(adv, s.advert)
			take = append(take, s.takeover)
			out = append(out, s.outage)
		}
		fmt.Fprintf(&b, "%-18s %-9s %s\n", f.name, "advert", stats(adv))
		fmt.Fprintf(&b, "%-18s %-9s %s\n", "", "VIP up", stats(take))
		fmt.Fprintf(&b, "%-18s %-9s %s\n", "", "no holder", stats(out))
	}
	fmt.Fprintf(&b, "%-18s %-9s %s\n", "first election", "on lvs1", stats(elections))
	fmt.Fprintf(&b, "%-18s %-9s %s\n", "", "any node", stats(firsts))
	t.Logf("load average after: %s", load())
	t.Log(b.String())
}

func stats(ds []time.Duration) string {
	s := slices.Clone(ds)
	slices.Sort(s)
	if len(s) == 0 {
		return "-"
	}
	med := s[len(s)/2]
	if len(s)%2 == 0 {
		med = (s[len(s)/2-1] + s[len(s)/2]) / 2
	}
	return fmt.Sprintf("%8.3f %8.3f %8.3f", s[0].Seconds(), med.Seconds(), s[len(s)-1].Seconds())
}

func measureOnce(t *testing.T, f faultRun) sample {
	lab := startE1(t)
	var s sample
	start := lastAction(t, lab, "lvs1", "start keepalived")
	await(t, lab, 10*time.Second, "VIP on lvs1 only", holdersAre(lab, e1VIP, "lvs1"))
	up, _ := firstAdd(lab, "lvs1", e1VIP, start)
	s.election = up - start
	for _, sp := range VIPSpans(lab.Events(0), e1VIP, lab.Elapsed()) {
		if len(sp.Nodes) > 0 {
			s.firstUp = sp.From - start
			break
		}
	}
	// Steady state: two more adverts from lvs1 after the VIP came up.
	await(t, lab, 5*time.Second, "two adverts from lvs1", func() bool {
		n := 0
		for _, e := range lab.Events(0) {
			if e.Kind == KindAdvert && e.Node == "lvs1" && e.At > up && e.Priority == 100 {
				n++
			}
		}
		return n >= 2
	})
	f.do(t, lab)
	at := lastAction(t, lab, "lvs1", f.action)
	// The VIP on lvs2 and its advert as MASTER: the two come from
	// different observers (netlink, capture), so either may be logged first.
	lvs2Advert := func() (time.Duration, bool) {
		for _, e := range lab.Events(0) {
			if e.Kind == KindAdvert && e.Node == "lvs2" && e.Priority > 0 && e.At > at {
				return e.At, true
			}
		}
		return 0, false
	}
	await(t, lab, 10*time.Second, "VIP on lvs2 and its advert", func() bool {
		_, ok1 := firstAdd(lab, "lvs2", e1VIP, at)
		_, ok2 := lvs2Advert()
		return ok1 && ok2
	})
	moved, _ := firstAdd(lab, "lvs2", e1VIP, at)
	s.takeover = moved - at
	adv, _ := lvs2Advert()
	s.advert = adv - at
	s.outage = outage(lab, e1VIP, at, moved)
	return s
}

package sim

import (
	"fmt"
	"math"
	"net/netip"
	"testing"
	"time"

	"github.com/gokeepalived/gokeepalived/pkg/vrrp"
	"pgregory.net/rapid"
)

// pairConf is a minimal instance: VRID 51, VIP 10.0.0.3, advert_int 1.
func pairConf(state string, prio int) string {
	return fmt.Sprintf(`vrrp_instance VI_1 {
    state %s
    interface eth0
    virtual_router_id 51
    priority %d
    advert_int 1
    virtual_ipaddress {
        10.0.0.3
    }
}
`, state, prio)
}

var pairVIP = netip.MustParseAddr("10.0.0.3")

// pairWorld is nodes a (10.0.0.5), b (10.0.0.6), ... on one LAN, each with
// its config, every daemon keepalived 2.2.7's model, nothing started.
func pairWorld(t tb, seed int64, confs ...string) *World {
	t.Helper()
	w := NewWorld(Options{Seed: seed, Model: Keepalived227})
	must(t, w.AddSegment("lan"))
	for i, c := range confs {
		name := string(rune('a' + i))
		must(t, w.AddNode(name, Iface{Name: "eth0", Segment: "lan", Addrs: []netip.Prefix{netip.PrefixFrom(netip.AddrFrom4([4]byte{10, 0, 0, byte(5 + i)}), 24)}}))
		must(t, w.WriteFile(name, ConfigPath, []byte(c)))
	}
	return w
}

// masterSpans are the intervals during which node's VI_1 was MASTER.
func masterSpans(w *World, node string) (spans [][2]time.Duration) {
	for _, tr := range w.Transitions() {
		if tr.Node != node {
			continue
		}
		switch {
		case tr.To == "MASTER":
			spans = append(spans, [2]time.Duration{tr.At, -1})
		case tr.From == "MASTER" && len(spans) > 0:
			spans[len(spans)-1][1] = tr.At
		}
	}
	return spans
}

// The start race (issue 9): two daemons started "together" with priorities
// 100 and 99, whose Master_Down_Intervals differ by 3.9 ms. keepalived's
// start latency (10-194 ms) makes the lower one MASTER first whenever it
// starts more than 3.9 ms before the other: in 3 of 12 real runs, for
// 2-170 ms. The model shows it in some seeds, never in most, and the
// higher priority always ends up MASTER alone.
func TestStartRace(t *testing.T) {
	const seeds = 400
	lowerFirst := 0
	for seed := int64(1); seed <= seeds; seed++ {
		w := pairWorld(t, seed, pairConf("MASTER", 100), pairConf("BACKUP", 99))
		must(t, w.StartDaemon("a"))
		must(t, w.StartDaemon("b"))
		w.RunFor(10 * time.Second)
		if got := w.VIPHolders(pairVIP); len(got) != 1 || got[0] != "a" {
			t.Fatalf("seed %d: %v hold the VIP after 10 s, want a alone", seed, got)
		}
		spans := masterSpans(w, "b")
		switch len(spans) {
		case 0:
			continue
		case 1:
		default:
			t.Fatalf("seed %d: b was MASTER %d times", seed, len(spans))
		}
		lowerFirst++
		if d := spans[0][1] - spans[0][0]; spans[0][1] < 0 || d > 195*time.Millisecond {
			t.Fatalf("seed %d: b MASTER for %v (span %v), want less than the widest start latency difference", seed, d, spans[0])
		}
	}
	// A pair differs by more than 3.9 ms about one time in six; the lower
	// priority is the earlier one half of those times.
	if share := float64(lowerFirst) / seeds; share < 0.03 || share > 0.2 {
		t.Fatalf("lower priority MASTER first in %d of %d seeds (%.1f%%), want about one in twelve", lowerFirst, seeds, 100*share)
	}
	t.Logf("lower priority MASTER first in %d of %d seeds", lowerFirst, seeds)
}

// keepalived 2.2.7's start latency, as sim.Keepalived227 draws it, keeps
// the figures it was built from: minimum 10 ms, median 16 ms, maximum 194
// ms (239 real starts), and two starts differing by more than 3.9 ms in
// about one pair in six.
func TestKeepalivedModelMatchesMeasurements(t *testing.T) {
	d := Keepalived227.StartLatency
	if d.Quantile(0) != 10*time.Millisecond || d.Quantile(0.5) != 16*time.Millisecond || d.Quantile(1) != 194*time.Millisecond {
		t.Fatalf("start latency min %v median %v max %v, want 10ms 16ms 194ms", d.Quantile(0), d.Quantile(0.5), d.Quantile(1))
	}
	w := NewWorld(Options{Seed: 1})
	const pairs = 20000
	apart := 0
	for range pairs {
		x, y := d.draw(w.rng), d.draw(w.rng)
		if math.Abs(float64(x-y)) > float64(3906*time.Microsecond) {
			apart++
		}
	}
	if share := float64(apart) / pairs; share < 0.12 || share > 0.22 {
		t.Fatalf("%.1f%% of pairs differ by more than 3.9 ms, want about one in six", 100*share)
	}
	if s := Keepalived227.StopDuration.Quantile(0.5); s != 1010*time.Millisecond {
		t.Fatalf("stop duration median %v, want 1.01 s", s)
	}
}

// Equal timers (issue 9): two backups of equal priority armed by the same
// priority-0 advert race by microseconds. With timer lateness and receive
// latency drawn per seed, all of keepalived's outcomes occur: either wins
// alone (the other hears its advert before its own timer fires and stays
// BACKUP), or both become MASTER and the lower address yields when it hears
// the higher one. Whatever happens, one holder remains.
func TestEqualTimersRace(t *testing.T) {
	outcomes := map[string]int{}
	for seed := int64(1); seed <= 300; seed++ {
		w := pairWorld(t, seed, pairConf("MASTER", 150), pairConf("BACKUP", 100), pairConf("BACKUP", 100))
		for _, n := range []string{"a", "b", "c"} {
			must(t, w.StartDaemon(n))
		}
		w.RunFor(8 * time.Second)
		must(t, w.StopDaemon("a"))
		w.RunFor(5 * time.Second)
		hs := w.VIPHolders(pairVIP)
		if len(hs) != 1 {
			t.Fatalf("seed %d: holders %v after the race", seed, hs)
		}
		b, c := masterSpans(w, "b"), masterSpans(w, "c")
		var o string
		switch {
		case len(b) == 1 && len(c) == 1:
			o = "both MASTER, " + hs[0] + " kept it"
			if hs[0] != "c" {
				t.Fatalf("seed %d: both MASTER and %s won; the higher address (c) should", seed, hs[0])
			}
		case len(b) == 1 && len(c) == 0:
			o = "b alone"
		case len(b) == 0 && len(c) == 1:
			o = "c alone"
		default:
			t.Fatalf("seed %d: b MASTER %v, c MASTER %v", seed, b, c)
		}
		outcomes[o]++
	}
	for _, o := range []string{"b alone", "c alone", "both MASTER, c kept it"} {
		if outcomes[o] == 0 {
			t.Errorf("outcome %q never seen in 300 seeds: %v", o, outcomes)
		}
	}
	t.Logf("outcomes: %v", outcomes)
}

// Fault phase (issue 9): after kill -9 of the MASTER the backup takes over
// one Master_Down_Interval after the last advert it heard, so the takeover
// time depends on where in the advert cycle the kill lands: from
// Master_Down_Interval - advert_int to Master_Down_Interval (2.61-3.61 s
// for priority 100). Property: kill at a drawn phase; the takeover is
// Master_Down_Interval minus the time since the last advert, within the
// model's lateness; over many draws both ends of the range occur.
func TestFaultPhase(t *testing.T) {
	var lo, hi time.Duration = time.Hour, 0
	rapid.Check(t, func(rt *rapid.T) {
		seed := rapid.Int64Range(1, 1<<40).Draw(rt, "seed")
		phase := time.Duration(rapid.IntRange(0, 999).Draw(rt, "phaseMs")) * time.Millisecond
		w := NewWorld(Options{Seed: seed, Model: Keepalived227, RecordAdverts: true})
		must(rt, w.AddSegment("lan"))
		for i, c := range []string{pairConf("MASTER", 150), pairConf("BACKUP", 100)} {
			name := string(rune('a' + i))
			must(rt, w.AddNode(name, Iface{Name: "eth0", Segment: "lan", Addrs: []netip.Prefix{netip.PrefixFrom(netip.AddrFrom4([4]byte{10, 0, 0, byte(5 + i)}), 24)}}))
			must(rt, w.WriteFile(name, ConfigPath, []byte(c)))
			must(rt, w.StartDaemon(name))
		}
		w.RunFor(6*time.Second + phase)
		var last time.Duration
		for _, a := range w.Adverts() {
			if a.Node == "a" {
				last = a.At
			}
		}
		must(rt, w.KillDaemon("a"))
		killed := w.Elapsed()
		if !w.RunUntil(5*time.Second, func() bool { s, _ := w.State("b", "VI_1"); return s == vrrp.StateMaster }) {
			rt.Fatalf("b not MASTER 5 s after the kill")
		}
		took := w.Elapsed() - killed
		want := 3609375*time.Microsecond - (killed - last)
		if d := took - want; d < 0 || d > time.Millisecond {
			rt.Fatalf("takeover %v after the kill, %v after the last advert: want Master_Down_Interval (3.609375 s) after it", took, w.Elapsed()-last)
		}
		lo, hi = min(lo, took), max(hi, took)
	})
	if hi-lo < 500*time.Millisecond {
		t.Fatalf("takeovers between %v and %v: the drawn phase should spread them over an advert interval", lo, hi)
	}
}

// A reload (SIGHUP) that reaches a daemon still starting is not an error:
// the daemon starts with the new configuration.
func TestReloadWhileStarting(t *testing.T) {
	w := pairWorld(t, 1, pairConf("BACKUP", 100))
	must(t, w.StartDaemon("a"))
	if w.DaemonStarted("a") {
		t.Fatal("daemon up at once despite keepalived's start latency")
	}
	must(t, w.WriteFile("a", ConfigPath, []byte(pairConf("BACKUP", 120))))
	must(t, w.ReloadDaemon("a"))
	w.RunFor(200 * time.Millisecond)
	st, ok := w.Status("a", "VI_1")
	if !ok || st.State != vrrp.StateBackup || st.BasePriority != 120 {
		t.Fatalf("after the start: %+v, want BACKUP with priority 120", st)
	}
}

package sim

import (
	"fmt"
	"math"
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/gokeepalived/gokeepalived/daemon"
	"github.com/gokeepalived/gokeepalived/daemon/reactor"
	"github.com/gokeepalived/gokeepalived/pkg/config"
	"github.com/gokeepalived/gokeepalived/pkg/vrrp"
)

// recorder is a stand-in daemon that records what reaches it.
type recorder struct {
	w    *World
	got  []rx
	arps int
}

type rx struct {
	at   time.Duration
	from netip.Addr
	prio uint8
}

func (r *recorder) Start() error                            { return nil }
func (r *recorder) Stop()                                   {}
func (r *recorder) Reload(*config.Config) error             { return nil }
func (r *recorder) AddressDeleted(string, netip.Prefix)     {}
func (r *recorder) AddressAdded(string, netip.Prefix)       {}
func (r *recorder) LinkChanged(string, bool)                {}
func (r *recorder) ARPAnnounced(string, netip.Addr, string) { r.arps++ }
func (r *recorder) Status(string) (vrrp.Status, bool)       { return vrrp.Status{}, false }
func (r *recorder) Receive(_ string, datagram []byte) {
	p, err := vrrp.ParsePacket(datagram, vrrp.ParseOptions{})
	if err != nil {
		panic(fmt.Sprintf("recorder: the segment carried an invalid datagram: %v", err))
	}
	r.got = append(r.got, rx{r.w.now, p.Src, p.Advert.Priority})
}

// runRecorder makes r node n's running daemon, with a reactor for timers.
func runRecorder(n *node, r *recorder) {
	n.gen++
	n.r = reactor.NewVirtual(nodeClock{n}, reactorHost{n, n.gen})
	n.proc = &process{gen: n.gen, r: n.r, drv: r}
}
func (r *recorder) count() int { return len(r.got) }
func (r *recorder) from(a string) int {
	n := 0
	for _, g := range r.got {
		if g.from == netip.MustParseAddr(a) {
			n++
		}
	}
	return n
}

// lab builds nodes a, b, c on segment lan (10.0.0.1-3) and d on segment
// other, each with a recording daemon.
func lab(t *testing.T, seed int64) (*World, map[string]*recorder) {
	t.Helper()
	w := NewWorld(Options{Seed: seed})
	must(t, w.AddSegment("lan"))
	must(t, w.AddSegment("other"))
	recs := map[string]*recorder{}
	for i, name := range []string{"a", "b", "c", "d"} {
		seg := "lan"
		if name == "d" {
			seg = "other"
		}
		must(t, w.AddNode(name, Iface{Name: "eth0", Segment: seg, Addrs: []netip.Prefix{netip.MustParsePrefix(fmt.Sprintf("10.0.0.%d/24", i+1))}}))
		r := &recorder{w: w}
		runRecorder(w.nodes[name], r)
		recs[name] = r
	}
	return w, recs
}

func send(t *testing.T, w *World, from, dst string, prio uint8) {
	t.Helper()
	n := w.nodes[from]
	p := &platform{n: n, gen: n.gen}
	src, _ := p.PrimaryAddr("eth0", false)
	must(t, p.SendVRRP(datagram(t, src, netip.MustParseAddr(dst), prio)))
}

// datagram encodes a VRRPv2 advert from src to dst.
func datagram(t *testing.T, src, dst netip.Addr, prio uint8) daemon.Datagram {
	t.Helper()
	a := vrrp.Advert{Version: 2, Type: 1, VRID: 1, Priority: prio, AdvertIntCS: 100}
	b, err := a.MarshalIPv4(src, dst, vrrp.IPv4Params{ID: 1}, vrrp.MarshalOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return daemon.Datagram{Iface: "eth0", Src: src, Dst: dst, TTL: 255, Data: b}
}

// Multicast reaches every other interface on the segment
// (IP_MULTICAST_LOOP=0: not the sender), nothing on another segment;
// unicast reaches only the holder of the destination address.
func TestDeliveryMulticastUnicast(t *testing.T) {
	w, r := lab(t, 1)
	send(t, w, "a", "224.0.0.18", 100)
	send(t, w, "a", "10.0.0.3", 100)
	w.RunFor(time.Millisecond)
	if r["a"].count() != 0 || r["b"].count() != 1 || r["c"].count() != 2 || r["d"].count() != 0 {
		t.Errorf("deliveries a=%d b=%d c=%d d=%d, want 0 1 2 0", r["a"].count(), r["b"].count(), r["c"].count(), r["d"].count())
	}
	if w.Counters("a").AdvertsSent != 2 {
		t.Errorf("sent counter %d", w.Counters("a").AdvertsSent)
	}
}

// Loss is per directed path and drawn per packet from the world's RNG.
func TestLossIsDirectedAndProportional(t *testing.T) {
	w, r := lab(t, 2)
	must(t, w.SetLoss("a", "b", 30))
	for range 10000 {
		send(t, w, "a", "224.0.0.18", 100)
	}
	send(t, w, "b", "224.0.0.18", 100)
	w.RunFor(time.Millisecond)
	if got := r["b"].count(); got < 6700 || got > 7300 {
		t.Errorf("b received %d of 10000 at 30%% loss", got)
	}
	if r["c"].from("10.0.0.1") != 10000 {
		t.Errorf("c received %d, want all (loss is only a→b)", r["c"].count())
	}
	if r["a"].from("10.0.0.2") != 1 {
		t.Error("b→a lost: loss must be one-way")
	}
	if w.Counters("b").Dropped != 10000-r["b"].count() {
		t.Errorf("dropped counter %d", w.Counters("b").Dropped)
	}
}

// Direct callers of the fault knobs get errors for what no link can do
// (NaN or out-of-range percentages, negative delays, delays beyond the
// world's MaxElapsed); the longest accepted delay never wraps around
// into an early delivery.
func TestNetworkFaultBounds(t *testing.T) {
	w, r := lab(t, 4)
	nan := math.NaN()
	for _, c := range []struct {
		name string
		err  error
	}{
		{"loss NaN", w.SetLoss("a", "b", nan)},
		{"loss -1", w.SetLoss("a", "b", -1)},
		{"loss +Inf", w.SetLoss("a", "b", math.Inf(1))},
		{"duplicate NaN", w.SetDuplicate("a", "b", nan)},
		{"duplicate 101", w.SetDuplicate("a", "b", 101)},
		{"delay negative", w.SetDelay("a", "b", -time.Second, 0)},
		{"delay beyond MaxElapsed", w.SetDelay("a", "b", MaxElapsed+1, 0)},
		{"jitter beyond MaxElapsed", w.SetDelay("a", "b", 0, MaxElapsed+1)},
		{"delay that would wrap", w.SetDelay("a", "b", math.MaxInt64-10, 0)},
	} {
		if c.err == nil {
			t.Errorf("%s: accepted", c.name)
		}
	}
	must(t, w.SetDelay("a", "b", MaxElapsed, MaxElapsed))
	w.RunFor(time.Hour)
	send(t, w, "a", "224.0.0.18", 100)
	w.RunFor(time.Hour)
	if r["b"].count() != 0 || r["c"].count() != 1 {
		t.Fatalf("deliveries b=%d c=%d, want 0 (delayed past the end of time) and 1", r["b"].count(), r["c"].count())
	}
}

func TestDuplicateAndDelayJitter(t *testing.T) {
	w, r := lab(t, 3)
	must(t, w.SetDuplicate("a", "b", 100))
	must(t, w.SetDelay("a", "c", 10*time.Millisecond, 50*time.Millisecond))
	for i := range 100 {
		send(t, w, "a", "224.0.0.18", uint8(i+1))
	}
	w.RunFor(9 * time.Millisecond)
	if r["c"].count() != 0 {
		t.Errorf("c got %d packets before the 10ms delay", r["c"].count())
	}
	w.RunFor(time.Second)
	if r["b"].count() != 200 {
		t.Errorf("b got %d with 100%% duplication, want 200", r["b"].count())
	}
	if r["c"].count() != 100 {
		t.Fatalf("c got %d", r["c"].count())
	}
	reordered := false
	for i, g := range r["c"].got {
		if g.at < 10*time.Millisecond || g.at >= 60*time.Millisecond {
			t.Errorf("arrival %v outside [10ms, 60ms)", g.at)
		}
		if i > 0 && g.prio < r["c"].got[i-1].prio {
			reordered = true
		}
	}
	if !reordered {
		t.Error("jitter 5× the send spacing never reordered")
	}
}

func TestPartitions(t *testing.T) {
	w, r := lab(t, 4)
	round := func() map[string]int {
		for _, n := range []string{"a", "b", "c"} {
			send(t, w, n, "224.0.0.18", 100)
		}
		w.RunFor(time.Millisecond)
		out := map[string]int{}
		for _, to := range []string{"a", "b", "c"} {
			for i, from := range []string{"a", "b", "c"} {
				out[from+to] = r[to].from(fmt.Sprintf("10.0.0.%d", i+1))
			}
			r[to].got = nil
		}
		return out
	}
	must(t, w.Partition([]string{"a"}, []string{"b", "c"}))
	if g := round(); g["ab"]+g["ac"]+g["ba"]+g["ca"] != 0 || g["bc"] != 1 || g["cb"] != 1 {
		t.Errorf("symmetric partition: %v", g)
	}
	w.Heal()
	must(t, w.PartitionOneWay("a", "b"))
	if g := round(); g["ab"] != 0 || g["ba"] != 1 || g["ac"] != 1 {
		t.Errorf("one-way partition: %v", g)
	}
	w.Heal()
	must(t, w.Isolate("c"))
	if g := round(); g["ac"]+g["bc"]+g["ca"]+g["cb"] != 0 || g["ab"] != 1 {
		t.Errorf("isolate: %v", g)
	}
	// Jepsen bridge: a and c cannot talk; b talks to both.
	must(t, w.Bridge([]string{"a"}, "b", []string{"c"}))
	if g := round(); g["ac"]+g["ca"] != 0 || g["ab"]+g["ba"]+g["bc"]+g["cb"] != 4 {
		t.Errorf("bridge: %v", g)
	}
	w.Heal()
	// A VRRP firewall drops adverts a→b but lets a's ARPs through.
	must(t, w.DropVRRP("a", "b"))
	if g := round(); g["ab"] != 0 || g["ba"] != 1 || g["ac"] != 1 {
		t.Errorf("VRRP firewall: %v", g)
	}
	pa := &platform{n: w.nodes["a"], gen: w.nodes["a"].gen}
	must(t, pa.SendGARP("eth0", netip.MustParseAddr("10.0.0.100")))
	w.RunFor(time.Millisecond)
	if r["b"].arps != 1 {
		t.Errorf("GARP through the VRRP firewall: b saw %d", r["b"].arps)
	}
	w.Heal()
	if g := round(); g["ac"]+g["ca"]+g["ab"]+g["ba"]+g["bc"]+g["cb"] != 6 {
		t.Errorf("after heal: %v", g)
	}
}

// An interface that is down neither sends nor receives.
func TestLinkDownNoDelivery(t *testing.T) {
	w, r := lab(t, 5)
	must(t, w.SetLink("b", "eth0", false))
	send(t, w, "a", "224.0.0.18", 100)
	w.RunFor(time.Millisecond)
	if r["b"].count() != 0 || r["c"].count() != 1 {
		t.Errorf("b=%d c=%d", r["b"].count(), r["c"].count())
	}
	n := w.nodes["b"]
	p := &platform{n: n, gen: n.gen}
	if err := p.SendVRRP(datagram(t, netip.MustParseAddr("10.0.0.2"), netip.MustParseAddr("224.0.0.18"), 100)); err == nil {
		t.Error("sending on a down interface succeeded")
	}
}

// SIGSTOP: packets and timers wait until SIGCONT; beyond the socket
// buffer, packets are dropped.
func TestPauseHoldsPacketsAndTimers(t *testing.T) {
	w := NewWorld(Options{Seed: 6, SocketBuffer: 3})
	must(t, w.AddSegment("lan"))
	must(t, w.AddNode("a", Iface{Name: "eth0", Segment: "lan", Addrs: []netip.Prefix{netip.MustParsePrefix("10.0.0.1/24")}}))
	must(t, w.AddNode("b", Iface{Name: "eth0", Segment: "lan", Addrs: []netip.Prefix{netip.MustParsePrefix("10.0.0.2/24")}}))
	for _, name := range []string{"a", "b"} {
		runRecorder(w.nodes[name], &recorder{w: w})
	}
	rb := w.nodes["b"].proc.drv.(*recorder)
	pb := &platform{n: w.nodes["b"], gen: w.nodes["b"].gen}
	fired := time.Duration(-1)
	pb.AfterFunc(pb.Now().Add(time.Second), func() { fired = w.now })
	must(t, w.PauseDaemon("b"))
	for range 5 {
		send(t, w, "a", "224.0.0.18", 100)
	}
	w.RunFor(2 * time.Second)
	if rb.count() != 0 || fired >= 0 {
		t.Fatalf("paused daemon got %d packets, timer fired=%v", rb.count(), fired)
	}
	must(t, w.ResumeDaemon("b"))
	w.RunFor(time.Millisecond)
	if rb.count() != 3 || fired != 2*time.Second {
		t.Errorf("after resume: %d packets (buffer 3), timer fired at %v (want at resume, 2s)", rb.count(), fired)
	}
	if w.Counters("b").Dropped != 2 {
		t.Errorf("dropped %d, want 2 beyond the socket buffer", w.Counters("b").Dropped)
	}
}

// Clock rate r: a node's timer due in 10 s of its own time fires after
// 10/r s of world time.
func TestClockRate(t *testing.T) {
	w, _ := lab(t, 7)
	must(t, w.SetClockRate("a", 2))
	n := w.nodes["a"]
	p := &platform{n: n, gen: n.gen}
	var fired []time.Duration
	p.AfterFunc(p.Now().Add(10*time.Second), func() { fired = append(fired, w.now) })
	w.RunFor(2 * time.Second) // local clock now at 4s
	must(t, w.SetClockRate("a", 0.5))
	// 6 s of local time left at rate 0.5 → 12 s of world time.
	w.RunFor(20 * time.Second)
	if !slices.Equal(fired, []time.Duration{14 * time.Second}) {
		t.Errorf("fired at %v, want [14s]", fired)
	}
	if got := p.Now().Sub(Epoch()); got != 4*time.Second+10*time.Second {
		t.Errorf("local clock %v, want 14s", got)
	}
}

// kill -9: the daemon's timers die with it.
func TestKillDropsTimers(t *testing.T) {
	w, _ := lab(t, 8)
	n := w.nodes["a"]
	p := &platform{n: n, gen: n.gen}
	fired := false
	p.AfterFunc(p.Now().Add(time.Second), func() { fired = true })
	must(t, w.KillDaemon("a"))
	w.RunFor(2 * time.Second)
	if fired {
		t.Error("a killed daemon's timer fired")
	}
}

// A clock step forward fires the timers it skips at once; backward delays.
func TestBumpClock(t *testing.T) {
	w, _ := lab(t, 9)
	n := w.nodes["a"]
	p := &platform{n: n, gen: n.gen}
	var fired []time.Duration
	p.AfterFunc(p.Now().Add(10*time.Second), func() { fired = append(fired, w.now) })
	p.AfterFunc(p.Now().Add(20*time.Second), func() { fired = append(fired, w.now) })
	w.RunFor(time.Second)
	must(t, w.BumpClock("a", 12*time.Second)) // local 13s: the 10s timer is due
	w.RunFor(time.Second)                     // world 2s, local 14s
	must(t, w.BumpClock("a", -4*time.Second)) // local 10s: the 20s timer is 10s away
	w.RunFor(20 * time.Second)
	if !slices.Equal(fired, []time.Duration{time.Second, 12 * time.Second}) {
		t.Errorf("fired at %v, want [1s 12s]", fired)
	}
}

package sim

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gokeepalived/gokeepalived/pkg/vrrp"
)

// SIGSTOP on the master: the backup times out and takes the VIP while the
// frozen master still holds it (split brain); on SIGCONT the master's held
// advert timer fires, its advert (100 > 99) sends lvs2 back to BACKUP.
func TestPauseResumeMaster(t *testing.T) {
	w := e1World(t, Options{Seed: 12})
	waitHolders(t, w, "lvs1", 5*time.Second)
	must(t, w.PauseDaemon("lvs1"))
	waitHolders(t, w, "lvs1,lvs2", 5*time.Second)
	w.RunFor(3 * time.Second)
	must(t, w.ResumeDaemon("lvs1"))
	waitHolders(t, w, "lvs1", 2*time.Second)
	if s, _ := w.State("lvs2", "VI_1"); s != vrrp.StateBackup {
		t.Errorf("lvs2 %v after resume, want BACKUP", s)
	}
	if sb := w.SplitBrains(); len(sb) != 1 || sb[0].Duration() < 3*time.Second {
		t.Errorf("split brains %+v", sb)
	}
}

// unicast_peer: adverts go to each peer's address, one packet per peer,
// and reach only the node holding it.
func TestUnicastPeers(t *testing.T) {
	conf := func(prio int, src, peer string) string {
		c := e1Conf("BACKUP", prio)
		return strings.Replace(c, "    virtual_ipaddress {", "    unicast_src_ip "+src+"\n    unicast_peer {\n        "+peer+"\n    }\n    virtual_ipaddress {", 1)
	}
	w := NewWorld(Options{Seed: 13, RecordAdverts: true})
	must(t, w.AddSegment("lan"))
	for i, name := range []string{"lvs1", "lvs2", "other"} {
		must(t, w.AddNode(name, Iface{Name: "eth0", Segment: "lan", Addrs: []netip.Prefix{netip.MustParsePrefix("10.0.0." + []string{"50", "51", "52"}[i] + "/24")}}))
	}
	must(t, w.WriteFile("lvs1", ConfigPath, []byte(conf(100, "10.0.0.50", "10.0.0.51"))))
	must(t, w.WriteFile("lvs2", ConfigPath, []byte(conf(99, "10.0.0.51", "10.0.0.50"))))
	must(t, w.StartDaemon("lvs1"))
	must(t, w.StartDaemon("lvs2"))
	waitHolders(t, w, "lvs1", 5*time.Second)
	w.RunFor(10 * time.Second)
	if holders(w) != "lvs1" {
		t.Fatalf("holders %q", holders(w))
	}
	for _, a := range w.Adverts() {
		if a.Dst != netip.MustParseAddr("10.0.0.51") || a.Src != netip.MustParseAddr("10.0.0.50") {
			t.Fatalf("advert %+v", a)
		}
	}
	if w.Counters("other").AdvertsReceived != 0 || w.Counters("lvs2").AdvertsReceived < 10 {
		t.Errorf("received: other %d, lvs2 %d", w.Counters("other").AdvertsReceived, w.Counters("lvs2").AdvertsReceived)
	}
}

// keepalived (reference §2.7): a MASTER whose VIP is deleted externally
// (`ip addr del`) goes BACKUP with a priority-0 advert and a Skew_Time
// down timer; being the highest priority it is first to time out, so it
// takes the VIP back within its Skew_Time (156/256 s) and lvs2 never
// leaves BACKUP. An operator adding the VIP on another node is a split
// brain the observer sees.
func TestExternalAddressChanges(t *testing.T) {
	w := e1World(t, Options{Seed: 14})
	waitHolders(t, w, "lvs1", 5*time.Second)
	n := len(w.Transitions())
	must(t, w.DelAddress("lvs1", "eth0", netip.MustParsePrefix("172.20.0.100/32")))
	if holders(w) != "" {
		t.Fatalf("holders right after ip addr del: %q", holders(w))
	}
	t0 := w.Elapsed()
	waitHolders(t, w, "lvs1", time.Second)
	if took := w.Elapsed() - t0; took > 156*time.Second/256+time.Millisecond {
		t.Errorf("VIP back after %v, want ≤ Skew_Time", took)
	}
	var got []string
	for _, tr := range w.Transitions()[n:] {
		got = append(got, fmt.Sprintf("%s:%s->%s", tr.Node, tr.From, tr.To))
	}
	if want := []string{"lvs1:MASTER->BACKUP", "lvs1:BACKUP->MASTER"}; !slices.Equal(got, want) {
		t.Errorf("transitions %v, want %v", got, want)
	}
	must(t, w.AddAddress("lvs2", "eth0", netip.MustParsePrefix("172.20.0.100/32"), ""))
	w.RunFor(time.Second)
	if sb := w.SplitBrains(); len(sb) != 1 || !sb[0].Open {
		t.Errorf("split brains %+v", sb)
	}
}

// SIGTERM to a SIGSTOPped daemon acts on SIGCONT.
func TestStopWhilePaused(t *testing.T) {
	w := e1World(t, Options{Seed: 15})
	waitHolders(t, w, "lvs1", 5*time.Second)
	must(t, w.PauseDaemon("lvs1"))
	must(t, w.StopDaemon("lvs1"))
	if !w.DaemonRunning("lvs1") || holders(w) != "lvs1" {
		t.Fatal("a paused daemon acted on SIGTERM")
	}
	must(t, w.ResumeDaemon("lvs1"))
	if w.DaemonRunning("lvs1") || holders(w) != "" {
		t.Errorf("after SIGCONT: running=%v holders %q", w.DaemonRunning("lvs1"), holders(w))
	}
	waitHolders(t, w, "lvs2", time.Second)
}

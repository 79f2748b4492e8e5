package daemon

import (
	"log/slog"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gokeepalived/gokeepalived/pkg/vrrp"
)

// Issue 8: what strangers send must not grow the daemon. A MASTER is
// flooded with forged adverts from floodSources distinct sources, each
// carrying its VIP under a foreign VRID (the split-brain detector's input)
// or an unknown VRID, with forged gratuitous ARPs for the VIP from as many
// senders, all within one second and then over a few more. The per-sender
// state stays under its bound, the log stays under its rate (plus one
// summary per reason and window), and the reports stay per packet
// (counters), never per sender.
func TestFloodOfStrangersKeepsMemoryFlat(t *testing.T) {
	floodSources := 300_000
	if testing.Short() {
		floodSources = 30_000
	}
	var lines []string
	f := newFake(t)
	f.countOnly = true
	d, err := New(e1(100, "MASTER"), f, slog.New(logLines{&lines}))
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Start(); err != nil {
		t.Fatal(err)
	}
	f.advance(4 * time.Second)
	if state(t, d) != vrrp.StateMaster {
		t.Fatal("not MASTER")
	}
	lines = nil
	vip := netip.MustParseAddr("172.20.0.100")
	group := netip.MustParseAddr("224.0.0.18")
	buf := make([]byte, 0, 64)
	maxSeen := 0
	for i := range floodSources {
		src := netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)})
		a := advert(byte(1+i%198), 200) // never VRID 199: the detector's case
		if i%3 == 0 {
			a.Addrs = []netip.Addr{netip.MustParseAddr("192.0.2.1")} // foreign VRID, foreign VIP
		}
		var err error
		buf, err = a.AppendMarshalIPv4(buf[:0], src, group, vrrp.IPv4Params{ID: uint16(i)}, vrrp.MarshalOptions{})
		if err != nil {
			t.Fatal(err)
		}
		d.Receive("eth0", buf)
		d.ARPAnnounced("eth0", vip, src.String())
		maxSeen = max(maxSeen, len(d.splitSeen))
		if i%(floodSources/4) == floodSources/4-1 {
			f.advance(1500 * time.Millisecond) // let entries and windows expire
		}
	}
	if maxSeen > splitSeenMax {
		t.Errorf("split-brain table reached %d entries, bound %d", maxSeen, splitSeenMax)
	}
	if n := f.counts[ReportSplitBrain]; n > 5*splitSeenMax {
		t.Errorf("%d split-brain reports for %d forged senders: not bounded by the table", n, floodSources)
	}
	if n := f.counts[ReportReject]; n < floodSources/3 {
		t.Errorf("%d reject reports, want one per unknown-VRID packet (%d)", n, floodSources/3)
	}
	// Five windows (one per advance, the last summed up below), each with
	// at most logBurst lines per reason and one summary per reason.
	f.advance(2 * time.Second)
	if max := 5 * 2 * (logBurst + 1); len(lines) > max {
		t.Errorf("%d log lines for the flood, want at most %d", len(lines), max)
	}
	summaries := 0
	for _, l := range lines {
		if strings.Contains(l, "messages suppressed") {
			summaries++
		}
	}
	if summaries == 0 {
		t.Errorf("no \"N more … messages suppressed\" summary among %q", lines)
	}
	if state(t, d) != vrrp.StateMaster {
		t.Errorf("the flood moved the MASTER to %v", state(t, d))
	}
}

// The summary of suppressed lines comes when the window ends, on the
// platform's clock, even if the flood stopped.
func TestLogRateLimitSummary(t *testing.T) {
	var lines []string
	f := newFake(t)
	d, err := New(e1(100, "BACKUP"), f, slog.New(logLines{&lines}))
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Start(); err != nil {
		t.Fatal(err)
	}
	f.advance(10 * time.Millisecond) // the first script run reports
	lines = nil
	bad := advert(199, 150)
	bad.AuthData[0] ^= 1 // wrong PASS
	for range 25 {
		d.Receive("eth0", datagram(t, "10.0.0.51", "224.0.0.18", 255, bad))
	}
	if len(lines) != logBurst || lines[0] != "(VI_1) received an invalid passwd!" {
		t.Fatalf("%d lines logged at once, want %d: %q", len(lines), logBurst, lines)
	}
	f.advance(logWindow)
	want := `15 more "auth_failure" messages suppressed in 1s`
	if !slices.Contains(lines, want) {
		t.Fatalf("after the window: %q, want the summary %q", lines[logBurst:], want)
	}
}

package daemon

import (
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/gokeepalived/gokeepalived/pkg/config"
	"github.com/gokeepalived/gokeepalived/pkg/vrrp"
)

// A worker that replaces a dead one resumes VI_1 as MASTER: its VIP, still
// on eth0, is neither removed as stale nor added again, and an advert
// with its priority goes out at once (no Master_Down_Interval in BACKUP).
func TestStartResumeKeepsVIPAndAdvertsAtOnce(t *testing.T) {
	f := newFake(t)
	vip := netip.MustParsePrefix("172.20.0.100/32")
	f.addrs["eth0"] = append(f.addrs["eth0"], vip)
	d, err := New(e1(100, "BACKUP"), f, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := d.StartResume([]vrrp.Resume{{Instance: "VI_1"}}); err != nil {
		t.Fatal(err)
	}
	f.advance(10 * time.Millisecond) // the unweighted-script wait is none; the script's first run
	if got := state(t, d); got != vrrp.StateMaster {
		t.Fatalf("state %v, want MASTER", got)
	}
	a, ok := f.lastAdvert()
	if !ok || a.Advert.Priority != 100 {
		t.Fatalf("no advert with priority 100 sent: %+v", f.sent)
	}
	if !slices.Contains(f.addrs["eth0"], vip) {
		t.Fatal("VIP removed")
	}
	for _, r := range f.reports {
		if r.Kind == ReportVIPDel || r.Kind == ReportError {
			t.Fatalf("unexpected report %+v", r)
		}
	}
	if n := len(f.notifies()); n != 0 {
		t.Fatalf("notify scripts ran on resume: %v", f.notifies())
	}
}

// An instance whose VIP was deleted while no process ran is not resumed:
// it starts in BACKUP like any other.
func TestStartResumeNeedsTheAddresses(t *testing.T) {
	f := newFake(t)
	d, err := New(e1(100, "BACKUP"), f, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := d.StartResume([]vrrp.Resume{{Instance: "VI_1"}}); err != nil {
		t.Fatal(err)
	}
	if got := state(t, d); got != vrrp.StateBackup {
		t.Fatalf("state %v, want BACKUP", got)
	}
}

// Release sends the priority-0 advert the dead worker could not send and
// removes the VIP, without starting anything.
func TestReleaseSendsPriorityZeroAndRemovesVIP(t *testing.T) {
	f := newFake(t)
	vip := netip.MustParsePrefix("172.20.0.100/32")
	f.addrs["eth0"] = append(f.addrs["eth0"], vip)
	d, err := New(e1(100, "BACKUP"), f, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	d.Release([]string{"VI_1", "unknown"}, nil)
	if len(f.sent) != 1 || f.sent[0].Advert.Priority != 0 || f.sent[0].Advert.VRID != 199 {
		t.Fatalf("sent %+v, want one priority-0 advert for VRID 199", f.sent)
	}
	if slices.Contains(f.addrs["eth0"], vip) {
		t.Fatal("VIP still there")
	}
	if len(f.timers) != 0 || len(f.scripts) != 0 {
		t.Fatalf("Release scheduled work: %d timers, scripts %v", len(f.timers), f.scripts)
	}
}

// A pushed file change is read at once, not at the next poll.
func TestFileChangedReadsAtOnce(t *testing.T) {
	cfg := e1(100, "BACKUP")
	cfg.TrackFiles = append(cfg.TrackFiles, trackFileDef("tf", "/run/tf", 0))
	cfg.Instances[0].TrackFiles = append(cfg.Instances[0].TrackFiles, trackRef("tf"))
	d, f := start(t, cfg)
	f.files["/run/tf"] = "5"
	d.FileChanged("/run/tf")
	if got := state(t, d); got != vrrp.StateFault {
		t.Fatalf("state %v, want FAULT (weight 0, value 5)", got)
	}
}

func trackFileDef(name, path string, weight int) config.TrackFileDef {
	return config.TrackFileDef{Name: name, File: path, Weight: weight}
}

func trackRef(name string) config.TrackRef { return config.TrackRef{Name: name} }

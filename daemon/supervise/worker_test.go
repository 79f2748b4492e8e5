package supervise

import (
	"os"
	"slices"
	"testing"

	"github.com/gokeepalived/gokeepalived/daemon"
	"github.com/gokeepalived/gokeepalived/pkg/vrrp"
)

// What a worker writes before it dies is what the supervisor reads after:
// MASTER-ness per instance (written before any address is touched) and
// the last AH sequence number.
func TestStatePipeCarriesMastersAndAHSequence(t *testing.T) {
	r, wr, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	w := &Worker{state: wr, masters: map[string]bool{"VI_3": true}}
	s := readState(r, []vrrp.Resume{{Instance: "VI_3", AHSeq: 7}})
	w.Report(daemon.Report{Kind: daemon.ReportState, Instance: "VI_1", From: vrrp.StateBackup, To: vrrp.StateMaster})
	w.Report(daemon.Report{Kind: daemon.ReportState, Instance: "VI_2", From: vrrp.StateBackup, To: vrrp.StateMaster})
	w.Report(daemon.Report{Kind: daemon.ReportAdvertSent, Instance: "VI_1", AHSeq: 41})
	w.Report(daemon.Report{Kind: daemon.ReportAdvertSent, Instance: "VI_2"}) // not AH: nothing to say
	w.Report(daemon.Report{Kind: daemon.ReportState, Instance: "VI_2", From: vrrp.StateMaster, To: vrrp.StateBackup})
	w.Report(daemon.Report{Kind: daemon.ReportState, Instance: "VI_3", From: vrrp.StateInit, To: vrrp.StateBackup})
	w.Ready()
	wr.Close() // the worker dies
	<-s.done
	// One more than reported: the worker may have died after a send and
	// before its report.
	want := []vrrp.Resume{{Instance: "VI_1", AHSeq: 42}}
	if got := s.Masters(); !slices.Equal(got, want) {
		t.Fatalf("masters %v, want %v", got, want)
	}
	if !s.ready {
		t.Fatal("ready line lost")
	}
}

// A worker started to resume an instance that dies before saying
// anything still holds it for the supervisor.
func TestResumedMastersHeldUntilSaidOtherwise(t *testing.T) {
	r, wr, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	s := readState(r, []vrrp.Resume{{Instance: "VI_1", AHSeq: 3}})
	wr.Close()
	<-s.done
	if got := s.Masters(); len(got) != 1 || got[0].Instance != "VI_1" || got[0].AHSeq != 4 {
		t.Fatalf("masters %v", got)
	}
}

// Pid files are locked: a second holder is refused with the first one's
// pid; the lock goes with the descriptor, not the file.
func TestPIDFileLock(t *testing.T) {
	path := t.TempDir() + "/k.pid"
	a, err := LockPIDFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Write(os.Getpid()); err != nil {
		t.Fatal(err)
	}
	_, err = LockPIDFile(path)
	re, ok := err.(*RunningError)
	if !ok || re.PID != os.Getpid() {
		t.Fatalf("second lock: %v", err)
	}
	a.Close() // as if the holder died: the file stays, the lock goes
	b, err := LockPIDFile(path)
	if err != nil {
		t.Fatalf("lock after the holder is gone: %v", err)
	}
	b.Remove()
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatal("Remove left the file")
	}
}

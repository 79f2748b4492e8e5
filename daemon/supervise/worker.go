package supervise

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"

	"golang.org/x/sys/unix"

	"github.com/gokeepalived/gokeepalived/daemon"
	"github.com/gokeepalived/gokeepalived/pkg/vrrp"
)

// The environment and descriptors a worker is started with.
const (
	// EnvRole names the worker's role ("vrrp"); a process without it is
	// a supervisor (or the command the operator ran).
	EnvRole = "GOKEEPALIVED_WORKER"
	// EnvResume is the JSON list of vrrp.Resume the worker starts with.
	EnvResume = "GOKEEPALIVED_RESUME"
	// fdLifeline is the read end of the lifeline pipe (end of file: the
	// supervisor is gone); fdState the write end of the state pipe.
	fdLifeline = 3
	fdState    = 4
	// stateBuf is the state pipe's size (F_SETPIPE_SZ; the kernel caps
	// it at /proc/sys/fs/pipe-max-size, 1 MiB by default).
	stateBuf = 1 << 20
)

// RoleVRRP is the VRRP worker. RoleChecker is reserved for the LVS
// checker worker (issue 12).
const (
	RoleVRRP    = "vrrp"
	RoleChecker = "checker"
)

// Worker exit codes, keepalived's (lib/scheduler.h).
const (
	ExitOK     = 0
	ExitFatal  = 1 // cannot start (pid file held, no platform)
	ExitConfig = 2 // the configuration does not load
)

// Worker is the worker side of the process model.
type Worker struct {
	Role   string
	Resume []vrrp.Resume

	lifeline *os.File
	mu       sync.Mutex
	state    *os.File
	masters  map[string]bool
	dropped  uint64
}

// WorkerFromEnv returns the worker's side if this process was started as
// a worker, and takes its descriptors (marking them close-on-exec, so
// scripts the worker runs do not inherit them).
func WorkerFromEnv() (*Worker, bool, error) {
	role := os.Getenv(EnvRole)
	if role == "" {
		return nil, false, nil
	}
	w := &Worker{Role: role, masters: map[string]bool{}}
	if s := os.Getenv(EnvResume); s != "" {
		if err := json.Unmarshal([]byte(s), &w.Resume); err != nil {
			return nil, true, fmt.Errorf("worker: %s: %w", EnvResume, err)
		}
	}
	for _, fd := range []int{fdLifeline, fdState} {
		var st unix.Stat_t
		if err := unix.Fstat(fd, &st); err != nil {
			return nil, true, fmt.Errorf("worker: descriptor %d: %w", fd, err)
		}
		unix.CloseOnExec(fd)
	}
	// The instances it resumes are MASTER until it says otherwise (one
	// that cannot be resumed starts in BACKUP, which it then reports).
	for _, r := range w.Resume {
		w.masters[r.Instance] = true
	}
	w.lifeline = os.NewFile(fdLifeline, "lifeline")
	// Room for a burst (1,000 instances changing state at once) and never
	// a blocked reactor.
	_, _ = unix.FcntlInt(fdState, unix.F_SETPIPE_SZ, stateBuf)
	if err := unix.SetNonblock(fdState, true); err != nil {
		return nil, true, fmt.Errorf("worker: state pipe: %w", err)
	}
	w.state = os.NewFile(fdState, "state")
	_ = os.Unsetenv(EnvRole)
	_ = os.Unsetenv(EnvResume)
	return w, true, nil
}

// Lifeline returns a channel closed when the supervisor is gone (end of
// file on the lifeline pipe).
func (w *Worker) Lifeline() <-chan struct{} {
	ch := make(chan struct{})
	go func() {
		_, _ = io.Copy(io.Discard, w.lifeline)
		close(ch)
	}()
	return ch
}

// Report is a daemon.Reporter hook (linuxplat.Options.OnReport): every
// change of MASTER-ness is written to the supervisor before the driver
// touches an address (the engine announces a transition before its
// VIPs are added or removed), so whatever kills the worker, the
// supervisor knows what the kernel holds.
func (w *Worker) Report(r daemon.Report) {
	if r.Kind == daemon.ReportAdvertSent && r.AHSeq > 0 {
		// auth_type AH: the next process continues the sequence. Losing
		// one of these (a full pipe) costs only a later number.
		w.write("A " + r.Instance + " " + strconv.FormatUint(uint64(r.AHSeq), 10) + "\n")
		return
	}
	if r.Kind != daemon.ReportState {
		return
	}
	master := r.To == vrrp.StateMaster
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.masters[r.Instance] == master {
		return
	}
	w.masters[r.Instance] = master
	line := "B " + r.Instance + "\n"
	if master {
		line = "M " + r.Instance + "\n"
	}
	// A short write to a pipe is atomic; the supervisor reads it even
	// after this process is gone.
	w.writeLocked(line)
}

func (w *Worker) write(line string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.writeLocked(line)
}

// writeLocked never blocks the reactor: the pipe is non-blocking with a
// large buffer; a supervisor that does not read (stopped) costs lines,
// counted in Dropped.
func (w *Worker) writeLocked(line string) {
	if _, err := w.state.WriteString(line); err != nil {
		w.dropped++
	}
}

// Dropped counts state lines the supervisor's pipe could not take.
func (w *Worker) Dropped() uint64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.dropped
}

// Ready tells the supervisor that the worker has started.
func (w *Worker) Ready() {
	w.write("R\n")
}

// stateReader follows one worker's state pipe on the supervisor's side.
type stateReader struct {
	mu      sync.Mutex
	masters map[string]bool
	ahSeq   map[string]uint32
	ready   bool
	done    chan struct{}
	readyCh chan struct{}
}

// readState follows r. A worker started to resume masters holds them
// until it says otherwise: if it dies before saying anything, they are
// still in the kernel, and the next worker must resume (or release) them.
func readState(r io.ReadCloser, resume []vrrp.Resume) *stateReader {
	s := &stateReader{masters: map[string]bool{}, ahSeq: map[string]uint32{}, done: make(chan struct{}), readyCh: make(chan struct{})}
	for _, m := range resume {
		s.masters[m.Instance] = true
		s.ahSeq[m.Instance] = m.AHSeq
	}
	go func() {
		defer close(s.done)
		defer r.Close()
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			kind, name, _ := strings.Cut(sc.Text(), " ")
			s.mu.Lock()
			switch kind {
			case "M":
				s.masters[name] = true
			case "B":
				delete(s.masters, name)
			case "A":
				name, seq, _ := strings.Cut(name, " ")
				if n, err := strconv.ParseUint(seq, 10, 32); err == nil {
					s.ahSeq[name] = uint32(n)
				}
			case "R":
				if !s.ready {
					s.ready = true
					close(s.readyCh)
				}
			}
			s.mu.Unlock()
		}
	}()
	return s
}

// Masters lists the instances the worker said it is MASTER of, with the
// last AH sequence number each may have sent.
func (s *stateReader) Masters() []vrrp.Resume {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]vrrp.Resume, 0, len(s.masters))
	for n := range s.masters {
		seq := s.ahSeq[n]
		if seq > 0 {
			// The worker may have died between sending an advert and
			// reporting its number: count it as sent.
			seq++
		}
		out = append(out, vrrp.Resume{Instance: n, AHSeq: seq})
	}
	slices.SortFunc(out, func(a, b vrrp.Resume) int { return strings.Compare(a.Instance, b.Instance) })
	return out
}

func resumeEnv(rs []vrrp.Resume) string {
	b, _ := json.Marshal(rs)
	return string(b)
}

// names lists the instances of rs.
func names(rs []vrrp.Resume) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.Instance
	}
	return out
}

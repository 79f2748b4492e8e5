package supervise

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"

	"github.com/gokeepalived/gokeepalived/pkg/config"
	"github.com/gokeepalived/gokeepalived/pkg/vrrp"
)

// Defaults of Spec.
const (
	// DefaultCrashLimit deaths within DefaultCrashWindow make a crash
	// loop: the supervisor fails over instead of resuming again.
	DefaultCrashLimit  = 3
	DefaultCrashWindow = 60 * time.Second
	// DefaultBackoff doubles up to DefaultMaxBackoff between restarts of
	// a crash-looping worker (keepalived lib/scheduler.c
	// calc_restart_delay: 1, 2, 4, … 60 s).
	DefaultBackoff    = time.Second
	DefaultMaxBackoff = 60 * time.Second
	// DefaultChildWait is keepalived's child_wait_time: how long SIGTERM
	// waits for the workers before SIGKILL.
	DefaultChildWait = 5 * time.Second
	// stateDrain bounds the wait for a dead worker's state pipe to reach
	// end of file (a grandchild could hold it if the worker died before
	// marking it close-on-exec).
	stateDrain = 200 * time.Millisecond
)

// Spec is what a Supervisor runs.
type Spec struct {
	// Exe and Args start a worker (the same binary and command line); the
	// worker's role and resume list are added to Env.
	Exe  string
	Args []string
	Env  []string
	// Stdout and Stderr of the workers (the console with -n -l).
	Stdout, Stderr *os.File
	// Roles are the workers to run ("vrrp"; "checker" later).
	Roles []string
	Log   *slog.Logger
	// Config is the configuration the supervisor validated at start.
	Config *config.Config
	// Load reads and checks the configuration again (SIGHUP). Its error
	// names the place (file:line:col).
	Load func() (*config.Config, error)
	// Release sends priority 0 for the named instances and removes their
	// addresses, for a worker that cannot (crash loop, SIGKILL at stop);
	// each carries the last AH sequence number the worker sent.
	Release func(cfg *config.Config, masters []vrrp.Resume) error
	// ChildWait, CrashLimit, CrashWindow, Backoff, MaxBackoff: see the
	// defaults; zero means the default.
	ChildWait   time.Duration
	CrashLimit  int
	CrashWindow time.Duration
	Backoff     time.Duration
	MaxBackoff  time.Duration
	// OnSpawn, when set, is told each worker's pid (tests, metrics).
	OnSpawn func(role string, pid int)
}

// Supervisor starts, watches and restarts the workers.
type Supervisor struct {
	spec    Spec
	log     *slog.Logger
	cfg     *config.Config
	workers map[string]*worker
	exits   chan exitEvent
	respawn chan string
}

type worker struct {
	role    string
	cmd     *exec.Cmd
	pid     int
	state   *stateReader
	life    *os.File // the lifeline's write end: closing it tells the worker to stop
	started time.Time
	deaths  []time.Time
	backoff time.Duration
	running bool
	// masters are what the last dead worker held (for a release at stop).
	masters []vrrp.Resume
}

type exitEvent struct {
	w       *worker
	cmd     *exec.Cmd
	status  string
	code    int
	masters []vrrp.Resume
}

// New returns a supervisor for spec.
func New(spec Spec) *Supervisor {
	if spec.Log == nil {
		spec.Log = slog.New(slog.DiscardHandler)
	}
	if spec.ChildWait <= 0 {
		spec.ChildWait = DefaultChildWait
	}
	if spec.CrashLimit <= 0 {
		spec.CrashLimit = DefaultCrashLimit
	}
	if spec.CrashWindow <= 0 {
		spec.CrashWindow = DefaultCrashWindow
	}
	if spec.Backoff <= 0 {
		spec.Backoff = DefaultBackoff
	}
	if spec.MaxBackoff <= 0 {
		spec.MaxBackoff = DefaultMaxBackoff
	}
	return &Supervisor{spec: spec, log: spec.Log, cfg: spec.Config, workers: map[string]*worker{},
		exits: make(chan exitEvent, 4), respawn: make(chan string, 4)}
}

// Run starts the workers and supervises them until SIGTERM/SIGINT on
// sigs (then it stops them: SIGTERM, child_wait_time, SIGKILL) or ctx is
// done (then it stops them the same way). SIGHUP reloads; SIGUSR1,
// SIGUSR2 and keepalived's real-time signals are passed to the VRRP
// worker.
func (s *Supervisor) Run(ctx context.Context, sigs <-chan os.Signal) error {
	for _, role := range s.spec.Roles {
		w := &worker{role: role, backoff: 0}
		s.workers[role] = w
		if err := s.spawn(w, nil); err != nil {
			s.stopAll()
			return err
		}
	}
	for {
		select {
		case <-ctx.Done():
			return s.stopAll()
		case sig := <-sigs:
			switch sig {
			case syscall.SIGTERM, syscall.SIGINT:
				s.log.Info("Stopping")
				return s.stopAll()
			case syscall.SIGHUP:
				s.reload()
			default:
				if w := s.workers[RoleVRRP]; w != nil && w.running {
					_ = w.cmd.Process.Signal(sig)
				}
			}
		case ev := <-s.exits:
			s.died(ev)
		case role := <-s.respawn:
			if w := s.workers[role]; w != nil && !w.running {
				if err := s.spawn(w, nil); err != nil {
					s.log.Error(fmt.Sprintf("cannot restart the %s process", role), "err", err)
					s.scheduleRespawn(w)
				}
			}
		}
	}
}

// reload is SIGHUP: the configuration is read and checked first; one that
// does not load leaves everything as it is and says why.
func (s *Supervisor) reload() {
	if s.spec.Load == nil {
		return
	}
	cfg, err := s.spec.Load()
	if err != nil {
		s.log.Error("Reload failed, the running configuration is kept: " + err.Error())
		return
	}
	s.log.Info("Reloading")
	s.cfg = cfg
	for _, w := range s.workers {
		if w.running {
			_ = w.cmd.Process.Signal(syscall.SIGHUP)
		}
	}
}

func (s *Supervisor) spawn(w *worker, resume []vrrp.Resume) error {
	lifeR, lifeW, err := os.Pipe()
	if err != nil {
		return fmt.Errorf("start %s process: %w", w.role, err)
	}
	stateR, stateW, err := os.Pipe()
	if err != nil {
		lifeR.Close()
		lifeW.Close()
		return fmt.Errorf("start %s process: %w", w.role, err)
	}
	cmd := exec.Command(s.spec.Exe, s.spec.Args...)
	cmd.Env = append(append([]string(nil), s.spec.Env...), EnvRole+"="+w.role)
	if len(resume) > 0 {
		cmd.Env = append(cmd.Env, EnvResume+"="+resumeEnv(resume))
	}
	cmd.ExtraFiles = []*os.File{lifeR, stateW}
	cmd.Stdout, cmd.Stderr = s.spec.Stdout, s.spec.Stderr
	err = cmd.Start()
	lifeR.Close()
	stateW.Close()
	if err != nil {
		lifeW.Close()
		stateR.Close()
		return fmt.Errorf("start %s process: %w", w.role, err)
	}
	w.cmd, w.pid, w.life, w.running, w.started = cmd, cmd.Process.Pid, lifeW, true, time.Now()
	w.state = readState(stateR, resume)
	msg := fmt.Sprintf("Starting %s child process, pid=%d", roleName(w.role), w.pid)
	if len(resume) > 0 {
		msg += ", resuming MASTER for " + strings.Join(names(resume), ", ")
	}
	s.log.Info(msg)
	if s.spec.OnSpawn != nil {
		s.spec.OnSpawn(w.role, w.pid)
	}
	st := w.state
	go func() {
		werr := cmd.Wait()
		// Everything the worker wrote before it died is still in the
		// pipe: read it to the end before deciding.
		select {
		case <-st.done:
		case <-time.After(stateDrain):
		}
		ev := exitEvent{w: w, cmd: cmd, masters: st.Masters(), code: -1}
		var ee *exec.ExitError
		switch {
		case werr == nil:
			ev.code, ev.status = 0, "exited with status 0"
		case errors.As(werr, &ee):
			ev.code = ee.ExitCode()
			ev.status = ee.ProcessState.String()
		default:
			ev.status = werr.Error()
		}
		s.exits <- ev
	}()
	return nil
}

// died decides what a worker's death means.
func (s *Supervisor) died(ev exitEvent) {
	w := ev.w
	if w.cmd != ev.cmd {
		return
	}
	w.running = false
	w.life.Close()
	now := time.Now()
	w.deaths = append(w.deaths, now)
	for len(w.deaths) > 0 && now.Sub(w.deaths[0]) > s.spec.CrashWindow {
		w.deaths = w.deaths[1:]
	}
	w.masters = ev.masters
	s.log.Warn(fmt.Sprintf("%s child process(%d) died: %s", roleName(w.role), w.pid, ev.status), "masters", strings.Join(names(ev.masters), ","))
	loop := len(w.deaths) >= s.spec.CrashLimit
	if !loop {
		// Resume at once: the kernel still has the VIPs, the peers'
		// down timers have not fired yet.
		if err := s.spawn(w, ev.masters); err == nil {
			w.masters = nil
			return
		} else {
			s.log.Error(fmt.Sprintf("cannot restart the %s process", w.role), "err", err)
		}
	} else {
		s.log.Error(fmt.Sprintf("%s child process died %d times in %v: failing over and restarting it later", w.role, len(w.deaths), s.spec.CrashWindow))
	}
	s.release(w)
	s.scheduleRespawn(w)
}

// release hands over the instances a dead worker held as MASTER.
func (s *Supervisor) release(w *worker) {
	if len(w.masters) == 0 || s.spec.Release == nil {
		return
	}
	s.log.Info("Releasing MASTER instances of the dead " + w.role + " process: " + strings.Join(names(w.masters), ", "))
	if err := s.spec.Release(s.cfg, w.masters); err != nil {
		s.log.Error("release failed", "err", err)
	}
	w.masters = nil
}

func (s *Supervisor) scheduleRespawn(w *worker) {
	if w.backoff == 0 {
		w.backoff = s.spec.Backoff
	} else {
		w.backoff = min(2*w.backoff, s.spec.MaxBackoff)
	}
	s.log.Info(fmt.Sprintf("restarting the %s process in %v", w.role, w.backoff))
	role := w.role
	time.AfterFunc(w.backoff, func() { s.respawn <- role })
}

// stopAll is SIGTERM for every worker; after child_wait_time the
// survivors get SIGKILL and the supervisor releases what they held.
func (s *Supervisor) stopAll() error {
	for _, w := range s.workers {
		if w.running {
			_ = w.cmd.Process.Signal(syscall.SIGTERM)
		}
	}
	deadline := time.NewTimer(s.spec.ChildWait)
	defer deadline.Stop()
	for s.anyRunning() {
		select {
		case ev := <-s.exits:
			if ev.w.cmd == ev.cmd {
				ev.w.running = false
				ev.w.life.Close()
				if ev.code != 0 {
					// It died rather than stopped: what it held is ours to release.
					ev.w.masters = ev.masters
					s.release(ev.w)
				}
			}
		case <-deadline.C:
			for _, w := range s.workers {
				if w.running {
					s.log.Warn(fmt.Sprintf("%s child process(%d) did not stop in %v: killing it", w.role, w.pid, s.spec.ChildWait))
					_ = w.cmd.Process.Kill()
				}
			}
		}
	}
	for _, w := range s.workers {
		s.release(w)
	}
	return nil
}

func (s *Supervisor) anyRunning() bool {
	for _, w := range s.workers {
		if w.running {
			return true
		}
	}
	return false
}

// roleName is keepalived's name of a child process in its log lines.
func roleName(role string) string {
	switch role {
	case RoleVRRP:
		return "VRRP"
	case RoleChecker:
		return "Healthcheck"
	}
	return role
}

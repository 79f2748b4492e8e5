package linux

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/gokeepalived/gokeepalived/pkg/config"
)

const (
	// DefaultKillGrace is how long a timed-out script's process group has
	// between SIGTERM and SIGKILL (vrrp_scheduler.c
	// vrrp_script_child_thread: TERM, then KILL 2 seconds later).
	DefaultKillGrace = 2 * time.Second
	// DefaultMaxOutput bounds the output kept from one run.
	DefaultMaxOutput = 4096
	// DefaultShell runs Script.Shell command lines.
	DefaultShell = "/bin/sh"
	// outputDrain is how long Run waits for the output pipe after the
	// script has exited (a background child may hold it open forever).
	outputDrain = 200 * time.Millisecond
)

// Script is one run of a vrrp_script, notify or other script.
type Script struct {
	// Argv is executed directly, without a shell, as keepalived 2.2.7
	// execs scripts (notify.c system_call_script: execve). Argv[0] is a
	// path, or a name looked up in PATH. See Argv to split a configured
	// command line.
	Argv []string
	// Shell, instead of Argv, is a command line run as `ShellPath -c
	// Shell`: the documented exception for a command that is shell syntax
	// (the caller decides; see docs/config-reference.md).
	Shell string
	// ShellPath is the shell for Shell; "" means DefaultShell.
	ShellPath string
	// Env is the environment; nil passes the daemon's own, as keepalived
	// does.
	Env []string
	// User, when set, runs the script as that uid and gid with the
	// supplementary groups reset to gid (keepalived set_script_env:
	// setgid, setgroups(1, &gid), setuid). See LookupUser.
	User *Credential
	// Timeout ends the run: SIGTERM to the whole process group, SIGKILL
	// KillGrace later if the leader is still there, and SIGKILL to the
	// group when the leader has gone (its children with it). 0: none
	// (keepalived never times out notify scripts).
	Timeout time.Duration
	// KillGrace is the time between SIGTERM and SIGKILL; 0 means
	// DefaultKillGrace.
	KillGrace time.Duration
	// MaxOutput is how many bytes of stdout and stderr (one stream) are
	// kept; the rest is read, counted and discarded, so a script that
	// floods its output costs no memory. 0 means DefaultMaxOutput.
	// keepalived sends script output to /dev/null.
	MaxOutput int
}

// Credential is a uid and gid to run a script as.
type Credential struct {
	Uid, Gid uint32
}

// ScriptResult is how a run ended.
type ScriptResult struct {
	// ExitCode is the exit status, -1 if the script did not exit by
	// itself (killed by a signal) or never started.
	ExitCode int
	// Signal is the signal that ended the script, 0 if it exited.
	Signal syscall.Signal
	// TimedOut is keepalived's "timed_out" verdict: the timeout expired
	// and the script died of the SIGTERM or SIGKILL it was sent. A script
	// that catches SIGTERM and exits reports its exit status instead.
	TimedOut bool
	// Err is set when the script could not be started (not found, not
	// executable, bad user) or the run was cancelled.
	Err error
	// Output is the first MaxOutput bytes of stdout and stderr;
	// OutputDropped counts the bytes after them.
	Output        []byte
	OutputDropped int64
	// Duration is the time from start to the leader's exit.
	Duration time.Duration
}

// OK is keepalived's success: exit status 0, no timeout, no error.
func (r ScriptResult) OK() bool { return r.Err == nil && !r.TimedOut && r.ExitCode == 0 }

// Argv splits a configured command line into arguments exactly as
// keepalived does (config.SplitCommand) and appends extra (a notify
// script's INSTANCE|GROUP, name, state, priority).
func Argv(cmdline string, extra ...string) ([]string, error) {
	args, err := config.SplitCommand(cmdline)
	if err != nil {
		return nil, fmt.Errorf("script %q: %w", cmdline, err)
	}
	if len(args) == 0 {
		return nil, fmt.Errorf("script %q: empty command", cmdline)
	}
	return append(args, extra...), nil
}

// LookupUser resolves script_user / `user USER [GROUP]`: the user's uid
// and its primary gid, or group's gid when given (notify.c set_uid_gid).
func LookupUser(name, group string) (Credential, error) {
	u, err := user.Lookup(name)
	if err != nil {
		return Credential{}, fmt.Errorf("script user %s: %w", name, err)
	}
	uid, err := strconv.ParseUint(u.Uid, 10, 32)
	if err != nil {
		return Credential{}, fmt.Errorf("script user %s: uid %q: %w", name, u.Uid, err)
	}
	gidStr := u.Gid
	if group != "" {
		g, err := user.LookupGroup(group)
		if err != nil {
			return Credential{}, fmt.Errorf("script user %s: group %s: %w", name, group, err)
		}
		gidStr = g.Gid
	}
	gid, err := strconv.ParseUint(gidStr, 10, 32)
	if err != nil {
		return Credential{}, fmt.Errorf("script user %s: gid %q: %w", name, gidStr, err)
	}
	return Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
}

// RunScript runs s to completion and reports how it ended. The script
// runs in a new process group (keepalived: setpgid(0, 0)) with SIGTERM as
// its parent-death signal (PR_SET_PDEATHSIG), stdin from /dev/null and
// stdout and stderr captured up to MaxOutput. Cancelling ctx kills the
// process group at once. Do not call it from a goroutine that may exit
// while locked to its thread: the parent-death signal is tied to the
// forking thread.
func RunScript(ctx context.Context, s Script) ScriptResult {
	res := ScriptResult{ExitCode: -1}
	argv := s.Argv
	if s.Shell != "" {
		if len(argv) > 0 {
			res.Err = errors.New("script: both Argv and Shell given")
			return res
		}
		sh := s.ShellPath
		if sh == "" {
			sh = DefaultShell
		}
		argv = []string{sh, "-c", s.Shell}
	}
	if len(argv) == 0 {
		res.Err = errors.New("script: empty command")
		return res
	}
	grace := s.KillGrace
	if grace <= 0 {
		grace = DefaultKillGrace
	}
	out := &boundedBuffer{max: s.MaxOutput}
	if out.max <= 0 {
		out.max = DefaultMaxOutput
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = s.Env
	cmd.Stdout, cmd.Stderr = out, out
	cmd.WaitDelay = outputDrain
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	if s.User != nil {
		cmd.SysProcAttr.Credential = &syscall.Credential{Uid: s.User.Uid, Gid: s.User.Gid, Groups: []uint32{s.User.Gid}}
	}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		res.Err = fmt.Errorf("script %s: %w", argv[0], err)
		return res
	}
	pgid := cmd.Process.Pid
	waited := make(chan error, 1)
	go func() { waited <- cmd.Wait() }()

	var timeout, kill <-chan time.Time
	if s.Timeout > 0 {
		t := time.NewTimer(s.Timeout)
		defer t.Stop()
		timeout = t.C
	}
	killTimer := time.NewTimer(time.Hour)
	killTimer.Stop()
	defer killTimer.Stop()
	var termSent, cancelled bool
	done := ctx.Done()
	for {
		select {
		case err := <-waited:
			res.Duration = time.Since(start)
			if termSent || cancelled {
				// Whatever the leader left behind goes with it.
				_ = syscall.Kill(-pgid, syscall.SIGKILL)
			}
			res.Output, res.OutputDropped = out.result()
			st := cmd.ProcessState
			if st == nil {
				res.Err = fmt.Errorf("script %s: %w", argv[0], err)
				return res
			}
			ws := st.Sys().(syscall.WaitStatus)
			switch {
			case ws.Exited():
				res.ExitCode = ws.ExitStatus()
			case ws.Signaled():
				res.Signal = ws.Signal()
				res.TimedOut = termSent && (res.Signal == syscall.SIGTERM || res.Signal == syscall.SIGKILL)
			}
			if cancelled {
				res.Err = fmt.Errorf("script %s: %w", argv[0], ctx.Err())
			}
			return res
		case <-timeout:
			timeout = nil
			termSent = true
			_ = syscall.Kill(-pgid, syscall.SIGTERM)
			killTimer.Reset(grace)
			kill = killTimer.C
		case <-kill:
			kill = nil
			_ = syscall.Kill(-pgid, syscall.SIGKILL)
		case <-done:
			done = nil
			cancelled = true
			_ = syscall.Kill(-pgid, syscall.SIGKILL)
		}
	}
}

// boundedBuffer keeps the first max bytes written and counts the rest.
type boundedBuffer struct {
	mu      sync.Mutex
	max     int
	buf     []byte
	dropped int64
}

func (b *boundedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	keep := min(len(p), b.max-len(b.buf))
	b.buf = append(b.buf, p[:keep]...)
	b.dropped += int64(len(p) - keep)
	return len(p), nil
}

func (b *boundedBuffer) result() ([]byte, int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf, b.dropped
}

// processAlive reports whether pid exists and is not a zombie.
func processAlive(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	_, state, ok := parseStat(b)
	return ok && state != 'Z' && state != 'X'
}

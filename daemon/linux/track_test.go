package linux

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// collector gathers events of a Run loop for polling.
type collector[E any] struct {
	mu  sync.Mutex
	evs []E
}

func (c *collector[E]) add(e E) {
	c.mu.Lock()
	c.evs = append(c.evs, e)
	c.mu.Unlock()
}

func (c *collector[E]) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.evs)
}

// wait polls for an event after the first n matching f.
func (c *collector[E]) wait(t *testing.T, n int, what string, f func(E) bool) {
	t.Helper()
	waitFor(t, 5*time.Second, what, func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		for _, e := range c.evs[n:] {
			if f(e) {
				return true
			}
		}
		return false
	})
}

func runUntilCleanup(t *testing.T, run func(ctx context.Context) error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("run: %v", err)
			}
		case <-time.After(5 * time.Second):
			t.Error("run did not return within 5s of cancel")
		}
	})
}

// track_file (track_file.c): inotify on the file's directory reports the
// file created and written (touch, echo >), deleted (rm) and renamed in
// and away (mv).
func TestWatchFiles(t *testing.T) {
	dir := t.TempDir()
	flag := filepath.Join(dir, "flag")
	w, err := WatchFiles([]string{flag})
	must(t, err)
	t.Cleanup(func() { w.Close() })
	if got := w.Paths(); len(got) != 1 || got[0] != flag {
		t.Fatalf("Paths %v", got)
	}
	var c collector[FileEvent]
	runUntilCleanup(t, func(ctx context.Context) error { return w.Run(ctx, c.add) })

	sh := func(cmd string) {
		t.Helper()
		out, err := exec.Command("/bin/sh", "-c", cmd).CombinedOutput()
		must(t, err, "%s: %s", cmd, out)
	}
	steps := []struct {
		cmd     string
		removed bool
	}{
		{"touch " + flag, false},
		{"echo 5 > " + flag, false},
		{"rm " + flag, true},
		{"echo 7 > " + dir + "/new && mv " + dir + "/new " + flag, false},
		{"mv " + flag + " " + dir + "/old", true},
	}
	for _, s := range steps {
		n := c.len()
		sh(s.cmd)
		c.wait(t, n, s.cmd, func(e FileEvent) bool { return e.Path == flag && e.Removed == s.removed })
	}
	n := c.len()
	sh("echo 1 > " + dir + "/unrelated && rm " + dir + "/unrelated && echo 2 > " + flag)
	c.wait(t, n, "flag written", func(e FileEvent) bool { return e.Path == flag && !e.Removed })
	c.mu.Lock()
	for _, e := range c.evs[n:] {
		if e.Path != flag {
			t.Errorf("event for an untracked file: %+v", e)
		}
	}
	c.mu.Unlock()

	if _, err := WatchFiles([]string{filepath.Join(dir, "nodir", "x")}); err == nil {
		t.Error("a track file in a missing directory was accepted")
	}
}

func TestProcessMatch(t *testing.T) {
	cmd := func(args ...string) []byte { return []byte(strings.Join(args, "\x00") + "\x00") }
	cases := []struct {
		m       ProcessMatch
		comm    string
		cmdline []byte
		want    bool
	}{
		{ProcessMatch{Name: "nginx"}, "nginx", cmd("/usr/sbin/nginx", "-g", "daemon off;"), true},
		{ProcessMatch{Name: "nginx"}, "nginx-worker", cmd("nginx"), false},
		{ProcessMatch{Name: "/usr/sbin/nginx", FullCommand: true}, "nginx", cmd("/usr/sbin/nginx", "-g"), true},
		{ProcessMatch{Name: "/usr/sbin/nginx", FullCommand: true}, "nginx", cmd("nginx", "-g"), false},
		// process NAME ARGS: exact by default.
		{ProcessMatch{Name: "/bin/app", Params: []string{"-c", "x"}, ParamMatch: ParamExact, FullCommand: true}, "", cmd("/bin/app", "-c", "x"), true},
		{ProcessMatch{Name: "/bin/app", Params: []string{"-c", "x"}, ParamMatch: ParamExact, FullCommand: true}, "", cmd("/bin/app", "-c", "x", "-v"), false},
		{ProcessMatch{Name: "/bin/app", Params: []string{"-c", "x"}, ParamMatch: ParamExact, FullCommand: true}, "", cmd("/bin/app", "-c", "xy"), false},
		{ProcessMatch{Name: "/bin/app", ParamMatch: ParamExact, FullCommand: true}, "", cmd("/bin/app"), true},
		{ProcessMatch{Name: "/bin/app", ParamMatch: ParamExact, FullCommand: true}, "", cmd("/bin/app", "-v"), false},
		// param_match partial: the configured parameters come first.
		{ProcessMatch{Name: "/bin/app", Params: []string{"-c", "x"}, ParamMatch: ParamPartial, FullCommand: true}, "", cmd("/bin/app", "-c", "x", "-v"), true},
		{ProcessMatch{Name: "/bin/app", Params: []string{"-c", "x"}, ParamMatch: ParamPartial, FullCommand: true}, "", cmd("/bin/app", "-c", "xy"), false},
		// param_match initial: the last one may be a prefix.
		{ProcessMatch{Name: "/bin/app", Params: []string{"-c", "x"}, ParamMatch: ParamInitial, FullCommand: true}, "", cmd("/bin/app", "-c", "xy", "-v"), true},
		{ProcessMatch{Name: "/bin/app", Params: []string{"-c", "x"}, ParamMatch: ParamInitial, FullCommand: true}, "", cmd("/bin/app", "-d", "xy"), false},
	}
	for _, tc := range cases {
		if got := tc.m.Matches(tc.comm, tc.cmdline); got != tc.want {
			t.Errorf("%+v on comm %q cmdline %q: %v, want %v", tc.m, tc.comm, tc.cmdline, got, tc.want)
		}
	}
}

// track_process (track_process.c): a process running before the watcher
// starts is found by the /proc scan; one started later by its exec event;
// both are gone with their exit events. Matched by comm, and by full
// command line with parameters.
func TestProcWatcher(t *testing.T) {
	requireRoot(t)
	sleep, err := exec.LookPath("sleep")
	if err != nil {
		t.Skip("no sleep(1)")
	}
	// A copy of sleep with a name nobody else on the machine runs.
	name := fmt.Sprintf("gkllnx%d", os.Getpid()%1000000)
	bin := filepath.Join(t.TempDir(), name)
	src, err := os.Open(sleep)
	must(t, err)
	dst, err := os.OpenFile(bin, os.O_CREATE|os.O_WRONLY, 0o755)
	must(t, err)
	_, err = io.Copy(dst, src)
	must(t, err)
	src.Close()
	must(t, dst.Close())

	start := func(args ...string) *exec.Cmd {
		c := exec.Command(bin, args...)
		must(t, c.Start())
		t.Cleanup(func() { _ = c.Process.Kill(); _ = c.Wait() })
		return c
	}
	early := start("1000")
	matches := []ProcessMatch{
		{Name: name},
		{Name: bin, Params: []string{"2000"}, ParamMatch: ParamExact, FullCommand: true},
	}
	w, err := OpenProcWatcher(matches, 0)
	if err != nil {
		t.Skipf("proc connector unavailable: %v", err)
	}
	t.Cleanup(func() { w.Close() })
	var c collector[ProcEvent]
	runUntilCleanup(t, func(ctx context.Context) error { return w.Run(ctx, c.add) })
	c.wait(t, 0, "initial count 1 by comm", func(e ProcEvent) bool { return e.Match == 0 && e.Count == 1 && e.PID == 0 })

	n := c.len()
	late := start("2000")
	c.wait(t, n, "exec of the second process", func(e ProcEvent) bool { return e.Match == 0 && e.Count == 2 && e.PID == late.Process.Pid })
	c.wait(t, n, "full command with parameter 2000", func(e ProcEvent) bool { return e.Match == 1 && e.Count == 1 && e.PID == late.Process.Pid })

	for _, p := range []*exec.Cmd{early, late} {
		n = c.len()
		must(t, p.Process.Kill())
		_ = p.Wait()
		c.wait(t, n, "exit", func(e ProcEvent) bool { return e.Match == 0 && e.PID == p.Process.Pid })
	}
	if got := w.Counts(); got[0] != 0 || got[1] != 0 {
		t.Errorf("counts after both exited: %v", got)
	}
}

// The proc connector lives in the initial network namespace only: elsewhere
// the error says so.
func TestProcWatcherInNamespace(t *testing.T) {
	requireRoot(t)
	ns := newNS(t)
	var err error
	must(t, InNamespace(ns.ns, func() error {
		var w *ProcWatcher
		w, err = OpenProcWatcher([]ProcessMatch{{Name: "x"}}, 0)
		if w != nil {
			w.Close()
		}
		return nil
	}))
	if err == nil || !strings.Contains(err.Error(), "initial network namespace") {
		t.Errorf("OpenProcWatcher in a namespace: %v, want an error naming the initial network namespace", err)
	}
}

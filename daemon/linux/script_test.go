package linux

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestArgvSplitsAsKeepalived(t *testing.T) {
	got, err := Argv(`/usr/bin/check 'a b' 'c d'e \x41`, "INSTANCE", "VI_1", "MASTER", "100")
	must(t, err)
	want := []string{"/usr/bin/check", "a b", "c de", "A", "INSTANCE", "VI_1", "MASTER", "100"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("Argv = %q, want %q", got, want)
	}
	if _, err := Argv(`/bin/x "unterminated`); err == nil {
		t.Error("unterminated quote accepted")
	}
	if _, err := Argv(`   `); err == nil {
		t.Error("empty command accepted")
	}
}

// keepalived execs scripts without a shell: arguments arrive as written,
// $ and quotes unexpanded; the exit status is the verdict.
func TestRunScriptExecAndExit(t *testing.T) {
	r := RunScript(context.Background(), Script{Argv: []string{"/bin/echo", "a  b", "$HOME", "*"}})
	if !r.OK() || string(r.Output) != "a  b $HOME *\n" {
		t.Errorf("echo: %+v output %q", r, r.Output)
	}
	r = RunScript(context.Background(), Script{Shell: "echo out; echo err >&2; exit 3"})
	if r.OK() || r.ExitCode != 3 || r.TimedOut || r.Err != nil || string(r.Output) != "out\nerr\n" {
		t.Errorf("exit 3: %+v output %q", r, r.Output)
	}
	r = RunScript(context.Background(), Script{Argv: []string{"/nonexistent/gkl-lnx-script"}})
	if r.Err == nil || !errors.Is(r.Err, os.ErrNotExist) || r.ExitCode != -1 {
		t.Errorf("missing script: %+v", r)
	}
	dir := t.TempDir()
	noexec := filepath.Join(dir, "noexec")
	must(t, os.WriteFile(noexec, []byte("#!/bin/sh\nexit 0\n"), 0o644))
	if r := RunScript(context.Background(), Script{Argv: []string{noexec}}); r.Err == nil || !errors.Is(r.Err, os.ErrPermission) {
		t.Errorf("non-executable script: %+v", r)
	}
	if r := RunScript(context.Background(), Script{}); r.Err == nil {
		t.Error("empty script ran")
	}
}

// A script that floods its output costs MaxOutput bytes: the rest is
// read, counted and dropped, and the script runs to its end.
func TestRunScriptOutputBounded(t *testing.T) {
	const total = 20 << 20
	r := RunScript(context.Background(), Script{Shell: "head -c " + strconv.Itoa(total) + " /dev/zero; exit 7", MaxOutput: 1000})
	if r.ExitCode != 7 || len(r.Output) != 1000 || r.OutputDropped != total-1000 {
		t.Fatalf("flood: exit %d, kept %d, dropped %d; want 7, 1000, %d", r.ExitCode, len(r.Output), r.OutputDropped, total-1000)
	}
}

func pidsFrom(t *testing.T, path string) []int {
	t.Helper()
	var pids []int
	waitFor(t, 5*time.Second, "pid file "+path, func() bool {
		b, err := os.ReadFile(path)
		if err != nil || !strings.HasSuffix(string(b), "\n") {
			return false
		}
		pids = nil
		for _, f := range strings.Fields(string(b)) {
			p, err := strconv.Atoi(f)
			must(t, err)
			pids = append(pids, p)
		}
		return true
	})
	return pids
}

// script_timeout: a hung script and its children all end. One that obeys
// SIGTERM dies of it; one that ignores it (and whose child inherits that)
// is SIGKILLed with the whole group KillGrace later.
func TestRunScriptTimeoutKillsGroup(t *testing.T) {
	if _, err := exec.LookPath("sleep"); err != nil {
		t.Skip("no sleep(1)")
	}
	cases := []struct {
		name       string
		script     string
		wantSignal syscall.Signal
	}{
		{"obeys-term", `sleep 1000 & echo $! > "$PIDS"; echo $$ >> "$PIDS"; wait`, syscall.SIGTERM},
		{"ignores-term", `trap "" TERM; sleep 1000 & echo $! > "$PIDS"; echo $$ >> "$PIDS"; wait; wait; sleep 1000`, syscall.SIGKILL},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			pidfile := filepath.Join(t.TempDir(), "pids")
			const timeout, grace = 300 * time.Millisecond, 300 * time.Millisecond
			resc := make(chan ScriptResult, 1)
			go func() {
				resc <- RunScript(context.Background(), Script{Shell: tc.script, Env: []string{"PIDS=" + pidfile, "PATH=/usr/bin:/bin"},
					Timeout: timeout, KillGrace: grace})
			}()
			pids := pidsFrom(t, pidfile)
			var r ScriptResult
			select {
			case r = <-resc:
			case <-time.After(10 * time.Second):
				t.Fatal("script not ended 10s after a 300ms timeout")
			}
			if !r.TimedOut || r.Signal != tc.wantSignal || r.OK() || r.Duration < timeout {
				t.Errorf("result %+v, want timed out by %v after at least %v", r, tc.wantSignal, timeout)
			}
			for _, pid := range pids {
				waitFor(t, 5*time.Second, "process "+strconv.Itoa(pid)+" of the script's group gone", func() bool { return !processAlive(pid) })
			}
		})
	}
}

// Cancelling the context kills the group at once.
func TestRunScriptCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	resc := make(chan ScriptResult, 1)
	pidfile := filepath.Join(t.TempDir(), "pids")
	go func() {
		resc <- RunScript(ctx, Script{Shell: `sleep 1000 & echo $! > "$PIDS"; wait`, Env: []string{"PIDS=" + pidfile, "PATH=/usr/bin:/bin"}})
	}()
	pids := pidsFrom(t, pidfile)
	cancel()
	r := <-resc
	if !errors.Is(r.Err, context.Canceled) || r.Signal != syscall.SIGKILL {
		t.Errorf("cancelled: %+v", r)
	}
	waitFor(t, 5*time.Second, "child gone", func() bool { return !processAlive(pids[0]) })
}

// script_user: the script runs with the user's uid, its gid, and no other
// groups (keepalived set_script_env).
func TestRunScriptAsUser(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to change user")
	}
	cred, err := LookupUser("nobody", "")
	if err != nil {
		t.Skipf("no nobody user: %v", err)
	}
	r := RunScript(context.Background(), Script{Argv: []string{"/bin/sh", "-c", "id -u; id -g; id -G"}, User: &cred})
	want := strconv.Itoa(int(cred.Uid)) + "\n" + strconv.Itoa(int(cred.Gid)) + "\n" + strconv.Itoa(int(cred.Gid)) + "\n"
	if !r.OK() || string(r.Output) != want {
		t.Errorf("as nobody: %+v output %q, want %q", r, r.Output, want)
	}
	if _, err := LookupUser("gkl-lnx-no-such-user", ""); err == nil {
		t.Error("unknown user resolved")
	}
	if c, err := LookupUser("nobody", "root"); err != nil || c.Gid != 0 {
		t.Errorf("nobody with group root: %+v %v", c, err)
	}
}

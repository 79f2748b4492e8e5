package netns

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// Role names one process of a daemon, as its pid file records it.
type Role string

// keepalived's processes (keepalived-2.2.7-behaviour.md §1.3); a
// gokeepalived supervisor and VRRP worker map onto the first two.
const (
	RoleParent  Role = "parent"
	RoleVRRP    Role = "vrrp"
	RoleChecker Role = "checker"
)

// Daemon says how to run a VRRP daemon in a node.
type Daemon struct {
	// Name is for events and errors ("keepalived").
	Name string
	// Argv runs the daemon in the foreground inside the node (the lab is
	// its supervisor; a daemon that forks away is not followed).
	Argv []string
	// PIDFiles are where, inside the node, the daemon writes the pid of
	// each of its processes (RoleParent at least).
	PIDFiles map[Role]string
	// Files are written into the node before every start (paths inside
	// the node, in a private directory).
	Files []File
	// StopTimeout bounds Stop: after it, every process left gets SIGKILL.
	// Zero means 10 s.
	StopTimeout time.Duration
}

// File is a file to write into a node.
type File struct {
	Path string
	Data []byte
	Mode fs.FileMode
}

// KeepalivedConfig is where keepalived's configuration goes in a node
// (its default path): write it with WriteFile before StartDaemon.
const KeepalivedConfig = "/etc/keepalived/keepalived.conf"

// keepalivedWrapper is the file keepalived is started with: a
// global_defs with the notify FIFO the lab reads, then the node's own
// configuration by include, so that file stays as written. A node config
// that sets notify_fifo itself replaces the lab's (the last one wins):
// KindState events then stop.
const keepalivedWrapper = `# Written by the gokeepalived namespace lab: the lab's notify FIFO, then
# the node's own configuration.
global_defs {
    notify_fifo ` + notifyFIFO + `
}
include ` + KeepalivedConfig + `
`

// Keepalived returns the Daemon that runs keepalived (binary, e.g.
// /usr/sbin/keepalived; tested with 2.2.7) on the node's
// KeepalivedConfig: in the foreground (-n), logging to the console (-l
// -D, which the lab records as KindLog events), with its pid files in the
// node's private /run.
func Keepalived(binary string) Daemon {
	const (
		parent  = "/run/keepalived.pid"
		vrrp    = "/run/keepalived_vrrp.pid"
		checker = "/run/keepalived_checkers.pid"
	)
	wrapper := NodeLabDir + "/keepalived.conf"
	return Daemon{
		Name: "keepalived",
		Argv: []string{binary, "-n", "-l", "-D", "-f", wrapper, "-p", parent, "-r", vrrp, "-c", checker},
		PIDFiles: map[Role]string{
			RoleParent:  parent,
			RoleVRRP:    vrrp,
			RoleChecker: checker,
		},
		Files:       []File{{Path: wrapper, Data: []byte(keepalivedWrapper), Mode: 0o644}},
		StopTimeout: 10 * time.Second,
	}
}

// procHandle is a process the lab started in a node through nsenter.
type procHandle struct {
	what       string
	cmd        *exec.Cmd
	nsenterPID int // host pid of nsenter, the parent of the node process
	pid        int // host pid of the node process (0 if unknown)
	done       chan struct{}
}

type daemonProc struct {
	spec Daemon
	proc *procHandle
}

// startInNode starts argv in n; out receives its stdout and stderr (nil:
// discarded).
func (l *Lab) startInNode(n *node, what string, out *os.File, argv ...string) (*procHandle, error) {
	cmd := l.nodeCommand(n, argv...)
	if out != nil {
		cmd.Stdout, cmd.Stderr = out, out
	}
	// A new process group: a Ctrl-C in the caller's terminal reaches the
	// lab (which closes everything) but not the node's processes directly.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	now := time.Now()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("netns: node %s: start %s: %w", n.name, what, err)
	}
	p := &procHandle{what: what, cmd: cmd, nsenterPID: cmd.Process.Pid, done: make(chan struct{})}
	pid, err := childPID(p.nsenterPID, 5*time.Second)
	if err != nil {
		l.log.Warn("no child pid", "node", n.name, "what", what, "err", err)
	}
	p.pid = pid
	l.emit(Event{Kind: KindStart, Node: n.name, PID: pid, Text: what}, now, nil)
	go func() {
		err := cmd.Wait()
		status := "exit 0"
		if err != nil {
			status = err.Error()
		}
		l.emit(Event{Kind: KindExit, Node: n.name, PID: pid, Text: what + ": " + status}, time.Now(), nil)
		close(p.done)
	}()
	return p, nil
}

// StartDaemon writes d.Files into node and starts d there. It fails if a
// daemon started by the lab still has a process alive on the node.
func (l *Lab) StartDaemon(node string, d Daemon) error {
	n, err := l.node(node)
	if err != nil {
		return err
	}
	if len(d.Argv) == 0 {
		return fmt.Errorf("netns: node %s: daemon %q has no argv", node, d.Name)
	}
	l.mu.Lock()
	running := n.daemon != nil && len(l.daemonPIDsLocked(n)) > 0
	l.mu.Unlock()
	if running {
		return fmt.Errorf("netns: node %s: %s is running already", node, d.Name)
	}
	for _, f := range d.Files {
		hp, err := n.hostPath(f.Path)
		if err != nil {
			return err
		}
		if err := writeAtomic(hp, f.Data, f.Mode); err != nil {
			return err
		}
	}
	logf, err := os.OpenFile(filepath.Join(l.logDir, node+".log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("netns: node %s: %w", node, err)
	}
	pr, pw, err := os.Pipe()
	if err != nil {
		logf.Close()
		return fmt.Errorf("netns: node %s: %w", node, err)
	}
	l.action(node, "", "start %s", d.Name)
	p, err := l.startInNode(n, d.Name, pw, d.Argv...)
	pw.Close() // the daemon's processes hold the write end now
	if err != nil {
		pr.Close()
		logf.Close()
		return err
	}
	l.mu.Lock()
	n.daemon = &daemonProc{spec: d, proc: p}
	l.mu.Unlock()
	l.wg.Add(1)
	go func() {
		defer l.wg.Done()
		defer logf.Close()
		defer pr.Close()
		sc := bufio.NewScanner(pr)
		sc.Buffer(make([]byte, 4096), 64<<10)
		for sc.Scan() {
			now := time.Now()
			line := sc.Text()
			fmt.Fprintf(logf, "%s %s\n", now.Format("15:04:05.000000"), line)
			l.emit(Event{Kind: KindLog, Node: node, Text: line}, now, nil)
		}
	}()
	return nil
}

// daemonPIDsLocked returns the live host pids of n's daemon by role, from
// its pid files (translated from the node's pid namespace) and, for the
// parent, from the process the lab started. l.mu is held.
func (l *Lab) daemonPIDsLocked(n *node) map[Role]int {
	out := map[Role]int{}
	if n.daemon == nil {
		return out
	}
	for role, p := range n.daemon.spec.PIDFiles {
		hp, err := n.hostPath(p)
		if err != nil {
			continue
		}
		inner, err := readPIDFile(hp)
		if err != nil {
			continue
		}
		host, err := hostPID(n.holder.pidns, inner)
		if err != nil {
			continue
		}
		// A stale pid file (after kill -9) may name a pid the node has
		// given to another process since: only the daemon's binary counts.
		if exe, err := os.Readlink(fmt.Sprintf("/proc/%d/exe", host)); err != nil || filepath.Base(exe) != filepath.Base(n.daemon.spec.Argv[0]) {
			continue
		}
		out[role] = host
	}
	if _, ok := out[RoleParent]; !ok && n.daemon.proc.pid != 0 && alive(n.daemon.proc.pid) {
		out[RoleParent] = n.daemon.proc.pid
	}
	return out
}

// DaemonPIDs returns the host pids of node's daemon processes that are
// alive, by role (from the daemon's pid files).
func (l *Lab) DaemonPIDs(node string) (map[Role]int, error) {
	n, err := l.node(node)
	if err != nil {
		return nil, err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.daemonPIDsLocked(n), nil
}

func (l *Lab) daemonOf(node string) (*node, *daemonProc, error) {
	n, err := l.node(node)
	if err != nil {
		return nil, nil, err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if n.daemon == nil {
		return nil, nil, fmt.Errorf("netns: node %s: no daemon was started", node)
	}
	return n, n.daemon, nil
}

// Signal sends sig to the daemon process with role on node.
func (l *Lab) Signal(node string, role Role, sig unix.Signal) error {
	n, d, err := l.daemonOf(node)
	if err != nil {
		return err
	}
	l.mu.Lock()
	pids := l.daemonPIDsLocked(n)
	l.mu.Unlock()
	pid, ok := pids[role]
	if !ok {
		return fmt.Errorf("netns: node %s: no live %s %s process (pid file %s)", node, d.spec.Name, role, d.spec.PIDFiles[role])
	}
	l.action(node, "", "kill -%s %s %s (pid %d)", unix.SignalName(sig), d.spec.Name, role, pid)
	return signalPID(pid, sig)
}

// KillRole is `kill -9` of one daemon process: RoleParent (its children
// get keepalived's PR_SET_PDEATHSIG SIGTERM and clean up), RoleVRRP (the
// parent respawns it; its VIPs stay meanwhile). It waits until that
// process is gone.
func (l *Lab) KillRole(node string, role Role) error {
	n, d, err := l.daemonOf(node)
	if err != nil {
		return err
	}
	l.mu.Lock()
	pid, ok := l.daemonPIDsLocked(n)[role]
	l.mu.Unlock()
	if !ok {
		return fmt.Errorf("netns: node %s: no live %s %s process (pid file %s)", node, d.spec.Name, role, d.spec.PIDFiles[role])
	}
	l.action(node, "", "kill -9 %s %s (pid %d)", d.spec.Name, role, pid)
	if err := signalPID(pid, unix.SIGKILL); err != nil {
		return err
	}
	return waitGone([]int{pid}, 5*time.Second)
}

// Kill is `kill -9` of every process of node's daemon at once: nothing
// cleans up (the VIPs stay). All are stopped first, so none sees another
// die (a parent's death would send its children SIGTERM, and they would
// clean up), then killed. It waits until they are gone.
func (l *Lab) Kill(node string) error {
	n, d, err := l.daemonOf(node)
	if err != nil {
		return err
	}
	l.mu.Lock()
	pids := l.daemonPIDsLocked(n)
	l.mu.Unlock()
	if len(pids) == 0 {
		return fmt.Errorf("netns: node %s: %s has no live process", node, d.spec.Name)
	}
	list := sortedPIDs(pids)
	l.action(node, "", "kill -9 %s, every process (%v)", d.spec.Name, list)
	var errs []error
	for _, p := range list {
		errs = append(errs, signalPID(p, unix.SIGSTOP))
	}
	for _, p := range list {
		errs = append(errs, signalPID(p, unix.SIGKILL))
	}
	errs = append(errs, signalPID(d.proc.nsenterPID, unix.SIGCONT)) // it stopped itself with its child
	errs = append(errs, waitGone(list, 5*time.Second))
	return errors.Join(errs...)
}

func sortedPIDs(m map[Role]int) []int {
	var out []int
	for _, p := range m {
		if !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	slices.Sort(out)
	return out
}

// Stop is an orderly stop (SIGTERM to the parent, as `systemctl stop`),
// waiting until every daemon process has exited; after the daemon's
// StopTimeout (or when ctx ends) the survivors get SIGKILL.
func (l *Lab) Stop(ctx context.Context, node string) error {
	n, d, err := l.daemonOf(node)
	if err != nil {
		return err
	}
	l.mu.Lock()
	pids := l.daemonPIDsLocked(n)
	l.mu.Unlock()
	parent, ok := pids[RoleParent]
	if !ok {
		return nil // nothing runs
	}
	timeout := d.spec.StopTimeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	l.action(node, "", "stop %s (SIGTERM to pid %d)", d.spec.Name, parent)
	if err := signalPID(parent, unix.SIGTERM); err != nil {
		return err
	}
	list := sortedPIDs(pids)
	tctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if err := waitGoneCtx(tctx, list); err != nil {
		l.action(node, "", "%s did not stop within %v: SIGKILL", d.spec.Name, timeout)
		for _, p := range list {
			_ = signalPID(p, unix.SIGKILL)
		}
		return errors.Join(fmt.Errorf("netns: node %s: %s did not stop: %w", node, d.spec.Name, err), waitGone(list, 5*time.Second))
	}
	return nil
}

// Restart stops node's daemon (if it runs) and starts it again with the
// same Daemon.
func (l *Lab) Restart(ctx context.Context, node string) error {
	_, d, err := l.daemonOf(node)
	if err != nil {
		return err
	}
	if err := l.Stop(ctx, node); err != nil {
		return err
	}
	return l.StartDaemon(node, d.spec)
}

// Reload is SIGHUP to the parent (`systemctl reload keepalived`).
func (l *Lab) Reload(node string) error { return l.Signal(node, RoleParent, unix.SIGHUP) }

// Pause is SIGSTOP to every daemon process; Resume is SIGCONT to them.
func (l *Lab) Pause(node string) error { return l.signalAll(node, unix.SIGSTOP) }

// Resume continues the processes Pause stopped.
func (l *Lab) Resume(node string) error { return l.signalAll(node, unix.SIGCONT) }

func (l *Lab) signalAll(node string, sig unix.Signal) error {
	n, d, err := l.daemonOf(node)
	if err != nil {
		return err
	}
	l.mu.Lock()
	pids := l.daemonPIDsLocked(n)
	l.mu.Unlock()
	if len(pids) == 0 {
		return fmt.Errorf("netns: node %s: %s has no live process", node, d.spec.Name)
	}
	list := sortedPIDs(pids)
	l.action(node, "", "kill -%s %s, every process (%v)", unix.SignalName(sig), d.spec.Name, list)
	var errs []error
	for _, p := range list {
		errs = append(errs, signalPID(p, sig))
	}
	if sig == unix.SIGCONT {
		// nsenter stops itself when its child stops; it must go on too,
		// or it would never reap the daemon.
		errs = append(errs, signalPID(d.proc.nsenterPID, sig))
	}
	return errors.Join(errs...)
}

// DaemonRunning reports whether any process of node's daemon is alive.
func (l *Lab) DaemonRunning(node string) bool {
	n, err := l.node(node)
	if err != nil {
		return false
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.daemonPIDsLocked(n)) > 0
}

// waitGone waits until none of pids is alive (zombies count as gone).
func waitGone(pids []int, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	return waitGoneCtx(ctx, pids)
}

func waitGoneCtx(ctx context.Context, pids []int) error {
	for delay := 200 * time.Microsecond; ; delay = min(2*delay, 20*time.Millisecond) {
		var left []int
		for _, p := range pids {
			if alive(p) {
				left = append(left, p)
			}
		}
		if len(left) == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("processes %v still alive: %w", left, context.Cause(ctx))
		case <-time.After(delay): // polling /proc with a deadline: no exit event for a non-child
		}
	}
}

// StartService starts a long-running process called name in node (an
// executable NodeLabDir/bin/<name>, a link to sleep): `pidof name`,
// `pgrep name` and `ps -ef | grep name` in the node see it, other nodes
// do not.
func (l *Lab) StartService(node, name string) error {
	n, err := l.node(node)
	if err != nil {
		return err
	}
	if err := checkName("service", name); err != nil {
		return err
	}
	l.mu.Lock()
	_, running := n.services[name]
	l.mu.Unlock()
	if running {
		return fmt.Errorf("netns: node %s: service %s runs already", node, name)
	}
	sleep, err := exec.LookPath("sleep")
	if err != nil {
		return fmt.Errorf("netns: service %s: %w", name, err)
	}
	exe := serviceBinDir + "/" + name
	hp, err := n.hostPath(exe)
	if err != nil {
		return err
	}
	if err := os.Symlink(sleep, hp); err != nil && !errors.Is(err, os.ErrExist) {
		return fmt.Errorf("netns: service %s: %w", name, err)
	}
	l.action(node, "", "service %s start", name)
	p, err := l.startInNode(n, "service "+name, nil, exe, "infinity")
	if err != nil {
		return err
	}
	l.mu.Lock()
	n.services[name] = p
	l.mu.Unlock()
	return nil
}

// StopService ends a service StartService started (SIGTERM) and waits.
func (l *Lab) StopService(node, name string) error {
	n, err := l.node(node)
	if err != nil {
		return err
	}
	l.mu.Lock()
	p, ok := n.services[name]
	delete(n.services, name)
	l.mu.Unlock()
	if !ok {
		return fmt.Errorf("netns: node %s: no service %s", node, name)
	}
	l.action(node, "", "service %s stop", name)
	if p.pid == 0 {
		return fmt.Errorf("netns: node %s: service %s: pid unknown", node, name)
	}
	if err := signalPID(p.pid, unix.SIGTERM); err != nil {
		return err
	}
	select {
	case <-p.done:
		return nil
	case <-time.After(5 * time.Second):
		return fmt.Errorf("netns: node %s: service %s did not stop", node, name)
	}
}

// Exec runs argv inside node (all its namespaces) and returns its
// combined output; a non-zero exit is an error that includes the output.
func (l *Lab) Exec(ctx context.Context, node string, argv ...string) ([]byte, error) {
	n, err := l.node(node)
	if err != nil {
		return nil, err
	}
	if len(argv) == 0 {
		return nil, errors.New("netns: Exec: empty argv")
	}
	l.action(node, "", "exec %s", strings.Join(argv, " "))
	cmd := l.nodeCommand(n, argv...)
	out, err := runCtx(ctx, cmd)
	if err != nil {
		return out, fmt.Errorf("netns: node %s: %s: %w: %s", node, strings.Join(argv, " "), err, strings.TrimSpace(string(out)))
	}
	return out, nil
}

// runCtx runs cmd, killing it when ctx ends.
func runCtx(ctx context.Context, cmd *exec.Cmd) ([]byte, error) {
	var buf strings.Builder
	cmd.Stdout, cmd.Stderr = &buf, &buf
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		return []byte(buf.String()), err
	case <-ctx.Done():
		_ = cmd.Process.Kill()
		<-done
		return []byte(buf.String()), context.Cause(ctx)
	}
}

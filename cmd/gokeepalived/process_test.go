package main

import (
	"bytes"
	"fmt"
	"log/slog"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/gokeepalived/gokeepalived/daemon/linuxplat"
	"github.com/gokeepalived/gokeepalived/daemon/nslab"
	"github.com/gokeepalived/gokeepalived/daemon/supervise"
	"github.com/gokeepalived/gokeepalived/pkg/config"
)

// The test binary is also the daemon: a process started with
// GKL_TEST_MAIN=1 runs dispatch (the supervisor re-executes
// /proc/self/exe for its workers, which inherit the variable).
func TestMain(m *testing.M) {
	if os.Getenv("GKL_TEST_MAIN") == "1" {
		os.Exit(dispatch(os.Args[1:], os.Stdout, os.Stderr))
	}
	code := m.Run()
	if vrrpdumpBin != "" {
		os.RemoveAll(filepath.Dir(vrrpdumpBin))
	}
	os.Exit(code)
}

// childAttr puts a test's child in its own process group (killed as one
// at cleanup) and ends it if the test binary dies before its cleanup
// runs (PR_SET_PDEATHSIG: a killed test must not leave daemons behind).
func childAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}

// testEnv makes a child the daemon; under -race the race runtime would
// otherwise sleep a second at every process exit (atexit_sleep_ms).
var testEnv = []string{"GKL_TEST_MAIN=1", "GORACE=atexit_sleep_ms=0"}

// lockedBuffer collects a process's output.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// daemonProc is one gokeepalived (supervisor and workers) in a namespace.
type daemonProc struct {
	t        *testing.T
	ns       *nslab.NS
	dir      string
	conf     string
	pidFile  string
	vrrpPID  string
	cmd      *exec.Cmd
	out      *lockedBuffer
	exited   chan struct{}
	exitCode int
}

// startDaemon runs gokeepalived -n -l -D -G in ns with text as its
// configuration, stopped (then killed, by pid) at cleanup.
func startDaemon(t *testing.T, ns *nslab.NS, text string, extra ...string) *daemonProc {
	t.Helper()
	dir := t.TempDir()
	d := &daemonProc{t: t, ns: ns, dir: dir, conf: filepath.Join(dir, "keepalived.conf"),
		pidFile: filepath.Join(dir, "keepalived.pid"), vrrpPID: filepath.Join(dir, "vrrp.pid"),
		out: &lockedBuffer{}, exited: make(chan struct{})}
	d.writeConf(text)
	args := append([]string{"netns", "exec", ns.Name, os.Args[0], "-n", "-l", "-D", "-G",
		"-f", d.conf, "-p", d.pidFile, "-r", d.vrrpPID}, extra...)
	d.cmd = exec.Command("ip", args...)
	d.cmd.Env = append(append(os.Environ(), testEnv...), "TMPDIR="+dir)
	d.cmd.Stdout, d.cmd.Stderr = d.out, d.out
	d.cmd.SysProcAttr = childAttr()
	nslab.Must(t, d.cmd.Start())
	go func() {
		_ = d.cmd.Wait()
		d.exitCode = d.cmd.ProcessState.ExitCode()
		close(d.exited)
	}()
	t.Cleanup(func() {
		d.stop()
		if t.Failed() {
			t.Logf("gokeepalived in %s:\n%s", ns.Name, d.out.String())
		}
	})
	d.waitWorker(0)
	return d
}

func (d *daemonProc) writeConf(text string) {
	nslab.Must(d.t, os.WriteFile(d.conf, []byte(text), 0o644))
}

// stop ends the daemon: SIGTERM, then SIGKILL to its process group and
// to its worker, by pid.
func (d *daemonProc) stop() {
	select {
	case <-d.exited:
	default:
		_ = d.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-d.exited:
		case <-time.After(10 * time.Second):
			_ = syscall.Kill(-d.cmd.Process.Pid, syscall.SIGKILL)
			<-d.exited
		}
	}
	if pid, err := supervise.ReadPID(d.vrrpPID); err == nil && alive(pid) {
		_ = syscall.Kill(pid, syscall.SIGKILL)
	}
}

// waitWorker waits for a VRRP worker other than old to have started and
// returns its pid.
func (d *daemonProc) waitWorker(old int) int {
	d.t.Helper()
	var pid int
	nslab.WaitFor(d.t, 10*time.Second, "the VRRP worker", func() bool {
		p, err := supervise.ReadPID(d.vrrpPID)
		if err != nil || p == old || !alive(p) {
			return false
		}
		pid = p
		return true
	})
	return pid
}

func (d *daemonProc) supervisorPID() int { return d.cmd.Process.Pid }

func (d *daemonProc) signal(sig syscall.Signal) {
	d.t.Helper()
	nslab.Must(d.t, syscall.Kill(d.supervisorPID(), sig))
}

func (d *daemonProc) waitLog(within time.Duration, s string) {
	d.t.Helper()
	nslab.WaitFor(d.t, within, fmt.Sprintf("%q in the log", s), func() bool { return strings.Contains(d.out.String(), s) })
}

func (d *daemonProc) waitLogCount(within time.Duration, s string, n int) {
	d.t.Helper()
	nslab.WaitFor(d.t, within, fmt.Sprintf("%q %d times in the log", s, n), func() bool { return strings.Count(d.out.String(), s) >= n })
}

func alive(pid int) bool {
	if syscall.Kill(pid, 0) != nil {
		return false
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	_, after, _ := strings.Cut(string(b), ") ")
	return !strings.HasPrefix(after, "Z")
}

// vrrpConf is one VRRPv3 instance on eth0 at advert_int 0.5 s.
func vrrpConf(prio int, extra string, insts ...string) string {
	if len(insts) == 0 {
		insts = []string{"VI_1 51 192.0.2.51/32"}
	}
	var b strings.Builder
	b.WriteString("global_defs {\n\tvrrp_version 3\n\tvrrp_garp_master_delay 0\n}\n")
	for _, in := range insts {
		f := strings.Fields(in)
		fmt.Fprintf(&b, "vrrp_instance %s {\n\tinterface eth0\n\tvirtual_router_id %s\n\tpriority %d\n\tadvert_int 0.5\n%s\tvirtual_ipaddress {\n\t\t%s\n\t}\n}\n", f[0], f[1], prio, extra, f[2])
	}
	return b.String()
}

// Skew_Time of VRRPv3 at 0.5 s for priority 100: (256-100)×50×625/16 µs.
const skew100 = 304688 * time.Microsecond

// peer runs an in-process gokeepalived (the Linux platform) in ns: the
// BACKUP that watches the daemon under test.
func peer(t *testing.T, ns *nslab.NS, text string) *linuxplat.Host {
	t.Helper()
	cfg, _, err := config.Parse("peer.conf", []byte(text), config.Options{})
	nslab.Must(t, err)
	h := ns.Handle
	logs := &lockedBuffer{}
	host, err := linuxplat.StartHost(cfg, linuxplat.Options{Namespace: &h,
		Log: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))}, nil)
	nslab.Must(t, err)
	t.Cleanup(func() {
		host.Stop(time.Second)
		if t.Failed() {
			t.Logf("peer in %s:\n%s", ns.Name, logs.String())
		}
	})
	return host
}

var vip51 = netip.MustParseAddr("192.0.2.51")

// pair is the daemon under test (priority 150) on node 1 and an
// in-process peer (priority 100) on node 2, the daemon holding 192.0.2.51.
func pair(t *testing.T, extra string) (*daemonProc, *nslab.Lab) {
	t.Helper()
	l := nslab.New(t, 2)
	peer(t, l.Nodes[1].NS, vrrpConf(100, ""))
	d := startDaemon(t, l.Nodes[0].NS, vrrpConf(150, extra))
	nslab.WaitFor(t, 5*time.Second, "the daemon holding 192.0.2.51", func() bool {
		return l.Nodes[0].HasAddr("eth0", vip51) && !l.Nodes[1].HasAddr("eth0", vip51)
	})
	return d, l
}

// The process model's first promise: kill -9 of the VRRP worker leaves
// the VIP where it is. The supervisor restarts the worker at once, the
// new worker resumes MASTER (keeps the VIP, adverts at once) long before
// the peer's Master_Down_Interval (1.5 s + Skew_Time): no moment without
// a holder, never two.
func TestKill9WorkerResumesMaster(t *testing.T) {
	t.Parallel()
	d, l := pair(t, "")
	w := nslab.WatchHolders(t, vip51, l.Nodes[0].NS, l.Nodes[1].NS)
	w.Settle(t, l.Nodes[0].NS, l.Nodes[1].NS)
	old := d.waitWorker(0)
	killed := time.Now()
	nslab.Must(t, syscall.Kill(old, syscall.SIGKILL))
	pid := d.waitWorker(old)
	d.waitLog(5*time.Second, "(VI_1) Entering MASTER STATE reason=\"resumed after restart\"")
	respawn := time.Since(killed)
	// The peer's Master_Down_Interval and more: it would have taken over
	// by now if the new worker had not resumed.
	observe(1600 * time.Millisecond)
	st := w.Stop().Between(killed, time.Now())
	t.Logf("worker %d killed, %d resumed after %v; no holder for %v, two holders for %v", old, pid, respawn, st.MaxNoHolder, st.MaxDual)
	if st.MaxNoHolder > 0 || st.MaxDual > 0 || st.Holder != 0 {
		t.Fatalf("after kill -9 of the worker: no holder %v, two holders %v, holder at the end %d (want 0, 0, node 1)", st.MaxNoHolder, st.MaxDual, st.Holder)
	}
}

// observe is a window in which the test watches for something that must
// not happen (the recording goes on meanwhile): not a synchronisation.
func observe(d time.Duration) { time.Sleep(d) }

// keepalived children end with their parent (PR_SET_PDEATHSIG); here the
// worker sees its lifeline pipe close and stops as on SIGTERM: priority 0,
// VIP removed, so the peer holds the VIP Skew_Time later.
func TestKill9SupervisorFailsOver(t *testing.T) {
	t.Parallel()
	d, l := pair(t, "")
	w := nslab.WatchHolders(t, vip51, l.Nodes[0].NS, l.Nodes[1].NS)
	w.Settle(t, l.Nodes[0].NS, l.Nodes[1].NS)
	worker := d.waitWorker(0)
	killed := time.Now()
	nslab.Must(t, syscall.Kill(d.supervisorPID(), syscall.SIGKILL))
	nslab.WaitFor(t, 2*time.Second, "the peer holding the VIP", func() bool {
		return l.Nodes[1].HasAddr("eth0", vip51) && !l.Nodes[0].HasAddr("eth0", vip51)
	})
	nslab.WaitFor(t, 2*time.Second, "the worker to exit", func() bool { return !alive(worker) })
	st := w.Stop().Between(killed, time.Now())
	t.Logf("no holder for %v (Skew_Time %v), two holders for %v", st.MaxNoHolder, skew100, st.MaxDual)
	if st.MaxNoHolder > skew100+100*time.Millisecond || st.MaxDual > 0 {
		t.Fatalf("after kill -9 of the supervisor: no holder %v (bound %v), two holders %v", st.MaxNoHolder, skew100+100*time.Millisecond, st.MaxDual)
	}
	if !strings.Contains(d.out.String(), "the supervisor process is gone: stopping") || !strings.Contains(d.out.String(), "(VI_1) sent 0 priority") {
		t.Fatal("the worker did not stop cleanly")
	}
}

// A worker that keeps dying is not resumed forever: at the third death
// within a minute the supervisor sends the priority-0 advert itself and
// removes the VIP (the peer takes over after Skew_Time), then restarts a
// fresh worker after a back-off; it rejoins in BACKUP (and, with the
// higher priority, preempts).
func TestCrashLoopFailsOverCleanly(t *testing.T) {
	t.Parallel()
	d, l := pair(t, "")
	pid := d.waitWorker(0)
	for i := range supervise.DefaultCrashLimit - 1 {
		nslab.Must(t, syscall.Kill(pid, syscall.SIGKILL))
		pid = d.waitWorker(pid)
		d.waitLogCount(5*time.Second, "(VI_1) Entering MASTER STATE reason=\"resumed after restart\"", i+1)
	}
	w := nslab.WatchHolders(t, vip51, l.Nodes[0].NS, l.Nodes[1].NS)
	w.Settle(t, l.Nodes[0].NS, l.Nodes[1].NS)
	killed := time.Now()
	nslab.Must(t, syscall.Kill(pid, syscall.SIGKILL))
	nslab.WaitFor(t, 2*time.Second, "the peer holding the VIP", func() bool {
		return l.Nodes[1].HasAddr("eth0", vip51) && !l.Nodes[0].HasAddr("eth0", vip51)
	})
	took := time.Since(killed)
	d.waitLog(time.Second, "failing over")
	st := w.Timeline().Between(killed, time.Now())
	t.Logf("third death: peer holds after %v; no holder for %v, two holders for %v", took, st.MaxNoHolder, st.MaxDual)
	if st.MaxNoHolder > skew100+100*time.Millisecond || st.MaxDual > 0 {
		t.Fatalf("crash-loop failover: no holder %v, two holders %v", st.MaxNoHolder, st.MaxDual)
	}
	// After the back-off (1 s) a fresh worker joins and preempts.
	d.waitWorker(pid)
	nslab.WaitFor(t, 6*time.Second, "the daemon holding the VIP again", func() bool {
		return l.Nodes[0].HasAddr("eth0", vip51) && !l.Nodes[1].HasAddr("eth0", vip51)
	})
	w.Stop()
}

// keepalived SIGTERM: every MASTER sends priority 0 and releases its
// VIPs, notify_stop runs, the daemon exits 0 within a second.
func TestSIGTERMStopsGracefully(t *testing.T) {
	t.Parallel()
	flag := filepath.Join(t.TempDir(), "stopped")
	d, l := pair(t, fmt.Sprintf("	notify_stop \"/usr/bin/touch %s\"\n", flag))
	w := nslab.WatchHolders(t, vip51, l.Nodes[0].NS, l.Nodes[1].NS)
	w.Settle(t, l.Nodes[0].NS, l.Nodes[1].NS)
	sent := time.Now()
	d.signal(syscall.SIGTERM)
	select {
	case <-d.exited:
	case <-time.After(time.Second):
		t.Fatal("the daemon did not exit within 1 s of SIGTERM")
	}
	exited := time.Since(sent)
	if d.exitCode != 0 {
		t.Fatalf("exit status %d", d.exitCode)
	}
	nslab.WaitFor(t, time.Second, "the peer holding the VIP", func() bool { return l.Nodes[1].HasAddr("eth0", vip51) })
	st := w.Stop().Between(sent, time.Now())
	t.Logf("exited after %v; no holder for %v (Skew_Time %v)", exited, st.MaxNoHolder, skew100)
	if st.MaxNoHolder > skew100+100*time.Millisecond || st.MaxDual > 0 {
		t.Fatalf("SIGTERM: no holder %v, two holders %v", st.MaxNoHolder, st.MaxDual)
	}
	if _, err := os.Stat(flag); err != nil {
		t.Fatalf("notify_stop did not run: %v", err)
	}
	if _, err := os.Stat(d.pidFile); err == nil {
		t.Fatal("pid file left behind")
	}
}

// keepalived SIGHUP: an added instance starts, the running one keeps its
// state; a configuration that does not load is refused with its
// file:line and changes nothing.
func TestSIGHUPReload(t *testing.T) {
	t.Parallel()
	d, l := pair(t, "")
	vip52 := netip.MustParseAddr("192.0.2.52")
	d.writeConf(vrrpConf(150, "", "VI_1 51 192.0.2.51/32", "VI_2 52 192.0.2.52/32"))
	d.signal(syscall.SIGHUP)
	// VI_2 has no peer: MASTER after its Master_Down_Interval.
	nslab.WaitFor(t, 5*time.Second, "VI_2's VIP", func() bool { return l.Nodes[0].HasAddr("eth0", vip52) })
	if !l.Nodes[0].HasAddr("eth0", vip51) || strings.Contains(d.out.String(), `(VI_1) Entering BACKUP STATE reason`) {
		t.Fatal("VI_1 left MASTER on reload")
	}
	d.writeConf(vrrpConf(150, "", "VI_1 51 192.0.2.51/32") + "vrrp_instance VI_9 {\n\tvirtual_router_id 999\n}\n")
	d.signal(syscall.SIGHUP)
	d.waitLog(5*time.Second, "Reload failed, the running configuration is kept: "+d.conf+":")
	observe(700 * time.Millisecond)
	if !l.Nodes[0].HasAddr("eth0", vip51) || !l.Nodes[0].HasAddr("eth0", vip52) {
		t.Fatal("a refused reload changed the running instances")
	}
}

// A second daemon with the same pid file refuses to start and says which
// process holds it.
func TestSecondInstanceRefused(t *testing.T) {
	t.Parallel()
	d, _ := pair(t, "")
	var out bytes.Buffer
	cmd := exec.Command("ip", "netns", "exec", d.ns.Name, os.Args[0], "-n", "-G", "-f", d.conf, "-p", d.pidFile, "-r", filepath.Join(d.dir, "other.pid"))
	cmd.Env = append(os.Environ(), testEnv...)
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	want := fmt.Sprintf("daemon is already running: pid %d holds %s", d.supervisorPID(), d.pidFile)
	if err == nil || !strings.Contains(out.String(), want) {
		t.Fatalf("second instance: %v, output %q, want %q", err, out.String(), want)
	}
}

// SIGUSR1, SIGUSR2 and --signum=JSON's signal write keepalived's dumps
// into $TMPDIR; the stats file is keepalived 2.2.7's format.
func TestSignalDumps(t *testing.T) {
	t.Parallel()
	d, _ := pair(t, "")
	for sig, file := range map[syscall.Signal]string{syscall.SIGUSR1: "keepalived.data", syscall.SIGUSR2: "keepalived.stats", sigJSON: "keepalived.json"} {
		d.signal(sig)
		path := filepath.Join(d.dir, file)
		nslab.WaitFor(t, 5*time.Second, file, func() bool {
			b, err := os.ReadFile(path)
			return err == nil && len(b) > 0
		})
	}
	b, _ := os.ReadFile(filepath.Join(d.dir, "keepalived.stats"))
	if !strings.HasPrefix(string(b), "VRRP Instance: VI_1\n  Advertisements:\n    Received: ") || !strings.Contains(string(b), "  Became master: 1\n") {
		t.Errorf("stats:\n%s", b)
	}
	b, _ = os.ReadFile(filepath.Join(d.dir, "keepalived.data"))
	if !strings.Contains(string(b), " VRRP Instance = VI_1\n") || !strings.Contains(string(b), "   State = MASTER\n") {
		t.Errorf("data:\n%s", b)
	}
	b, _ = os.ReadFile(filepath.Join(d.dir, "keepalived.json"))
	if !strings.Contains(string(b), `"iname": "VI_1"`) || !strings.Contains(string(b), `"state": 2`) {
		t.Errorf("json:\n%s", b)
	}
}

// Without -n the command detaches, as keepalived: it returns 0 at once,
// the daemon runs in its own session and writes the pid files.
func TestDetach(t *testing.T) {
	t.Parallel()
	l := nslab.New(t, 1)
	dir := t.TempDir()
	conf := filepath.Join(dir, "keepalived.conf")
	nslab.Must(t, os.WriteFile(conf, []byte(vrrpConf(150, "")), 0o644))
	pidFile, vrrpPID := filepath.Join(dir, "ka.pid"), filepath.Join(dir, "vrrp.pid")
	cmd := exec.Command("ip", "netns", "exec", l.Nodes[0].Name, os.Args[0], "-G", "-f", conf, "-p", pidFile, "-r", vrrpPID)
	cmd.Env = append(os.Environ(), testEnv...)
	out, err := cmd.CombinedOutput()
	nslab.Must(t, err, "detaching start: %s", out)
	var pid int
	nslab.WaitFor(t, 10*time.Second, "the detached daemon's pid files", func() bool {
		p, err := supervise.ReadPID(pidFile)
		w, werr := supervise.ReadPID(vrrpPID)
		pid = p
		return err == nil && werr == nil && alive(p) && alive(w)
	})
	t.Cleanup(func() {
		if alive(pid) {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	})
	if sid, _ := unix.Getsid(pid); sid != pid {
		t.Errorf("daemon %d is not a session leader (sid %d)", pid, sid)
	}
	nslab.WaitFor(t, 5*time.Second, "the VIP", func() bool { return l.Nodes[0].HasAddr("eth0", vip51) })
	nslab.Must(t, syscall.Kill(pid, syscall.SIGTERM))
	if !nslab.Poll(2*time.Second, func() bool { return !alive(pid) && !l.Nodes[0].HasAddr("eth0", vip51) }) {
		st, _ := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		t.Fatalf("daemon still there: %s; VIP %v", st, l.Nodes[0].HasAddr("eth0", vip51))
	}
}

// auth_type AH (RFC 2402 anti-replay, keepalived vrrp_in_chk_ipsecah): a
// BACKUP drops adverts whose sequence number is not above the last it
// saw. The resumed worker continues the dead one's sequence (the worker
// tells the supervisor each number it sends), so the peer keeps
// accepting it and never takes over.
func TestKill9WorkerResumesAH(t *testing.T) {
	t.Parallel()
	conf := func(prio int) string {
		return fmt.Sprintf(`global_defs {
	vrrp_garp_master_delay 0
}
vrrp_instance VI_1 {
	interface eth0
	virtual_router_id 51
	priority %d
	advert_int 1
	authentication {
		auth_type AH
		auth_pass secret
	}
	virtual_ipaddress {
		192.0.2.51/32
	}
}
`, prio)
	}
	l := nslab.New(t, 2)
	p := peer(t, l.Nodes[1].NS, conf(100))
	d := startDaemon(t, l.Nodes[0].NS, conf(150))
	nslab.WaitFor(t, 6*time.Second, "the daemon holding 192.0.2.51", func() bool {
		return l.Nodes[0].HasAddr("eth0", vip51) && !l.Nodes[1].HasAddr("eth0", vip51)
	})
	// A few adverts, so that the sequence is well above 1.
	observe(2 * time.Second)
	w := nslab.WatchHolders(t, vip51, l.Nodes[0].NS, l.Nodes[1].NS)
	w.Settle(t, l.Nodes[0].NS, l.Nodes[1].NS)
	old := d.waitWorker(0)
	killed := time.Now()
	nslab.Must(t, syscall.Kill(old, syscall.SIGKILL))
	d.waitWorker(old)
	d.waitLog(5*time.Second, "resumed after restart")
	// The peer's Master_Down_Interval is 3.6 s.
	observe(4 * time.Second)
	st := w.Stop().Between(killed, time.Now())
	var rejected uint64
	_ = p.Do(func() error {
		rejected = p.P.Stats().Rejected["auth_failure"] + p.P.Stats().Rejected["ah_mismatch"]
		return nil
	})
	t.Logf("no holder for %v, two holders for %v, peer rejected %d adverts", st.MaxNoHolder, st.MaxDual, rejected)
	if st.MaxNoHolder > 0 || st.MaxDual > 0 || st.Holder != 0 || rejected != 0 {
		t.Fatalf("AH resume: no holder %v, two holders %v, holder %d, rejected %d", st.MaxNoHolder, st.MaxDual, st.Holder, rejected)
	}
}

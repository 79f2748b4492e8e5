package main

import (
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gokeepalived/gokeepalived/daemon/nslab"
	"github.com/gokeepalived/gokeepalived/daemon/supervise"
)

// TestMeasure is the measuring harness of docs/operations.md: gokeepalived
// and keepalived 2.2.7 side by side, in the same run, on the same lab.
// It is opt-in (about 20 minutes):
//
//	GKL_MEASURE=1 go test -run TestMeasure -v -timeout 60m ./cmd/gokeepalived/
//
// GKL_MEASURE_RUNS sets the runs per failover measurement (default 10);
// GKL_MEASURE_ONLY=failover|scale|flood runs one part. The gokeepalived
// measured is the real binary (go build), without the race detector.
func TestMeasure(t *testing.T) {
	if os.Getenv("GKL_MEASURE") == "" {
		t.Skip("the measuring harness runs with GKL_MEASURE=1 (about 20 minutes)")
	}
	if _, err := exec.LookPath("keepalived"); err != nil {
		t.Skip("keepalived is not installed")
	}
	nslab.RequireRoot(t)
	bin := buildGokeepalived(t)
	runs := 10
	if s := os.Getenv("GKL_MEASURE_RUNS"); s != "" {
		runs, _ = strconv.Atoi(s)
	}
	impls := []impl{{name: "keepalived 2.2.7", ka: true}, {name: "gokeepalived", bin: bin}}
	only := os.Getenv("GKL_MEASURE_ONLY")
	var report strings.Builder
	if only == "" || only == "failover" {
		measureFailover(t, impls, runs, &report)
	}
	if only == "" || only == "scale" {
		measureScale(t, impls, &report)
	}
	if only == "" || only == "flood" {
		measureFlood(t, impls, &report)
	}
	t.Log("\n" + report.String())
	if out := os.Getenv("GKL_MEASURE_OUT"); out != "" {
		nslab.Must(t, os.WriteFile(out, []byte(report.String()), 0o644))
	}
}

func buildGokeepalived(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "gokeepalived")
	out, err := exec.Command("go", "build", "-o", bin, "github.com/gokeepalived/gokeepalived/cmd/gokeepalived").CombinedOutput()
	nslab.Must(t, err, "go build: %s", out)
	return bin
}

// impl is one daemon under measurement.
type impl struct {
	name string
	ka   bool   // keepalived
	bin  string // gokeepalived binary
}

// mproc is one running daemon: its parent (supervisor) and VRRP child.
type mproc struct {
	t        *testing.T
	cmd      *exec.Cmd
	dir      string
	childPID string
	exited   chan struct{}
}

// start runs the daemon quietly (no console, no syslog) in node's
// namespace.
func (im impl) start(t *testing.T, node *nslab.Node, conf string) *mproc {
	t.Helper()
	dir := t.TempDir()
	cf := filepath.Join(dir, "keepalived.conf")
	nslab.Must(t, os.WriteFile(cf, []byte(conf), 0o644))
	p := &mproc{t: t, dir: dir, childPID: filepath.Join(dir, "vrrp.pid"), exited: make(chan struct{})}
	pid := filepath.Join(dir, "ka.pid")
	if im.ka {
		p.cmd = exec.Command("keepalived", "-n", "-G", "-P", "-f", cf, "-s", node.Name, "-p", pid, "-r", p.childPID,
			"-c", filepath.Join(dir, "chk.pid"))
	} else {
		p.cmd = exec.Command("ip", "netns", "exec", node.Name, im.bin, "-n", "-G", "-f", cf, "-p", pid, "-r", p.childPID)
	}
	p.cmd.Env = append(os.Environ(), "TMPDIR="+dir)
	if v := os.Getenv("GKL_MEASURE_ENV"); v != "" && !im.ka {
		p.cmd.Env = append(p.cmd.Env, strings.Fields(v)...)
	}
	p.cmd.SysProcAttr = childAttr()
	nslab.Must(t, p.cmd.Start())
	go func() { _ = p.cmd.Wait(); close(p.exited) }()
	t.Cleanup(p.kill)
	p.child()
	return p
}

func (p *mproc) parent() int { return p.cmd.Process.Pid }

// child waits for the VRRP child's pid file.
func (p *mproc) child() int {
	var pid int
	nslab.WaitFor(p.t, 10*time.Second, "the VRRP child", func() bool {
		c, err := supervise.ReadPID(p.childPID)
		pid = c
		return err == nil && alive(c)
	})
	return pid
}

// term is SIGTERM to the parent, waiting for its exit.
func (p *mproc) term() {
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.exited:
	case <-time.After(10 * time.Second):
		p.kill()
	}
}

// kill ends everything that is left, by pid.
func (p *mproc) kill() {
	select {
	case <-p.exited:
	default:
		_ = syscall.Kill(-p.parent(), syscall.SIGKILL)
		<-p.exited
	}
	if c, err := supervise.ReadPID(p.childPID); err == nil && alive(c) {
		_ = syscall.Kill(c, syscall.SIGKILL)
	}
}

// twoNodeConf is the setting: VRRPv2, advert_int 1, one VIP.
func twoNodeConf(prio int) string {
	return fmt.Sprintf(`vrrp_instance VI_1 {
	state BACKUP
	interface eth0
	virtual_router_id 51
	priority %d
	advert_int 1
	virtual_ipaddress {
		192.0.2.51/32
	}
}
`, prio)
}

type series struct {
	name string
	vals []time.Duration
}

func (s series) row() string {
	v := slices.Clone(s.vals)
	slices.Sort(v)
	if len(v) == 0 {
		return fmt.Sprintf("| %s | – | – | – | 0 |", s.name)
	}
	ms := func(d time.Duration) string { return fmt.Sprintf("%.0f ms", float64(d)/float64(time.Millisecond)) }
	return fmt.Sprintf("| %s | %s | %s | %s | %d |", s.name, ms(v[0]), ms(v[len(v)/2]), ms(v[len(v)-1]), len(v))
}

// measureFailover: for each implementation, a MASTER (150) and a BACKUP
// (100) of the same implementation; SIGTERM, link down, kill -9 of the
// parent, kill -9 of the VRRP child, runs times each, with a fresh MASTER
// before every run (so a crash-loop policy never applies).
func measureFailover(t *testing.T, impls []impl, runs int, out *strings.Builder) {
	vip := netip.MustParseAddr("192.0.2.51")
	out.WriteString("### Failover (VRRPv2, advert_int 1, priorities 150/100; Skew_Time of the BACKUP 609 ms, Master_Down_Interval 3609 ms)\n\n")
	out.WriteString("| measurement | min | median | max | runs |\n|---|---|---|---|---|\n")
	for _, im := range impls {
		l := nslab.New(t, 2)
		mn, bn := l.Nodes[0], l.Nodes[1]
		backup := im.start(t, bn, twoNodeConf(100))
		_ = backup
		holds := func(n *nslab.Node) bool { return n.HasAddr("eth0", vip) }
		only := func(n, o *nslab.Node) func() bool { return func() bool { return holds(n) && !holds(o) } }
		w := nslab.WatchHolders(t, vip, mn.NS, bn.NS)
		var term, termGap, link, parent, child, childDual series
		term.name, termGap.name = im.name+": SIGTERM → BACKUP holds", im.name+": SIGTERM, no holder"
		link.name = im.name + ": link down → BACKUP holds"
		parent.name, child.name = im.name+": kill -9 parent, no holder", im.name+": kill -9 VRRP child, no holder"
		childDual.name = im.name + ": kill -9 VRRP child, two holders"
		for run := range runs {
			for _, kind := range []string{"term", "link", "parent", "child"} {
				m := im.start(t, mn, twoNodeConf(150))
				nslab.WaitFor(t, 15*time.Second, fmt.Sprintf("%s MASTER (run %d, %s)", im.name, run, kind), only(mn, bn))
				w.Settle(t, mn.NS, bn.NS)
				t0 := time.Now()
				switch kind {
				case "term":
					m.term()
					nslab.WaitFor(t, 10*time.Second, "takeover after SIGTERM", only(bn, mn))
					term.vals = append(term.vals, time.Since(t0))
					termGap.vals = append(termGap.vals, w.Timeline().Between(t0, time.Now()).MaxNoHolder)
				case "link":
					mn.SetBridgeSide(t, false)
					nslab.WaitFor(t, 10*time.Second, "takeover after link down", func() bool { return holds(bn) })
					link.vals = append(link.vals, time.Since(t0))
					mn.SetBridgeSide(t, true)
					nslab.WaitFor(t, 5*time.Second, "link up", func() bool {
						l, err := mn.NL.LinkByName("eth0")
						return err == nil && l.Attrs().OperState.String() == "up"
					})
					m.term()
				case "parent":
					nslab.Must(t, syscall.Kill(m.parent(), syscall.SIGKILL))
					nslab.WaitFor(t, 10*time.Second, "a single holder after kill -9 of the parent", only(bn, mn))
					observe(500 * time.Millisecond)
					parent.vals = append(parent.vals, w.Timeline().Between(t0, time.Now()).MaxNoHolder)
					m.kill()
				case "child":
					nslab.Must(t, syscall.Kill(m.child(), syscall.SIGKILL))
					// Longer than the BACKUP's Master_Down_Interval and a
					// respawned child's election.
					observe(6 * time.Second)
					st := w.Timeline().Between(t0, time.Now())
					child.vals = append(child.vals, st.MaxNoHolder)
					childDual.vals = append(childDual.vals, st.MaxDual)
					m.term()
				}
				nslab.WaitFor(t, 10*time.Second, "the BACKUP holding", only(bn, mn))
			}
		}
		w.Stop()
		for _, s := range []series{term, termGap, link, parent, child, childDual} {
			out.WriteString(s.row() + "\n")
		}
	}
	out.WriteString("\n")
}

// procStat is a process's CPU time and resident memory.
type procStat struct {
	cpu time.Duration // utime + stime
	rss int           // kB
}

func readProc(pid int) procStat {
	var st procStat
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return st
	}
	_, rest, _ := strings.Cut(string(b), ") ")
	f := strings.Fields(rest)
	if len(f) > 13 {
		ut, _ := strconv.Atoi(f[11])
		stt, _ := strconv.Atoi(f[12])
		st.cpu = time.Duration(ut+stt) * 10 * time.Millisecond // CLK_TCK 100
	}
	b, _ = os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmRSS:"); ok {
			st.rss, _ = strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
		}
	}
	return st
}

// profile records the VRRP process with perf(1) for 10 s into
// $GKL_MEASURE_PROFILE/<name>.perf when that variable names a directory.
func profile(t *testing.T, p *mproc, name string) {
	dir := os.Getenv("GKL_MEASURE_PROFILE")
	if dir == "" {
		return
	}
	out := filepath.Join(dir, strings.NewReplacer(" ", "_", "/", "_").Replace(name)+".perf")
	cmd := exec.Command("perf", "record", "-g", "-o", out, "-p", strconv.Itoa(p.child()), "--", "sleep", "10")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Logf("perf: %v: %s", err, b)
	}
}

// cpuRSS measures the parent and child's CPU over d and their RSS at the end.
func cpuRSS(p *mproc, d time.Duration) (cpuPct, parentPct float64, parentRSS, childRSS int) {
	pp, cp := p.parent(), p.child()
	a0, b0 := readProc(pp), readProc(cp)
	start := time.Now()
	observe(d)
	a1, b1 := readProc(pp), readProc(cp)
	el := time.Since(start)
	cpu := (a1.cpu - a0.cpu) + (b1.cpu - b0.cpu)
	return 100 * cpu.Seconds() / el.Seconds(), 100 * (a1.cpu - a0.cpu).Seconds() / el.Seconds(), a1.rss, b1.rss
}

// scaleConf is 1,000 instances: 4 interfaces × 250 VRIDs, one VIP each.
func scaleConf(prio int) string {
	var b strings.Builder
	for seg := range 4 {
		for vrid := 1; vrid <= 250; vrid++ {
			fmt.Fprintf(&b, "vrrp_instance VI_%d_%d {\n\tinterface eth%d\n\tvirtual_router_id %d\n\tpriority %d\n\tadvert_int 1\n\tvirtual_ipaddress {\n\t\t10.%d.%d.1/32\n\t}\n}\n",
				seg, vrid, seg, vrid, prio, 100+seg, vrid)
		}
	}
	return b.String()
}

func countVIPs(n *nslab.Node) int {
	c := 0
	for seg := range 4 {
		l, err := n.NL.LinkByName(fmt.Sprintf("eth%d", seg))
		if err != nil {
			continue
		}
		addrs, _ := n.NL.AddrList(l, 0)
		for _, a := range addrs {
			if a.IP.To4() != nil && a.IP[len(a.IP)-4] == 10 && a.IP[len(a.IP)-3] >= 100 {
				c++
			}
		}
	}
	return c
}

// measureScale: CPU and RSS of 1,000 instances as MASTER (alone) and as
// BACKUP (an in-process gokeepalived at priority 200 is MASTER of all).
// Both daemons run at the same time, each in its own lab, so that the
// shared machine's load weighs on both alike; the CPU is the median of
// three 20 s windows.
func measureScale(t *testing.T, impls []impl, out *strings.Builder) {
	out.WriteString("### 1,000 instances (4 interfaces × 250 VRIDs, VRRPv2, advert_int 1), steady state, both daemons measured in the same three 20 s windows (median)\n\n")
	out.WriteString("| daemon | role | CPU (parent + VRRP process) | CPU per window | RSS parent | RSS VRRP process | RSS total |\n|---|---|---|---|---|---|---|\n")
	for _, role := range []string{"MASTER", "BACKUP"} {
		procs := make([]*mproc, len(impls))
		for i, im := range impls {
			l := nslab.New(t, 2)
			for seg := 1; seg < 4; seg++ {
				l.AddSegment(t, seg)
			}
			mn, pn := l.Nodes[0], l.Nodes[1]
			prio := 150
			if role == "BACKUP" {
				prio = 100
				peer(t, pn.NS, scaleConf(200))
				nslab.WaitFor(t, 30*time.Second, "the peer MASTER of 1,000", func() bool { return countVIPs(pn) == 1000 })
			}
			procs[i] = im.start(t, mn, scaleConf(prio))
			if role == "MASTER" {
				nslab.WaitFor(t, 60*time.Second, im.name+" MASTER of 1,000", func() bool { return countVIPs(mn) == 1000 })
			} else {
				observe(5 * time.Second)
				if countVIPs(mn) != 0 {
					t.Fatalf("%s holds VIPs as BACKUP", im.name)
				}
			}
		}
		// Past the start-up and the second GARP burst (5 s).
		observe(12 * time.Second)
		for i, im := range impls {
			profile(t, procs[i], im.name+"-"+role)
		}
		cpus := make([][]float64, len(impls))
		var prss, crss []int
		for range 3 {
			var wg sync.WaitGroup
			res := make([]float64, len(impls))
			prss, crss = make([]int, len(impls)), make([]int, len(impls))
			for i := range impls {
				wg.Add(1)
				go func() {
					defer wg.Done()
					res[i], _, prss[i], crss[i] = cpuRSS(procs[i], 20*time.Second)
				}()
			}
			wg.Wait()
			for i := range impls {
				cpus[i] = append(cpus[i], res[i])
			}
		}
		for i, im := range impls {
			v := slices.Clone(cpus[i])
			slices.Sort(v)
			fmt.Fprintf(out, "| %s | %s | %.1f %% | %.1f / %.1f / %.1f %% | %d kB | %d kB | %d kB |\n", im.name, role, v[1],
				cpus[i][0], cpus[i][1], cpus[i][2], prss[i], crss[i], prss[i]+crss[i])
		}
		for _, p := range procs {
			p.term()
		}
	}
	out.WriteString("\n")
}

// floodFor is the flood's length: 10 s, or 20 s when profiling (perf
// records 10 s before the CPU is measured).
var floodFor = map[bool]time.Duration{false: 10 * time.Second, true: 20 * time.Second}[os.Getenv("GKL_MEASURE_PROFILE") != ""]

// measureFlood: CPU of a MASTER of one instance while a third node sends
// 10,000 datagrams a second (the hostile mix of the platform's flood test:
// unknown VRID, wrong password, TTL, checksum, truncated, version).
func measureFlood(t *testing.T, impls []impl, out *strings.Builder) {
	out.WriteString("### Flood: 10,000 datagrams/s at a MASTER of one instance, 10 s\n\n")
	out.WriteString("| daemon | datagrams sent | CPU (parent + VRRP process) | RSS total after |\n|---|---|---|---|\n")
	for _, im := range impls {
		l := nslab.New(t, 3)
		conf := `global_defs {
	vrrp_version 2
}
vrrp_instance VI_1 {
	interface eth0
	virtual_router_id 70
	priority 150
	advert_int 1
	authentication {
		auth_type PASS
		auth_pass gkl
	}
	virtual_ipaddress {
		192.0.2.70/32
	}
}
`
		p := im.start(t, l.Nodes[0], conf)
		nslab.WaitFor(t, 10*time.Second, im.name+" MASTER", func() bool { return l.Nodes[0].HasAddr("eth0", netip.MustParseAddr("192.0.2.70")) })
		frames, _ := l.Nodes[2].HostileFrames(t, 70, netip.MustParseAddr("192.0.2.70"), "gkl")
		var sent int
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			sent = l.Nodes[2].Flood(t, frames, 10000, floodFor)
		}()
		observe(500 * time.Millisecond)
		profile(t, p, im.name+"-flood")
		cpu, pcpu, prss, crss := cpuRSS(p, 9*time.Second)
		wg.Wait()
		fmt.Fprintf(out, "| %s | %d | %.1f %% (parent %.1f %%) | %d kB |\n", im.name, sent, cpu, pcpu, prss+crss)
		p.term()
	}
	out.WriteString("\n")
}

package netns

import (
	"bufio"
	"context"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// helperEnv makes the test binary run staleHelper instead of the tests.
const helperEnv = "GKL_LAB_TEST_HELPER"

func TestMain(m *testing.M) {
	if os.Getenv(helperEnv) == "stale" {
		os.Exit(staleHelper())
	}
	os.Exit(m.Run())
}

// staleHelper builds a one-node lab with a service running, prints
// "<run id> <holder pid> <service pid>" and waits to be killed.
func staleHelper() int {
	lab, err := New(context.Background(), Config{NoSweep: true, Topology: Topology{Nodes: []Node{
		{Name: "a", Ifaces: []Iface{{Name: "eth0", Segment: "lan", Addrs: []netip.Prefix{netip.MustParsePrefix("10.9.2.1/24")}}}},
	}}})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if err := lab.StartService("a", "nginx"); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	n, _ := lab.node("a")
	fmt.Printf("%s %d %d\n", lab.RunID(), n.holder.pid, n.services["nginx"].pid)
	select {}
}

// A lab whose owner is SIGKILLed loses its processes at once (the
// holders' lifeline pipe reports end of file) and leaves its namespaces
// and run directory, which the next sweep removes; a live lab of another
// owner survives the sweep. (Not parallel: every New sweeps, and another
// test's lab would sweep the stale one first.)
func TestStaleSweepAfterSIGKILL(t *testing.T) {
	needRoot(t)
	live := newLab(t, pairTopology("x", "y", "10.9.3.1/24", "10.9.3.2/24"))
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"=stale")
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	must(t, err)
	must(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	line, err := bufio.NewReader(out).ReadString('\n')
	must(t, err)
	var id string
	var holder, service int
	if _, err := fmt.Sscan(line, &id, &holder, &service); err != nil {
		t.Fatalf("helper said %q: %v", line, err)
	}
	nsA := filepath.Join(NetnsDir, Prefix+id+"-node-a")
	if !alive(holder) || !alive(service) {
		t.Fatalf("helper's holder %d or service %d not running", holder, service)
	}
	must(t, cmd.Process.Kill())
	_ = cmd.Wait()

	if err := waitGone([]int{holder, service}, 5*time.Second); err != nil {
		t.Errorf("after the owner's SIGKILL: %v", err)
	}
	for _, p := range []string{nsA, filepath.Join(RunBase, id)} {
		if _, err := os.Stat(p); err != nil {
			t.Fatalf("%s should be left for the sweep: %v", p, err)
		}
	}

	removed, err := Sweep(nil)
	must(t, err)
	if !slices.Contains(removed, nsA) || !slices.Contains(removed, filepath.Join(RunBase, id)) {
		t.Errorf("sweep removed %v, want %s and its run directory", removed, nsA)
	}
	for _, r := range removed {
		if strings.Contains(r, live.RunID()) {
			t.Errorf("sweep removed %s of a live lab", r)
		}
	}
	assertNoLeftovers(t, id)
	if _, err := live.Exec(t.Context(), "x", "true"); err != nil {
		t.Errorf("the live lab is broken after the sweep: %v", err)
	}
}

// The sweep kills a stale run's holder processes by their pid files, and
// only when pid and start time both match (a reused pid is left alone).
// (Not parallel, as above.)
func TestSweepKillsByPIDFileOnly(t *testing.T) {
	needRoot(t)
	id := "sweeptest" + fmt.Sprint(os.Getpid()%1000)
	dir := filepath.Join(RunBase, id)
	must(t, os.MkdirAll(filepath.Join(dir, "holders"), 0o755))
	t.Cleanup(func() { os.RemoveAll(dir) })
	// The owner: a process that has exited.
	dead := exec.Command("true")
	must(t, dead.Run())
	must(t, os.WriteFile(filepath.Join(dir, "owner"), fmt.Appendf(nil, "%d 1\n", dead.Process.Pid), 0o644))

	start := func() *exec.Cmd {
		c := exec.Command("sleep", "60")
		must(t, c.Start())
		t.Cleanup(func() { _ = c.Process.Kill(); _ = c.Wait() })
		return c
	}
	victim, bystander := start(), start()
	vst, err := procStartTime(victim.Process.Pid)
	must(t, err)
	bst, err := procStartTime(bystander.Process.Pid)
	must(t, err)
	must(t, os.WriteFile(filepath.Join(dir, "holders", "a"), fmt.Appendf(nil, "%d %d\n", victim.Process.Pid, vst), 0o644))
	must(t, os.WriteFile(filepath.Join(dir, "holders", "b"), fmt.Appendf(nil, "%d %d\n", bystander.Process.Pid, bst+1), 0o644))

	removed, err := Sweep(nil)
	must(t, err)
	if err := victim.Wait(); err == nil {
		t.Error("the holder named by the pid file was not killed")
	}
	if !alive(bystander.Process.Pid) {
		t.Error("a process whose start time does not match the pid file was killed")
	}
	if !slices.Contains(removed, dir) {
		t.Errorf("sweep removed %v, want %s", removed, dir)
	}
}

package netns

import (
	"bufio"
	"context"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// needRoot skips a test that builds namespaces when it cannot.
func needRoot(t testing.TB) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("netns lab: needs root (namespaces, mounts, nftables)")
	}
	for _, b := range []string{"nsenter", "nft", "bash"} {
		if _, err := exec.LookPath(b); err != nil {
			t.Skipf("netns lab: needs %s", b)
		}
	}
}

// keepalivedBin is Debian's keepalived, or a skip.
func keepalivedBin(t testing.TB) string {
	t.Helper()
	const p = "/usr/sbin/keepalived"
	if _, err := os.Stat(p); err != nil {
		t.Skip("netns lab: needs keepalived at " + p)
	}
	return p
}

// newLab builds a lab that the test's cleanup removes, checking that
// nothing is left.
func newLab(t testing.TB, topo Topology) *Lab {
	t.Helper()
	needRoot(t)
	// The lab lives as long as the context given to New: the test's.
	lab, err := New(t.Context(), Config{Topology: topo, PcapDir: t.TempDir(), LogDir: os.Getenv("GKL_LAB_LOGDIR")})
	must(t, err)
	t.Cleanup(func() {
		if t.Failed() {
			for _, e := range lab.Events(0) {
				if e.Kind != KindLog {
					t.Log(e)
				}
			}
		}
		if err := lab.Close(); err != nil {
			t.Error(err)
		}
		assertNoLeftovers(t, lab.RunID())
	})
	return lab
}

// assertNoLeftovers checks that no namespace and no run directory of run
// id is left on the host.
func assertNoLeftovers(t testing.TB, id string) {
	t.Helper()
	ents, err := os.ReadDir(NetnsDir)
	must(t, err)
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), Prefix+id+"-") {
			t.Errorf("namespace %s left behind", e.Name())
		}
	}
	if _, err := os.Stat(filepath.Join(RunBase, id)); !os.IsNotExist(err) {
		t.Errorf("run directory of %s left behind", id)
	}
}

// pairTopology is E1's: two nodes on one LAN.
func pairTopology(a, b string, addrA, addrB string) Topology {
	return Topology{Nodes: []Node{
		{Name: a, Ifaces: []Iface{{Name: "eth0", Segment: "lan", Addrs: []netip.Prefix{netip.MustParsePrefix(addrA)}}}},
		{Name: b, Ifaces: []Iface{{Name: "eth0", Segment: "lan", Addrs: []netip.Prefix{netip.MustParsePrefix(addrB)}}}},
	}}
}

// scenarioConfig returns node's config heredoc from a scenario file, with
// U+00A0 turned into a blank: keepalived 2.2.7 reads a line holding one
// as an unknown keyword (EXPERIMENTS.md, "Quirks"), so the seed's configs
// run in keepalived only once cleaned.
func scenarioConfig(t testing.TB, file, node string) []byte {
	t.Helper()
	f, err := os.Open(filepath.Join("..", "scenarios", file))
	must(t, err)
	defer f.Close()
	var b strings.Builder
	in := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case !in && line == "config "+node+" <<EOF":
			in = true
		case in && line == "EOF":
			return []byte(strings.ReplaceAll(b.String(), "\u00a0", " "))
		case in:
			b.WriteString(line + "\n")
		}
	}
	t.Fatalf("%s: no config for %s", file, node)
	return nil
}

// await waits for cond up to d.
func await(t testing.TB, lab *Lab, d time.Duration, what string, cond func() bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	if err := lab.Await(ctx, cond); err != nil {
		t.Fatalf("%s within %v: %v", what, d, err)
	}
}

// holders is a test-friendly Holders.
func holdersAre(lab *Lab, vip netip.Addr, want ...string) func() bool {
	return func() bool {
		got := lab.Holders(vip)
		if len(got) != len(want) {
			return false
		}
		for i := range got {
			if got[i] != want[i] {
				return false
			}
		}
		return true
	}
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

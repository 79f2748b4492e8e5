package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gokeepalived/gokeepalived/daemon/nslab"
	"github.com/gokeepalived/gokeepalived/daemon/supervise"
)

// Interop with the installed keepalived 2.2.7 in one VRRP group, both
// ways round, for each wire mode: election, takeover after SIGTERM,
// preempt back, kill -9 of the MASTER's VRRP process, and a capture of
// the bridge decoded by cmd/vrrpdump showing both speak the same bytes.

// wireMode is one way of speaking VRRP.
type wireMode struct {
	name    string
	global  string // global_defs lines
	auth    string // authentication block
	vip     string
	unicast bool
	advert  string
	// down is the BACKUP's Master_Down_Interval at priority 100 (3 ×
	// advert_int + Skew_Time), skew its Skew_Time.
	down, skew time.Duration
}

var wireModes = []wireMode{
	{name: "v2-pass", global: "vrrp_version 2", auth: "authentication {\n\t\tauth_type PASS\n\t\tauth_pass gkl1234\n\t}", vip: "192.0.2.51", advert: "1",
		down: 3609375 * time.Microsecond, skew: 609375 * time.Microsecond},
	{name: "v2-ah", global: "vrrp_version 2", auth: "authentication {\n\t\tauth_type AH\n\t\tauth_pass gkl1234\n\t}", vip: "192.0.2.51", advert: "1",
		down: 3609375 * time.Microsecond, skew: 609375 * time.Microsecond},
	{name: "v3-multicast", global: "vrrp_version 3", vip: "192.0.2.51", advert: "0.5",
		down: 1500*time.Millisecond + skew100, skew: skew100},
	{name: "v3-unicast", global: "vrrp_version 3", vip: "192.0.2.51", advert: "0.5", unicast: true,
		down: 1500*time.Millisecond + skew100, skew: skew100},
	{name: "v3-ipv6", global: "vrrp_version 3", vip: "fd99::51", advert: "0.5",
		down: 1500*time.Millisecond + skew100, skew: skew100},
}

func (m wireMode) conf(prio int, self, other *nslab.Node) string {
	var b strings.Builder
	fmt.Fprintf(&b, "global_defs {\n\t%s\n\trouter_id %s\n}\n", m.global, self.Name)
	fmt.Fprintf(&b, "vrrp_instance VI_1 {\n\tstate BACKUP\n\tinterface eth0\n\tvirtual_router_id 51\n\tpriority %d\n\tadvert_int %s\n", prio, m.advert)
	if m.auth != "" {
		fmt.Fprintf(&b, "\t%s\n", m.auth)
	}
	if m.unicast {
		fmt.Fprintf(&b, "\tunicast_src_ip %s\n\tunicast_peer {\n\t\t%s\n\t}\n", self.V4, other.V4)
	}
	fmt.Fprintf(&b, "\tvirtual_ipaddress {\n\t\t%s\n\t}\n}\n", m.vip)
	return b.String()
}

// speaker is one VRRP implementation on a lab node.
type speaker interface {
	start(conf string)
	stop()  // SIGTERM, waits for the exit
	kill9() // kill -9 of its VRRP process
	name() string
	logs() string
}

// kaSpeaker is keepalived 2.2.7 (parent and VRRP child) in a namespace.
type kaSpeaker struct {
	t      *testing.T
	node   *nslab.Node
	dir    string
	cmd    *exec.Cmd
	out    *lockedBuffer
	exited chan struct{}
}

func newKeepalived(t *testing.T, n *nslab.Node) *kaSpeaker {
	if _, err := exec.LookPath("keepalived"); err != nil {
		t.Skip("keepalived is not installed")
	}
	k := &kaSpeaker{t: t, node: n, dir: t.TempDir(), out: &lockedBuffer{}}
	t.Cleanup(func() {
		k.stop()
		if t.Failed() {
			t.Logf("keepalived in %s:\n%s", n.Name, k.out.String())
		}
	})
	return k
}

func (k *kaSpeaker) name() string { return "keepalived" }
func (k *kaSpeaker) logs() string { return k.out.String() }

func (k *kaSpeaker) start(conf string) {
	cf := filepath.Join(k.dir, "keepalived.conf")
	nslab.Must(k.t, os.WriteFile(cf, []byte(conf), 0o644))
	k.cmd = exec.Command("keepalived", "-n", "-l", "-D", "-G", "-P", "-f", cf, "-s", k.node.Name,
		"-p", filepath.Join(k.dir, "ka.pid"), "-r", filepath.Join(k.dir, "vrrp.pid"), "-c", filepath.Join(k.dir, "chk.pid"))
	k.cmd.Stdout, k.cmd.Stderr = k.out, k.out
	k.cmd.SysProcAttr = childAttr()
	nslab.Must(k.t, k.cmd.Start())
	k.exited = make(chan struct{})
	cmd, ch := k.cmd, k.exited
	go func() { _ = cmd.Wait(); close(ch) }()
}

func (k *kaSpeaker) stop() {
	if k.cmd == nil {
		return
	}
	_ = k.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-k.exited:
	case <-time.After(10 * time.Second):
		_ = syscall.Kill(-k.cmd.Process.Pid, syscall.SIGKILL)
		<-k.exited
	}
	k.cmd = nil
}

func (k *kaSpeaker) kill9() {
	path := filepath.Join(k.dir, "vrrp.pid")
	var pid int
	nslab.WaitFor(k.t, 5*time.Second, "keepalived's VRRP child", func() bool {
		p, err := supervise.ReadPID(path)
		pid = p
		return err == nil && alive(p)
	})
	nslab.Must(k.t, syscall.Kill(pid, syscall.SIGKILL))
}

// goSpeaker is gokeepalived (supervisor and VRRP worker).
type goSpeaker struct {
	t    *testing.T
	node *nslab.Node
	d    *daemonProc
}

func (g *goSpeaker) name() string { return "gokeepalived" }
func (g *goSpeaker) logs() string {
	if g.d == nil {
		return ""
	}
	return g.d.out.String()
}

func (g *goSpeaker) start(conf string) { g.d = startDaemon(g.t, g.node.NS, conf) }

func (g *goSpeaker) stop() {
	if g.d != nil {
		g.d.stop()
	}
}

func (g *goSpeaker) kill9() {
	pid := g.d.waitWorker(0)
	nslab.Must(g.t, syscall.Kill(pid, syscall.SIGKILL))
}

func TestInteropKeepalived(t *testing.T) {
	if _, err := exec.LookPath("keepalived"); err != nil {
		t.Skip("keepalived is not installed")
	}
	// The cases mostly wait on protocol timers: they run side by side
	// (t.Run from several goroutines; -parallel does not limit these),
	// each in its own lab.
	var wg sync.WaitGroup
	for _, m := range wireModes {
		for _, goMaster := range []bool{true, false} {
			name := m.name + "/keepalived-master"
			if goMaster {
				name = m.name + "/gokeepalived-master"
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				t.Run(name, func(t *testing.T) { interop(t, m, goMaster) })
			}()
		}
	}
	wg.Wait()
}

func interop(t *testing.T, m wireMode, goMaster bool) {
	l := nslab.New(t, 2)
	pcap := filepath.Join(t.TempDir(), "vrrp.pcap")
	stopCapture := l.Capture(t, pcap)
	mn, bn := l.Nodes[0], l.Nodes[1]
	var master, backup speaker
	ka := newKeepalived(t, mn)
	gk := &goSpeaker{t: t, node: bn}
	master, backup = ka, gk
	if goMaster {
		ka.node, gk.node = bn, mn
		master, backup = gk, ka
	}
	vip := netip.MustParseAddr(m.vip)
	holds := func(n *nslab.Node) bool { return n.HasAddrAny(vip) }
	only := func(n, other *nslab.Node) func() bool {
		return func() bool { return holds(n) && !holds(other) }
	}
	mconf, bconf := m.conf(150, mn, bn), m.conf(100, bn, mn)
	backup.start(bconf)
	master.start(mconf)

	// Election: the higher priority wins (both start in BACKUP).
	nslab.WaitFor(t, 2*m.down+2*time.Second, master.name()+" MASTER", only(mn, bn))

	// SIGTERM: priority 0, the BACKUP takes over after Skew_Time.
	w := nslab.WatchHolders(t, vip, mn.NS, bn.NS)
	w.Settle(t, mn.NS, bn.NS)
	stopped := time.Now()
	master.stop()
	nslab.WaitFor(t, m.skew+time.Second, backup.name()+" taking over after SIGTERM", only(bn, mn))
	st := w.Timeline().Between(stopped, time.Now())
	t.Logf("SIGTERM of %s: %s holds; no holder %v (Skew_Time %v)", master.name(), backup.name(), st.MaxNoHolder, m.skew)
	if st.MaxNoHolder > m.skew+300*time.Millisecond {
		t.Errorf("takeover after SIGTERM took %v without a holder (Skew_Time %v)", st.MaxNoHolder, m.skew)
	}

	// Preempt back.
	master.start(mconf)
	nslab.WaitFor(t, 2*m.down+2*time.Second, master.name()+" preempting back", only(mn, bn))

	// kill -9 of the MASTER's VRRP process.
	w.Settle(t, mn.NS, bn.NS)
	killed := time.Now()
	master.kill9()
	if goMaster {
		// The worker resumes: keepalived never takes over.
		observe(m.down + 500*time.Millisecond)
		st = w.Timeline().Between(killed, time.Now())
		t.Logf("kill -9 of gokeepalived's worker: no holder %v, two holders %v", st.MaxNoHolder, st.MaxDual)
		if st.MaxNoHolder > 0 || st.MaxDual > 0 || st.Holder != 0 {
			t.Errorf("kill -9 of the worker: no holder %v, two holders %v, holder %d", st.MaxNoHolder, st.MaxDual, st.Holder)
		}
	} else {
		// keepalived's respawned child drops the VIP at once and wins the
		// election again after its own down timer, which beats the
		// backup's (reference: the outage this process model
		// avoids). gokeepalived follows whoever is MASTER.
		nslab.WaitFor(t, 5*time.Second, "keepalived's new VRRP child dropping the VIP", func() bool { return !holds(mn) })
		nslab.WaitFor(t, 2*m.down+5*time.Second, "a single holder again after kill -9 of keepalived's VRRP child", func() bool { return holds(mn) != holds(bn) })
		nslab.WaitFor(t, 2*m.down+5*time.Second, "keepalived MASTER again", only(mn, bn))
		st = w.Timeline().Between(killed, time.Now())
		t.Logf("kill -9 of keepalived's VRRP child: no holder %v, two holders %v", st.MaxNoHolder, st.MaxDual)
		if st.MaxDual > time.Second {
			t.Errorf("two holders for %v after kill -9 of keepalived's VRRP child", st.MaxDual)
		}
	}
	w.Stop()
	stopCapture()
	checkCapture(t, pcap, mn, bn)
}

var (
	vrrpdumpOnce sync.Once
	vrrpdumpBin  string
	vrrpdumpErr  error
)

// vrrpdump builds cmd/vrrpdump once.
func vrrpdump(t *testing.T) string {
	vrrpdumpOnce.Do(func() {
		dir, err := os.MkdirTemp("", "gkl-vrrpdump")
		if err != nil {
			vrrpdumpErr = err
			return
		}
		vrrpdumpBin = filepath.Join(dir, "vrrpdump")
		out, err := exec.Command("go", "build", "-o", vrrpdumpBin, "github.com/gokeepalived/gokeepalived/cmd/vrrpdump").CombinedOutput()
		if err != nil {
			vrrpdumpErr = fmt.Errorf("go build vrrpdump: %v: %s", err, out)
		}
	})
	if vrrpdumpErr != nil {
		t.Skipf("cannot build vrrpdump: %v", vrrpdumpErr)
	}
	return vrrpdumpBin
}

type dumpRecord struct {
	Src         string   `json:"src"`
	Version     uint8    `json:"version"`
	VRID        uint8    `json:"vrid"`
	Priority    uint8    `json:"priority"`
	AdvertIntCS uint16   `json:"advert_int_cs"`
	AuthType    *uint8   `json:"auth_type"`
	Auth        *string  `json:"auth"`
	Addrs       []string `json:"addrs"`
	ChecksumOK  bool     `json:"checksum_ok"`
	Error       *string  `json:"error"`
}

// checkCapture decodes the bridge's capture with vrrpdump: both nodes'
// adverts are valid for keepalived 2.2.7 and carry the same version,
// VRID, interval, authentication and addresses.
func checkCapture(t *testing.T, pcap string, a, b *nslab.Node) {
	t.Helper()
	out, err := exec.Command(vrrpdump(t), pcap).Output()
	nslab.Must(t, err, "vrrpdump %s", pcap)
	type key struct {
		version, vrid uint8
		advert        uint16
		auth          string
		addrs         string
	}
	seen := map[string]map[key]int{}
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	n := 0
	for sc.Scan() {
		var r dumpRecord
		nslab.Must(t, json.Unmarshal(sc.Bytes(), &r), "vrrpdump line %q", sc.Text())
		n++
		if r.Error != nil || !r.ChecksumOK {
			t.Errorf("advert from %s rejected by vrrpdump: %s", r.Src, sc.Text())
		}
		k := key{version: r.Version, vrid: r.VRID, advert: r.AdvertIntCS, addrs: strings.Join(r.Addrs, ",")}
		if r.AuthType != nil {
			k.auth = fmt.Sprint(*r.AuthType)
		}
		if r.Auth != nil {
			k.auth += ":" + *r.Auth
		}
		if seen[r.Src] == nil {
			seen[r.Src] = map[key]int{}
		}
		seen[r.Src][k]++
	}
	var keys []key
	for src, ks := range seen {
		for k := range ks {
			keys = append(keys, k)
		}
		t.Logf("%s: %v", src, ks)
	}
	if len(seen) < 2 {
		t.Fatalf("capture has adverts from %d sources, want both nodes (%d adverts)", len(seen), n)
	}
	for _, k := range keys[1:] {
		if k != keys[0] {
			t.Errorf("the two speakers differ on the wire: %+v vs %+v", keys[0], k)
		}
	}
}

package linuxplat

import (
	"fmt"
	"log/slog"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gokeepalived/gokeepalived/daemon/nslab"
	"github.com/gokeepalived/gokeepalived/pkg/config"
	"github.com/gokeepalived/gokeepalived/pkg/vrrp"
)

// parse builds a configuration from text with keepalived's defaults.
func parse(t testing.TB, text string) *config.Config {
	t.Helper()
	cfg, diags, err := config.Parse("keepalived.conf", []byte(text), config.Options{})
	if err != nil {
		t.Fatalf("config: %v\n%s", err, diags)
	}
	return cfg
}

// instance is one vrrp_instance block for the lab's eth0.
type instance struct {
	name      string
	vrid      int
	prio      int
	vips      []string
	advert    string // advert_int; default 0.1 (VRRPv3)
	nopreempt bool
	extra     string
}

func (in instance) String() string {
	adv := in.advert
	if adv == "" {
		adv = "0.1"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "vrrp_instance %s {\n\tstate BACKUP\n\tinterface eth0\n\tvirtual_router_id %d\n\tpriority %d\n\tadvert_int %s\n", in.name, in.vrid, in.prio, adv)
	if in.nopreempt {
		b.WriteString("\tnopreempt\n")
	}
	b.WriteString(in.extra)
	b.WriteString("\tvirtual_ipaddress {\n")
	for _, v := range in.vips {
		fmt.Fprintf(&b, "\t\t%s\n", v)
	}
	b.WriteString("\t}\n}\n")
	return b.String()
}

func conf(global string, insts ...instance) string {
	var b strings.Builder
	fmt.Fprintf(&b, "global_defs {\n\tvrrp_version 3\n\tvrrp_garp_master_delay 0\n%s}\n", global)
	for _, in := range insts {
		b.WriteString(in.String())
	}
	return b.String()
}

// node is one gokeepalived (a Host) in a lab namespace.
type node struct {
	*nslab.Node
	t    testing.TB
	h    *Host
	logs *logBuf
}

func start(t testing.TB, n *nslab.Node, text string, resume ...vrrp.Resume) *node {
	t.Helper()
	nd := &node{Node: n, t: t, logs: &logBuf{}}
	nd.run(text, resume...)
	t.Cleanup(func() {
		nd.stop()
		if t.Failed() {
			t.Logf("%s log:\n%s", n.Name, nd.logs.String())
		}
	})
	return nd
}

func (nd *node) run(text string, resume ...vrrp.Resume) {
	nd.t.Helper()
	ns := nd.Handle
	log := slog.New(slog.NewTextHandler(nd.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	h, err := StartHost(parse(nd.t, text), Options{Namespace: &ns, Log: log}, resume)
	nslab.Must(nd.t, err, "start gokeepalived in %s", nd.Name)
	nd.h = h
}

func (nd *node) stop() {
	if nd.h != nil {
		nd.h.Stop(time.Second)
		nd.h = nil
	}
}

func (nd *node) state(inst string) vrrp.State {
	st, ok := nd.h.Status(inst)
	if !ok {
		nd.t.Fatalf("%s: no instance %s", nd.Name, inst)
	}
	return st.State
}

func (nd *node) has(addr string) bool { return nd.HasAddr("eth0", netip.MustParseAddr(addr)) }

// waitHolds waits until exactly holder (nil: nobody) of nodes carries addr.
func waitHolds(t testing.TB, within time.Duration, addr string, holder *node, nodes ...*node) time.Duration {
	t.Helper()
	start := time.Now()
	nslab.WaitFor(t, within, fmt.Sprintf("%s held by %s only", addr, name(holder)), func() bool {
		for _, n := range nodes {
			if n.has(addr) != (n == holder) {
				return false
			}
		}
		return true
	})
	return time.Since(start)
}

// stays checks that cond holds every time it is polled during d.
func stays(t testing.TB, d time.Duration, what string, cond func() bool) {
	t.Helper()
	end := time.Now().Add(d)
	for time.Now().Before(end) {
		if !cond() {
			t.Fatalf("%s stopped holding", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func name(n *node) string {
	if n == nil {
		return "nobody"
	}
	return n.Name
}

type logBuf struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *logBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuf) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func (l *logBuf) Contains(s string) bool { return strings.Contains(l.String(), s) }

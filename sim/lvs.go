package sim

import (
	"context"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"net/netip"
	"slices"
	"time"

	"github.com/gokeepalived/gokeepalived/daemon"
	"github.com/gokeepalived/gokeepalived/daemon/checker"
	"github.com/gokeepalived/gokeepalived/pkg/check"
	"github.com/gokeepalived/gokeepalived/pkg/config"
	"github.com/gokeepalived/gokeepalived/pkg/lvs"
	"github.com/gokeepalived/gokeepalived/pkg/lvs/memipvs"
	"github.com/gokeepalived/gokeepalived/scenarios/observe"
)

// The LVS side of a simulated node: its kernel's IPVS table (memipvs,
// which outlives daemons as the kernel's table does), the addresses on its
// loopback (a DR real server's VIPs, `ip addr add VIP/32 dev lo`), the
// services listening on it (services.go), and the checker driver
// (daemon/checker) that runs beside the VRRP driver in a daemon whose
// configuration has virtual servers. Probes and clients travel the
// simulated segments (dial.go, curl.go).

// Loopback is the name of every node's loopback interface. It is not on
// any segment: its addresses answer no ARP (a DR real server's VIPs, with
// arp_ignore=1 as the seeds set it) and do not count as VIP holders.
const Loopback = "lo"

// nodeLVS is a node's LVS state.
type nodeLVS struct {
	table    *memipvs.IPVS
	lo       []ifaceAddr
	services []*Service
	rng      *rand.Rand
	// probe is the probe running now (its virtual cost), nil otherwise.
	probe *probeRun
	// port is the last ephemeral port this node used as a client.
	port uint16
}

// ipvs is the node's IPVS table, created on first use: a destination is
// routable when one of the node's interfaces that is up has a prefix
// holding it, or when it is local (the kernel's inet_addr_type check).
func (n *node) ipvs() *memipvs.IPVS {
	if n.lvs.table == nil {
		n.lvs.table = memipvs.New(memipvs.Options{Routable: func(a netip.Addr) bool {
			if n.holdsLocal(a) {
				return true
			}
			for _, ifc := range n.ifaces {
				if !ifc.up {
					continue
				}
				for _, x := range ifc.addrs {
					if x.prefix.Contains(a) {
						return true
					}
				}
			}
			return false
		}})
	}
	return n.lvs.table
}

// checkerRand is the node's random source for checker warmups: seeded by
// the world's seed and the node's name, so that one node's draws never
// move another's (or the network's).
func (n *node) checkerRand() *rand.Rand {
	if n.lvs.rng == nil {
		h := fnv.New64a()
		h.Write([]byte(n.name))
		n.lvs.rng = rand.New(rand.NewPCG(uint64(n.w.opt.Seed), h.Sum64()))
	}
	return n.lvs.rng
}

// holdsLocal reports whether a is on one of the node's interfaces or its
// loopback.
func (n *node) holdsLocal(a netip.Addr) bool {
	if n.holds(a) {
		return true
	}
	return slices.ContainsFunc(n.lvs.lo, func(x ifaceAddr) bool { return x.prefix.Addr() == a })
}

func (n *node) localAddrs() []netip.Addr {
	var out []netip.Addr
	for _, ifc := range n.ifaces {
		for _, a := range ifc.addrs {
			out = append(out, a.prefix.Addr())
		}
	}
	for _, a := range n.lvs.lo {
		out = append(out, a.prefix.Addr())
	}
	return out
}

// lvsDaemon is a simulated keepalived process: the VRRP driver and, when
// the configuration has virtual servers, the checker driver, on one
// reactor.
type lvsDaemon struct {
	driver
	n    *node
	plat *platform
	chk  *checker.Driver
}

// withChecker wraps the VRRP driver; the checker driver comes along when
// cfg has virtual servers.
func (n *node) withChecker(cfg *config.Config, plat *platform, drv driver) (driver, error) {
	d := &lvsDaemon{driver: drv, n: n, plat: plat}
	if err := d.newChecker(cfg); err != nil {
		return nil, err
	}
	return d, nil
}

func (d *lvsDaemon) newChecker(cfg *config.Config) error {
	if !checker.HasVirtualServers(cfg) {
		return nil
	}
	c, err := checker.New(cfg, &checkerPlatform{platform: d.plat}, d.n.w.log.With("node", d.n.name))
	if err != nil {
		return err
	}
	d.chk = c
	return nil
}

func (d *lvsDaemon) Start() error {
	if err := d.driver.Start(); err != nil {
		return err
	}
	if d.chk != nil {
		return d.chk.Start()
	}
	return nil
}

func (d *lvsDaemon) Stop() {
	d.driver.Stop()
	if d.chk != nil {
		d.chk.Stop()
	}
}

// Reload reloads both sides; a configuration that gains its first
// virtual server starts the checker side.
func (d *lvsDaemon) Reload(cfg *config.Config) error {
	if err := d.driver.Reload(cfg); err != nil {
		return err
	}
	if d.chk != nil {
		return d.chk.Reload(cfg)
	}
	if err := d.newChecker(cfg); err != nil || d.chk == nil {
		return err
	}
	return d.chk.Start()
}

// addressChanged tells the running checker, as netlink would (an event
// of its own), that a became local or stopped being local (ha_suspend).
func (n *node) addressChanged(a netip.Addr) {
	p := n.proc
	if p == nil {
		return
	}
	if d, ok := p.drv.(*lvsDaemon); !ok || d.chk == nil {
		return // no checker side: no event (VRRP-only worlds stay as they were)
	}
	local := n.holdsLocal(a)
	n.w.schedule(n.w.now, func() {
		n.dispatch(p.gen, func() {
			if d, ok := p.drv.(*lvsDaemon); ok && d.chk != nil {
				d.chk.AddressChanged(a, local)
			}
		})
	})
}

// checkerPlatform is the checker driver's platform: the daemon's clock,
// scripts and reports, plus the node's IPVS table and the simulated
// network for probes.
type checkerPlatform struct {
	*platform
}

var _ checker.Platform = (*checkerPlatform)(nil)

func (c *checkerPlatform) IPVS() lvs.IPVS { return c.n.ipvs() }

func (c *checkerPlatform) LocalAddrs() ([]netip.Addr, error) { return c.n.localAddrs(), nil }

func (c *checkerPlatform) Rand() *rand.Rand { return c.n.checkerRand() }

func (c *checkerPlatform) ProbeEnv() check.Env {
	return check.Env{Dialer: simDialer{c.n}, Scripts: simScripts{c.n}}
}

// RunProbe runs the probe at once against the simulated network (so what
// it sees is the world of this instant) and delivers its result after the
// virtual time its connections took: round trips of the paths' delays, a
// whole timeout for a connection nobody answers.
func (c *checkerPlatform) RunProbe(p check.Probe, url int, timeout time.Duration, done func(check.Result)) func() {
	n := c.n
	run := &probeRun{timeout: timeout}
	n.lvs.probe = run
	res := p.Check(context.Background(), url)
	n.lvs.probe = nil
	return c.AfterFunc(c.Now().Add(run.cost), func() { done(res) })
}

// simScripts runs MISC_CHECK scripts through the node's shell, charging
// their virtual runtime to the probe.
type simScripts struct{ n *node }

func (s simScripts) Run(_ context.Context, cmd check.Command, timeout time.Duration) check.ScriptResult {
	res := s.n.runShell(cmd.Line, nil)
	run := s.n.lvs.probe
	cost := s.n.w.opt.ScriptRuntime + res.slept
	out := check.ScriptResult{Exited: true, Code: res.exit, Err: res.err}
	if res.err != nil {
		out.Exited = false
	}
	if res.timedOut || (timeout > 0 && cost > timeout) {
		cost = max(timeout, s.n.w.opt.ScriptRuntime)
		out = check.ScriptResult{TimedOut: true}
	}
	if run != nil {
		run.cost += cost
	}
	return out
}

// AddLoopback adds an address to node's loopback (`ip addr add VIP/32 dev
// lo label lo:0` on a DR real server): the node accepts packets for it,
// answers no ARP for it, and is not counted as its holder.
func (w *World) addLoopback(n *node, p netip.Prefix, label string) error {
	if slices.ContainsFunc(n.lvs.lo, func(a ifaceAddr) bool { return a.prefix == p }) {
		return fmt.Errorf("sim: %s: %s already on %s: file exists", n.name, p, Loopback)
	}
	n.lvs.lo = append(n.lvs.lo, ifaceAddr{prefix: p, label: label})
	w.obs.record(observe.Observation{Node: n.name, Kind: observe.KindAddrAdd, Iface: Loopback, Prefix: p, Label: label})
	n.addressChanged(p.Addr())
	return nil
}

func (w *World) delLoopback(n *node, p netip.Prefix) error {
	i := slices.IndexFunc(n.lvs.lo, func(a ifaceAddr) bool { return a.prefix == p })
	if i < 0 {
		return fmt.Errorf("sim: %s: %s not on %s: cannot assign requested address", n.name, p, Loopback)
	}
	a := n.lvs.lo[i]
	n.lvs.lo = slices.Delete(n.lvs.lo, i, i+1)
	w.obs.record(observe.Observation{Node: n.name, Kind: observe.KindAddrDel, Iface: Loopback, Prefix: p, Label: a.label})
	n.addressChanged(p.Addr())
	return nil
}

// IPVS reads node's IPVS table (ipvsadm -Ln), sorted. A node whose table
// was never used has an empty one.
func (w *World) IPVS(node string) (*lvs.Table, error) {
	n, err := w.node(node)
	if err != nil {
		return nil, err
	}
	return lvs.Read(n.ipvs())
}

// FlushIPVS clears node's IPVS table by hand (ipvsadm -C), behind its
// daemon's back.
func (w *World) FlushIPVS(node string) error {
	n, err := w.node(node)
	if err != nil {
		return err
	}
	w.obs.event(node, "", "ipvs", "ipvsadm -C")
	return n.ipvs().Flush()
}

// IPVSTable is node's IPVS table itself, to change it behind the
// daemon's back (ipvsadm -C: Flush) in tests and scenarios.
func (w *World) IPVSTable(node string) (*memipvs.IPVS, error) {
	n, err := w.node(node)
	if err != nil {
		return nil, err
	}
	return n.ipvs(), nil
}

var _ daemon.Platform = (*platform)(nil)

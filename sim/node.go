package sim

import (
	"fmt"
	"net/netip"
	"time"

	"github.com/gokeepalived/gokeepalived/daemon"
	"github.com/gokeepalived/gokeepalived/daemon/reactor"
)

// node is one simulated machine: interfaces, addresses, a private
// filesystem, a clock that may run fast or slow, and at most one daemon.
type node struct {
	w      *World
	name   string
	ifaces []*nodeIface
	fs     *memFS
	procs  procTable

	proc *process // nil: no daemon running
	gen  uint64   // incremented for every daemon start; stale callbacks check it
	// r is the running daemon's reactor (daemon/reactor, in virtual time):
	// its timers and its life. nil when no daemon runs.
	r *reactor.Reactor

	// Clock skew: local elapsed = localBase + (global - globalBase) × rate.
	rate       float64
	localBase  time.Duration
	globalBase time.Duration

	// routes and rules are what daemons installed (virtual_routes,
	// virtual_rules), as `ip route` / `ip rule` words.
	routes, rules []string

	// model is the node's daemon model (model.go); exitAt is when the last
	// stopped daemon process is gone (its StopDuration after SIGTERM): a
	// start before then waits for it.
	model  DaemonModel
	exitAt time.Duration

	// lvs is the node's IPVS table, loopback addresses and services (lvs.go).
	lvs nodeLVS
}

type nodeIface struct {
	node  *node
	name  string
	seg   *segment
	up    bool
	mac   [6]byte
	addrs []ifaceAddr
}

type ifaceAddr struct {
	prefix netip.Prefix
	label  string
}

func (i *nodeIface) hasAddr(a netip.Addr) bool {
	for _, x := range i.addrs {
		if x.prefix.Addr() == a {
			return true
		}
	}
	return false
}

// driver is what the simulator runs: the daemon's driver, as every
// platform hosts it.
type driver = daemon.Runner

// process is one running daemon on a node.
type process struct {
	gen    uint64
	r      *reactor.Reactor
	drv    driver
	paused bool
	held   []func() // callbacks due while paused, in order
	heldRx int      // packets among held
	// stopPending: SIGTERM arrived while paused; it acts on resume.
	stopPending bool
	// starting: exec'd, its VRRP not started yet (DaemonModel.StartLatency).
	starting bool
}

func newNode(w *World, name string) *node {
	return &node{w: w, name: name, fs: newMemFS(), rate: 1}
}

// nodeClock is a node's clock (see localElapsed), for its reactor.
type nodeClock struct{ n *node }

func (c nodeClock) Now() time.Time { return Epoch().Add(c.n.localElapsed()) }

// reactorHost drives one daemon's reactor in the world's virtual time:
// every timer becomes a world event at the global time the node's clock
// reaches its deadline.
type reactorHost struct {
	n   *node
	gen uint64
}

func (h reactorHost) Armed(t reactor.TimerRef) {
	n := h.n
	late := n.model.TimerLateness.draw(n.w.rng)
	n.w.schedule(n.globalAt(t.At.Sub(Epoch()))+late, func() { n.fireTimer(h.gen, t) })
}

// Posted: nothing in the world posts from another goroutine; run it as
// an event of its own, like a netlink message.
func (h reactorHost) Posted() {
	n := h.n
	n.w.schedule(n.w.now, func() {
		if p := n.proc; p != nil && p.gen == h.gen {
			n.dispatch(h.gen, p.r.Drain)
		}
	})
}

func (n *node) ifaceByName(name string) (*nodeIface, bool) {
	for _, i := range n.ifaces {
		if i.name == name {
			return i, true
		}
	}
	return nil, false
}

func (n *node) holds(a netip.Addr) bool {
	for _, i := range n.ifaces {
		if i.hasAddr(a) {
			return true
		}
	}
	return false
}

// localElapsed is the node's clock reading, as elapsed time since Epoch.
func (n *node) localElapsed() time.Duration {
	return n.localBase + time.Duration(float64(n.w.now-n.globalBase)*n.rate)
}

// globalAt converts a local clock reading to world time.
func (n *node) globalAt(local time.Duration) time.Duration {
	g := n.globalBase + time.Duration(float64(local-n.localBase)/n.rate)
	// Rounding may put a timer a nanosecond before the local deadline;
	// never fire early.
	for n.localBase+time.Duration(float64(g-n.globalBase)*n.rate) < local {
		g++
	}
	return g
}

func (n *node) setClockRate(rate float64) { n.rebase(rate, 0) }

// rebase changes the node's clock rate and jumps it by bump, then moves
// every pending timer to its new world time.
func (n *node) rebase(rate float64, bump time.Duration) {
	n.localBase = n.localElapsed() + bump
	n.globalBase = n.w.now
	n.rate = rate
	if p := n.proc; p != nil && p.r != nil {
		p.r.Rearm()
	}
}

// fireTimer is a daemon timer's world event: the daemon that armed it
// runs it now, or when it is resumed (a stopped process's expired timers
// wait for SIGCONT).
func (n *node) fireTimer(gen uint64, t reactor.TimerRef) {
	p := n.proc
	if p == nil || p.gen != gen {
		return
	}
	if fn := p.r.Take(t); fn != nil {
		n.dispatch(gen, fn)
	}
}

// dispatch runs a daemon callback unless the daemon that asked for it is
// gone; while paused, it is held until resume.
func (n *node) dispatch(gen uint64, fn func()) {
	p := n.proc
	if p == nil || p.gen != gen {
		return
	}
	if p.paused {
		p.held = append(p.held, fn)
		return
	}
	fn()
}

// receive is a packet arriving on ifc.
func (n *node) receive(ifc *nodeIface, pkt *packet) {
	if !ifc.up {
		n.w.obs.dropped(n.name)
		return
	}
	p := n.proc
	if p == nil {
		n.w.obs.dropped(n.name)
		return
	}
	if p.paused {
		if p.heldRx >= n.w.opt.SocketBuffer {
			n.w.obs.dropped(n.name)
			return
		}
		p.heldRx++
		p.held = append(p.held, func() { n.deliver(p, ifc, pkt) })
		return
	}
	n.deliver(p, ifc, pkt)
}

func (n *node) deliver(p *process, ifc *nodeIface, pkt *packet) {
	if pkt.garp {
		p.drv.ARPAnnounced(ifc.name, pkt.src, pkt.fromNode)
		return
	}
	n.w.obs.received(n.name)
	p.drv.Receive(ifc.name, pkt.data)
}

// start execs a daemon: the configuration is read now (a bad one fails
// the start at once), the VRRP engine starts after the model's start
// latency, and not before a previous process still stopping has exited.
func (n *node) start() error {
	if n.proc != nil {
		return fmt.Errorf("sim: %s: %w: daemon already running", n.name, ErrDaemonState)
	}
	n.gen++
	n.r = reactor.NewVirtual(nodeClock{n}, reactorHost{n, n.gen})
	drv, err := n.newDriver()
	if err != nil {
		n.r = nil
		return fmt.Errorf("sim: %s: start daemon: %w", n.name, err)
	}
	p := &process{gen: n.gen, r: n.r, drv: drv, starting: true}
	n.proc = p
	at := max(n.w.now, n.exitAt)
	if at > n.w.now {
		n.w.obs.event(n.name, "", "daemon", fmt.Sprintf("start (after the previous process exits, in %v)", at-n.w.now))
	} else {
		n.w.obs.event(n.name, "", "daemon", "start")
	}
	at += n.model.StartLatency.draw(n.w.rng)
	if at == n.w.now {
		return n.begin(p)
	}
	n.w.schedule(at, func() { n.dispatch(p.gen, func() { n.begin(p) }) })
	return nil
}

// begin starts the exec'd daemon's VRRP (keepalived: the instances leave
// INIT).
func (n *node) begin(p *process) error {
	p.starting = false
	if err := p.drv.Start(); err != nil {
		n.w.obs.event(n.name, "", "daemon", "start failed: "+err.Error())
		n.proc = nil
		n.dropTimers()
		return fmt.Errorf("sim: %s: start daemon: %w", n.name, err)
	}
	return nil
}

// stop is SIGTERM: the daemon stops its instances at once (priority 0,
// VIPs released) and its process exits the model's stop duration later.
func (n *node) stop() error {
	p := n.proc
	if p == nil {
		return fmt.Errorf("sim: %s: %w: no daemon running", n.name, ErrDaemonState)
	}
	if p.paused {
		// A stopped process gets SIGTERM when it is continued.
		if !p.stopPending {
			p.stopPending = true
			n.w.obs.event(n.name, "", "daemon", "stop (SIGTERM held until SIGCONT)")
		}
		return nil
	}
	d := n.model.StopDuration.draw(n.w.rng)
	if d > 0 {
		n.w.obs.event(n.name, "", "daemon", fmt.Sprintf("stop (SIGTERM), exits in %v", d))
	} else {
		n.w.obs.event(n.name, "", "daemon", "stop (SIGTERM)")
	}
	p.drv.Stop()
	n.proc = nil
	n.exitAt = n.w.now + d
	n.dropTimers()
	return nil
}

// restart stops a running daemon (kills a paused one) and starts a fresh
// one, which begins once the old process has exited.
func (n *node) restart() error {
	if n.proc != nil {
		if n.proc.paused {
			n.kill()
		} else if err := n.stop(); err != nil {
			return err
		}
	}
	return n.start()
}

func (n *node) kill() error {
	if n.proc == nil {
		return fmt.Errorf("sim: %s: %w: no daemon running", n.name, ErrDaemonState)
	}
	n.w.obs.event(n.name, "", "daemon", "kill -9")
	n.proc = nil
	n.exitAt = n.w.now
	n.dropTimers()
	return nil
}

// dropTimers ends the daemon's reactor: its pending timers vanish.
func (n *node) dropTimers() {
	if n.r != nil {
		n.r.Close()
		n.r = nil
	}
}

func (n *node) pause() error {
	if n.proc == nil || n.proc.paused {
		return fmt.Errorf("sim: %s: %w: no running daemon to pause", n.name, ErrDaemonState)
	}
	n.proc.paused = true
	n.w.obs.event(n.name, "", "daemon", "pause (SIGSTOP)")
	return nil
}

func (n *node) resume() error {
	p := n.proc
	if p == nil || !p.paused {
		return fmt.Errorf("sim: %s: %w: daemon is not paused", n.name, ErrDaemonState)
	}
	p.paused = false
	held := p.held
	p.held, p.heldRx = nil, 0
	n.w.obs.event(n.name, "", "daemon", fmt.Sprintf("resume (SIGCONT), %d held events", len(held)))
	if p.stopPending {
		// The signal is handled first; held input dies with the daemon.
		return n.stop()
	}
	for _, fn := range held {
		n.w.schedule(n.w.now, func() { n.dispatch(p.gen, fn) })
	}
	return nil
}

func (n *node) setLink(ifc *nodeIface, up bool) error {
	if ifc.up == up {
		return nil
	}
	ifc.up = up
	state := "down"
	if up {
		state = "up"
	}
	n.w.obs.event(n.name, "", "link", ifc.name+" "+state)
	n.netlink(func(d driver) { d.LinkChanged(ifc.name, up) })
	return nil
}

// netlink tells the running daemon, if any, what the kernel's netlink
// message would: as an event of its own, not from inside the call that
// changed the link or address, and only to the daemon running now.
func (n *node) netlink(tell func(driver)) {
	p := n.proc
	if p == nil {
		return
	}
	n.w.schedule(n.w.now, func() { n.dispatch(p.gen, func() { tell(p.drv) }) })
}

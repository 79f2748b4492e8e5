package sim

import (
	"fmt"
	"net/netip"
	"slices"
	"time"

	"github.com/gokeepalived/gokeepalived/daemon"
	"github.com/gokeepalived/gokeepalived/pkg/config"
	"github.com/gokeepalived/gokeepalived/pkg/vrrp"
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

	// Clock skew: local elapsed = localBase + (global - globalBase) × rate.
	rate       float64
	localBase  time.Duration
	globalBase time.Duration

	timerSeq uint64
	timers   map[uint64]*simTimer
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

// driver is what the simulator needs from a daemon.Driver.
type driver interface {
	Start() error
	Stop()
	Receive(p daemon.Packet)
	ReceiveRaw(iface string, src, dst netip.Addr, ttl uint8, payload []byte)
	LinkChanged(iface string, up bool)
	AddressDeleted(iface string, addr netip.Prefix)
	ARPAnnounced(iface string, addr netip.Addr, sender string)
	Reload(cfg *config.Config) error
	Status(instance string) (vrrp.Status, bool)
}

// process is one running daemon on a node.
type process struct {
	gen    uint64
	drv    driver
	paused bool
	held   []func() // callbacks due while paused, in order
	heldRx int      // packets among held
	// stopPending: SIGTERM arrived while paused; it acts on resume.
	stopPending bool
}

type simTimer struct {
	id      uint64
	gen     uint64
	localAt time.Duration
	ver     uint64
	fn      func()
}

func newNode(w *World, name string) *node {
	return &node{w: w, name: name, fs: newMemFS(), rate: 1, timers: map[uint64]*simTimer{}}
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
	ids := make([]uint64, 0, len(n.timers))
	for id := range n.timers {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		n.armTimer(n.timers[id])
	}
}

func (n *node) armTimer(t *simTimer) {
	t.ver++
	ver := t.ver
	n.w.schedule(n.globalAt(t.localAt), func() {
		if cur, ok := n.timers[t.id]; !ok || cur != t || t.ver != ver {
			return
		}
		delete(n.timers, t.id)
		n.dispatch(t.gen, t.fn)
	})
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
	if pkt.raw != nil {
		p.drv.ReceiveRaw(ifc.name, pkt.src, pkt.dst, pkt.ttl, pkt.raw)
		return
	}
	p.drv.Receive(daemon.Packet{Iface: ifc.name, Src: pkt.src, Dst: pkt.dst, TTL: pkt.ttl, Advert: pkt.advert})
}

func (n *node) start() error {
	if n.proc != nil {
		return fmt.Errorf("sim: %s: %w: daemon already running", n.name, ErrDaemonState)
	}
	n.gen++
	drv, err := n.newDriver()
	if err != nil {
		return fmt.Errorf("sim: %s: start daemon: %w", n.name, err)
	}
	n.proc = &process{gen: n.gen, drv: drv}
	n.w.obs.event(n.name, "", "daemon", "start")
	if err := drv.Start(); err != nil {
		n.proc = nil
		return fmt.Errorf("sim: %s: start daemon: %w", n.name, err)
	}
	return nil
}

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
	n.w.obs.event(n.name, "", "daemon", "stop (SIGTERM)")
	p.drv.Stop()
	n.proc = nil
	n.dropTimers()
	return nil
}

// restart stops a running daemon (kills a paused one) and starts a fresh one.
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
	n.dropTimers()
	return nil
}

func (n *node) dropTimers() { clear(n.timers) }

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

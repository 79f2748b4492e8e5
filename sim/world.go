package sim

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"math/rand/v2"
	"net/netip"
	"slices"
	"time"

	"github.com/gokeepalived/gokeepalived/pkg/vrrp"
	"github.com/gokeepalived/gokeepalived/scenarios/observe"
)

// EpochUnix is the virtual wall-clock time at which every world starts,
// 2026-01-01T00:00:00Z. A fixed epoch (not time.Now) is what makes traces
// byte-identical across runs.
const EpochUnix = 1767225600

// Epoch is EpochUnix as a time.Time.
func Epoch() time.Time { return time.Unix(EpochUnix, 0).UTC() }

// Options configures a World.
type Options struct {
	// Seed seeds the world's single random source (loss, jitter,
	// duplication). The same seed and the same steps give the same trace.
	Seed int64
	// Logger receives the daemons' slog records (keepalived's phrases), with
	// the record time replaced by virtual time and a "node" attribute. Nil
	// discards them.
	Logger *slog.Logger
	// Trace, when set, receives the observation stream as it happens, one
	// line per observation (observe.Observation.String).
	Trace io.Writer
	// ScriptRuntime is the virtual time a script takes (plus any `sleep`
	// it runs). Zero means DefaultScriptRuntime.
	ScriptRuntime time.Duration
	// SocketBuffer is how many packets a paused daemon queues before it
	// drops; zero means DefaultSocketBuffer.
	SocketBuffer int
	// Wire has no effect any more: adverts always travel as the bytes the
	// sender's driver encoded (IP header, AH, checksums) and the receiver's
	// driver decodes. Kept so that callers compile.
	Wire bool
	// TraceLogs records the daemons' Info log lines (keepalived's phrases)
	// in the observation stream too, as kind "log"; warnings and errors are
	// always recorded.
	TraceLogs bool
	// RecordAdverts keeps every advert sent (see Adverts) and records the
	// driver's per-advert reports in the observation stream; off by default
	// because long runs send millions.
	RecordAdverts bool
	// Model is every node's daemon model until SetDaemonModel changes it:
	// start latency, stop duration, timer lateness, receive latency. The
	// zero value is Ideal (everything exact); the scenario runner uses
	// Keepalived227.
	Model DaemonModel
}

// AdvertEvent is one advert sent by a node (one per destination).
type AdvertEvent struct {
	At       time.Duration
	Node     string
	Iface    string
	Src, Dst netip.Addr
	TTL      uint8 // the IPv4 TTL / IPv6 hop limit on the wire
	VRID     uint8
	Priority uint8
}

// Defaults for Options.
const (
	DefaultScriptRuntime = 5 * time.Millisecond
	DefaultSocketBuffer  = 256
)

// Limits of what the simulator represents. Virtual times are int64
// nanoseconds (about 292 years); these bounds keep every sum the kernel
// and the node clocks make far inside that range, so no input can make
// time wrap around (and fire timers "now" forever).
const (
	// MaxElapsed is the latest virtual time a world reaches: RunFor and
	// RunUntil stop there.
	MaxElapsed = 366 * 24 * time.Hour
	// MinClockRate and MaxClockRate bound SetClockRate: a node's clock runs
	// at most 100 times slower or faster than the world's.
	MinClockRate = 0.01
	MaxClockRate = 100.0
	// MaxClockOffset bounds how far BumpClock may set a node's clock from
	// the epoch, either way (a node clock reads at most MaxClockOffset +
	// MaxClockRate × MaxElapsed, about 200 years).
	MaxClockOffset = 100 * 366 * 24 * time.Hour
)

// Iface is one interface of a node, attached to a segment.
type Iface struct {
	Name    string // "eth0"
	Segment string // segment name, see AddSegment
	// Addrs are the interface's configured addresses; the first IPv4 one is
	// the primary address (advert source unless mcast_src_ip/unicast_src_ip).
	Addrs []netip.Prefix
}

// Transition and SplitBrain are derived from the world's observation
// stream by observe.History (see Transitions and SplitBrains).
type (
	Transition = observe.Transition
	SplitBrain = observe.SplitBrain
)

// Counters are per-node protocol counters.
type Counters struct {
	AdvertsSent     int
	AdvertsReceived int // delivered to the daemon
	GARPs           int // gratuitous ARPs / unsolicited NAs sent
	Dropped         int // lost on the way to this node (loss, partition, link down, no daemon, full buffer)
}

var (
	// ErrNoNode is returned for an unknown node name.
	ErrNoNode = errors.New("sim: no such node")
	// ErrNoSegment is returned for an unknown segment name.
	ErrNoSegment = errors.New("sim: no such segment")
	// ErrDaemonState is returned for an operation that does not fit the
	// daemon's state (starting a running daemon, pausing a stopped one).
	ErrDaemonState = errors.New("sim: daemon state")
)

// World is the deterministic simulated cluster: a discrete-event kernel
// with a virtual clock and one seeded random source, L2 segments, nodes with
// their own filesystem, interfaces and addresses, and a gokeepalived daemon
// (the real daemon.Driver over a simulated Platform) per node.
//
// A World is not safe for concurrent use; nothing inside it runs on another
// goroutine.
type World struct {
	opt Options
	log *slog.Logger
	// diagLog logs config diagnostics, which the stream records typed.
	diagLog *slog.Logger
	rng     *rand.Rand
	now     time.Duration
	seq     uint64
	queue   eventQueue

	segments map[string]*segment
	nodes    map[string]*node
	order    []string // node names in creation order

	links   map[linkKey]*linkParams
	blocked map[linkKey]bool
	noVRRP  map[linkKey]bool // firewall dropping IP protocol 112 only
	// fifo is each path's latest arrival from the daemon model's receive
	// latency: packets on one path arrive in the order they were sent.
	fifo map[linkKey]time.Duration

	obs observer
}

// NewWorld returns an empty world at virtual time zero (Epoch).
func NewWorld(opt Options) *World {
	if opt.ScriptRuntime <= 0 {
		opt.ScriptRuntime = DefaultScriptRuntime
	}
	if opt.SocketBuffer <= 0 {
		opt.SocketBuffer = DefaultSocketBuffer
	}
	if opt.Model.check() != nil {
		opt.Model = Ideal
	}
	lg := opt.Logger
	if lg == nil {
		lg = slog.New(slog.DiscardHandler)
	}
	w := &World{
		opt:      opt,
		rng:      rand.New(rand.NewPCG(uint64(opt.Seed), uint64(opt.Seed)^0x9e3779b97f4a7c15)),
		segments: map[string]*segment{},
		nodes:    map[string]*node{},
		links:    map[linkKey]*linkParams{},
		blocked:  map[linkKey]bool{},
		noVRRP:   map[linkKey]bool{},
		fifo:     map[linkKey]time.Duration{},
	}
	w.log = slog.New(&virtualTimeHandler{w: w, h: lg.Handler()})
	w.diagLog = slog.New(&virtualTimeHandler{w: w, h: lg.Handler(), observed: true})
	w.obs.init(w)
	return w
}

// Now is the current virtual wall-clock time (Epoch() + Elapsed).
func (w *World) Now() time.Time { return Epoch().Add(w.now) }

// Elapsed is the virtual time since the world started.
func (w *World) Elapsed() time.Duration { return w.now }

// Rand is the world's single random source, for scenario generators that
// must stay reproducible from the same seed.
func (w *World) Rand() *rand.Rand { return w.rng }

// AddSegment adds an L2 segment (a broadcast domain).
func (w *World) AddSegment(name string) error {
	if name == "" {
		return errors.New("sim: empty segment name")
	}
	if _, ok := w.segments[name]; ok {
		return fmt.Errorf("sim: segment %q already exists", name)
	}
	w.segments[name] = &segment{name: name}
	return nil
}

// AddNode adds a node with the given interfaces (all up).
func (w *World) AddNode(name string, ifaces ...Iface) error {
	if name == "" || name == "*" {
		return fmt.Errorf("sim: invalid node name %q", name)
	}
	if _, ok := w.nodes[name]; ok {
		return fmt.Errorf("sim: node %q already exists", name)
	}
	n := newNode(w, name)
	n.model = w.opt.Model
	for i, ifc := range ifaces {
		seg, ok := w.segments[ifc.Segment]
		if !ok {
			return fmt.Errorf("sim: node %s iface %s: %w %q", name, ifc.Name, ErrNoSegment, ifc.Segment)
		}
		if _, dup := n.ifaceByName(ifc.Name); dup {
			return fmt.Errorf("sim: node %s: duplicate iface %s", name, ifc.Name)
		}
		ni := &nodeIface{
			node: n, name: ifc.Name, seg: seg, up: true,
			mac: [6]byte{0x02, 0x00, byte(len(w.order) >> 8), byte(len(w.order)), 0x00, byte(i)},
		}
		for _, p := range ifc.Addrs {
			ni.addrs = append(ni.addrs, ifaceAddr{prefix: p})
		}
		n.ifaces = append(n.ifaces, ni)
		seg.members = append(seg.members, ni)
	}
	w.nodes[name] = n
	w.order = append(w.order, name)
	for _, ifc := range n.ifaces {
		for _, a := range ifc.addrs {
			w.obs.addrChanged(n, ifc, a.prefix, "", true)
		}
	}
	return nil
}

// Nodes returns the node names in creation order.
func (w *World) Nodes() []string { return slices.Clone(w.order) }

func (w *World) node(name string) (*node, error) {
	n, ok := w.nodes[name]
	if !ok {
		return nil, fmt.Errorf("%w %q", ErrNoNode, name)
	}
	return n, nil
}

// WriteFile writes a file in node's private filesystem (this is also how
// /etc/keepalived/keepalived.conf arrives). Parent directories are implied.
func (w *World) WriteFile(node, path string, data []byte) error {
	return w.writeFile(node, path, data, 0o644)
}

// WriteExecutable writes an executable file (a check or notify script).
func (w *World) WriteExecutable(node, path string, data []byte) error {
	return w.writeFile(node, path, data, 0o755)
}

func (w *World) writeFile(node, path string, data []byte, mode fs.FileMode) error {
	n, err := w.node(node)
	if err != nil {
		return err
	}
	if err := n.fs.write(path, data, mode); err != nil {
		return fmt.Errorf("sim: %s: write %s: %w", node, path, err)
	}
	w.obs.event(node, "", "file", "write "+path)
	return nil
}

// ReadFile reads a file from node's filesystem.
func (w *World) ReadFile(node, path string) ([]byte, error) {
	n, err := w.node(node)
	if err != nil {
		return nil, err
	}
	return n.fs.read(path)
}

// RemoveFile removes a file from node's filesystem (rm -f: no error if it
// does not exist).
func (w *World) RemoveFile(node, path string) error {
	n, err := w.node(node)
	if err != nil {
		return err
	}
	n.fs.remove(path)
	w.obs.event(node, "", "file", "rm "+path)
	return nil
}

// ConfigPath is where StartDaemon reads each node's configuration.
const ConfigPath = "/etc/keepalived/keepalived.conf"

// StartDaemon parses the node's /etc/keepalived/keepalived.conf (config id
// = node name) and starts a daemon on it.
func (w *World) StartDaemon(name string) error {
	return w.onNode(name, (*node).start)
}

// StopDaemon stops the node's daemon gracefully (SIGTERM): masters send a
// priority-0 advert and release their VIPs. A paused daemon stops when it
// is resumed.
func (w *World) StopDaemon(name string) error {
	return w.onNode(name, (*node).stop)
}

// KillDaemon kills the node's daemon (kill -9): no clean-up, its VIPs stay
// on the node's interfaces, its timers and running scripts die.
func (w *World) KillDaemon(name string) error {
	return w.onNode(name, (*node).kill)
}

// PauseDaemon freezes the node's daemon (SIGSTOP): timers that expire and
// packets that arrive are held until ResumeDaemon (packets up to the socket
// buffer; the rest are dropped).
func (w *World) PauseDaemon(name string) error {
	return w.onNode(name, (*node).pause)
}

// ResumeDaemon resumes a paused daemon (SIGCONT): held timers fire and held
// packets are delivered, in order, at the current time.
func (w *World) ResumeDaemon(name string) error {
	return w.onNode(name, (*node).resume)
}

// RestartDaemon stops the daemon gracefully if it runs (or clears a killed
// one) and starts a fresh one, re-reading the configuration. Like
// keepalived, the new daemon removes configured VIPs it finds at start.
func (w *World) RestartDaemon(name string) error {
	return w.onNode(name, (*node).restart)
}

// ReloadDaemon re-reads the node's keepalived.conf and reloads the running
// daemon keeping its state (SIGHUP).
func (w *World) ReloadDaemon(name string) error {
	return w.onNode(name, (*node).reload)
}

// onNode runs a daemon operation on the named node.
func (w *World) onNode(name string, op func(*node) error) error {
	n, err := w.node(name)
	if err != nil {
		return err
	}
	return op(n)
}

// DaemonRunning reports whether node has a live (possibly paused) daemon.
func (w *World) DaemonRunning(node string) bool {
	n, ok := w.nodes[node]
	return ok && n.proc != nil
}

// DaemonStarted reports whether node's daemon is running and past its
// start latency (its VRRP instances have left INIT).
func (w *World) DaemonStarted(node string) bool {
	n, ok := w.nodes[node]
	return ok && n.proc != nil && !n.proc.starting
}

// SetLink sets an interface's carrier. Down: nothing is sent or delivered
// through it and the daemon is told (link-down → FAULT when tracked).
func (w *World) SetLink(node, iface string, up bool) error {
	n, err := w.node(node)
	if err != nil {
		return err
	}
	ifc, ok := n.ifaceByName(iface)
	if !ok {
		return fmt.Errorf("sim: node %s has no iface %s", node, iface)
	}
	return n.setLink(ifc, up)
}

// AddAddress adds an address to a node's interface from outside the daemon
// (`ip addr add`): e.g. an operator putting a VIP on a second node. The
// daemon hears of it as netlink would tell it (an instance without an
// advert source takes the address and leaves FAULT).
func (w *World) AddAddress(node, iface string, addr netip.Prefix, label string) error {
	n, err := w.node(node)
	if err != nil {
		return err
	}
	if _, ok := n.ifaceByName(iface); !ok && iface == Loopback {
		return w.addLoopback(n, addr, label)
	}
	if err := (&platform{n: n, gen: n.gen}).AddAddress(iface, addr, label); err != nil {
		return err
	}
	n.netlink(func(d driver) { d.AddressAdded(iface, addr) })
	return nil
}

// DelAddress removes an address from a node's interface from outside the
// daemon (`ip addr del`); the daemon hears of it as netlink would tell it
// (a MASTER losing a VIP goes BACKUP, keepalived's EvVIPDeleted).
func (w *World) DelAddress(node, iface string, addr netip.Prefix) error {
	n, err := w.node(node)
	if err != nil {
		return err
	}
	if _, ok := n.ifaceByName(iface); !ok && iface == Loopback {
		return w.delLoopback(n, addr)
	}
	if err := (&platform{n: n, gen: n.gen}).DelAddress(iface, addr); err != nil {
		return err
	}
	n.netlink(func(d driver) { d.AddressDeleted(iface, addr) })
	return nil
}

// SetClockRate makes the node's clock (and so its timers) run at rate r
// relative to real time (1 = exact, 1.01 = 1% fast). r must be > 0.
func (w *World) SetClockRate(node string, rate float64) error {
	n, err := w.node(node)
	if err != nil {
		return err
	}
	if !(rate >= MinClockRate && rate <= MaxClockRate) {
		return fmt.Errorf("sim: clock rate %v for %s out of range [%g, %g]", rate, node, MinClockRate, MaxClockRate)
	}
	n.setClockRate(rate)
	w.obs.event(node, "", "clock", fmt.Sprintf("rate %g", rate))
	return nil
}

// BumpClock steps the node's clock by d (Jepsen's clock bump; negative
// goes back). Timers keep their deadlines in the node's time: a forward
// step fires the ones it skips over at once, a backward step delays them.
func (w *World) BumpClock(node string, d time.Duration) error {
	n, err := w.node(node)
	if err != nil {
		return err
	}
	if to := n.localElapsed() + d; d < -MaxClockOffset || d > MaxClockOffset || to < -MaxClockOffset || to > MaxClockOffset {
		return fmt.Errorf("sim: clock jump %v for %s: the clock would leave ±%v around the epoch", d, node, MaxClockOffset)
	}
	n.rebase(n.rate, d)
	w.obs.event(node, "", "clock", fmt.Sprintf("bump %v", d))
	return nil
}

// RunFor advances virtual time by d, running every event due. The clock
// stops at MaxElapsed; a negative d does nothing.
func (w *World) RunFor(d time.Duration) {
	w.runUntil(w.after(d), nil)
}

// RunUntil advances until cond holds (checked before the first event and
// after every event) or limit of virtual time has elapsed from now (at most
// until MaxElapsed); it reports whether cond held. On success the clock
// stays at the event that made cond true.
func (w *World) RunUntil(limit time.Duration, cond func() bool) bool {
	return w.runUntil(w.after(limit), cond)
}

// VIPHolders returns the sorted names of the nodes holding addr right now
// (on any interface, configured or added by a daemon).
func (w *World) VIPHolders(addr netip.Addr) []string {
	var out []string
	for _, name := range w.order {
		if w.nodes[name].holds(addr) {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}

// Addresses returns every address on node's interfaces, as "iface prefix
// [label]" triples in interface order.
func (w *World) Addresses(node string) []NodeAddr {
	n, ok := w.nodes[node]
	if !ok {
		return nil
	}
	var out []NodeAddr
	for _, ifc := range n.ifaces {
		for _, a := range ifc.addrs {
			out = append(out, NodeAddr{Iface: ifc.name, Prefix: a.prefix, Label: a.label})
		}
	}
	return out
}

// NodeAddr is one address on a node (see Addresses).
type NodeAddr struct {
	Iface  string
	Prefix netip.Prefix
	Label  string
}

// State is the current state of instance on node; false if the node has no
// running daemon or no such instance.
func (w *World) State(node, instance string) (vrrp.State, bool) {
	st, ok := w.Status(node, instance)
	return st.State, ok
}

// Status is the engine's status snapshot of instance on node.
func (w *World) Status(node, instance string) (vrrp.Status, bool) {
	n, ok := w.nodes[node]
	if !ok || n.proc == nil {
		return vrrp.Status{}, false
	}
	return n.proc.drv.Status(instance)
}

// Observations returns the world's observation stream from index from on
// (a copy): everything recorded so far, in event order. Indexes are
// stable, so a reader keeps its place with the length it has read.
func (w *World) Observations(from int) []observe.Observation {
	if from < 0 || from >= len(w.obs.log) {
		return nil
	}
	return slices.Clone(w.obs.log[from:])
}

// History folds the whole observation stream so far (observe.History):
// transitions, split brains, reject counts, notify calls, detections.
func (w *World) History() *observe.History {
	var h observe.History
	h.Add(w.obs.log...)
	return &h
}

// Transitions returns every state change so far, in order.
func (w *World) Transitions() []Transition { return slices.Clone(w.History().Transitions()) }

// SplitBrains returns every split-brain interval so far (open ones end now).
func (w *World) SplitBrains() []SplitBrain { return w.History().SplitBrains(w.now) }

// Counters returns node's network counters.
func (w *World) Counters(node string) Counters {
	if c := w.obs.counters[node]; c != nil {
		return *c
	}
	return Counters{}
}

// GARPs returns every gratuitous ARP / unsolicited NA sent so far.
func (w *World) GARPs() []GARPEvent { return slices.Clone(w.obs.garps) }

// Adverts returns every advert sent so far (only with
// Options.RecordAdverts).
func (w *World) Adverts() []AdvertEvent { return slices.Clone(w.obs.adverts) }

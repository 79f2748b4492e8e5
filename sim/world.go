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
	// Trace, when set, receives the readable timeline as it happens, one
	// line per TraceEvent.
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
	// TraceLogs copies the daemons' log lines (Info and above, keepalived's
	// phrases) into the timeline as kind "log".
	TraceLogs bool
	// RecordAdverts keeps every advert sent (see Adverts); off by default
	// because long runs send millions.
	RecordAdverts bool
}

// AdvertEvent is one advert sent by a node (one per destination).
type AdvertEvent struct {
	At       time.Duration
	Node     string
	Iface    string
	Src, Dst netip.Addr
	VRID     uint8
	Priority uint8
}

// Defaults for Options.
const (
	DefaultScriptRuntime = 5 * time.Millisecond
	DefaultSocketBuffer  = 256
)

// Iface is one interface of a node, attached to a segment.
type Iface struct {
	Name    string // "eth0"
	Segment string // segment name, see AddSegment
	// Addrs are the interface's configured addresses; the first IPv4 one is
	// the primary address (advert source unless mcast_src_ip/unicast_src_ip).
	Addrs []netip.Prefix
}

// Transition is one VRRP state change of one instance on one node.
type Transition struct {
	At             time.Duration
	Node, Instance string
	From, To       vrrp.State
	Priority       uint8
}

// SplitBrain is an interval during which more than one node held the same
// address. Open intervals have End == the time of the query.
type SplitBrain struct {
	VIP        netip.Addr
	Nodes      []string
	Start, End time.Duration
	Open       bool
}

// Duration is End-Start.
func (s SplitBrain) Duration() time.Duration { return s.End - s.Start }

// NotifyCall is one run of a notify script (notify, notify_master, ...).
type NotifyCall struct {
	At   time.Duration
	Node string
	Argv []string
}

// Counters are per-node protocol counters.
type Counters struct {
	AdvertsSent     int
	AdvertsReceived int            // delivered to the daemon
	Rejected        map[string]int // by vrrp.RejectReason name
	GARPs           int            // gratuitous ARPs / unsolicited NAs sent
	Dropped         int            // lost on the way to this node (loss, partition, link down, no daemon, full buffer)
}

// TraceEvent is one line of the readable timeline.
type TraceEvent struct {
	At       time.Duration
	Node     string
	Instance string
	Kind     string // "state", "vip-add", "vip-del", "notify", "fault", "split-brain", "reject", "log", "world"...
	Text     string
}

// String formats the event as one trace line.
func (e TraceEvent) String() string {
	inst := e.Instance
	if inst == "" {
		inst = "-"
	}
	node := e.Node
	if node == "" {
		node = "-"
	}
	return fmt.Sprintf("%s %-8s %-8s %-12s %s", FormatAt(e.At), node, inst, e.Kind, e.Text)
}

// FormatAt formats a virtual time as seconds with microsecond resolution,
// right aligned ("    3.609375s").
func FormatAt(d time.Duration) string {
	return fmt.Sprintf("%12.6fs", d.Seconds())
}

// VIPEvent is one address added to or removed from a node.
type VIPEvent struct {
	At     time.Duration
	Node   string
	Iface  string
	Prefix netip.Prefix
	Label  string
	Added  bool
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
	opt   Options
	log   *slog.Logger
	rng   *rand.Rand
	now   time.Duration
	seq   uint64
	queue eventQueue

	segments map[string]*segment
	nodes    map[string]*node
	order    []string // node names in creation order

	links   map[linkKey]*linkParams
	blocked map[linkKey]bool
	noVRRP  map[linkKey]bool // firewall dropping IP protocol 112 only

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
	}
	w.log = slog.New(&virtualTimeHandler{w: w, h: lg.Handler()})
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
			w.obs.addrChanged(n, ifc, a.prefix, "", true, false)
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
// (`ip addr add`): e.g. an operator putting a VIP on a second node.
func (w *World) AddAddress(node, iface string, addr netip.Prefix, label string) error {
	n, err := w.node(node)
	if err != nil {
		return err
	}
	return (&platform{n: n, gen: n.gen}).AddAddress(iface, addr, label)
}

// DelAddress removes an address from a node's interface from outside the
// daemon (`ip addr del`); the daemon hears of it as netlink would tell it
// (a MASTER losing a VIP goes BACKUP, keepalived's EvVIPDeleted).
func (w *World) DelAddress(node, iface string, addr netip.Prefix) error {
	n, err := w.node(node)
	if err != nil {
		return err
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
	if !(rate > 0) || rate > 1000 {
		return fmt.Errorf("sim: clock rate %v for %s out of range (0, 1000]", rate, node)
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
	n.rebase(n.rate, d)
	w.obs.event(node, "", "clock", fmt.Sprintf("bump %v", d))
	return nil
}

// RunFor advances virtual time by d, running every event due.
func (w *World) RunFor(d time.Duration) {
	w.runUntil(w.now+d, nil)
}

// RunUntil advances until cond holds (checked before the first event and
// after every event) or limit of virtual time has elapsed from now; it
// reports whether cond held. On success the clock stays at the event that
// made cond true.
func (w *World) RunUntil(limit time.Duration, cond func() bool) bool {
	return w.runUntil(w.now+limit, cond)
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

// Transitions returns every state change so far, in order.
func (w *World) Transitions() []Transition { return slices.Clone(w.obs.transitions) }

// SplitBrains returns every split-brain interval so far (open ones end now).
func (w *World) SplitBrains() []SplitBrain { return w.obs.splitBrains() }

// Notifies returns every notify script call so far.
func (w *World) Notifies() []NotifyCall { return slices.Clone(w.obs.notifies) }

// VIPEvents returns every address addition/removal so far.
func (w *World) VIPEvents() []VIPEvent { return slices.Clone(w.obs.vipEvents) }

// Counters returns node's protocol counters.
func (w *World) Counters(node string) Counters {
	c := w.obs.counters[node]
	if c == nil {
		return Counters{Rejected: map[string]int{}}
	}
	out := *c
	out.Rejected = make(map[string]int, len(c.Rejected))
	for k, v := range c.Rejected {
		out.Rejected[k] = v
	}
	return out
}

// GARPs returns every gratuitous ARP / unsolicited NA sent so far.
func (w *World) GARPs() []GARPEvent { return slices.Clone(w.obs.garps) }

// Adverts returns every advert sent so far (only with
// Options.RecordAdverts).
func (w *World) Adverts() []AdvertEvent { return slices.Clone(w.obs.adverts) }

// Timeline returns the readable trace so far.
func (w *World) Timeline() []TraceEvent { return slices.Clone(w.obs.timeline) }

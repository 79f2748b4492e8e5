package netns

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/vishvananda/netlink"
	vnetns "github.com/vishvananda/netns"
	"golang.org/x/sys/unix"
)

// Config describes a lab to build.
type Config struct {
	Topology Topology
	// RunID names this run (1-12 of [a-z0-9]); empty picks 8 random hex
	// digits. Every host-visible name carries Prefix + RunID.
	RunID string
	// PcapDir, if set, receives one capture per segment
	// (<PcapDir>/<segment>.pcap, Ethernet, nanosecond timestamps) of every
	// frame a node put on the segment, readable by Wireshark, tcpdump -r
	// and vrrpdump.
	PcapDir string
	// LogDir, if set, receives each node's daemon output
	// (<LogDir>/<node>.log), kept after Close. Otherwise the logs live in
	// the run directory and go with it.
	LogDir string
	// Logger receives the lab's own diagnostics; nil discards them.
	Logger *slog.Logger
	// MaxEvents bounds the event log (DefaultMaxEvents if 0).
	MaxEvents int
	// NoSweep skips the stale-lab sweep New runs first.
	NoSweep bool
}

// binaries are the host tools the lab runs, resolved once.
type binaries struct{ nsenter, bash, nft string }

func lookBinaries() (binaries, error) {
	var b binaries
	for _, x := range []struct {
		name string
		dst  *string
	}{{"nsenter", &b.nsenter}, {"bash", &b.bash}, {"nft", &b.nft}} {
		p, err := exec.LookPath(x.name)
		if err != nil {
			return b, fmt.Errorf("netns: the lab needs %s on PATH: %w", x.name, err)
		}
		*x.dst = p
	}
	return b, nil
}

// Lab is a running namespace lab. Its methods are safe for concurrent
// use. Close (or cancelling the context given to New) removes everything
// it created.
type Lab struct {
	names names
	log   *slog.Logger
	bin   binaries
	// lifeline is the write end of the pipe every holder reads (see
	// holder.go); lifelineR is the read end, passed to holders.
	lifeline, lifelineR *os.File
	events              *eventLog
	start               time.Time
	pcap                string
	logDir              string

	done      chan struct{} // closed when the lab starts closing: observers stop
	wg        sync.WaitGroup
	stopAfter func() bool

	mu        sync.Mutex // guards the topology's mutable parts and faults
	nodes     map[string]*node
	nodeOrder []string
	segs      map[string]*segment
	segOrder  []string
	faults    faultSet

	closeOnce sync.Once
	closeErr  error
}

type node struct {
	name   string
	netns  string // name in /run/netns
	nsPath string
	handle *netlink.Handle
	ifaces []*iface
	dirs   []string // private directories, mount order
	root   string   // host directory whose subtrees are the private dirs
	holder *holder

	daemon   *daemonProc
	services map[string]*procHandle
	fifos    []*os.File

	// Observed state, guarded by the event log's lock.
	ifnames map[int]string
	addrs   map[netip.Addr]map[int]bool // address → interface indexes holding it
	states  map[string]Event            // instance → last KindState event
}

type iface struct {
	name    string
	segment string
	port    string
	mac     net.HardwareAddr
	addrs   []netip.Prefix
}

type segment struct {
	name   string
	netns  string
	nsPath string
	handle *netlink.Handle
	ports  []*port
	cap    *capture
}

type port struct {
	name  string
	index int // in the switch namespace
	node  string
	iface string
}

// New builds the lab: namespaces, bridges, veth pairs, addresses, a
// holder per node, a capture per segment, the netlink observers. On any
// error everything built so far is removed. After New returns, cancelling
// ctx closes the lab (pass a signal.NotifyContext context to clean up on
// Ctrl-C).
func New(ctx context.Context, cfg Config) (_ *Lab, err error) {
	segs, err := cfg.Topology.validate()
	if err != nil {
		return nil, err
	}
	if unix.Geteuid() != 0 {
		return nil, errors.New("netns: the lab needs root (CAP_SYS_ADMIN and CAP_NET_ADMIN)")
	}
	bin, err := lookBinaries()
	if err != nil {
		return nil, err
	}
	logger := cfg.Logger
	if logger == nil {
		logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if !cfg.NoSweep {
		if _, err := Sweep(logger); err != nil {
			logger.Warn("stale-lab sweep", "err", err)
		}
	}
	runID := cfg.RunID
	if runID == "" {
		if runID, err = newRunID(); err != nil {
			return nil, err
		}
	} else if !runIDRE.MatchString(runID) {
		return nil, fmt.Errorf("netns: run id %q: want 1-12 of [a-z0-9]", runID)
	}
	start := time.Now()
	l := &Lab{
		names:  names{runID: runID},
		log:    logger.With("lab", Prefix+runID),
		bin:    bin,
		events: newEventLog(start, cfg.MaxEvents),
		start:  start,
		pcap:   cfg.PcapDir,
		done:   make(chan struct{}),
		nodes:  map[string]*node{},
		segs:   map[string]*segment{},
	}
	if err := l.makeRunDir(); err != nil {
		return nil, err
	}
	if l.lifelineR, l.lifeline, err = os.Pipe(); err != nil {
		os.RemoveAll(l.names.runDir())
		return nil, fmt.Errorf("netns: %w", err)
	}
	l.logDir = cfg.LogDir
	if l.logDir == "" {
		l.logDir = filepath.Join(l.names.runDir(), "logs")
	}
	defer func() {
		if err != nil {
			err = errors.Join(err, l.Close())
		}
	}()
	for _, d := range []string{l.logDir, l.pcap} {
		if d != "" {
			if err := os.MkdirAll(d, 0o755); err != nil {
				return nil, fmt.Errorf("netns: %w", err)
			}
		}
	}
	if err := ensureNetnsDir(); err != nil {
		return nil, err
	}
	for _, s := range segs {
		if err := l.addSegment(s); err != nil {
			return nil, err
		}
	}
	for i := range cfg.Topology.Nodes {
		if err := l.addNode(ctx, &cfg.Topology.Nodes[i], i); err != nil {
			return nil, err
		}
	}
	for _, s := range l.segOrder {
		if err := l.startCapture(l.segs[s]); err != nil {
			return nil, err
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("netns: building the lab: %w", context.Cause(ctx))
	}
	l.stopAfter = context.AfterFunc(ctx, func() { _ = l.Close() })
	l.log.Info("lab up", "nodes", len(l.nodes), "segments", len(l.segs), "took", time.Since(start))
	return l, nil
}

// RunID returns the run id; Prefix + RunID + "-" starts every namespace
// name of this lab.
func (l *Lab) RunID() string { return l.names.runID }

// NetnsName returns the /run/netns name of node's network namespace
// (for `ip netns exec NAME …` while debugging).
func (l *Lab) NetnsName(node string) string { return l.names.nodeNetns(node) }

// SwitchNetnsName returns the /run/netns name of segment's switch.
func (l *Lab) SwitchNetnsName(segment string) string { return l.names.switchNetns(segment) }

// Elapsed is the time since New started building the lab, the origin of
// every Event.At.
func (l *Lab) Elapsed() time.Duration { return time.Since(l.start) }

// makeRunDir creates RunBase/<run id> with the owner file (pid and start
// time) that tells a later sweep whether this lab's owner still lives.
func (l *Lab) makeRunDir() error {
	if err := os.MkdirAll(RunBase, 0o755); err != nil {
		return fmt.Errorf("netns: %w", err)
	}
	dir := l.names.runDir()
	if err := os.Mkdir(dir, 0o755); err != nil {
		return fmt.Errorf("netns: run directory (run id taken?): %w", err)
	}
	pid := os.Getpid()
	st, err := procStartTime(pid)
	if err == nil {
		// Atomically: a sweep in another process must never read a
		// half-written owner file.
		err = writeAtomic(filepath.Join(dir, "owner"), fmt.Appendf(nil, "%d %d\n", pid, st), 0o644)
	}
	if err == nil {
		err = os.Mkdir(filepath.Join(dir, "holders"), 0o755)
	}
	if err != nil {
		os.RemoveAll(dir)
		return fmt.Errorf("netns: run directory: %w", err)
	}
	return nil
}

func (l *Lab) addSegment(name string) error {
	s := &segment{name: name, netns: l.names.switchNetns(name)}
	s.nsPath = l.names.netnsPath(s.netns)
	if err := createNetns(s.nsPath); err != nil {
		return err
	}
	l.mu.Lock()
	l.segs[name] = s
	l.segOrder = append(l.segOrder, name)
	l.mu.Unlock()
	h, err := handleAt(s.nsPath)
	if err != nil {
		return fmt.Errorf("netns: segment %s: %w", name, err)
	}
	s.handle = h
	if err := setUp(h, "lo"); err != nil {
		return fmt.Errorf("netns: segment %s: %w", name, err)
	}
	off := false
	br := &netlink.Bridge{LinkAttrs: netlink.LinkAttrs{Name: "br0"}, MulticastSnooping: &off}
	if err := h.LinkAdd(br); err != nil {
		return fmt.Errorf("netns: segment %s: add bridge: %w", name, err)
	}
	if err := setUp(h, "br0"); err != nil {
		return fmt.Errorf("netns: segment %s: %w", name, err)
	}
	return nil
}

func handleAt(nsPath string) (*netlink.Handle, error) {
	ns, err := vnetns.GetFromPath(nsPath)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", nsPath, err)
	}
	defer ns.Close()
	h, err := netlink.NewHandleAt(ns)
	if err != nil {
		return nil, fmt.Errorf("netlink handle in %s: %w", nsPath, err)
	}
	return h, nil
}

func setUp(h *netlink.Handle, name string) error {
	link, err := h.LinkByName(name)
	if err != nil {
		return fmt.Errorf("link %s: %w", name, err)
	}
	if err := h.LinkSetUp(link); err != nil {
		return fmt.Errorf("set %s up: %w", name, err)
	}
	return nil
}

// macFor is a locally administered unicast MAC that names node and
// interface by their indexes, so captures read the same on every run.
func macFor(nodeIdx, ifIdx int) net.HardwareAddr {
	return net.HardwareAddr{0x02, 0x6b, 0x61, byte(nodeIdx >> 8), byte(nodeIdx), byte(ifIdx)}
}

func (l *Lab) addNode(ctx context.Context, spec *Node, idx int) error {
	dirs, err := spec.privateDirs()
	if err != nil {
		return err
	}
	n := &node{
		name:     spec.Name,
		netns:    l.names.nodeNetns(spec.Name),
		dirs:     dirs,
		root:     filepath.Join(l.names.runDir(), "nodes", spec.Name, "fs"),
		services: map[string]*procHandle{},
		ifnames:  map[int]string{},
		addrs:    map[netip.Addr]map[int]bool{},
		states:   map[string]Event{},
	}
	n.nsPath = l.names.netnsPath(n.netns)
	if err := createNetns(n.nsPath); err != nil {
		return err
	}
	l.mu.Lock()
	l.nodes[n.name] = n
	l.nodeOrder = append(l.nodeOrder, n.name)
	l.mu.Unlock()
	if n.handle, err = handleAt(n.nsPath); err != nil {
		return fmt.Errorf("netns: node %s: %w", n.name, err)
	}
	// No duplicate address detection: configured IPv6 addresses are usable
	// at once, as they are on a host that has been up for a while.
	for _, k := range []string{"net/ipv6/conf/all/accept_dad", "net/ipv6/conf/default/accept_dad"} {
		if err := writeSysctl(n.nsPath, k, "0"); err != nil {
			return fmt.Errorf("netns: node %s: %w", n.name, err)
		}
	}
	if err := l.observeNode(n); err != nil {
		return err
	}
	if err := setUp(n.handle, "lo"); err != nil {
		return fmt.Errorf("netns: node %s: %w", n.name, err)
	}
	for i, is := range spec.Ifaces {
		if err := l.addIface(n, idx, i, is); err != nil {
			return err
		}
	}
	var binds [][2]string
	for _, d := range n.dirs {
		src := filepath.Join(n.root, d)
		if err := os.MkdirAll(src, 0o755); err != nil {
			return fmt.Errorf("netns: node %s: %w", n.name, err)
		}
		binds = append(binds, [2]string{src, d})
	}
	if err := l.prepareNodeLabDir(n); err != nil {
		return err
	}
	if n.holder, err = l.startHolder(ctx, n, binds); err != nil {
		return err
	}
	return nil
}

func (l *Lab) addIface(n *node, nodeIdx, ifIdx int, spec Iface) error {
	l.mu.Lock()
	seg := l.segs[spec.Segment]
	l.mu.Unlock()
	ifc := &iface{name: spec.Name, segment: spec.Segment, mac: macFor(nodeIdx+1, ifIdx+1), addrs: spec.Addrs}
	ifc.port = portName(n.name, spec.Name, len(seg.ports))
	ns, err := vnetns.GetFromPath(n.nsPath)
	if err != nil {
		return fmt.Errorf("netns: node %s: %w", n.name, err)
	}
	defer ns.Close()
	veth := &netlink.Veth{
		LinkAttrs:        netlink.LinkAttrs{Name: ifc.port},
		PeerName:         spec.Name,
		PeerHardwareAddr: ifc.mac,
		PeerNamespace:    netlink.NsFd(int(ns)),
	}
	if err := seg.handle.LinkAdd(veth); err != nil {
		return fmt.Errorf("netns: node %s interface %s: veth to segment %s: %w", n.name, spec.Name, seg.name, err)
	}
	pl, err := seg.handle.LinkByName(ifc.port)
	if err != nil {
		return fmt.Errorf("netns: segment %s port %s: %w", seg.name, ifc.port, err)
	}
	br, err := seg.handle.LinkByName("br0")
	if err != nil {
		return fmt.Errorf("netns: segment %s: %w", seg.name, err)
	}
	if err := seg.handle.LinkSetMaster(pl, br); err != nil {
		return fmt.Errorf("netns: segment %s port %s: enslave: %w", seg.name, ifc.port, err)
	}
	if err := seg.handle.LinkSetUp(pl); err != nil {
		return fmt.Errorf("netns: segment %s port %s: %w", seg.name, ifc.port, err)
	}
	l.mu.Lock()
	seg.ports = append(seg.ports, &port{name: ifc.port, index: pl.Attrs().Index, node: n.name, iface: spec.Name})
	n.ifaces = append(n.ifaces, ifc)
	l.mu.Unlock()
	link, err := n.handle.LinkByName(spec.Name)
	if err != nil {
		return fmt.Errorf("netns: node %s: %w", n.name, err)
	}
	for _, a := range spec.Addrs {
		na := &netlink.Addr{IPNet: prefixToIPNet(a)}
		if a.Addr().Is6() {
			na.Flags = unix.IFA_F_NODAD
		}
		if err := n.handle.AddrAdd(link, na); err != nil {
			return fmt.Errorf("netns: node %s interface %s: add %s: %w", n.name, spec.Name, a, err)
		}
	}
	if err := n.handle.LinkSetUp(link); err != nil {
		return fmt.Errorf("netns: node %s: set %s up: %w", n.name, spec.Name, err)
	}
	return nil
}

func prefixToIPNet(p netip.Prefix) *net.IPNet {
	bits := 32
	if p.Addr().Is6() {
		bits = 128
	}
	return &net.IPNet{IP: p.Addr().AsSlice(), Mask: net.CIDRMask(p.Bits(), bits)}
}

// node returns the named node or an error naming it.
func (l *Lab) node(name string) (*node, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	n, ok := l.nodes[name]
	if !ok {
		return nil, fmt.Errorf("netns: no node %q", name)
	}
	return n, nil
}

// Nodes returns the node names in topology order.
func (l *Lab) Nodes() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.nodeOrder)
}

// action records something the lab is about to do, stamped now.
func (l *Lab) action(node, seg, format string, args ...any) {
	text := fmt.Sprintf(format, args...)
	l.log.Info("action", "node", node, "segment", seg, "what", text)
	l.emit(Event{Kind: KindAction, Node: node, Segment: seg, Text: text}, time.Now(), nil)
}

// emit stamps e with t and appends it.
func (l *Lab) emit(e Event, t time.Time, apply func()) {
	e.At = l.events.since(t)
	l.events.add(e, apply)
}

// Events returns the events from index i on (0: all of them), in arrival
// order. A caller streaming the log keeps i = i + len(returned).
func (l *Lab) Events(i int) []Event { return l.events.from(i) }

// DroppedEvents is how many events did not fit in the log
// (Config.MaxEvents); the observers' tables (Holders, State, Counters)
// stay exact regardless.
func (l *Lab) DroppedEvents() int {
	l.events.mu.Lock()
	defer l.events.mu.Unlock()
	return l.events.dropped
}

// Await blocks until cond returns true or ctx ends. cond is evaluated at
// once and again after every new event (it may call the lab's observers:
// Holders, State, Counters), so no polling interval is involved.
func (l *Lab) Await(ctx context.Context, cond func() bool) error {
	return l.events.await(ctx, cond)
}

// Close stops every process, removes every namespace, link and mount the
// lab created and its run directory, then checks that nothing with the
// run's prefix is left. It is idempotent.
func (l *Lab) Close() error {
	l.closeOnce.Do(func() { l.closeErr = l.close() })
	return l.closeErr
}

func (l *Lab) close() error {
	if l.stopAfter != nil {
		l.stopAfter()
	}
	var errs []error
	close(l.done)
	l.mu.Lock()
	nodes := make([]*node, 0, len(l.nodeOrder))
	for _, name := range l.nodeOrder {
		nodes = append(nodes, l.nodes[name])
	}
	segs := make([]*segment, 0, len(l.segOrder))
	for _, name := range l.segOrder {
		segs = append(segs, l.segs[name])
	}
	l.mu.Unlock()

	// Killing a holder (its pid namespace's init) kills every process of
	// the node; the nsenter processes on the host side then exit (a paused
	// one is stopped and needs the SIGKILL).
	// The processes of every node, identified by pid and start time (a
	// pid namespace's inode number is reused once it is gone, so it cannot
	// name them afterwards), to check that none survives.
	var procs []procID
	for _, n := range nodes {
		if n.holder == nil {
			continue
		}
		if m, err := pidsInPidns(n.holder.pidns); err == nil {
			for host := range m {
				if st, err := procStartTime(host); err == nil {
					procs = append(procs, procID{host, st})
				}
			}
		}
	}
	for _, n := range nodes {
		if n.holder == nil {
			continue
		}
		if err := n.holder.stop(10 * time.Second); err != nil {
			errs = append(errs, fmt.Errorf("node %s: %w", n.name, err))
		}
	}
	for _, n := range nodes {
		l.mu.Lock()
		procs := []*procHandle{}
		if n.daemon != nil {
			procs = append(procs, n.daemon.proc)
		}
		for _, s := range n.services {
			procs = append(procs, s)
		}
		l.mu.Unlock()
		for _, p := range procs {
			_ = signalPID(p.nsenterPID, unix.SIGKILL)
			select {
			case <-p.done:
			case <-time.After(10 * time.Second):
				errs = append(errs, fmt.Errorf("node %s: nsenter %d did not exit", n.name, p.nsenterPID))
			}
		}
		for _, f := range n.fifos {
			f.Close()
		}
	}
	for _, s := range segs {
		if s.cap != nil {
			if err := s.cap.close(); err != nil {
				errs = append(errs, err)
			}
		}
	}
	l.wg.Wait()
	for _, n := range nodes {
		if n.handle != nil {
			n.handle.Close()
		}
		if err := deleteNetns(n.nsPath); err != nil {
			errs = append(errs, err)
		}
	}
	for _, s := range segs {
		if s.handle != nil {
			s.handle.Close()
		}
		if err := deleteNetns(s.nsPath); err != nil {
			errs = append(errs, err)
		}
	}
	l.lifeline.Close()
	l.lifelineR.Close()
	if err := os.RemoveAll(l.names.runDir()); err != nil {
		errs = append(errs, fmt.Errorf("netns: %w", err))
	}
	errs = append(errs, l.leftovers(procs))
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("netns: closing lab %s: %w", Prefix+l.names.runID, err)
	}
	l.log.Info("lab removed")
	return nil
}

// procID names one process: pid and start time.
type procID struct {
	pid   int
	start uint64
}

// leftovers reports anything of this run still on the host: a named
// namespace with its prefix, one of the nodes' processes, the run
// directory.
func (l *Lab) leftovers(procs []procID) error {
	var left []string
	ents, _ := os.ReadDir(NetnsDir)
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), l.names.prefix()) {
			left = append(left, filepath.Join(NetnsDir, e.Name()))
		}
	}
	for _, p := range procs {
		if sameProcess(p.pid, p.start) {
			left = append(left, fmt.Sprintf("process %d", p.pid))
		}
	}
	if _, err := os.Stat(l.names.runDir()); err == nil {
		left = append(left, l.names.runDir())
	}
	if len(left) > 0 {
		slices.Sort(left)
		return fmt.Errorf("left behind: %s", strings.Join(left, ", "))
	}
	return nil
}

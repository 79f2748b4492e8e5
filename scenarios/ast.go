package scenarios

import (
	"fmt"
	"net/netip"
	"strings"
	"time"
)

// Pos is a place in a scenario file, printed as file:line.
type Pos struct {
	File string
	Line int
}

func (p Pos) String() string { return fmt.Sprintf("%s:%d", p.File, p.Line) }

// Scenario is a parsed scenario file: the topology and the ordered steps.
type Scenario struct {
	File  string
	Title string // first comment line, if any
	// Backends lists the worlds this scenario is meant for ("sim", "netns").
	// Empty means every backend.
	Backends []string
	Segments []Segment
	Nodes    []Node
	Steps    []Step
}

// Segment is one simulated L2 broadcast domain (a bridge in the netns lab).
type Segment struct {
	Pos  Pos
	Name string
}

// Node is one machine of the topology.
type Node struct {
	Pos    Pos
	Name   string
	Ifaces []Iface
}

// Iface is one interface of a node attached to a segment.
type Iface struct {
	Name    string
	Segment string
	Addrs   []netip.Prefix
}

// Step is one line (or heredoc block) of a scenario's script, executed in
// file order. Expectations are steps too: they run the world until they are
// decided.
type Step interface {
	Position() Pos
	String() string // the step as written, normalised
}

// DaemonOp is what happens to a node's keepalived process.
type DaemonOp string

// Daemon operations, named after what an operator types.
const (
	OpStart DaemonOp = "start" // systemctl start keepalived
	OpStop  DaemonOp = "stop"  // systemctl stop keepalived (SIGTERM: priority-0 advert, VIPs removed)
	OpKill  DaemonOp = "kill"  // kill -9 of every keepalived process: no clean-up, VIPs stay
	// OpKillParent is kill -9 of the parent process only (seed 002 killed
	// PID 1153, the parent): the children get SIGTERM through
	// PR_SET_PDEATHSIG and clean up as on stop (priority-0 advert, VIPs
	// removed); only the parent's shutdown_script is lost.
	OpKillParent DaemonOp = "kill-parent"
	// OpKillWorker is kill -9 of the VRRP process only (keepalived's VRRP
	// child, gokeepalived's worker): no priority-0 advert, the VIPs stay
	// until the parent notices and restarts it. The simulated daemon is
	// one process, so the simulator kills all of it (as OpKill).
	OpKillWorker DaemonOp = "kill-worker"
	OpPause      DaemonOp = "pause"   // kill -STOP
	OpResume     DaemonOp = "resume"  // kill -CONT
	OpRestart    DaemonOp = "restart" // systemctl restart keepalived
	OpReload     DaemonOp = "reload"  // systemctl reload keepalived (SIGHUP): re-read the config, keep state
)

// DaemonStep applies Op to the daemons of Nodes, in order.
type DaemonStep struct {
	Pos   Pos
	Op    DaemonOp
	Nodes []string
}

// LinkStep is `ifconfig IFACE down|up` on Node.
type LinkStep struct {
	Pos   Pos
	Node  string
	Iface string
	Up    bool
}

// Direction of a per-link fault.
type Direction int

// Directions of a per-link fault: A→B only, or both ways.
const (
	OneWay   Direction = iota // A -> B
	BothWays                  // A <-> B
)

func (d Direction) arrow() string {
	if d == BothWays {
		return "<->"
	}
	return "->"
}

// LinkFault names what a NetStep changes.
type LinkFault string

// Link faults a NetStep can set.
const (
	FaultLoss      LinkFault = "loss"
	FaultDuplicate LinkFault = "duplicate"
	FaultDelay     LinkFault = "delay"
)

// NetStep sets loss, duplication or delay on the directed path(s) between
// two nodes. Percent is 0..100.
type NetStep struct {
	Pos     Pos
	Fault   LinkFault
	From    string
	To      string
	Dir     Direction
	Percent float64
	Delay   time.Duration
	Jitter  time.Duration
}

// PartitionStep cuts the network. Groups: nodes in different groups cannot
// reach each other (nodes not named keep their connectivity to everyone).
// OneWay: packets From → To are dropped, To → From still flow.
type PartitionStep struct {
	Pos     Pos
	Groups  [][]string
	OneWay  bool
	From    string
	To      string
	Isolate string // `isolate NODE`: NODE alone against everyone else
}

// BridgeStep is Jepsen's "bridge" nemesis: Left and Right cannot reach
// each other, Middle reaches both.
type BridgeStep struct {
	Pos         Pos
	Left, Right []string
	Middle      string
}

// ClockStep makes Node's clock run at Rate (1.01 = 1 % fast).
type ClockStep struct {
	Pos  Pos
	Node string
	Rate float64
}

// FirewallStep drops VRRP (IP protocol 112) from From at To, letting ARP
// through: `iptables -A INPUT -p vrrp -j DROP` on To.
type FirewallStep struct {
	Pos      Pos
	From, To string
	Dir      Direction
}

// AddrStep is `ip addr add|del PREFIX dev IFACE [label L]` run by hand on
// Node, outside the daemon.
type AddrStep struct {
	Pos    Pos
	Node   string
	Add    bool
	Prefix netip.Prefix
	Iface  string
	Label  string
}

// ServiceStep starts or stops a service (nginx, httpd) that check scripts
// look for with ps, pidof or systemctl.
type ServiceStep struct {
	Pos     Pos
	Node    string
	Name    string
	Running bool
}

// ClockJumpStep steps Node's clock by D (negative: back).
type ClockJumpStep struct {
	Pos  Pos
	Node string
	D    time.Duration
}

// HealStep removes every partition, loss, delay and duplication.
type HealStep struct{ Pos Pos }

// FileStep writes (touch, write) or removes (rm) a file on a node.
type FileStep struct {
	Pos    Pos
	Op     string // "touch", "write", "rm"
	Node   string
	Path   string
	Data   []byte
	Mode   uint32 // 0 = default (0644, 0755 for scripts under a heredoc with "mode 0755")
	Config bool   // written by `config NODE`: the keepalived.conf
}

// WaitStep lets virtual time pass.
type WaitStep struct {
	Pos Pos
	D   time.Duration
}

// MarkStep remembers the current time under a name, for `since NAME`.
type MarkStep struct {
	Pos  Pos
	Name string
}

// ExpectStep checks a condition with a timing mode.
type ExpectStep struct {
	Pos    Pos
	Text   string // the expectation as written (without a leading "expect")
	Cond   Cond
	Timing Timing
	// XFail marks a known bug: the expectation states keepalived's
	// behaviour and is expected to fail today. It fails the run if it
	// passes (remove the xfail then), so the bug stays visible.
	XFail bool
}

// TimingMode says how a condition is checked against time.
type TimingMode int

// Timing modes of an expectation.
const (
	// Now: the condition holds when the step runs.
	Now TimingMode = iota
	// Within: the condition becomes true no later than D after the step
	// starts (or after the mark).
	Within
	// For: the condition holds at every event for the next D.
	For
	// At: the condition first becomes true at exactly D (± Tol) after the
	// step starts (or after the mark).
	At
	// Between: the condition first becomes true in [D, D2].
	Between
)

// Timing is an expectation's time clause.
type Timing struct {
	Mode  TimingMode
	D, D2 time.Duration
	Tol   time.Duration
	Since string // mark name; "" = when the step starts
}

// Cond is a condition over the observed world: one of the *Cond types
// below. An expectation prints as written (ExpectStep.Text).
type Cond interface{ isCond() }

// VIPCond: the set of nodes holding Addr is exactly Nodes (empty =
// nobody); with OneOf, exactly one node holds it, any one of Nodes (an
// outcome that may legitimately vary, such as a start race).
type VIPCond struct {
	Addr  netip.Addr
	Nodes []string
	OneOf bool
}

// StateCond: Node's instance Inst is in State (MASTER, BACKUP, FAULT,
// INIT, STOP), or in any of OneOf when that is set.
type StateCond struct {
	Node, Inst, State string
	OneOf             []string
}

// states is what the condition accepts.
func (c StateCond) states() []string {
	if len(c.OneOf) > 0 {
		return c.OneOf
	}
	return []string{c.State}
}

// SplitBrainCond: more than one node holds a VIP (Addr, or any if invalid).
// History conditions (`no split-brain`, `no split-brain since m`) are
// checked against the whole recorded history, not just the present.
type SplitBrainCond struct {
	Addr    netip.Addr
	Negate  bool // "no split-brain"
	History bool // checked over the past (whole run or since a mark)
}

// DetectedCond: a node reported a split brain (a MASTER saw another node
// advertise or announce one of its VIPs). Node "" = any node.
type DetectedCond struct {
	Node string
}

// TransitionsCond compares the number of state transitions of an instance
// (since the start of the run, or since a mark) with N.
type TransitionsCond struct {
	Node, Inst string
	Op         string
	N          int
}

// NotifyCond: a notify script was run on Node with exactly Args (argv, the
// script path first). Count (with Op) compares the number of such calls.
type NotifyCond struct {
	Node  string
	Args  []string
	Op    string // "" = at least once
	Count int
	Never bool // "no notify ..."
}

// RejectsCond compares the number of adverts Node rejected for Reason
// (keepalived's receive checks: auth_failure, advert_interval,
// addr_mismatch, wrong_version, ...; "any" for all) with N.
type RejectsCond struct {
	Node, Reason string
	Op           string
	N            int
}

// IPVSCond: `ipvs NODE has|lacks [tcp|udp|sctp] VIP:PORT|fwm MARK
// [SCHEDULER] [persistent N [mask M]] [-> RIP:PORT [route|masq|tunnel
// [WEIGHT]]]` (lvs.go): the director's IPVS table has (lacks) the service
// with those attributes, and, with `->`, that destination.
type IPVSCond struct {
	Node     string
	Has      bool
	Service  netip.AddrPort // zero for a fwmark service
	Real     netip.AddrPort // zero: the condition is about the service
	Forward  string
	Weight   int
	NoWeight bool
	Proto    string // tcp (default), udp, sctp
	FWMark   uint32
	Sched    string // "" = any
	// Persistent is the persistence timeout in seconds (0: none), checked
	// when PersistentSet; Mask the granularity as ipvsadm prints it.
	Persistent    int
	PersistentSet bool
	Mask          string
}

// CurlCond: `curl ADDR[:PORT][/PATH] [from NODE] gets "BODY" [| ...]` or
// `... fails` (lvs.go).
type CurlCond struct {
	From   string
	Target string
	Body   []string // any of these bodies (alternation: "a" | "b")
	Fails  bool     // the request must fail
}

func (VIPCond) isCond()         {}
func (StateCond) isCond()       {}
func (SplitBrainCond) isCond()  {}
func (DetectedCond) isCond()    {}
func (TransitionsCond) isCond() {}
func (NotifyCond) isCond()      {}
func (RejectsCond) isCond()     {}
func (IPVSCond) isCond()        {}
func (CurlCond) isCond()        {}

// Position implementations.
func (s DaemonStep) Position() Pos    { return s.Pos }
func (s LinkStep) Position() Pos      { return s.Pos }
func (s NetStep) Position() Pos       { return s.Pos }
func (s PartitionStep) Position() Pos { return s.Pos }
func (s HealStep) Position() Pos      { return s.Pos }
func (s BridgeStep) Position() Pos    { return s.Pos }
func (s FirewallStep) Position() Pos  { return s.Pos }
func (s AddrStep) Position() Pos      { return s.Pos }
func (s ServiceStep) Position() Pos   { return s.Pos }
func (s ClockJumpStep) Position() Pos { return s.Pos }
func (s ClockStep) Position() Pos     { return s.Pos }
func (s FileStep) Position() Pos      { return s.Pos }
func (s WaitStep) Position() Pos      { return s.Pos }
func (s MarkStep) Position() Pos      { return s.Pos }
func (s ExpectStep) Position() Pos    { return s.Pos }

func (s DaemonStep) String() string { return string(s.Op) + " " + strings.Join(s.Nodes, " ") }
func (s LinkStep) String() string {
	st := "down"
	if s.Up {
		st = "up"
	}
	return fmt.Sprintf("link %s %s %s", s.Node, s.Iface, st)
}
func (s NetStep) String() string {
	switch s.Fault {
	case FaultDelay:
		out := fmt.Sprintf("delay %s %s %s %v", s.From, s.Dir.arrow(), s.To, s.Delay)
		if s.Jitter > 0 {
			out += fmt.Sprintf(" jitter %v", s.Jitter)
		}
		return out
	}
	return fmt.Sprintf("%s %s %s %s %g%%", s.Fault, s.From, s.Dir.arrow(), s.To, s.Percent)
}
func (s PartitionStep) String() string {
	switch {
	case s.Isolate != "":
		return "isolate " + s.Isolate
	case s.OneWay:
		return fmt.Sprintf("partition %s -> %s", s.From, s.To)
	}
	out := "partition"
	for i, g := range s.Groups {
		if i > 0 {
			out += " |"
		}
		out += " " + strings.Join(g, " ")
	}
	return out
}
func (s HealStep) String() string { return "heal" }
func (s BridgeStep) String() string {
	return fmt.Sprintf("bridge %s | %s | %s", strings.Join(s.Left, " "), s.Middle, strings.Join(s.Right, " "))
}
func (s ClockStep) String() string { return fmt.Sprintf("clock %s %g", s.Node, s.Rate) }
func (s FirewallStep) String() string {
	return fmt.Sprintf("drop-vrrp %s %s %s", s.From, s.Dir.arrow(), s.To)
}
func (s AddrStep) String() string {
	verb := "del"
	if s.Add {
		verb = "add"
	}
	out := fmt.Sprintf("ip %s addr %s %s dev %s", s.Node, verb, s.Prefix, s.Iface)
	if s.Label != "" {
		out += " label " + s.Label
	}
	return out
}
func (s ServiceStep) String() string {
	verb := "stop"
	if s.Running {
		verb = "start"
	}
	return fmt.Sprintf("service %s %s %s", s.Node, s.Name, verb)
}
func (s ClockJumpStep) String() string { return fmt.Sprintf("clock %s jump %v", s.Node, s.D) }
func (s FileStep) String() string {
	if s.Config {
		return "config " + s.Node
	}
	return fmt.Sprintf("%s %s %s", s.Op, s.Node, s.Path)
}
func (s WaitStep) String() string   { return "wait " + s.D.String() }
func (s MarkStep) String() string   { return "mark " + s.Name }
func (s ExpectStep) String() string { return s.Text }

func quoteWords(ws []string) string {
	out := ""
	for i, w := range ws {
		if i > 0 {
			out += " "
		}
		if w == "" || strings.ContainsAny(w, " \t") {
			out += fmt.Sprintf("%q", w)
		} else {
			out += w
		}
	}
	return out
}

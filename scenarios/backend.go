package scenarios

import (
	"io/fs"
	"net/netip"
	"time"
)

// Backend is a world a scenario runs in: the deterministic simulator today
// (SimBackend), the namespace lab later. The runner only talks to this
// interface, so the same scenario file runs against both.
//
// Times are virtual time since the world started for the simulator and
// wall-clock time since the start of the run for real backends.
type Backend interface {
	// Name is "sim" or "netns"; scenario files may restrict themselves to
	// some backends with a `backend` line.
	Name() string
	// Supports reports whether the backend can run a kind of step or
	// expectation (see Feature).
	Supports(f Feature) bool

	AddSegment(name string) error
	AddNode(name string, ifaces []Iface) error
	WriteFile(node, path string, data []byte, mode fs.FileMode) error
	RemoveFile(node, path string) error
	Daemon(node string, op DaemonOp) error
	SetLink(node, iface string, up bool) error
	SetLoss(from, to string, pct float64) error
	SetDuplicate(from, to string, pct float64) error
	SetDelay(from, to string, delay, jitter time.Duration) error
	// Partition cuts the named groups off from each other (nodes not named
	// form one more group), replacing any previous partition.
	Partition(groups [][]string) error
	// PartitionOneWay drops everything from → to, adding to any partition.
	PartitionOneWay(from, to string) error
	// DropVRRP drops VRRP from → to, letting ARP through (a firewall).
	DropVRRP(from, to string) error
	// AddAddress / DelAddress change a node's addresses from outside the
	// daemon (`ip addr add|del`); the daemon hears about it.
	AddAddress(node, iface string, addr netip.Prefix, label string) error
	DelAddress(node, iface string, addr netip.Prefix) error
	// SetService starts or stops a process check scripts can see.
	SetService(node, name string, running bool) error
	// BumpClock steps node's clock by d.
	BumpClock(node string, d time.Duration) error
	// Bridge cuts Left from Right; Middle reaches both (Jepsen's bridge).
	Bridge(left []string, middle string, right []string) error
	// Heal removes every partition, loss, delay and duplication.
	Heal() error
	// SetClockRate makes node's clock run at rate (1 = exact).
	SetClockRate(node string, rate float64) error

	Elapsed() time.Duration
	RunFor(d time.Duration) error
	// RunUntil runs until cond holds (checked after every event) or limit
	// passes; it reports whether cond held, with the clock at that event.
	RunUntil(limit time.Duration, cond func() bool) (bool, error)

	// Observers.
	VIPHolders(addr netip.Addr) []string
	State(node, inst string) (string, bool)
	Transitions() []Transition
	SplitBrains() []SplitBrain
	Notifies() []NotifyCall
	VIPEvents() []VIPEvent
	// Detections are split brains reported by the daemons themselves (a
	// MASTER seeing another node announce one of its VIPs).
	Detections() []Detection
	// Rejected is node's running count of rejected adverts per reason
	// (keepalived's receive checks, named as in vrrp.RejectReason).
	Rejected(node string) map[string]int
	// Events returns the readable timeline from index i on (for printing
	// as the run progresses).
	Events(i int) []Event

	Close() error
}

// Feature is something a backend may or may not be able to do.
type Feature string

// Features checked before a scenario runs.
const (
	FeatureIPVS Feature = "ipvs" // ipvs NODE has ... expectations
	FeatureCurl Feature = "curl" // curl ... gets ... expectations
)

// Transition is one VRRP state change.
type Transition struct {
	At             time.Duration
	Node, Instance string
	From, To       string
	Priority       int
}

// SplitBrain is an interval during which more than one node held VIP.
type SplitBrain struct {
	VIP        netip.Addr
	Nodes      []string
	Start, End time.Duration
	Open       bool
}

// NotifyCall is one run of a notify script.
type NotifyCall struct {
	At   time.Duration
	Node string
	Argv []string
}

// VIPEvent is one address added to or removed from a node.
type VIPEvent struct {
	At    time.Duration
	Node  string
	Addr  netip.Addr
	Added bool
}

// Detection is a split brain reported by a daemon.
type Detection struct {
	At   time.Duration
	Node string
	Text string
}

// Event is one line of the readable timeline.
type Event struct {
	At       time.Duration
	Node     string
	Instance string
	Kind     string
	Text     string
}

package scenarios

import (
	"io/fs"
	"net/netip"
	"time"

	"github.com/gokeepalived/gokeepalived/scenarios/observe"
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

	// Elapsed is the time since the world started.
	Elapsed() time.Duration
	// RunFor lets d pass; RunUntil runs until cond holds (checked after
	// every event in the simulator, polled in real worlds) or limit
	// passes, and reports whether cond held, with the clock at that event.
	RunFor(d time.Duration) error
	RunUntil(limit time.Duration, cond func() bool) (bool, error)

	// Observations returns the world's observation stream from index from
	// on: the driver's reports with node and time, and the ground truth
	// the world reads (addresses on interfaces, notify scripts that ran,
	// daemon process events, daemon warnings, config diagnostics) and the
	// faults it injected, in the order they happened. Indexes are stable
	// (a reader keeps its place with the count it has read); the runner
	// derives every history fact from this stream (observe.History).
	Observations(from int) []observe.Observation
	// VIPHolders is who holds addr right now, read from the world itself
	// (the kernel's addresses in real worlds), sorted.
	VIPHolders(addr netip.Addr) []string
	// State is the instance's current state (MASTER, BACKUP, FAULT, INIT,
	// STOP); false when the node runs no daemon or the backend cannot know.
	State(node, inst string) (string, bool)

	Close() error
}

// Feature is something a backend may or may not be able to do.
type Feature string

// Features checked before a scenario runs.
const (
	FeatureIPVS Feature = "ipvs" // ipvs NODE has ... expectations
	FeatureCurl Feature = "curl" // curl ... gets ... expectations
)

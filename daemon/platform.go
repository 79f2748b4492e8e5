package daemon

import (
	"net/netip"
	"time"

	"github.com/gokeepalived/gokeepalived/pkg/vrrp"
)

// Platform is everything the driver needs from the world it runs in. The
// Linux platform implements it with sockets, netlink and exec; the
// simulator (sim/) with a virtual clock and an in-memory LAN.
//
// Threading contract: the driver is a single-threaded reactor. A platform
// must call every Driver input method, and every callback it was handed
// (timer functions, script completions), from one goroutine at a time, and
// never from inside a Platform method call (callbacks are always deferred).
type Platform interface {
	Clock
	Transport
	AddressManager
	GARPSender
	Links
	ScriptRunner
	Files
	Reporter
}

// Clock is the platform's time source and timer facility.
type Clock interface {
	// Now is the current time of this node's clock.
	Now() time.Time
	// AfterFunc calls fn at (or as soon as possible after) at, on the
	// reactor. cancel prevents a call that has not happened yet; calling it
	// late or twice is harmless.
	AfterFunc(at time.Time, fn func()) (cancel func())
}

// Packet is one VRRP advert on the wire, as the transport sends or
// receives it.
type Packet struct {
	Iface    string
	Src, Dst netip.Addr
	TTL      uint8
	Advert   vrrp.Advert
}

// Transport sends VRRP adverts (IP protocol 112, TOS 0xC0; TTL 255 unless
// unicast_ttl). Received adverts come back through Driver.Receive.
type Transport interface {
	SendAdvert(p Packet) error
}

// AddressManager adds and removes addresses on interfaces (netlink on
// Linux). Label is the IPv4 label ("eth0:1"), empty for none.
type AddressManager interface {
	AddAddress(iface string, addr netip.Prefix, label string) error
	DelAddress(iface string, addr netip.Prefix) error
	// Addresses lists the addresses currently on iface.
	Addresses(iface string) ([]netip.Prefix, error)
}

// GARPSender sends one gratuitous ARP (IPv4) or unsolicited neighbour
// advertisement (IPv6) for addr out of iface.
type GARPSender interface {
	SendGARP(iface string, addr netip.Addr) error
}

// Links reports interface state. Changes arrive through Driver.LinkChanged.
type Links interface {
	LinkUp(iface string) (bool, error)
	// PrimaryAddr is the interface's primary address of the family (the
	// first IPv4 address; the IPv6 link-local address).
	PrimaryAddr(iface string, ipv6 bool) (netip.Addr, error)
}

// ScriptKind says why a script runs.
type ScriptKind uint8

const (
	ScriptCheck  ScriptKind = iota // vrrp_script: the exit code is the verdict
	ScriptNotify                   // notify*: fire and forget
)

// ScriptRequest is one script run. Cmd is the script text exactly as
// configured (`script "..."`, `notify_master "..."`); Args are appended as
// extra arguments (notify's INSTANCE|GROUP, name, state, priority).
type ScriptRequest struct {
	Kind    ScriptKind
	Name    string // vrrp_script name, or the notify keyword
	Cmd     string
	Args    []string
	Timeout time.Duration // 0: none
	User    string
}

// ScriptResult is a finished script run.
type ScriptResult struct {
	ExitCode int
	TimedOut bool
	Err      error // could not start (not found, not executable...)
}

// OK is keepalived's verdict: exit status 0 and no timeout.
func (r ScriptResult) OK() bool { return r.Err == nil && !r.TimedOut && r.ExitCode == 0 }

// ScriptRunner runs scripts asynchronously; done (may be nil) is called on
// the reactor when the script exits or times out.
type ScriptRunner interface {
	RunScript(req ScriptRequest, done func(ScriptResult))
}

// Files reads files for track_file (the node's own filesystem).
type Files interface {
	ReadFile(path string) ([]byte, error)
}

// ReportKind classifies a Report.
type ReportKind uint8

const (
	ReportState      ReportKind = iota // instance state change
	ReportGroupState                   // sync group state change
	ReportPriority                     // effective priority change
	ReportAdvertSent                   // one advert sent (per destination)
	ReportAdvertRecv                   // one advert handed to the engine
	ReportReject                       // advert rejected (Reason)
	ReportGARP                         // a burst of gratuitous ARPs / NAs sent
	ReportVIPAdd                       // address added
	ReportVIPDel                       // address removed
	ReportTracker                      // tracker changed status
	ReportError                        // a platform operation failed
	ReportSplitBrain                   // another router claims one of a MASTER's VIPs
)

var reportNames = [...]string{"state", "group-state", "priority", "advert-sent", "advert-recv",
	"reject", "garp", "vip-add", "vip-del", "tracker", "error", "split-brain-detected"}

func (k ReportKind) String() string {
	if int(k) < len(reportNames) {
		return reportNames[k]
	}
	return "unknown"
}

// Report is a structured observation the driver makes, for metrics (Linux)
// and observers (the simulator). Logging happens separately, through slog.
type Report struct {
	Kind     ReportKind
	Instance string // or group / tracker name
	From, To vrrp.State
	Priority uint8
	Reason   vrrp.RejectReason
	Addr     netip.Addr // advert source / VIP / GARP address
	Text     string     // human-readable detail
	// Cause is why an instance changed state (ReportState); Text holds its
	// String. Observers compare Cause, never Text.
	Cause vrrp.CauseKind
}

// Reporter receives the driver's reports.
type Reporter interface {
	Report(r Report)
}

package daemon

import (
	"net/netip"
	"time"

	"github.com/gokeepalived/gokeepalived/pkg/config"
	"github.com/gokeepalived/gokeepalived/pkg/vrrp"
)

// Platform is everything the driver needs from the world it runs in. The
// Linux platform implements it with sockets, netlink and exec; the
// simulator (sim/) with a virtual clock and an in-memory LAN. A platform
// performs; it decides nothing (no defaults, no protocol checks: the
// driver and the engine own those).
//
// Threading contract: the driver is a single-threaded reactor. A platform
// must call every Driver input method (Inputs, Runner), and every callback
// it was handed (timer functions, script completions), from one goroutine
// at a time, and never from inside a Platform method call (callbacks are
// always deferred). Package daemon/reactor is that loop, for every
// platform: Post from any goroutine, AfterFunc for Clock.
type Platform interface {
	Clock
	Transport
	AddressManager
	RouteManager
	GARPSender
	Links
	ScriptRunner
	Files
	Reporter
}

// Inputs are the events a platform feeds the driver, on the reactor
// goroutine. Timer expiries and script results need no method: they come
// back through the callbacks the driver handed to Clock.AfterFunc and
// ScriptRunner.RunScript.
type Inputs interface {
	// Receive hands over one VRRP datagram as it came off the wire on
	// iface: the whole IP datagram. IPv4: the IP header, the AH header if
	// any, the VRRP message (what a raw IPPROTO_VRRP/IPPROTO_AH socket
	// reads). IPv6: a raw socket delivers no IPv6 header, so the platform
	// puts one back from the ancillary data (src and dst from
	// IPV6_PKTINFO, the hop limit from IPV6_HOPLIMIT) with
	// vrrp.AppendIPv6Datagram. The driver only reads datagram, during the
	// call. Every check that needs the bytes (decoding, length, TTL,
	// checksum and keepalived's old unicast checksum, AH ICV and SPI) is
	// made there, for every platform; the engine makes the rest.
	Receive(iface string, datagram []byte)
	// LinkChanged reports a carrier change (netlink RTM_NEWLINK).
	LinkChanged(iface string, up bool)
	// AddressDeleted reports an address removed from iface by someone
	// else (netlink RTM_DELADDR).
	AddressDeleted(iface string, addr netip.Prefix)
	// AddressAdded reports an address that appeared on iface (netlink
	// RTM_NEWADDR, the daemon's own VIPs included): an instance without
	// an advert source takes it and leaves FAULT.
	AddressAdded(iface string, addr netip.Prefix)
	// ARPAnnounced reports a gratuitous ARP / unsolicited NA seen on
	// iface for addr from another host (sender: its MAC, for the log).
	ARPAnnounced(iface string, addr netip.Addr, sender string)
}

// Runner is the driver as the process hosting it sees it: its inputs and
// its life cycle. *Driver implements it.
type Runner interface {
	Inputs
	// Start starts every instance.
	Start() error
	// Stop is SIGTERM: masters send priority 0 and release their
	// addresses; nothing runs afterwards.
	Stop()
	// Reload is SIGHUP with the new configuration; on error nothing
	// changed.
	Reload(cfg *config.Config) error
	// Status is the engine's snapshot of one instance.
	Status(instance string) (vrrp.Status, bool)
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

// Datagram is one VRRP datagram the driver encoded for sending.
type Datagram struct {
	Iface    string
	Src, Dst netip.Addr
	// TTL is the IPv4 TTL / IPv6 hop limit, as written in the header. 0
	// is an IPv6 unicast advert without unicast_ttl: keepalived sets no
	// IPV6_HOPLIMIT and the kernel's default hop limit applies; the
	// header's hop limit is then a placeholder the platform (its
	// kernel) replaces.
	TTL uint8
	// Data is the whole IP datagram: IPv4 header (TOS 0xC0, the
	// instance's IP id, header checksum filled in), AH header if any, VRRP
	// message; or IPv6 header (traffic class 0xC0) and VRRP message. It is
	// the driver's buffer, valid only during SendVRRP.
	Data []byte
}

// IPv6 reports whether d is an IPv6 datagram.
func (d Datagram) IPv6() bool { return d.Src.Is6() && !d.Src.Is4In6() }

// Payload is what follows the IPv6 header: the VRRP message, for a raw
// IPv6 socket that builds the header itself (Src as IPV6_PKTINFO, TTL as
// IPV6_HOPLIMIT, traffic class 0xC0). For IPv4 it is Data, which an
// IP_HDRINCL socket sends as is.
func (d Datagram) Payload() []byte {
	if d.IPv6() && len(d.Data) >= 40 {
		return d.Data[40:]
	}
	return d.Data
}

// Transport sends VRRP datagrams (one per destination: the multicast
// group, or each unicast peer). Received ones come back through
// Inputs.Receive.
type Transport interface {
	SendVRRP(d Datagram) error
}

// AddressManager adds and removes addresses on interfaces (netlink on
// Linux). The driver keeps the desired state (which addresses, routes and
// rules each MASTER holds) and hands the platform only the changes, one
// item at a time, so that each gets keepalived's log line and its own
// report or error; a reload or a restart costs the platform no
// bookkeeping. An address already there (EEXIST) or already gone
// (EADDRNOTAVAIL) is an error the driver reports, as keepalived logs it.
type AddressManager interface {
	// AddVIP adds one address line of virtual_ipaddress(_excluded) on
	// v.Dev, with everything its line says (prefix, label, brd, scope,
	// peer, -nodad, preferred_lft, …: pkg/config resolved each).
	AddVIP(v config.VIP) error
	// DelVIP removes v.Prefix (that exact prefix length, as RTM_DELADDR
	// does) from v.Dev.
	DelVIP(v config.VIP) error
	// Addresses lists the addresses currently on iface.
	Addresses(iface string) ([]netip.Prefix, error)
}

// RouteManager installs virtual_routes and virtual_rules (netlink on
// Linux), as `ip route add` / `ip rule add` with the words of the
// configuration line (config.Route, config.Rule carry them, the usual
// parts decoded).
type RouteManager interface {
	AddRoute(r config.Route) error
	DelRoute(r config.Route) error
	AddRule(r config.Rule) error
	DelRule(r config.Rule) error
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
	ReportRouteAdd                     // virtual route or rule added (Text: its words)
	ReportRouteDel                     // virtual route or rule removed
	ReportSuppressed                   // rejects not logged, per reason, since the last summary

	// The checker driver's reports (daemon/checker). Instance is the
	// virtual server as keepalived names it ("[10.0.0.1]:tcp:80"), Addr the
	// real server, Up the new state, Text keepalived's log line.
	ReportRealServer // a real server entered (Up) or left its virtual server's pool
	ReportQuorum     // a virtual server gained (Up) or lost quorum
	ReportChecker    // a checker reported a verdict (Up: the server passed)
	ReportIPVS       // one change made to the IPVS table (Text: the operation)
)

var reportNames = [...]string{"state", "group-state", "priority", "advert-sent", "advert-recv",
	"reject", "garp", "vip-add", "vip-del", "tracker", "error", "split-brain-detected",
	"route-add", "route-del", "suppressed", "realserver", "quorum", "checker", "ipvs"}

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
	// Up is the new state of a real server, a quorum or a checker
	// (ReportRealServer, ReportQuorum, ReportChecker).
	Up bool
	// AHSeq is the AH sequence number an advert was sealed with
	// (ReportAdvertSent, auth_type AH): a process that replaces this one
	// must continue above it (vrrp.Resume).
	AHSeq uint32
}

// Reporter receives the driver's reports.
type Reporter interface {
	Report(r Report)
}

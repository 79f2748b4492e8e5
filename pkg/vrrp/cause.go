package vrrp

import (
	"strconv"
	"strings"
)

// TrackerID names one tracker: its kind and its name. A vrrp_script and
// an interface may share a name; their IDs differ by kind.
type TrackerID struct {
	Kind TrackerKind
	Name string
}

var trackerKindNames = [...]string{"script", "iface", "file", "process"}

func (k TrackerKind) String() string {
	if int(k) < len(trackerKindNames) {
		return trackerKindNames[k]
	}
	return "unknown"
}

// String is "kind:name" ("script:chk_haproxy", "iface:eth1").
func (id TrackerID) String() string { return id.Kind.String() + ":" + id.Name }

// CauseKind says why an instance changed state.
type CauseKind uint8

const (
	CauseNone           CauseKind = iota
	CauseInit                     // EvStart (keepalived logs "(init)")
	CauseAddressOwner             // an address owner with `state MASTER` starts MASTER
	CauseMasterDown               // RFC 5798 §6.4.2: Master_Down_Timer expired
	CauseHigherPriority           // RFC 5798 §6.4.3: a MASTER saw a higher priority
	CauseHigherAddress            // RFC 5798 §6.4.3: equal priority from a higher address
	CauseVIPDeleted               // a VIP was deleted by someone else
	CauseFault                    // a tracker or the interface puts it in FAULT
	CauseLeaveFault               // every fault reason cleared
	CauseSyncGroup                // moved with its sync group
	CauseSyncGroupFault           // its sync group is in FAULT
	CauseStop                     // EvStop (SIGTERM)
	CauseRemoved                  // removed (or re-created) by Engine.Reload
	CauseResumed                  // EvStart.Resume: MASTER again after the daemon's process was restarted
)

// Cause is the typed reason of an ActStateChange. Its String is the
// reason text of the trace and of the "reason" log attribute; nothing
// should parse it.
type Cause struct {
	Kind CauseKind
	// Init marks a transition made by EvStart, as keepalived's "(init)".
	Init bool
	// Group is the sync group (CauseSyncGroup, CauseSyncGroupFault).
	Group string
	// Member is the sync group member whose fault moved the group
	// (CauseSyncGroupFault); "" when the group as a whole is in FAULT.
	Member string
	// Faults are the reasons for CauseFault.
	Faults []Fault
}

// IsInit reports whether the transition was made by EvStart.
func (c Cause) IsInit() bool { return c.Kind == CauseInit || c.Init }

var causeTexts = [...]string{
	CauseNone:           "",
	CauseInit:           "init",
	CauseAddressOwner:   "address owner",
	CauseMasterDown:     "master down timer expired",
	CauseHigherPriority: "higher priority advert",
	CauseHigherAddress:  "same priority advert from higher address",
	CauseVIPDeleted:     "virtual address deleted",
	CauseLeaveFault:     "leaving fault",
	CauseStop:           "stop",
	CauseRemoved:        "removed on reload",
	CauseResumed:        "resumed after restart",
}

func (c Cause) String() string {
	var s string
	switch c.Kind {
	case CauseFault:
		s = "fault: " + joinFaults(c.Faults)
	case CauseSyncGroup:
		s = "sync group " + c.Group
	case CauseSyncGroupFault:
		if c.Member != "" {
			s = "sync group " + c.Group + ": " + c.Member + " in fault"
		} else {
			s = "sync group " + c.Group + " in fault"
		}
	default:
		if int(c.Kind) < len(causeTexts) {
			s = causeTexts[c.Kind]
		}
	}
	if c.Init && c.Kind != CauseInit {
		return "init: " + s
	}
	return s
}

// causeNames are the stable names of the cause kinds: what observers and
// machine-readable streams carry (Cause.String is prose for people).
var causeNames = [...]string{
	CauseNone:           "none",
	CauseInit:           "init",
	CauseAddressOwner:   "address_owner",
	CauseMasterDown:     "master_down",
	CauseHigherPriority: "higher_priority",
	CauseHigherAddress:  "higher_address",
	CauseVIPDeleted:     "vip_deleted",
	CauseFault:          "fault",
	CauseLeaveFault:     "leave_fault",
	CauseSyncGroup:      "sync_group",
	CauseSyncGroupFault: "sync_group_fault",
	CauseStop:           "stop",
	CauseRemoved:        "removed",
	CauseResumed:        "resumed",
}

// String is the kind's stable name ("master_down", "higher_priority",
// "fault", ...), one word in snake case; "unknown" for a value without
// one.
func (k CauseKind) String() string {
	if int(k) < len(causeNames) && causeNames[k] != "" {
		return causeNames[k]
	}
	return "unknown"
}

// FaultKind classifies a Fault.
type FaultKind uint8

const (
	FaultNone          FaultKind = iota
	FaultInterfaceDown           // the instance's own interface is down
	FaultTracker                 // an unweighted tracker failed (reverse: succeeded)
	FaultFile                    // a track_file's value puts it in FAULT
	FaultSyncMember              // another member of its sync group has a fault
	// FaultNoAddress: the instance has no advert source (no unicast_src_ip
	// or mcast_src_ip, and its interface has no address of the family
	// but its own VIPs): keepalived 2.2.7 vrrp_track.c
	// initialise_vrrp_tracking_priorities, "(VI_1) entering FAULT state
	// (no IPv4 address for interface)". Value is the IP version, 4 or 6.
	FaultNoAddress
)

// Fault is one reason an instance is (or would be) in FAULT.
type Fault struct {
	Kind    FaultKind
	Tracker TrackerID // FaultTracker, FaultFile
	Value   int       // FaultFile: the file's value; FaultNoAddress: the IP version
	Group   string    // FaultSyncMember
	Member  string    // FaultSyncMember
}

func (f Fault) String() string {
	switch f.Kind {
	case FaultInterfaceDown:
		return "interface down"
	case FaultTracker:
		return "tracker " + f.Tracker.String()
	case FaultFile:
		// keepalived vrrp_track.c: "(tracked file %s has status %i)".
		return "tracked file " + f.Tracker.Name + " has status " + strconv.Itoa(f.Value)
	case FaultSyncMember:
		return "sync group " + f.Group + " member " + f.Member
	case FaultNoAddress:
		return "no IPv" + strconv.Itoa(f.Value) + " address for interface"
	}
	return "unknown"
}

func joinFaults(fs []Fault) string {
	var b strings.Builder
	for i, f := range fs {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(f.String())
	}
	return b.String()
}

package vrrp

// This file is the contract between the pure engine and its drivers
// (daemon/ with the Linux or the simulated platform). The implementation is
// in engine.go, fsm.go, timers.go, check.go, priority.go and sync.go.

import (
	"net/netip"
	"time"
)

// State is a VRRP instance state (RFC 5798 §6.4, keepalived's vrrp->state).
type State uint8

const (
	StateInit State = iota
	StateBackup
	StateMaster
	StateFault
	StateStopped
)

func (s State) String() string {
	switch s {
	case StateInit:
		return "INIT"
	case StateBackup:
		return "BACKUP"
	case StateMaster:
		return "MASTER"
	case StateFault:
		return "FAULT"
	case StateStopped:
		return "STOP"
	}
	return "UNKNOWN"
}

// TrackerKind says what a tracker watches. The engine only cares about the
// arithmetic (track_file adds value × weight; the others OK or failed);
// the driver produces EvTracker events for each kind.
type TrackerKind uint8

const (
	TrackScript    TrackerKind = iota // vrrp_script
	TrackInterface                    // track_interface
	TrackFile                         // track_file (value × weight)
	TrackProcess                      // vrrp_track_process
)

// TrackerRef is one tracker an instance (or a sync group) follows, with the
// weight in force for this instance (track_script NAME weight W overrides
// the script's default weight).
type TrackerRef struct {
	Name    string
	Kind    TrackerKind
	Weight  int  // -254..254; 0 means failure → FAULT
	Reverse bool // keepalived's "reverse"
}

// ID is the tracker's identity (kind and name), as EvTracker names it.
func (r TrackerRef) ID() TrackerID { return TrackerID{Kind: r.Kind, Name: r.Name} }

// InstanceConfig is everything the state machine needs to know about one
// vrrp_instance. The daemon builds it from pkg/config; interface names, VIP
// labels, routes and rules stay in the daemon (the engine only says "add the
// VIPs of instance X"). Every field is taken as given: pkg/config owns
// keepalived's defaults and hands out resolved values; NewEngine applies
// none and rejects a zero where zero is no setting (see Engine).
type InstanceConfig struct {
	Name    string
	VRID    uint8
	Version uint8 // 2 or 3
	IPv6    bool

	// Priority is the configured (base) priority, 1..255. 255 = address owner.
	Priority uint8
	// WantMaster is `state MASTER`: only the wanted initial state. Only an
	// owner goes MASTER at once; everyone else starts BACKUP.
	WantMaster bool
	// AdvertInt is the local advert_int (v2: whole seconds; v3: centiseconds).
	AdvertInt time.Duration

	Nopreempt    bool
	PreemptDelay time.Duration

	// SrcAddr is this node's advert source (unicast_src_ip / mcast_src_ip /
	// interface primary address); used for the equal-priority tie-break.
	// Invalid: the instance has none and stays in FAULT (FaultNoAddress)
	// until EvSourceAddr gives it one.
	SrcAddr netip.Addr
	// Unicast is true when unicast_peer is configured.
	Unicast bool
	// Peers are the unicast_peer entries, with their min_ttl / max_ttl.
	Peers []Peer
	// CheckUnicastSrc is check_unicast_src (or vrrp_check_unicast_src): a
	// unicast advert must come from one of Peers, with a TTL in that
	// peer's range (keepalived 2.2.7 checks both only then, and only where
	// it checks the VIP list; reference §2.3).
	CheckUnicastSrc bool

	// VIPs are the addresses carried in adverts and checked on receive.
	VIPs []netip.Addr

	AuthType AuthType
	AuthPass [8]byte // PASS: first 8 bytes, zero padded

	DownTimerAdverts     int  // down_timer_adverts (vrrp_down_timer_adverts), 1..100
	LowerPrioNoAdvert    bool // vrrp_lower_prio_no_advert
	HigherPrioSendAdvert bool // vrrp_higher_prio_send_advert
	SkipCheckAdvAddr     bool // vrrp_skip_check_adv_addr / skip_check_adv_addr

	// Gratuitous ARP / NA policy: garp_master_delay (0 = no second burst),
	// garp_master_repeat (at least 1), garp_master_refresh (0 = off),
	// garp_master_refresh_repeat (at least 1), garp_lower_prio_delay and
	// garp_lower_prio_repeat (0 = none), as pkg/config resolved them.
	GARPMasterDelay         time.Duration
	GARPMasterRepeat        int
	GARPMasterRefresh       time.Duration
	GARPMasterRefreshRepeat int
	GARPLowerPrioDelay      time.Duration
	GARPLowerPrioRepeat     int

	// Trackers contributing to the effective priority or to FAULT.
	Trackers []TrackerRef
	// DontTrackPrimary is dont_track_primary: without it the instance's
	// own interface is tracked unweighted (EvInterface down → FAULT).
	DontTrackPrimary bool
}

// Peer is one unicast_peer line: ADDR [min_ttl N] [max_ttl N]. The range
// is inclusive; pkg/config resolves keepalived's defaults (0 and 255)
// for a bound that was not given.
type Peer struct {
	Addr           netip.Addr
	MinTTL, MaxTTL uint8
}

// SyncGroupConfig is a vrrp_sync_group: its members move together.
type SyncGroupConfig struct {
	Name     string
	Members  []string     // instance names
	Trackers []TrackerRef // group-level trackers (applied to every member)
	// TrackingWeight is sync_group_tracking_weight: without it, members of a
	// sync group ignore non-zero tracker weights.
	TrackingWeight bool
}

// EngineConfig is the VRRP part of one daemon's configuration.
type EngineConfig struct {
	Instances  []InstanceConfig
	SyncGroups []SyncGroupConfig
	// LogActions makes the engine emit ActLog with keepalived's own log
	// lines for protocol events that have no other action (a discarded
	// lower-priority advert, a master forcing a new election, …). Off by
	// default: drivers that do not handle ActLog see no change.
	LogActions bool
	// RephaseOnRejected is keepalived 2.2.7's dispatcher quirk: a MASTER
	// restarts its Adver_Timer after every packet handed to it, one that
	// failed the checks (checksum, authentication, TTL, a malformed
	// advert, …) included (vrrp_scheduler.c vrrp_dispatcher_read). With
	// it, any host on the LAN silences a MASTER with forged garbage for
	// its VRID and its backup takes over: the simulator sets it for nodes
	// it models as keepalived; gokeepalived's own daemon leaves it off and
	// re-phases only after adverts that pass the checks (a lower priority
	// it answered, a priority 0, …), a documented difference.
	RephaseOnRejected bool
	// StartupDelay is vrrp_startup_delay. keepalived 2.2.7 starts every
	// instance at once and hears adverts meanwhile; only a BACKUP's down
	// timer counts from the end of the delay (vrrp_scheduler.c
	// vrrp_init_instance_sands). It applies from the first EvStart; a
	// reload neither sets nor restarts it (vrrp_daemon.c: `!reload`).
	StartupDelay time.Duration
}

// TimerKind names the engine's timers. The driver keeps at most one pending
// timer per (instance, kind); ActSetTimer replaces it.
type TimerKind uint8

const (
	TimerAdvert        TimerKind = iota // MASTER: Adver_Timer
	TimerMasterDown                     // BACKUP: Master_Down_Timer
	TimerGARPDelay                      // MASTER: second GARP burst (garp_master_delay)
	TimerGARPRefresh                    // MASTER: periodic refresh (garp_master_refresh)
	TimerLowerPrioGARP                  // MASTER: second lower-prio GARP burst
)

func (k TimerKind) String() string {
	names := [...]string{"advert", "master_down", "garp_delay", "garp_refresh", "lower_prio_garp"}
	if int(k) < len(names) {
		return names[k]
	}
	return "unknown"
}

// Event is an input to Engine.Step.
type Event interface{ isEvent() }

// EvStart starts every instance (daemon start). Instances enter BACKUP, or
// MASTER at once if owner with WantMaster. Resume lists the instances a
// restarted daemon process held as MASTER when its predecessor died (see
// Resume); they are MASTER again at once, and vrrp_startup_delay does not
// apply to a start that resumes any.
type EvStart struct {
	Resume []Resume
}

// EvStop is an orderly stop of every instance (SIGTERM): masters send
// priority 0 and release their VIPs.
type EvStop struct{}

// EvAdvert is an advert received for Instance (the driver demultiplexes by
// interface, family and VRID). Src/Dst are the IP header addresses; TTL the
// IP TTL / hop limit. The driver has applied the checks that need the
// datagram's bytes (length, decode, checksum with the instance's
// old-unicast-checksum state, AH presence, ICV and SPI); Step applies the
// instance-level checks of keepalived's pipeline, in its order, and
// reports rejections as ActReject.
type EvAdvert struct {
	Instance string
	Src, Dst netip.Addr
	TTL      uint8
	Advert   Advert
	// AHSeq is the AH sequence number, for an instance with auth_type AH
	// (keepalived's anti-replay check; the counter is the engine's).
	AHSeq uint32
}

// EvDiscarded is a datagram for Instance that the driver rejected on its
// bytes after demultiplexing it: a malformed advert whose VRRP header was
// whole, AH presence, ICV or SPI, the checksum. keepalived 2.2.7 makes
// those checks in vrrp_check_packet, after vrrp_dispatcher_read handed the
// packet to the instance, so it counts as a packet heard: the engine
// reports it (ActReject with Reason and Detail, or RejectStateIgnored in
// INIT and FAULT, where keepalived drops packets unchecked) and a MASTER
// re-phases its Adver_Timer as after any packet (see EvAdvert). What
// keepalived drops before that point (shorter than a VRRP header, unknown
// VRID) is no EvDiscarded.
type EvDiscarded struct {
	Instance string
	Src      netip.Addr
	Reason   RejectReason
	Detail   string // keepalived's log text, for ActReject
}

// EvTimer is the expiry of a timer the engine armed.
type EvTimer struct {
	Instance string
	Timer    TimerKind
}

// EvTracker reports a tracker's new status. It affects every instance and
// sync group that tracks ID. Value is used by track_file.
type EvTracker struct {
	ID    TrackerID
	OK    bool
	Value int
}

// EvInterface reports the instance's own interface going up or down
// (interface down → FAULT unless dont_track_primary).
type EvInterface struct {
	Instance string
	Up       bool
}

// EvSourceAddr gives Instance a new advert source (InstanceConfig.SrcAddr).
// The driver sends it when an instance without one (FAULT, "no IPv4
// address for interface") gets an address on its interface: the fault
// clears and the instance leaves FAULT as on any fault's end (keepalived
// 2.2.7 keepalived_netlink.c netlink_if_address_filter → try_up_instance).
// An invalid Addr takes the source away (FAULT).
type EvSourceAddr struct {
	Instance string
	Addr     netip.Addr
}

// EvSetPriority changes an instance's base (configured) priority at run
// time, without a reload; the effective priority is recomputed from it and
// the trackers through the same path as a tracker change (ActPriorityChange,
// the down timer moved in place); 0 is ignored. Engine.Reload does not use
// it (a reload rebuilds the instance and recomputes its priority itself).
// No driver sends it today; the property and FSM tests use it to drive the
// priority arithmetic without trackers, and a control-socket "set
// priority" command would be its caller.
type EvSetPriority struct {
	Instance string
	Priority uint8
}

// EvVIPDeleted reports that a VIP of a MASTER instance was deleted
// externally (keepalived: → BACKUP, priority 0 advert, Skew_Time down timer).
type EvVIPDeleted struct {
	Instance string
}

func (EvStart) isEvent()       {}
func (EvStop) isEvent()        {}
func (EvAdvert) isEvent()      {}
func (EvDiscarded) isEvent()   {}
func (EvTimer) isEvent()       {}
func (EvTracker) isEvent()     {}
func (EvInterface) isEvent()   {}
func (EvVIPDeleted) isEvent()  {}
func (EvSetPriority) isEvent() {}
func (EvSourceAddr) isEvent()  {}

// Action is an output of Engine.Step, to be performed by the driver in order.
type Action interface{ isAction() }

// ActSendAdvert: send Advert for Instance (to the multicast group or to each
// unicast peer); the driver encodes it with the right source/destination.
type ActSendAdvert struct {
	Instance string
	Advert   Advert
	// AHSeq is the AH sequence number to seal it with (auth_type AH):
	// keepalived counts one per advert, whatever the number of peers.
	AHSeq uint32
}

// ActAddVIPs: add the instance's VIPs, eVIPs, virtual routes and rules.
type ActAddVIPs struct{ Instance string }

// ActDelVIPs: remove them.
type ActDelVIPs struct{ Instance string }

// ActGARP: send one burst of Repeat gratuitous ARPs (IPv4) / unsolicited
// NAs (IPv6) for each VIP and eVIP of Instance.
type ActGARP struct {
	Instance string
	Repeat   int
}

// ActSetTimer arms (or re-arms) a timer at an absolute time.
type ActSetTimer struct {
	Instance string
	Timer    TimerKind
	At       time.Time
}

// ActCancelTimer cancels a pending timer (no-op if none).
type ActCancelTimer struct {
	Instance string
	Timer    TimerKind
}

// ActStateChange reports a transition at the point keepalived logs it
// ("(VI_1) Entering MASTER STATE"): becoming MASTER, after the first advert
// and before the VIPs are added; leaving MASTER, before the priority-0
// advert and the VIPs' removal. The driver logs and reports it; the notify
// scripts run later, at the transition's ActNotify.
type ActStateChange struct {
	Instance string
	From, To State
	Priority uint8 // effective priority at the time of the change
	Reason   Cause
}

// ActNotify: run the notify scripts of a finished transition of Instance
// to State (keepalived send_instance_notifies: after the VIPs are set and
// announced, or removed).
type ActNotify struct {
	Instance string
	State    State
	Priority uint8 // effective priority, the notify script's $4
}

// ActGroupStateChange reports a sync group transition once its members
// have moved (keepalived send_group_notifies: the driver reports it and
// runs the group's notify scripts). keepalived's "VRRP_Group(G) Syncing
// instances to MASTER state" line is an ActLog, where keepalived prints it.
type ActGroupStateChange struct {
	Group    string
	From, To State
}

// ActPriorityChange reports a change of effective priority
// (notify_priority_changes).
type ActPriorityChange struct {
	Instance string
	From, To uint8
}

// ActReject reports an advert rejected by the instance-level checks; the
// driver counts it per Reason and logs it. Detail is keepalived's log text
// without the "(VI_1) " prefix, for people: nothing branches on it.
type ActReject struct {
	Instance string
	Src      netip.Addr
	Reason   RejectReason
	Detail   string
}

// ActLog is one of keepalived's log lines, word for word (including the
// "(VI_1) " prefix), for an event the other actions do not describe.
// Emitted only with EngineConfig.LogActions.
type ActLog struct {
	Instance string // "" for a sync group line
	Msg      string
}

func (ActLog) isAction()              {}
func (ActNotify) isAction()           {}
func (ActSendAdvert) isAction()       {}
func (ActAddVIPs) isAction()          {}
func (ActDelVIPs) isAction()          {}
func (ActGARP) isAction()             {}
func (ActSetTimer) isAction()         {}
func (ActCancelTimer) isAction()      {}
func (ActStateChange) isAction()      {}
func (ActGroupStateChange) isAction() {}
func (ActPriorityChange) isAction()   {}
func (ActReject) isAction()           {}

// RejectReason is why a received advert was discarded, one value per check
// of keepalived's receive pipeline (vrrp.c vrrp_check_packet). The codec
// (packet-level) and the engine (instance-level) both report them.
type RejectReason uint8

const (
	RejectNone         RejectReason = iota
	RejectTruncated                 // shorter than the headers / declared length
	RejectBadLength                 // length does not match Count × addrlen (+auth)
	RejectTTL                       // TTL/hop limit != 255 (multicast), or outside a peer's min_ttl..max_ttl
	RejectVersion                   // version differs from the configured one
	RejectType                      // type != ADVERTISEMENT
	RejectAuthType                  // auth type invalid or != configured
	RejectAuthData                  // PASS mismatch / AH ICV mismatch
	RejectAdvertInt                 // v2 advert interval != local
	RejectChecksum                  // bad checksum
	RejectAddrCount                 // Count IP Addrs != configured VIPs (2.2.7)
	RejectAddrMismatch              // a configured VIP missing from the advert (2.2.7)
	RejectUnicastMcast              // unicast instance got multicast or vice versa
	RejectUnknownVRID               // no instance with that VRID (silently ignored)
	RejectStateIgnored              // instance in INIT or FAULT: packet ignored
	RejectOwnAddress                // equal priority from our own address
	RejectAHMismatch                // AH presence does not match configured auth type
	RejectUnicastSrc                // check_unicast_src: the source is not a unicast peer
	RejectNotVRRP                   // not VRRP: another IP protocol, or AH for another protocol
)

var rejectNames = [...]string{
	"none", "truncated", "bad_length", "invalid_ttl", "wrong_version", "invalid_type",
	"auth_type", "auth_failure", "advert_interval", "checksum", "addr_count",
	"addr_mismatch", "unicast_multicast", "unknown_vrid", "state_ignored", "own_address",
	"ah_mismatch", "unicast_src", "not_vrrp",
}

func (r RejectReason) String() string {
	if int(r) < len(rejectNames) {
		return rejectNames[r]
	}
	return "unknown"
}

// Status is a read-only snapshot of one instance (for the control socket,
// simulator observers and tests). It allocates nothing; Engine.Faults
// lists why an instance is in FAULT.
type Status struct {
	Name              string
	State             State
	BasePriority      uint8
	EffectivePriority uint8
	MasterAddr        netip.Addr // last accepted master (BACKUP)
	MasterAdvertInt   time.Duration
}

// Package vrrp is the pure VRRP engine of gokeepalived: the VRRPv2 (RFC 3768)
// and VRRPv3 (RFC 5798) packet codec, keepalived 2.2.7's receive validation,
// and the per-instance state machine with sync groups and tracker priority
// arithmetic.
//
// Everything here is pure. The state machine is driven as
//
//	actions := engine.Step(now, event)
//
// and never reads a clock, opens a socket, starts a goroutine or calls
// netlink. engine_api.go is the contract: events in (EvStart, EvStop,
// EvAdvert, EvTimer, EvTracker with a typed TrackerID, EvInterface,
// EvVIPDeleted, EvSetPriority), actions out, in the order keepalived
// performs and logs them: ActSendAdvert (with the AH sequence number the
// engine counts), ActStateChange (with a typed Cause) where keepalived
// logs "Entering … STATE", ActAddVIPs / ActDelVIPs, ActGARP, ActNotify
// where keepalived runs the notify scripts, timers, ActPriorityChange,
// ActReject (a typed RejectReason; its Detail is prose for people),
// ActLog (keepalived's lines about a received advert's fate and sync group
// moves). The engine is the only holder of instance state: drivers ask
// Engine.State (cheap), Engine.Status, Engine.Faults (typed, on demand).
//
// The codec (Marshal/AppendMarshal, AppendMarshalIPv4/IPv6, Parse,
// ParsePacket, VerifyChecksum, SealAH/VerifyAH, AppendIPv6Datagram) is
// used by the daemon's single send and receive paths and by vrrpdump; its
// checks need no configuration, the engine's need the instance.
//
// This package must never import net/netlink/os/exec or read time.Now.
package vrrp

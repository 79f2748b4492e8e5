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
// netlink. The caller (daemon/, with a Linux or a simulated platform)
// performs the actions it returns: sending adverts, adding and removing
// virtual addresses, sending gratuitous ARPs, arming timers and running
// notify scripts. That is what lets the simulator, the property tests and
// the production daemon run the same code.
//
// This package must never import net/netlink/os/exec or read time.Now.
package vrrp

// Package lvs is the pure LVS core of gokeepalived: the checker side of
// keepalived 2.2.7 (keepalived/check/ipwrapper.c, ipvswrapper.c,
// check_api.c) without its I/O.
//
// FromConfig turns pkg/config's virtual_server / virtual_server_group /
// real_server blocks into a resolved Config (groups expanded into IPVS
// services, scheduler flags, persistence, forwarding methods and ports as
// ipvs_set_srule / ipvs_set_drule / ipvs_cmd compute them). An Engine keeps
// the state keepalived keeps — which checkers failed, which real servers
// are alive, dynamic weights, quorum with hysteresis, the sorry server,
// ha_suspend — and is driven the same way as the VRRP engine:
//
//	actions := engine.Step(event) // EvStart, EvVerdict, EvWeight, EvAddress, EvStop
//	table := engine.Desired(&table)
//
// The actions are notify / quorum scripts to run, log lines with
// keepalived's wording, table flushes and checker suspensions. The table is
// the IPVS table the state asks for; Diff compares it with a table read
// back from a world's IPVS (the IPVS interface: daemon/ipvs on Linux,
// memipvs in the simulator) and returns the ordered operations that make
// the world match, leaving alone every service the caller does not own.
//
// This package must never touch the kernel, read a clock, start a
// goroutine, run a script or keep package-level mutable state: the daemon,
// the simulator and the property tests all run this same code.
package lvs

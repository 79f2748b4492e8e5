// Package daemon is gokeepalived's driver: it turns a parsed keepalived.conf
// (pkg/config) into a running pure VRRP engine (pkg/vrrp) and performs what
// the engine asks for through a Platform.
//
// The driver is a single-threaded reactor (package daemon/reactor is the
// loop every platform runs it on). New builds it; Start, Stop (SIGTERM:
// priority 0, VIPs released) and Reload (SIGHUP: state kept) are the life
// cycle; the Inputs (Receive: a whole datagram off the wire, LinkChanged,
// AddressDeleted, ARPAnnounced) are what a platform feeds it; timer and
// script completions come back through the callbacks the driver handed
// the platform. Runner is both, as a process host sees the driver.
//
// The driver owns, for every platform alike:
//   - the wire (receive.go, send.go): one receive path that decodes the IP
//     datagram, checks AH (presence, HMAC-MD5-96 ICV, SPI) and the checksum
//     with keepalived's old-unicast-checksum compatibility, demultiplexes
//     by interface, family and VRID, and hands the advert to the engine;
//     one send path that encodes the engine's adverts (IP header, AH sealed
//     with the engine's sequence number) into the bytes a Transport sends;
//   - the engine's timers (timers.go: one per instance and kind; a stale
//     firing is ignored, a later deadline is re-armed lazily);
//   - the desired address state (addresses.go: what each MASTER holds, VIPs,
//     eVIPs, virtual routes and rules; a reload diffs it);
//   - gratuitous ARP bursts spaced by garp_interval (garp.go);
//   - keepalived's transition lines, reports and notify scripts
//     (transitions.go); trackers (trackers.go: vrrp_script with interval,
//     timeout and rise/fall, track_file; links.go: track_interface and the
//     interfaces of VIPs); split-brain detection (splitbrain.go).
//
// The same driver runs on Linux and inside the simulator (sim/): only the
// Platform differs. This package must never touch the kernel, a socket, a
// real clock or a goroutine itself; all of that is the Platform's job.
package daemon

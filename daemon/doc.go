// Package daemon is gokeepalived's driver: it turns a parsed keepalived.conf
// (pkg/config) into a running pure VRRP engine (pkg/vrrp) and performs what
// the engine asks for through a Platform.
//
// The driver is a single-threaded reactor. New builds it; Start, Stop
// (SIGTERM: priority 0, VIPs released) and Reload (SIGHUP: state kept) are
// the lifecycle; Receive / ReceiveRaw (an advert, decoded or as bytes),
// LinkChanged, AddressDeleted and ARPAnnounced are the inputs a platform
// feeds it; timer and script completions come back through the callbacks
// the driver handed the platform.
//
// It owns the engine's timers (one per instance and kind; a stale firing is
// ignored, a later deadline is re-armed lazily), demultiplexes received
// adverts to instances by interface, family and VRID, maps actions onto the
// platform (adverts to the multicast group or each unicast peer, VIPs and
// eVIPs with their device and label, gratuitous ARP bursts spaced by
// garp_interval, notify scripts with keepalived's arguments), runs the
// trackers (vrrp_script with interval, timeout and rise/fall; track_file;
// track_interface and the interfaces of VIPs), reports a split brain when
// another router claims one of a MASTER's VIPs, and logs in keepalived's
// words ("(VI_1) Entering MASTER STATE").
//
// The same driver runs on Linux and inside the simulator (sim/): only the
// Platform differs. This package must never touch the kernel, a socket, a
// real clock or a goroutine itself; all of that is the Platform's job.
package daemon

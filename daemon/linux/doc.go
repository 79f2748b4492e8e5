// Package linux is the one place where gokeepalived touches the Linux
// kernel: the building blocks a Linux platform adapter assembles to give the
// driver (package daemon) real sockets, addresses, events and processes.
// google/seesaw's ncc is the model: every kernel call lives here, so
// everything else compiles and tests without privileges.
//
// What it provides, each as keepalived 2.2.7 does it (the file and
// function of keepalived's source it follows are named where it matters):
//
//   - VRRP transport (vrrpsock.go): raw IP protocol 112 (or 51 for AH)
//     Receiver and Sender sockets, IPv4 and IPv6, multicast joined per
//     interface or unicast bound to a source address, IP(V6)_MULTICAST_ALL
//     off, no multicast loopback, TTL/hop limit 255, TOS/traffic class
//     0xC0, SO_BINDTODEVICE. IPv4 is sent with IP_HDRINCL (the caller
//     builds the header, as keepalived does for AH) and received whole;
//     IPv6 is received with its source, destination, hop limit, traffic
//     class and interface from ancillary data.
//   - Addresses, routes and rules (addr.go, route.go, vipset.go) through
//     vishvananda/netlink, and VIPs, a reconciler of a desired address set
//     per interface that never touches addresses it does not own.
//   - Link and address events (monitor.go) by rtnetlink subscription, with
//     a resynchronisation from a full dump when the socket overflows.
//   - Gratuitous ARP and unsolicited neighbour advertisements (garp.go)
//     from an AF_PACKET socket, byte for byte as keepalived builds them.
//   - use_vmac macvlans (vmac.go) with keepalived's sysctls.
//   - Scripts (script.go, scriptsec.go): exec without a shell, a process
//     group per run, script_user, a timeout that ends the whole group,
//     bounded output, and check_script_secure.
//   - track_file by inotify (trackfile.go) and track_process by the
//     kernel's proc connector (trackproc.go).
//
// Everything here works in the network namespace of the thread that opens
// it (sockets, sysctls, exec) or of the handle it was given (netlink);
// InNamespace runs a function on a thread switched into another namespace
// and back.
//
// What it must never do: decide policy. It does not choose VIPs, states,
// priorities, timers, GARP schedules, tracker weights or quorums, and it
// holds no VRRP state: the engine (pkg/vrrp) and the driver decide, this
// package performs. It has no package-level mutable state, starts no
// goroutine that outlives the call or Run loop that started it, never
// leaves a thread in a foreign namespace, never touches an address,
// interface or process it was not asked to, and never blocks a caller on
// a send (a send the kernel cannot take at once fails with EAGAIN).
package linux

// Package linuxplat is daemon.Platform on Linux: the driver (package
// daemon) over real raw VRRP sockets, netlink addresses, routes and rules,
// rtnetlink link and address events, AF_PACKET gratuitous ARPs and
// unsolicited neighbour advertisements, scripts run as keepalived runs
// them, inotify for track_file — all assembled from the kernel-facing
// primitives of daemon/linux, bound to one network namespace.
//
// A Platform serialises everything onto the driver's reactor
// (daemon/reactor): socket readers, the netlink monitor, the file watcher
// and script waiters run on their own goroutines and Post their results;
// every Platform method is called on the reactor goroutine and returns at
// once. Sockets and netlink handles are created inside the platform's
// namespace (linux.InNamespace) and then used from any goroutine, so two
// platforms in two namespaces can run in one process (the root tests run
// two gokeepalived nodes that way) and no goroutine is ever left in a
// foreign namespace.
//
// Host puts a reactor, a Platform and a daemon.Driver together: what one
// gokeepalived VRRP process runs.
//
// What it must never do: decide VRRP policy. It opens the sockets a
// configuration needs (keepalived's: one receive socket per interface,
// family, protocol and multicast group or unicast source), performs what
// the driver asks, reports what the kernel says, and counts. States,
// priorities, timers, GARP schedules and tracker arithmetic are the
// engine's and the driver's.
package linuxplat

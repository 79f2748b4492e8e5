// Package netns is the namespace lab: it will build network namespaces,
// veth pairs and a bridge per scenario, run the real daemon (and Debian's
// keepalived as an interop peer) in each namespace, inject loss with
// nftables, and observe VIPs, IPVS tables and captured VRRP packets.
//
// It is the second backend of the scenario files in scenarios/ (the
// simulator in sim/ is the first). It is built by a later issue; until
// then this package holds no code. It must never touch a namespace,
// link or process it did not create.
package netns

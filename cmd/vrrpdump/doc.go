// Command vrrpdump prints the VRRP adverts of a pcap capture as JSON lines,
// one object per advert, with the packet-level verdict keepalived 2.2.7
// would reach. It is how a user inspects a capture of a split brain:
//
//	tcpdump -i eth0 -w vrrp.pcap 'ip proto 112 or ip proto 51 or ip6 proto 112'
//	vrrpdump vrrp.pcap | jq -c 'select(.error != null)'
//
// Keys: time (RFC 3339, UTC), src, dst, ttl, version, vrid, priority, count
// (the Count IP Addrs field), advert_int_cs (centiseconds; VRRPv2 seconds ×
// 100), auth_type (VRRPv2 only, else null), auth (the PASS text with its
// zero padding stripped, else null), addrs, checksum_ok (as keepalived
// 2.2.7 verifies it: VRRPv3/IPv4 with the pseudo-header, the old unicast
// form accepted), error (the rejection reason — truncated, bad_length,
// invalid_ttl for a multicast advert with TTL ≠ 255, wrong_version,
// invalid_type, auth_type, auth_failure for an AH SPI ≠ source, checksum —
// or null when valid) and detail (why, a note on an old-form checksum, or
// null).
// Instance-level checks (configured VRID, version, password, interval,
// VIP list) need the configuration and are not applied.
//
// Link types: Ethernet, Linux cooked capture (SLL, SLL2: tcpdump -i any)
// and raw IP. Other packets are skipped. A corrupt file is reported with
// its name and the byte offset of the bad record, and exit status 1.
package main

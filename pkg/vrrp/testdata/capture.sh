#!/bin/sh
# capture.sh regenerates the golden VRRP captures in this directory from
# Debian's keepalived 2.2.7. It needs root, iproute2, tcpdump and keepalived.
#
# For each capture/NAME.conf it creates two throwaway network namespaces
# (gkcap-a runs keepalived on va0, gkcap-b captures on the peer end vb0 of a
# veth pair), waits until keepalived is MASTER and has sent a few adverts,
# and writes NAME.pcap. v2_prio0 is stopped with SIGTERM while MASTER so the
# capture ends with its priority-0 advert (RFC 3768 §6.4.3). v2_prio0 and
# v3_ipv6_unicast are captured on "any" to cover the Linux cooked link
# types (SLL forced with -y, and tcpdump 4.99's default SLL2).
#
# After regenerating, review and refresh vrrpdump's expected output:
#	go test ./cmd/vrrpdump -run TestGoldens -update
#
# Run with capture names as arguments to regenerate only those.
#
# Everything created here is removed on exit; processes are ended by PID.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d /tmp/gkcap.XXXXXX)
kpid=""
tpid=""

cleanup() {
	[ -n "$kpid" ] && kill "$kpid" 2>/dev/null || true
	[ -n "$tpid" ] && kill "$tpid" 2>/dev/null || true
	ip netns del gkcap-a 2>/dev/null || true
	ip netns del gkcap-b 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

for tool in ip tcpdump keepalived; do
	command -v "$tool" >/dev/null || { echo "capture.sh: $tool not found" >&2; exit 1; }
done
keepalived -v 2>&1 | head -1

setup() {
	ip netns add gkcap-a
	ip netns add gkcap-b
	ip link add va0 netns gkcap-a type veth peer name vb0 netns gkcap-b
	for ns in a b; do
		ip netns exec gkcap-$ns sysctl -qw net.ipv6.conf.all.accept_dad=0
		ip netns exec gkcap-$ns sysctl -qw net.ipv6.conf.default.accept_dad=0
		ip netns exec gkcap-$ns ip link set lo up
	done
	ip netns exec gkcap-a sysctl -qw net.ipv6.conf.va0.accept_dad=0
	ip netns exec gkcap-b sysctl -qw net.ipv6.conf.vb0.accept_dad=0
	# Fixed MAC addresses give stable link-local IPv6 sources.
	ip netns exec gkcap-a ip link set va0 address 02:00:00:00:00:01
	ip netns exec gkcap-b ip link set vb0 address 02:00:00:00:00:02
	ip netns exec gkcap-a ip addr add 192.0.2.1/24 dev va0
	ip netns exec gkcap-b ip addr add 192.0.2.2/24 dev vb0
	ip netns exec gkcap-a ip addr add 2001:db8::1/64 dev va0 nodad
	ip netns exec gkcap-b ip addr add 2001:db8::2/64 dev vb0 nodad
	ip netns exec gkcap-a ip link set va0 up
	ip netns exec gkcap-b ip link set vb0 up
}

teardown() {
	ip netns del gkcap-a
	ip netns del gkcap-b
}

# wait_packets FILE N: poll (deadline 20 s) until FILE holds N VRRP/AH packets.
wait_packets() {
	i=0
	while [ $i -lt 200 ]; do
		n=$(tcpdump -r "$1" 2>/dev/null | wc -l || true)
		[ "$n" -ge "$2" ] && return 0
		i=$((i + 1))
		sleep 0.1
	done
	echo "capture.sh: timed out waiting for $2 packets in $1" >&2
	return 1
}

capture() {
	name=$1
	iface=$2
	shift 2
	setup
	out="$tmp/$name.pcap"
	# -U: write each packet at once so wait_packets can poll the file.
	ip netns exec gkcap-b tcpdump -q -U -n -i "$iface" "$@" -w "$out" 'ip proto 112 or ip proto 51 or ip6 proto 112' 2>/dev/null &
	tpid=$!
	sleep 0.5 # tcpdump has no readiness signal; an early advert lost is harmless
	ip netns exec gkcap-a keepalived -n -l -D -P -f "$here/capture/$name.conf" \
		-p "$tmp/$name.pid" -r "$tmp/$name.vrrp.pid" >"$tmp/$name.log" 2>&1 &
	kpid=$!
	if [ "$name" = v2_prio0 ]; then
		wait_packets "$out" 3
		kill -TERM "$kpid"
		wait "$kpid" || true
		kpid=""
		wait_packets "$out" 4
	else
		wait_packets "$out" 4
		kill -TERM "$kpid"
		wait "$kpid" || true
		kpid=""
	fi
	kill -INT "$tpid"
	wait "$tpid" || true
	tpid=""
	teardown
	# Each golden holds a few MASTER adverts and the priority-0 advert sent
	# on SIGTERM.
	cp "$out" "$here/$name.pcap"
	echo "$name: $(tcpdump -r "$here/$name.pcap" 2>/dev/null | wc -l) packets"
}

# iface_for NAME: the capture interface for NAME (with tcpdump options).
iface_for() {
	case $1 in
	v2_prio0) echo "any -y LINUX_SLL" ;;
	v3_ipv6_unicast) echo any ;;
	*) echo vb0 ;;
	esac
}

[ $# -gt 0 ] || set -- v2_pass v2_ah v3_mcast4 v3_unicast4 v3_ipv6 v2_prio0 \
	v2_ah_unicast v3_unicast4_oldcsum v3_ipv6_unicast
for name in "$@"; do
	# shellcheck disable=SC2046 # the interface carries options on purpose
	capture "$name" $(iface_for "$name")
done

#!/bin/sh
# Records what Debian's keepalived 2.2.7 says about every test config, so
# that TestKeepalivedRecorded runs without keepalived. Needs root (it runs
# keepalived -t inside a private network namespace that has eth0, eth1
# and eth2 (veth), so interface checks do not depend on the host).
#
#   sh pkg/config/testdata/record-keepalived.sh
#
# Output: testdata/keepalived/<dir>/<file>.txt: "rc N" then keepalived's
# messages, de-duplicated (the parent and each child print them), in order.
set -eu
cd "$(dirname "$0")"
KA=${KEEPALIVED:-/usr/sbin/keepalived}
NS=gkcfg-record-$$
TMP=$(mktemp -d)
cleanup() { ip netns del "$NS" 2>/dev/null || true; rm -rf "$TMP"; }
trap cleanup EXIT
ip netns add "$NS"
for i in 0 1 2; do
	# veth pairs (the dummy driver is not always available)
	ip -n "$NS" link add "eth$i" type veth peer name "peer$i"
	ip -n "$NS" link set "eth$i" up
	ip -n "$NS" link set "peer$i" up
done
ip -n "$NS" link set lo up
"$KA" -v 2>&1 | head -1 > keepalived/VERSION
for dir in seeds invalid valid; do
	mkdir -p "keepalived/$dir"
	for f in "$dir"/*.conf; do
		b=$(basename "$f")
		rc=0
		ip netns exec "$NS" "$KA" -t -l -n -f "$f" -p "$TMP/p.pid" -r "$TMP/r.pid" -c "$TMP/c.pid" -b "$TMP/b.pid" \
			>"$TMP/out" 2>&1 || rc=$?
		{ echo "rc $rc"; awk '!seen[$0]++' "$TMP/out"; } > "keepalived/$dir/$b.txt"
	done
done

package linux

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"sync"

	"golang.org/x/sys/unix"
)

// VIPs reconciles the addresses gokeepalived owns with a desired set per
// interface. An address is owned once it has been in a desired set of that
// interface (a configured VIP is ours whether or not we put it there, as
// for keepalived), until it has been removed again. Addresses never in a
// desired set — the interface's own addresses, an operator's — are never
// touched. Interfaces are named, so ownership survives an interface being
// deleted and re-created with a new index. Safe for concurrent use.
type VIPs struct {
	n     *Netlink
	mu    sync.Mutex
	owned map[string]map[netip.Prefix]Addr
}

// NewVIPs returns a reconciler over n that owns nothing yet. After a
// restart, Reconcile with the configuration's whole VIP set and then with
// the wanted one to clear leftovers, as keepalived removes its VIPs at
// startup.
func NewVIPs(n *Netlink) *VIPs {
	return &VIPs{n: n, owned: make(map[string]map[netip.Prefix]Addr)}
}

// VIPChange is what one Reconcile did.
type VIPChange struct {
	Added, Deleted []netip.Prefix
}

// Reconcile makes ifname carry every address of want (an address already
// there, with any label or flags, counts as present) and none of the
// addresses it owns that want no longer lists. It goes on after a failed
// add or delete and returns every failure joined; an address it failed to
// delete stays owned, one it failed to add is owned (and retried) as long
// as it is wanted. want is keyed by address and prefix length.
func (v *VIPs) Reconcile(ifname string, want []Addr) (VIPChange, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	var ch VIPChange
	wanted := make(map[netip.Prefix]Addr, len(want))
	for _, a := range want {
		if !a.Prefix.IsValid() {
			return ch, fmt.Errorf("reconcile %s: invalid address %v", ifname, a.Prefix)
		}
		a.Prefix = netip.PrefixFrom(a.Prefix.Addr().Unmap(), a.Prefix.Bits())
		wanted[a.Prefix] = a
	}
	ifindex, err := v.n.LinkIndex(ifname)
	if err != nil {
		return ch, fmt.Errorf("reconcile %s: %w", ifname, err)
	}
	cur, err := v.n.Addrs(ifindex)
	if err != nil {
		return ch, fmt.Errorf("reconcile %s: %w", ifname, err)
	}
	present := make(map[netip.Prefix]bool, len(cur))
	for _, a := range cur {
		present[a.Prefix] = true
	}
	owned := v.owned[ifname]
	next := make(map[netip.Prefix]Addr, len(wanted))
	var errs []error
	for _, p := range sortedPrefixes(wanted) {
		a := wanted[p]
		next[p] = a
		if present[p] {
			continue
		}
		if err := v.n.AddAddr(ifindex, a); err != nil && !errors.Is(err, unix.EEXIST) {
			errs = append(errs, err)
			continue
		}
		ch.Added = append(ch.Added, p)
	}
	for _, p := range sortedPrefixes(owned) {
		if _, ok := wanted[p]; ok {
			continue
		}
		if !present[p] {
			continue // already gone (deleted by hand, or the interface was re-created)
		}
		if err := v.n.DelAddr(ifindex, p); err != nil && !errors.Is(err, unix.EADDRNOTAVAIL) {
			errs = append(errs, err)
			next[p] = owned[p]
			continue
		}
		ch.Deleted = append(ch.Deleted, p)
	}
	if len(next) == 0 {
		delete(v.owned, ifname)
	} else {
		v.owned[ifname] = next
	}
	if len(errs) > 0 {
		return ch, fmt.Errorf("reconcile %s: %w", ifname, errors.Join(errs...))
	}
	return ch, nil
}

// Owned returns the addresses owned on ifname, sorted.
func (v *VIPs) Owned(ifname string) []netip.Prefix {
	v.mu.Lock()
	defer v.mu.Unlock()
	return sortedPrefixes(v.owned[ifname])
}

func sortedPrefixes(m map[netip.Prefix]Addr) []netip.Prefix {
	out := make([]netip.Prefix, 0, len(m))
	for p := range m {
		out = append(out, p)
	}
	slices.SortFunc(out, func(a, b netip.Prefix) int {
		if c := a.Addr().Compare(b.Addr()); c != 0 {
			return c
		}
		return a.Bits() - b.Bits()
	})
	return out
}

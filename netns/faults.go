package netns

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/netip"
	"os/exec"
	"slices"
	"strings"
	"time"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// Network faults live in the switches. Every segment's switch namespace
// holds one nftables ruleset the lab rewrites atomically (one `nft -f`
// transaction) whenever a fault changes:
//
//   - table bridge gkl_lab, chain forward (hook forward): a frame from
//     node A's port to node B's port is dropped by a partition, a one-way
//     partition, `drop-vrrp` (IP protocol 112 only: ARP and everything
//     else pass) or loss (`numgen random mod 10000 < pct×100`). The
//     bridge runs the forward hook once per output port, so even a
//     multicast advert is lost per receiver and per direction.
//   - table netdev gkl_lab_dup, one ingress chain per sending port:
//     `dup to "<B's port>"` sends B a second copy of a share of A's frames.
//     The copy skips the bridge, so loss A → B does not apply to it.
//
// Doing it in the switch rather than in the nodes keeps the nodes'
// own firewall (keepalived's vrrp_strict rules) untouched, names the
// sender by port (a VMAC or spoofed source MAC cannot dodge a rule),
// drops ARP too where a partition must, and lets the capture, which taps
// the ports before the bridge, show what was sent and what was delivered.

// pair is a direction between two nodes.
type pair struct{ from, to string }

// faultSet is every network fault in force.
type faultSet struct {
	partition map[pair]bool    // Partition, Isolate, Bridge (replaced as a whole)
	oneway    map[pair]bool    // PartitionOneWay (added to)
	dropVRRP  map[pair]bool    // DropVRRP
	loss      map[pair]float64 // SetLoss, percent
	dup       map[pair]float64 // SetDuplicate, percent
}

func (f *faultSet) init() {
	if f.partition == nil {
		*f = faultSet{partition: map[pair]bool{}, oneway: map[pair]bool{}, dropVRRP: map[pair]bool{}, loss: map[pair]float64{}, dup: map[pair]float64{}}
	}
}

// numgenMatch is the nftables match for pct percent of packets ("" for
// all of them), at 0.01 % resolution.
func numgenMatch(pct float64) string {
	n := int(math.Round(pct * 100))
	if n >= 10000 {
		return ""
	}
	return fmt.Sprintf("numgen random mod 10000 < %d ", n)
}

// segPorts maps node → its port names on one segment.
type segPorts map[string][]string

// renderRuleset renders one segment's nftables transaction for faults f.
// The "table X; delete table X" pair removes the previous ruleset (and
// creates nothing when there was none) in the same transaction.
func renderRuleset(ports segPorts, f *faultSet) string {
	var b strings.Builder
	b.WriteString("table bridge gkl_lab\ndelete table bridge gkl_lab\n")
	b.WriteString("table netdev gkl_lab_dup\ndelete table netdev gkl_lab_dup\n")
	type rule struct {
		p    pair
		stmt string
	}
	var fwd []rule
	add := func(m map[pair]bool, stmt string) {
		for p, on := range m {
			if on {
				fwd = append(fwd, rule{p, stmt})
			}
		}
	}
	add(f.partition, "drop")
	add(f.oneway, "drop")
	add(f.dropVRRP, "ether type ip ip protocol 112 drop")
	add(f.dropVRRP, "ether type ip6 ip6 nexthdr 112 drop")
	for p, pct := range f.loss {
		if pct > 0 {
			fwd = append(fwd, rule{p, numgenMatch(pct) + "drop"})
		}
	}
	slices.SortStableFunc(fwd, func(a, b rule) int {
		if c := strings.Compare(a.p.from, b.p.from); c != 0 {
			return c
		}
		return strings.Compare(a.p.to, b.p.to)
	})
	var lines []string
	for _, r := range fwd {
		for _, fp := range ports[r.p.from] {
			for _, tp := range ports[r.p.to] {
				lines = append(lines, fmt.Sprintf("\t\tiifname %q oifname %q %s\n", fp, tp, r.stmt))
			}
		}
	}
	if len(lines) > 0 {
		b.WriteString("table bridge gkl_lab {\n\tchain forward {\n\t\ttype filter hook forward priority 0; policy accept;\n")
		for _, l := range lines {
			b.WriteString(l)
		}
		b.WriteString("\t}\n}\n")
	}
	// Duplication: one ingress chain per sending port.
	dups := map[string][]string{}
	var srcs []string
	for p, pct := range f.dup {
		if pct <= 0 {
			continue
		}
		for _, fp := range ports[p.from] {
			for _, tp := range ports[p.to] {
				if _, ok := dups[fp]; !ok {
					srcs = append(srcs, fp)
				}
				dups[fp] = append(dups[fp], fmt.Sprintf("\t\t%sdup to %q\n", numgenMatch(pct), tp))
			}
		}
	}
	if len(srcs) > 0 {
		slices.Sort(srcs)
		b.WriteString("table netdev gkl_lab_dup {\n")
		for i, fp := range srcs {
			fmt.Fprintf(&b, "\tchain in%d {\n\t\ttype filter hook ingress device %q priority 0; policy accept;\n", i, fp)
			rules := dups[fp]
			slices.Sort(rules)
			for _, r := range rules {
				b.WriteString(r)
			}
			b.WriteString("\t}\n")
		}
		b.WriteString("}\n")
	}
	return b.String()
}

// applyFaults rewrites every switch's ruleset. l.mu is held.
func (l *Lab) applyFaultsLocked() error {
	var errs []error
	for _, name := range l.segOrder {
		seg := l.segs[name]
		ports := segPorts{}
		for _, p := range seg.ports {
			ports[p.node] = append(ports[p.node], p.name)
		}
		rules := renderRuleset(ports, &l.faults)
		cmd := exec.Command(l.bin.nsenter, "--net="+seg.nsPath, "--", l.bin.nft, "-f", "-")
		cmd.Stdin = strings.NewReader(rules)
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		out, err := runCtx(ctx, cmd)
		cancel()
		if err != nil {
			errs = append(errs, fmt.Errorf("netns: segment %s: nft: %w: %s\nruleset:\n%s", name, err, strings.TrimSpace(string(out)), rules))
		}
	}
	return errors.Join(errs...)
}

// change applies a fault change under the lab's lock.
func (l *Lab) change(text string, f func(*faultSet) error) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.faults.init()
	if err := f(&l.faults); err != nil {
		return err
	}
	l.action("", "", "%s", text)
	return l.applyFaultsLocked()
}

func (l *Lab) checkNodesLocked(names ...string) error {
	for _, n := range names {
		if _, ok := l.nodes[n]; !ok {
			return fmt.Errorf("netns: no node %q", n)
		}
	}
	return nil
}

func checkPct(what string, pct float64) error {
	if math.IsNaN(pct) || pct < 0 || pct > 100 {
		return fmt.Errorf("netns: %s %v%%: want 0 to 100", what, pct)
	}
	return nil
}

// SetLoss drops pct percent of the frames from → to (every kind of
// frame, independently drawn per frame); 0 removes the rule.
func (l *Lab) SetLoss(from, to string, pct float64) error {
	return l.change(fmt.Sprintf("loss %s -> %s %g%%", from, to, pct), func(f *faultSet) error {
		if err := errors.Join(l.checkNodesLocked(from, to), checkPct("loss", pct)); err != nil {
			return err
		}
		if pct == 0 {
			delete(f.loss, pair{from, to})
		} else {
			f.loss[pair{from, to}] = pct
		}
		return nil
	})
}

// SetDuplicate sends to a second copy of pct percent of from's frames;
// 0 removes the rule.
func (l *Lab) SetDuplicate(from, to string, pct float64) error {
	return l.change(fmt.Sprintf("duplicate %s -> %s %g%%", from, to, pct), func(f *faultSet) error {
		if err := errors.Join(l.checkNodesLocked(from, to), checkPct("duplicate", pct)); err != nil {
			return err
		}
		if pct == 0 {
			delete(f.dup, pair{from, to})
		} else {
			f.dup[pair{from, to}] = pct
		}
		return nil
	})
}

// Partition cuts the groups off from each other (nodes named in no group
// form one more group), replacing any previous partition, isolation or
// bridge. One-way partitions and VRRP drops stay.
func (l *Lab) Partition(groups [][]string) error {
	return l.change(fmt.Sprintf("partition %v", groups), func(f *faultSet) error {
		group := map[string]int{}
		for gi, g := range groups {
			for _, n := range g {
				if err := l.checkNodesLocked(n); err != nil {
					return err
				}
				if _, dup := group[n]; dup {
					return fmt.Errorf("netns: partition: node %s is in two groups", n)
				}
				group[n] = gi
			}
		}
		for _, n := range l.nodeOrder {
			if _, ok := group[n]; !ok {
				group[n] = len(groups)
			}
		}
		f.partition = map[pair]bool{}
		for a, ga := range group {
			for b, gb := range group {
				if ga != gb {
					f.partition[pair{a, b}] = true
				}
			}
		}
		return nil
	})
}

// Isolate cuts node off from everyone (a partition of its own).
func (l *Lab) Isolate(node string) error { return l.Partition([][]string{{node}}) }

// Bridge is Jepsen's bridge: left and right cannot reach each other,
// middle reaches both. It replaces any previous partition.
func (l *Lab) Bridge(left []string, middle string, right []string) error {
	return l.change(fmt.Sprintf("bridge %v | %s | %v", left, middle, right), func(f *faultSet) error {
		if err := l.checkNodesLocked(append(append(slices.Clone(left), middle), right...)...); err != nil {
			return err
		}
		f.partition = map[pair]bool{}
		for _, a := range left {
			for _, b := range right {
				f.partition[pair{a, b}] = true
				f.partition[pair{b, a}] = true
			}
		}
		return nil
	})
}

// PartitionOneWay drops every frame from → to (ARP included), on top of
// any partition in force.
func (l *Lab) PartitionOneWay(from, to string) error {
	return l.change(fmt.Sprintf("partition %s -> %s", from, to), func(f *faultSet) error {
		if err := l.checkNodesLocked(from, to); err != nil {
			return err
		}
		f.oneway[pair{from, to}] = true
		return nil
	})
}

// DropVRRP drops VRRP (IP protocol 112) from → to and lets everything
// else, ARP included, through: a firewall on `to` with
// `iptables -A INPUT -p vrrp -j DROP`.
func (l *Lab) DropVRRP(from, to string) error {
	return l.change(fmt.Sprintf("drop-vrrp %s -> %s", from, to), func(f *faultSet) error {
		if err := l.checkNodesLocked(from, to); err != nil {
			return err
		}
		f.dropVRRP[pair{from, to}] = true
		return nil
	})
}

// Heal removes every partition, loss, duplication and VRRP drop. Links
// set down stay down.
func (l *Lab) Heal() error {
	return l.change("heal", func(f *faultSet) error {
		*f = faultSet{}
		f.init()
		return nil
	})
}

func (l *Lab) ifaceOf(node, ifname string) (*node, *iface, error) {
	n, err := l.node(node)
	if err != nil {
		return nil, nil, err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, i := range n.ifaces {
		if i.name == ifname {
			return n, i, nil
		}
	}
	return nil, nil, fmt.Errorf("netns: node %s has no interface %s", node, ifname)
}

// SetLink sets a node interface administratively up or down, as
// `ip link set IFACE down` (or `ifconfig IFACE down`) on the node.
func (l *Lab) SetLink(node, ifname string, up bool) error {
	n, _, err := l.ifaceOf(node, ifname)
	if err != nil {
		return err
	}
	link, err := n.handle.LinkByName(ifname)
	if err != nil {
		return fmt.Errorf("netns: node %s: %w", node, err)
	}
	l.action(node, "", "link %s %s", ifname, upDown(up))
	if up {
		err = n.handle.LinkSetUp(link)
	} else {
		err = n.handle.LinkSetDown(link)
	}
	if err != nil {
		return fmt.Errorf("netns: node %s: link %s %s: %w", node, ifname, upDown(up), err)
	}
	return nil
}

// SetCarrier pulls (or plugs back) the cable of a node interface: the
// switch's port goes down, the node's interface stays administratively
// up and loses its carrier (IFF_RUNNING).
func (l *Lab) SetCarrier(node, ifname string, up bool) error {
	_, ifc, err := l.ifaceOf(node, ifname)
	if err != nil {
		return err
	}
	l.mu.Lock()
	seg := l.segs[ifc.segment]
	l.mu.Unlock()
	link, err := seg.handle.LinkByName(ifc.port)
	if err != nil {
		return fmt.Errorf("netns: segment %s: %w", seg.name, err)
	}
	l.action(node, seg.name, "carrier %s %s", ifname, upDown(up))
	if up {
		err = seg.handle.LinkSetUp(link)
	} else {
		err = seg.handle.LinkSetDown(link)
	}
	if err != nil {
		return fmt.Errorf("netns: segment %s port %s: %w", seg.name, ifc.port, err)
	}
	return nil
}

func upDown(up bool) string {
	if up {
		return "up"
	}
	return "down"
}

// AddAddress adds an address to a node interface behind the daemon's
// back (`ip addr add ADDR dev IFACE [label L]`).
func (l *Lab) AddAddress(node, ifname string, addr netip.Prefix, label string) error {
	n, _, err := l.ifaceOf(node, ifname)
	if err != nil {
		return err
	}
	link, err := n.handle.LinkByName(ifname)
	if err != nil {
		return fmt.Errorf("netns: node %s: %w", node, err)
	}
	a := &netlink.Addr{IPNet: prefixToIPNet(addr), Label: label}
	if addr.Addr().Is6() {
		a.Flags = unix.IFA_F_NODAD
	}
	if label != "" && !strings.HasPrefix(label, ifname) {
		return fmt.Errorf("netns: node %s: label %q must start with the interface name %s", node, label, ifname)
	}
	l.action(node, "", "ip addr add %s dev %s%s", addr, ifname, labelSuffix(label))
	if err := n.handle.AddrAdd(link, a); err != nil {
		return fmt.Errorf("netns: node %s: ip addr add %s dev %s: %w", node, addr, ifname, err)
	}
	return nil
}

// DelAddress removes an address from a node interface
// (`ip addr del ADDR dev IFACE`).
func (l *Lab) DelAddress(node, ifname string, addr netip.Prefix) error {
	n, _, err := l.ifaceOf(node, ifname)
	if err != nil {
		return err
	}
	link, err := n.handle.LinkByName(ifname)
	if err != nil {
		return fmt.Errorf("netns: node %s: %w", node, err)
	}
	l.action(node, "", "ip addr del %s dev %s", addr, ifname)
	if err := n.handle.AddrDel(link, &netlink.Addr{IPNet: prefixToIPNet(addr)}); err != nil {
		return fmt.Errorf("netns: node %s: ip addr del %s dev %s: %w", node, addr, ifname, err)
	}
	return nil
}

func labelSuffix(label string) string {
	if label == "" {
		return ""
	}
	return " label " + label
}

// Op names something a scenario may ask of a backend.
type Op string

// The operations Check knows. Every one but OpDelay, OpClockJump and
// OpClockRate is supported.
const (
	OpLink            Op = "link"
	OpCarrier         Op = "carrier"
	OpLoss            Op = "loss"
	OpDuplicate       Op = "duplicate"
	OpPartition       Op = "partition"
	OpPartitionOneWay Op = "partition-one-way"
	OpDropVRRP        Op = "drop-vrrp"
	OpIsolate         Op = "isolate"
	OpBridge          Op = "bridge"
	OpHeal            Op = "heal"
	OpKill            Op = "kill"
	OpKillParent      Op = "kill-parent"
	OpKillVRRP        Op = "kill-vrrp"
	OpStop            Op = "stop"
	OpPause           Op = "pause"
	OpRestart         Op = "restart"
	OpReload          Op = "reload"
	OpAddress         Op = "address"
	OpService         Op = "service"
	OpFile            Op = "file"
	OpDelay           Op = "delay"
	OpClockJump       Op = "clock-jump"
	OpClockRate       Op = "clock-rate"
)

// ErrUnsupported is matched (errors.Is) by every *UnsupportedError.
var ErrUnsupported = errors.New("not supported by the namespace lab")

// UnsupportedError is an operation the lab cannot do, why, and which
// world can.
type UnsupportedError struct {
	Op      Op
	Reason  string
	Instead string
}

func (e *UnsupportedError) Error() string {
	return fmt.Sprintf("netns: %s is not supported by the namespace lab: %s; run it in %s", e.Op, e.Reason, e.Instead)
}

// Is makes errors.Is(err, ErrUnsupported) true.
func (e *UnsupportedError) Is(target error) bool { return target == ErrUnsupported }

// Check reports, before a run starts, whether the lab can do op: nil, or
// an *UnsupportedError saying why not and where it can be done.
func Check(op Op) error {
	switch op {
	case OpDelay:
		return &UnsupportedError{Op: op, Reason: "delay and jitter need the netem qdisc, and this lab does not use it (the project's host kernel is built without CONFIG_NET_SCH_NETEM)", Instead: "the simulator or the VM tier"}
	case OpClockJump, OpClockRate:
		return &UnsupportedError{Op: op, Reason: "a node's wall clock cannot be set apart from the host's (a time namespace offsets CLOCK_MONOTONIC only before its first process starts, and cannot change a clock's rate)", Instead: "the simulator"}
	case OpLink, OpCarrier, OpLoss, OpDuplicate, OpPartition, OpPartitionOneWay, OpDropVRRP, OpIsolate, OpBridge, OpHeal,
		OpKill, OpKillParent, OpKillVRRP, OpStop, OpPause, OpRestart, OpReload, OpAddress, OpService, OpFile:
		return nil
	}
	return fmt.Errorf("netns: unknown operation %q", op)
}

// SetDelay always fails: see Check(OpDelay).
func (l *Lab) SetDelay(from, to string, delay, jitter time.Duration) error { return Check(OpDelay) }

// JumpClock always fails: see Check(OpClockJump).
func (l *Lab) JumpClock(node string, d time.Duration) error { return Check(OpClockJump) }

// SetClockRate always fails: see Check(OpClockRate).
func (l *Lab) SetClockRate(node string, rate float64) error { return Check(OpClockRate) }

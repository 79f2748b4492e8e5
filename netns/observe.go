package netns

import (
	"fmt"
	"net/netip"
	"slices"
	"time"

	"github.com/vishvananda/netlink"
	vnetns "github.com/vishvananda/netns"
	"golang.org/x/sys/unix"
)

// observeNode subscribes to node n's link and address changes (netlink
// multicast groups, opened inside n's namespace) and turns them into
// events, keeping n.addrs, the kernel's view of which node holds which
// address. A subscription that overruns is reopened with a fresh dump.
func (l *Lab) observeNode(n *node) error {
	linkCh, addrCh, err := l.subscribe(n)
	if err != nil {
		return err
	}
	l.wg.Add(1)
	go func() {
		defer l.wg.Done()
		// Both channels are drained until the library closes them (it does
		// when l.done closes), so its reader goroutines never block.
		for linkCh != nil || addrCh != nil {
			select {
			case u, ok := <-linkCh:
				if !ok {
					linkCh = l.resubscribeLinks(n)
					continue
				}
				l.onLink(n, u)
			case u, ok := <-addrCh:
				if !ok {
					addrCh = l.resubscribeAddrs(n)
					continue
				}
				l.onAddr(n, u)
			}
		}
	}()
	return nil
}

const subscribeBuffer = 1 << 20

func (l *Lab) subscribe(n *node) (chan netlink.LinkUpdate, chan netlink.AddrUpdate, error) {
	links, err := l.subscribeLinks(n)
	if err != nil {
		return nil, nil, err
	}
	addrs, err := l.subscribeAddrs(n)
	if err != nil {
		return nil, nil, err
	}
	return links, addrs, nil
}

func (l *Lab) subscribeLinks(n *node) (chan netlink.LinkUpdate, error) {
	ns, err := vnetns.GetFromPath(n.nsPath)
	if err != nil {
		return nil, fmt.Errorf("netns: node %s: %w", n.name, err)
	}
	defer ns.Close()
	ch := make(chan netlink.LinkUpdate, 256)
	err = netlink.LinkSubscribeWithOptions(ch, l.done, netlink.LinkSubscribeOptions{
		Namespace: &ns, ListExisting: true, ReceiveBufferSize: subscribeBuffer,
		ErrorCallback: func(err error) { l.subscriptionError(n, "link", err) },
	})
	if err != nil {
		return nil, fmt.Errorf("netns: node %s: link subscription: %w", n.name, err)
	}
	return ch, nil
}

func (l *Lab) subscribeAddrs(n *node) (chan netlink.AddrUpdate, error) {
	ns, err := vnetns.GetFromPath(n.nsPath)
	if err != nil {
		return nil, fmt.Errorf("netns: node %s: %w", n.name, err)
	}
	defer ns.Close()
	ch := make(chan netlink.AddrUpdate, 256)
	err = netlink.AddrSubscribeWithOptions(ch, l.done, netlink.AddrSubscribeOptions{
		Namespace: &ns, ListExisting: true, ReceiveBufferSize: subscribeBuffer,
		ErrorCallback: func(err error) { l.subscriptionError(n, "address", err) },
	})
	if err != nil {
		return nil, fmt.Errorf("netns: node %s: address subscription: %w", n.name, err)
	}
	return ch, nil
}

func (l *Lab) closing() bool {
	select {
	case <-l.done:
		return true
	default:
		return false
	}
}

func (l *Lab) subscriptionError(n *node, what string, err error) {
	if l.closing() {
		return // the library reports its socket's closing as an error
	}
	l.emit(Event{Kind: KindWarning, Node: n.name, Text: fmt.Sprintf("%s subscription: %v", what, err)}, time.Now(), nil)
}

func (l *Lab) resubscribeLinks(n *node) chan netlink.LinkUpdate {
	if l.closing() {
		return nil
	}
	ch, err := l.subscribeLinks(n)
	if err != nil {
		l.emit(Event{Kind: KindWarning, Node: n.name, Text: err.Error()}, time.Now(), nil)
		return nil
	}
	return ch
}

// resubscribeAddrs reopens the address subscription after an overrun.
// The fresh dump re-reports every present address as added;
// reconcileAddrs reports those that went meanwhile as removed.
func (l *Lab) resubscribeAddrs(n *node) chan netlink.AddrUpdate {
	if l.closing() {
		return nil
	}
	l.emit(Event{Kind: KindWarning, Node: n.name, Text: "address subscription overran: resynchronising"}, time.Now(), nil)
	ch, err := l.subscribeAddrs(n)
	if err != nil {
		l.emit(Event{Kind: KindWarning, Node: n.name, Text: err.Error()}, time.Now(), nil)
		return nil
	}
	l.reconcileAddrs(n)
	return ch
}

// reconcileAddrs reports as removed every address the lab believes n has
// but the kernel no longer lists.
func (l *Lab) reconcileAddrs(n *node) {
	present := map[netip.Addr]map[int]bool{}
	all, err := n.handle.AddrList(nil, netlink.FAMILY_ALL)
	if err != nil {
		l.emit(Event{Kind: KindWarning, Node: n.name, Text: "address list: " + err.Error()}, time.Now(), nil)
		return
	}
	for _, a := range all {
		ip, ok := netip.AddrFromSlice(a.IP)
		if !ok {
			continue
		}
		ip = ip.Unmap()
		if present[ip] == nil {
			present[ip] = map[int]bool{}
		}
		present[ip][a.LinkIndex] = true
	}
	l.events.mu.Lock()
	type gone struct {
		ip  netip.Addr
		idx int
	}
	var drop []gone
	for ip, idxs := range n.addrs {
		for idx := range idxs {
			if !present[ip][idx] {
				drop = append(drop, gone{ip, idx})
			}
		}
	}
	l.events.mu.Unlock()
	for _, g := range drop {
		l.emit(Event{Kind: KindAddrDel, Node: n.name, Iface: l.ifname(n, g.idx), Addr: netip.PrefixFrom(g.ip, g.ip.BitLen())}, time.Now(),
			func() { delete(n.addrs[g.ip], g.idx) })
	}
}

func (l *Lab) ifname(n *node, idx int) string {
	l.events.mu.Lock()
	name, ok := n.ifnames[idx]
	l.events.mu.Unlock()
	if ok {
		return name
	}
	if link, err := n.handle.LinkByIndex(idx); err == nil {
		name = link.Attrs().Name
		l.events.mu.Lock()
		n.ifnames[idx] = name
		l.events.mu.Unlock()
		return name
	}
	return fmt.Sprintf("if%d", idx)
}

func (l *Lab) onLink(n *node, u netlink.LinkUpdate) {
	now := time.Now()
	a := u.Attrs()
	if u.Header.Type == unix.RTM_DELLINK {
		l.emit(Event{Kind: KindLink, Node: n.name, Iface: a.Name, Text: "removed"}, now,
			func() { delete(n.ifnames, int(u.Index)) })
		return
	}
	l.emit(Event{
		Kind: KindLink, Node: n.name, Iface: a.Name,
		Up:      u.IfInfomsg.Flags&unix.IFF_UP != 0,
		Running: u.IfInfomsg.Flags&unix.IFF_RUNNING != 0,
	}, now, func() { n.ifnames[int(u.Index)] = a.Name })
}

func (l *Lab) onAddr(n *node, u netlink.AddrUpdate) {
	now := time.Now()
	ip, ok := netip.AddrFromSlice(u.LinkAddress.IP)
	if !ok {
		return
	}
	ip = ip.Unmap()
	ones, _ := u.LinkAddress.Mask.Size()
	p := netip.PrefixFrom(ip, ones)
	idx := u.LinkIndex
	// A resubscription's dump repeats addresses already known: report
	// changes only, so adds and removals alternate per (address, interface).
	l.events.mu.Lock()
	known := n.addrs[ip][idx]
	l.events.mu.Unlock()
	if known == u.NewAddr {
		return
	}
	e := Event{Node: n.name, Iface: l.ifname(n, idx), Addr: p}
	if !u.NewAddr {
		e.Kind = KindAddrDel
		l.emit(e, now, func() {
			if m := n.addrs[ip]; m != nil {
				delete(m, idx)
				if len(m) == 0 {
					delete(n.addrs, ip)
				}
			}
		})
		return
	}
	e.Kind = KindAddrAdd
	e.Label = l.label(n, idx, ip)
	l.emit(e, now, func() {
		if n.addrs[ip] == nil {
			n.addrs[ip] = map[int]bool{}
		}
		n.addrs[ip][idx] = true
	})
}

// label looks up an IPv4 address's label (the netlink update does not
// carry it); "" if it is the interface's own name or the address went.
func (l *Lab) label(n *node, idx int, ip netip.Addr) string {
	if !ip.Is4() {
		return ""
	}
	link, err := n.handle.LinkByIndex(idx)
	if err != nil {
		return ""
	}
	addrs, err := n.handle.AddrList(link, netlink.FAMILY_V4)
	if err != nil {
		return ""
	}
	for _, a := range addrs {
		if got, ok := netip.AddrFromSlice(a.IP); ok && got.Unmap() == ip {
			if a.Label == link.Attrs().Name {
				return ""
			}
			return a.Label
		}
	}
	return ""
}

// Holders returns the nodes whose kernel holds addr on some interface,
// sorted: the VIP's placement as the kernel sees it, whatever a daemon
// says.
func (l *Lab) Holders(addr netip.Addr) []string {
	l.mu.Lock()
	nodes := make([]*node, 0, len(l.nodeOrder))
	for _, name := range l.nodeOrder {
		nodes = append(nodes, l.nodes[name])
	}
	l.mu.Unlock()
	l.events.mu.Lock()
	defer l.events.mu.Unlock()
	var out []string
	for _, n := range nodes {
		if len(n.addrs[addr]) > 0 {
			out = append(out, n.name)
		}
	}
	slices.Sort(out)
	return out
}

// State returns the last state node's daemon reported for a VRRP
// instance (or sync group) through its notify FIFO, and its priority.
func (l *Lab) State(node, instance string) (state string, priority int, ok bool) {
	n, err := l.node(node)
	if err != nil {
		return "", 0, false
	}
	l.events.mu.Lock()
	defer l.events.mu.Unlock()
	e, ok := n.states[instance]
	return e.State, e.Priority, ok
}

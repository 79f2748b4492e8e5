package linux

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"strings"
	"sync/atomic"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"
)

// Link is an interface as the kernel reports it (RTM_NEWLINK).
type Link struct {
	Index int
	Name  string
	// Flags are ifi_flags (IFF_UP, IFF_RUNNING, IFF_NOARP, ...).
	Flags        uint32
	MTU          int
	HardwareAddr net.HardwareAddr
	// ParentIndex is IFLA_LINK (a macvlan's or VLAN's parent).
	ParentIndex int
	// MasterIndex is IFLA_MASTER (bridge, bond or VRF).
	MasterIndex int
	// Kind is the link type ("veth", "macvlan", "bridge", "device", ...).
	Kind string
}

// Up is keepalived's notion of an interface being up (vrrp_if.h
// FLAGS_UP): administratively up (IFF_UP) and with carrier (IFF_RUNNING).
// `ip link set X down` clears both; losing carrier (the far end of a veth
// or a cable going down) clears IFF_RUNNING only.
func (l Link) Up() bool {
	return l.Flags&(unix.IFF_UP|unix.IFF_RUNNING) == unix.IFF_UP|unix.IFF_RUNNING
}

func (l Link) same(o Link) bool {
	return l.Index == o.Index && l.Name == o.Name && l.Flags == o.Flags && l.MTU == o.MTU &&
		bytes.Equal(l.HardwareAddr, o.HardwareAddr) && l.ParentIndex == o.ParentIndex &&
		l.MasterIndex == o.MasterIndex && l.Kind == o.Kind
}

func linkFrom(l netlink.Link, flags uint32) Link {
	a := l.Attrs()
	return Link{Index: a.Index, Name: a.Name, Flags: flags, MTU: a.MTU,
		HardwareAddr: bytes.Clone(a.HardwareAddr), ParentIndex: a.ParentIndex,
		MasterIndex: a.MasterIndex, Kind: l.Type()}
}

// EventKind says what an Event reports.
type EventKind uint8

const (
	// LinkChanged: a new interface, or one whose name, flags, MTU, MAC,
	// parent or master changed.
	LinkChanged EventKind = iota
	// LinkDeleted: an interface went away. A rename is reported as the
	// old name deleted and the new one changed (keepalived treats a
	// rename as a lost interface and a new one).
	LinkDeleted
	// AddrAdded / AddrDeleted: an address appeared on / left an interface.
	AddrAdded
	AddrDeleted
	// Synced: the monitor has (re)read the kernel's state. The first one
	// ends the initial state; a later one follows a resynchronisation
	// after lost notifications, and the events just before it are the
	// differences it found.
	Synced
)

var eventNames = [...]string{"link-changed", "link-deleted", "addr-added", "addr-deleted", "synced"}

func (k EventKind) String() string {
	if int(k) < len(eventNames) {
		return eventNames[k]
	}
	return fmt.Sprintf("event(%d)", k)
}

// Event is one change the Monitor saw.
type Event struct {
	Kind EventKind
	// Link is the interface (for address events: as last known, by
	// Addr's interface index; zero if it was never seen).
	Link Link
	// Ifindex is the interface index of the address (address events).
	Ifindex int
	// Addr is the address with its prefix length (address events).
	Addr netip.Prefix
	// AddrFlags are the IFA_F_* flags of an added address.
	AddrFlags uint32
}

// MonitorConfig configures a Monitor.
type MonitorConfig struct {
	// Namespace is the network namespace to watch; nil watches the
	// process's own (the namespace of the thread that calls Run).
	Namespace *netns.NsHandle
	// RcvBuf is the netlink socket's receive buffer (SO_RCVBUF; keepalived's
	// vrrp_netlink_monitor_rcv_bufs). 0 keeps the kernel default.
	RcvBuf int
	// Queue is how many notifications may wait between the socket reader
	// and Run's caller; 0 means 256.
	Queue int
	// Log receives overflow and resynchronisation messages; nil discards.
	Log *slog.Logger
}

// MonitorStats counts the monitor's resynchronisations.
type MonitorStats struct {
	// Resyncs is how many times the state was re-read after the
	// subscription ended (socket overflow or another receive error).
	Resyncs uint64
	// Overflows is how many of those were ENOBUFS (notifications lost).
	Overflows uint64
}

// Monitor follows interfaces and addresses by rtnetlink subscription
// (RTNLGRP_LINK, RTNLGRP_IPV4_IFADDR, RTNLGRP_IPV6_IFADDR) and keeps a
// table of both, so that it reports changes only. When the subscription
// fails — typically ENOBUFS because notifications came faster than they
// were read — it subscribes again and re-reads every link and address,
// reporting the differences, where keepalived 2.2.7 only logs "Netlink:
// Receive buffer overrun" and carries on with a stale view.
type Monitor struct {
	cfg    MonitorConfig
	log    *slog.Logger
	links  map[int]Link
	addrs  map[int]map[netip.Prefix]uint32
	fn     func(Event)
	resync atomic.Uint64
	ovfl   atomic.Uint64
}

// NewMonitor returns a monitor; Run starts it.
func NewMonitor(cfg MonitorConfig) *Monitor {
	if cfg.Queue <= 0 {
		cfg.Queue = 256
	}
	log := cfg.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Monitor{cfg: cfg, log: log}
}

// Stats returns the monitor's counters.
func (m *Monitor) Stats() MonitorStats {
	return MonitorStats{Resyncs: m.resync.Load(), Overflows: m.ovfl.Load()}
}

// subscription is one pair of link and address subscriptions.
type subscription struct {
	done   chan struct{}
	links  chan netlink.LinkUpdate
	addrs  chan netlink.AddrUpdate
	errs   chan error
	closed bool
}

func (s *subscription) close() {
	if s.closed {
		return
	}
	s.closed = true
	close(s.done)
	// The library's readers block on a full channel: drain until they
	// notice the closed socket and close their channels.
	for s.links != nil || s.addrs != nil {
		select {
		case _, ok := <-s.links:
			if !ok {
				s.links = nil
			}
		case _, ok := <-s.addrs:
			if !ok {
				s.addrs = nil
			}
		}
	}
}

func (m *Monitor) subscribe() (*subscription, error) {
	s := &subscription{
		done:  make(chan struct{}),
		links: make(chan netlink.LinkUpdate, m.cfg.Queue),
		addrs: make(chan netlink.AddrUpdate, m.cfg.Queue),
		errs:  make(chan error, 4),
	}
	cb := func(err error) {
		select {
		case s.errs <- err:
		default:
		}
	}
	ns := m.cfg.Namespace
	if err := netlink.LinkSubscribeWithOptions(s.links, s.done, netlink.LinkSubscribeOptions{
		Namespace: ns, ErrorCallback: cb, ReceiveBufferSize: m.cfg.RcvBuf}); err != nil {
		close(s.done)
		return nil, fmt.Errorf("subscribe to link events: %w", err)
	}
	if err := netlink.AddrSubscribeWithOptions(s.addrs, s.done, netlink.AddrSubscribeOptions{
		Namespace: ns, ErrorCallback: cb, ReceiveBufferSize: m.cfg.RcvBuf}); err != nil {
		s.addrs = nil
		s.close()
		return nil, fmt.Errorf("subscribe to address events: %w", err)
	}
	return s, nil
}

// Run reports events to fn, on the calling goroutine, until ctx is done
// (then it returns nil) or the kernel state cannot be read. It first
// reports every existing link and address, then Synced. A Monitor runs
// once at a time.
func (m *Monitor) Run(ctx context.Context, fn func(Event)) error {
	var h *netlink.Handle
	var err error
	if m.cfg.Namespace != nil {
		h, err = netlink.NewHandleAt(*m.cfg.Namespace)
	} else {
		h, err = netlink.NewHandle()
	}
	if err != nil {
		return fmt.Errorf("link monitor: %w", err)
	}
	defer h.Close()
	m.links = make(map[int]Link)
	m.addrs = make(map[int]map[netip.Prefix]uint32)
	m.fn = fn
	first := true
	for {
		// Subscribe before reading the state, so that nothing that
		// happens after the dump is missed; notifications queued during
		// the dump are applied after it and only report real changes.
		s, err := m.subscribe()
		if err != nil {
			return fmt.Errorf("link monitor: %w", err)
		}
		if err := m.sync(h); err != nil {
			s.close()
			return fmt.Errorf("link monitor: %w", err)
		}
		if !first {
			m.resync.Add(1)
		}
		first = false
		m.fn(Event{Kind: Synced})
		stop, err := m.follow(ctx, s)
		s.close()
		if stop {
			return nil
		}
		if errors.Is(err, unix.ENOBUFS) {
			m.ovfl.Add(1)
			m.log.Warn("Netlink: Receive buffer overrun on monitor socket - resynchronising", "error", err)
		} else {
			m.log.Warn("Netlink: monitor subscription ended - resynchronising", "error", err)
		}
	}
}

// follow applies notifications until the subscription ends (stop false,
// with the reason) or ctx is done (stop true).
func (m *Monitor) follow(ctx context.Context, s *subscription) (stop bool, _ error) {
	for {
		select {
		case <-ctx.Done():
			return true, nil
		case u, ok := <-s.links:
			if !ok {
				s.links = nil
				return false, subErr(s)
			}
			if u.Header.Type == unix.RTM_DELLINK {
				m.linkGone(u.Attrs().Index)
			} else {
				m.linkSeen(linkFrom(u.Link, u.IfInfomsg.Flags))
			}
		case u, ok := <-s.addrs:
			if !ok {
				s.addrs = nil
				return false, subErr(s)
			}
			p, ok := prefixOf(&u.LinkAddress)
			if !ok {
				continue
			}
			if u.NewAddr {
				m.addrSeen(u.LinkIndex, p, uint32(u.Flags))
			} else {
				m.addrGone(u.LinkIndex, p)
			}
		}
	}
}

// subErr is the reason a subscription ended, as the library reported it
// (it does not wrap the errno, so ENOBUFS is recognised by its text).
func subErr(s *subscription) error {
	select {
	case err := <-s.errs:
		if strings.Contains(err.Error(), unix.ENOBUFS.Error()) {
			return fmt.Errorf("%w (%v)", unix.ENOBUFS, err)
		}
		return err
	default:
		return errors.New("subscription closed")
	}
}

// sync re-reads every link and address and reports the differences.
func (m *Monitor) sync(h *netlink.Handle) error {
	var links []netlink.Link
	var addrs []netlink.Addr
	var err error
	for range dumpRetries {
		if links, err = h.LinkList(); !errors.Is(err, netlink.ErrDumpInterrupted) {
			break
		}
	}
	if err != nil {
		return fmt.Errorf("list links: %w", err)
	}
	for range dumpRetries {
		if addrs, err = h.AddrList(nil, netlink.FAMILY_ALL); !errors.Is(err, netlink.ErrDumpInterrupted) {
			break
		}
	}
	if err != nil {
		return fmt.Errorf("list addresses: %w", err)
	}
	seen := make(map[int]bool, len(links))
	for _, l := range links {
		seen[l.Attrs().Index] = true
		m.linkSeen(linkFrom(l, l.Attrs().RawFlags))
	}
	now := make(map[int]map[netip.Prefix]uint32)
	for _, a := range addrs {
		p, ok := prefixOf(a.IPNet)
		if !ok {
			continue
		}
		if now[a.LinkIndex] == nil {
			now[a.LinkIndex] = make(map[netip.Prefix]uint32)
		}
		now[a.LinkIndex][p] = uint32(a.Flags)
	}
	for idx, set := range m.addrs {
		for p := range set {
			if _, ok := now[idx][p]; !ok {
				m.addrGone(idx, p)
			}
		}
	}
	for idx, set := range now {
		for p, fl := range set {
			m.addrSeen(idx, p, fl)
		}
	}
	for idx := range m.links {
		if !seen[idx] {
			m.linkGone(idx)
		}
	}
	return nil
}

func (m *Monitor) linkSeen(l Link) {
	old, ok := m.links[l.Index]
	if ok && old.same(l) {
		return
	}
	if ok && old.Name != l.Name {
		m.fn(Event{Kind: LinkDeleted, Link: old})
	}
	m.links[l.Index] = l
	m.fn(Event{Kind: LinkChanged, Link: l})
}

func (m *Monitor) linkGone(idx int) {
	l, ok := m.links[idx]
	if !ok {
		return
	}
	for p := range m.addrs[idx] {
		m.addrGone(idx, p)
	}
	delete(m.links, idx)
	m.fn(Event{Kind: LinkDeleted, Link: l})
}

func (m *Monitor) addrSeen(idx int, p netip.Prefix, flags uint32) {
	set := m.addrs[idx]
	if _, ok := set[p]; ok {
		set[p] = flags
		return
	}
	if set == nil {
		set = make(map[netip.Prefix]uint32)
		m.addrs[idx] = set
	}
	set[p] = flags
	m.fn(Event{Kind: AddrAdded, Link: m.links[idx], Ifindex: idx, Addr: p, AddrFlags: flags})
}

func (m *Monitor) addrGone(idx int, p netip.Prefix) {
	set := m.addrs[idx]
	if _, ok := set[p]; !ok {
		return
	}
	delete(set, p)
	if len(set) == 0 {
		delete(m.addrs, idx)
	}
	m.fn(Event{Kind: AddrDeleted, Link: m.links[idx], Ifindex: idx, Addr: p})
}

func prefixOf(n *net.IPNet) (netip.Prefix, bool) {
	if n == nil {
		return netip.Prefix{}, false
	}
	ip, ok := netip.AddrFromSlice(n.IP)
	if !ok {
		return netip.Prefix{}, false
	}
	ones, _ := n.Mask.Size()
	return netip.PrefixFrom(ip.Unmap(), ones), true
}

package nslab

import (
	"net/netip"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/vishvananda/netlink"
)

// Watch records who holds an address, from netlink address events in
// each node's namespace (event-driven: no polling interval limits the
// precision; the timestamps are when this process received the events).
type Watch struct {
	addr  netip.Addr
	names []string
	mu    sync.Mutex
	ev    []holdEvent
	done  chan struct{}
	wg    sync.WaitGroup
}

type holdEvent struct {
	at   time.Time
	node int
	has  bool
}

// WatchHolders starts recording addr on the given namespaces (any
// interface).
func WatchHolders(t testing.TB, addr netip.Addr, nodes ...*NS) *Watch {
	t.Helper()
	w := &Watch{addr: addr, done: make(chan struct{})}
	for i, n := range nodes {
		w.names = append(w.names, n.Name)
		ch := make(chan netlink.AddrUpdate, 1024)
		Must(t, netlink.AddrSubscribeWithOptions(ch, w.done, netlink.AddrSubscribeOptions{Namespace: &n.Handle, ReceiveBufferSize: 1 << 20}))
		// The initial state, after subscribing so nothing is missed.
		w.record(i, n.HasAddrAny(addr), time.Now())
		w.wg.Add(1)
		go func() {
			defer w.wg.Done()
			for u := range ch {
				ip, ok := netip.AddrFromSlice(u.LinkAddress.IP)
				if ok && ip.Unmap() == addr {
					w.record(i, u.NewAddr, time.Now())
				}
			}
		}()
	}
	return w
}

func (w *Watch) record(node int, has bool, at time.Time) {
	w.mu.Lock()
	w.ev = append(w.ev, holdEvent{at: at, node: node, has: has})
	w.mu.Unlock()
}

// Stop ends the recording and returns the timeline.
func (w *Watch) Stop() Timeline {
	close(w.done)
	w.wg.Wait()
	return w.Timeline()
}

// Timeline is the recording so far.
func (w *Watch) Timeline() Timeline {
	w.mu.Lock()
	defer w.mu.Unlock()
	ev := append([]holdEvent(nil), w.ev...)
	sort.SliceStable(ev, func(i, j int) bool { return ev[i].at.Before(ev[j].at) })
	return Timeline{names: w.names, ev: ev}
}

// Timeline is who held an address when.
type Timeline struct {
	names []string
	ev    []holdEvent
}

// Stats are the longest stretch without a holder and with two or more
// holders between from and to.
type Stats struct {
	MaxNoHolder, MaxDual time.Duration
	// Holder is who held it at to (-1: nobody or several).
	Holder int
}

// Between measures the timeline between from and to.
func (tl Timeline) Between(from, to time.Time) Stats {
	holds := make([]bool, len(tl.names))
	count := func() int {
		n := 0
		for _, h := range holds {
			if h {
				n++
			}
		}
		return n
	}
	var st Stats
	var since time.Time
	state := -1 // holders count class at since
	class := func(n int) int {
		switch {
		case n == 0:
			return 0
		case n == 1:
			return 1
		}
		return 2
	}
	flush := func(at time.Time) {
		if since.IsZero() {
			return
		}
		d := at.Sub(since)
		switch state {
		case 0:
			st.MaxNoHolder = max(st.MaxNoHolder, d)
		case 2:
			st.MaxDual = max(st.MaxDual, d)
		}
	}
	i := 0
	for ; i < len(tl.ev) && !tl.ev[i].at.After(from); i++ {
		holds[tl.ev[i].node] = tl.ev[i].has
	}
	since, state = from, class(count())
	for ; i < len(tl.ev) && !tl.ev[i].at.After(to); i++ {
		e := tl.ev[i]
		holds[e.node] = e.has
		if c := class(count()); c != state {
			flush(e.at)
			since, state = e.at, c
		}
	}
	flush(to)
	st.Holder = -1
	if count() == 1 {
		for j, h := range holds {
			if h {
				st.Holder = j
			}
		}
	}
	return st
}

// HasAddrAny reports whether any interface of the namespace carries addr.
func (n *NS) HasAddrAny(addr netip.Addr) bool {
	list, err := n.NL.AddrList(nil, netlink.FAMILY_ALL)
	if err != nil {
		return false
	}
	for _, a := range list {
		if ip, ok := netip.AddrFromSlice(a.IP); ok && ip.Unmap() == addr {
			return true
		}
	}
	return false
}

// Settle waits until the recording agrees with the kernel on every node
// (events are stamped when this process reads them: a measurement must
// start after the events of what came before have been read).
func (w *Watch) Settle(t testing.TB, nodes ...*NS) {
	t.Helper()
	WaitFor(t, 2*time.Second, "the holder watch to catch up", func() bool {
		w.mu.Lock()
		last := make([]bool, len(w.names))
		for _, e := range w.ev {
			last[e.node] = e.has
		}
		w.mu.Unlock()
		for i, n := range nodes {
			if n.HasAddrAny(w.addr) != last[i] {
				return false
			}
		}
		return true
	})
}

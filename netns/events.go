package netns

import (
	"context"
	"fmt"
	"net/netip"
	"slices"
	"sync"
	"time"
)

// Kind says what an Event reports.
type Kind string

// The kinds of events. Ground truth comes from the kernel (addresses and
// links by netlink, frames by a capture in each switch); what a daemon
// says comes from its notify FIFO, the notify wrapper and its log.
const (
	// KindAddrAdd / KindAddrDel: an address appeared on / left a node's
	// interface (Node, Iface, Addr, Label), as netlink reported it.
	KindAddrAdd Kind = "addr-add"
	KindAddrDel Kind = "addr-del"
	// KindLink: a node interface's flags changed (Node, Iface, Up =
	// IFF_UP, Running = IFF_RUNNING, i.e. carrier).
	KindLink Kind = "link"
	// KindAdvert: a VRRP advert a node put on a segment (Segment, Node,
	// VRID, Priority, Version, AdvertIntCS, Src, Dst, Addrs; Text holds
	// the codec's rejection reason for a malformed one). At is the
	// capture's kernel timestamp.
	KindAdvert Kind = "advert"
	// KindGARP: a gratuitous ARP (sender IP = target IP = Addr) a node put
	// on a segment.
	KindGARP Kind = "garp"
	// KindState: a line of the daemon's notify FIFO about a VRRP instance
	// or sync group (Node, Instance, State, Priority; Text is "INSTANCE"
	// or "GROUP").
	KindState Kind = "state"
	// KindFIFO: any other notify FIFO line (Text), e.g. keepalived's
	// VS/RS lines.
	KindFIFO Kind = "fifo"
	// KindNotify: a run of the NotifyScript wrapper (Node, Argv). At is
	// the wrapper's own clock reading.
	KindNotify Kind = "notify"
	// KindLog: a line the daemon wrote to stdout or stderr (Node, Text).
	KindLog Kind = "log"
	// KindStart / KindExit: a process the lab started in a node (Node,
	// PID on the host, Text = what: "daemon", "service nginx", …; for
	// KindExit also the wait status).
	KindStart Kind = "start"
	KindExit  Kind = "exit"
	// KindAction: something the lab did (Node and/or Segment, Text), time
	// stamped just before it was done: a fault, a signal, a file written.
	KindAction Kind = "action"
	// KindWarning: the lab could not observe something (Text), e.g. a
	// capture that dropped frames or a netlink subscription that overran.
	KindWarning Kind = "warning"
)

// Event is one timestamped observation. Only the fields its Kind names
// are set; the zero values are omitted from JSON, so an event serialises
// to one small object.
type Event struct {
	// At is the time since the lab was created: the kernel's capture
	// timestamp for frames, the wrapper's clock for notify calls, the
	// moment the lab received it for netlink, FIFO and log lines.
	At      time.Duration `json:"at"`
	Kind    Kind          `json:"kind"`
	Node    string        `json:"node,omitempty"`
	Segment string        `json:"segment,omitempty"`
	Iface   string        `json:"iface,omitempty"`

	Addr    netip.Prefix `json:"addr,omitzero"`
	Label   string       `json:"label,omitempty"`
	Up      bool         `json:"up,omitempty"`
	Running bool         `json:"running,omitempty"`

	Instance string `json:"instance,omitempty"`
	State    string `json:"state,omitempty"`
	Priority int    `json:"priority,omitempty"`

	VRID        int          `json:"vrid,omitempty"`
	Version     int          `json:"version,omitempty"`
	AdvertIntCS int          `json:"advert_int_cs,omitempty"`
	Src         netip.Addr   `json:"src,omitzero"`
	Dst         netip.Addr   `json:"dst,omitzero"`
	Addrs       []netip.Addr `json:"addrs,omitempty"`

	Argv []string `json:"argv,omitempty"`
	PID  int      `json:"pid,omitempty"`
	Text string   `json:"text,omitempty"`
}

// String is a one-line rendering for logs and test failures.
func (e Event) String() string {
	s := fmt.Sprintf("%10.6fs %-8s", e.At.Seconds(), e.Kind)
	if e.Segment != "" {
		s += " @" + e.Segment
	}
	if e.Node != "" {
		s += " " + e.Node
	}
	switch e.Kind {
	case KindAddrAdd, KindAddrDel:
		s += fmt.Sprintf(" %s %s", e.Iface, e.Addr)
		if e.Label != "" {
			s += " label " + e.Label
		}
	case KindLink:
		s += fmt.Sprintf(" %s up=%v running=%v", e.Iface, e.Up, e.Running)
	case KindAdvert:
		s += fmt.Sprintf(" vrid %d prio %d v%d %v→%v %v", e.VRID, e.Priority, e.Version, e.Src, e.Dst, e.Addrs)
	case KindGARP:
		s += " " + e.Addr.Addr().String()
	case KindState:
		s += fmt.Sprintf(" %s %s %d", e.Instance, e.State, e.Priority)
	case KindNotify:
		s += fmt.Sprintf(" %q", e.Argv)
	case KindStart, KindExit:
		s += fmt.Sprintf(" pid %d", e.PID)
	}
	if e.Text != "" {
		s += " " + e.Text
	}
	return s
}

// DefaultMaxEvents bounds the event log (Config.MaxEvents): about two
// days of a busy two-node lab. Events past the bound are counted, not kept.
const DefaultMaxEvents = 1 << 20

// eventLog is the lab's append-only observation log. Every append wakes
// the waiters of Await.
type eventLog struct {
	start time.Time
	max   int

	mu      sync.Mutex
	events  []Event
	dropped int
	changed chan struct{}
}

func newEventLog(start time.Time, max int) *eventLog {
	if max <= 0 {
		max = DefaultMaxEvents
	}
	return &eventLog{start: start, max: max, changed: make(chan struct{})}
}

// since converts a timestamp to lab time.
func (l *eventLog) since(t time.Time) time.Duration { return t.Sub(l.start) }

// add appends e (At already set) and wakes waiters. apply, if not nil,
// runs under the log's lock first, so a derived table (VIP holders)
// changes atomically with the log.
func (l *eventLog) add(e Event, apply func()) {
	l.mu.Lock()
	if apply != nil {
		apply()
	}
	if len(l.events) < l.max {
		l.events = append(l.events, e)
	} else {
		l.dropped++
	}
	close(l.changed)
	l.changed = make(chan struct{})
	l.mu.Unlock()
}

// poke wakes waiters without logging anything: a counter they may watch
// changed.
func (l *eventLog) poke() {
	l.mu.Lock()
	close(l.changed)
	l.changed = make(chan struct{})
	l.mu.Unlock()
}

func (l *eventLog) from(i int) []Event {
	l.mu.Lock()
	defer l.mu.Unlock()
	if i < 0 {
		i = 0
	}
	if i >= len(l.events) {
		return nil
	}
	return slices.Clone(l.events[i:])
}

func (l *eventLog) wait() <-chan struct{} {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.changed
}

// await returns nil once cond holds; cond is evaluated now and after
// every event, never under the log's lock.
func (l *eventLog) await(ctx context.Context, cond func() bool) error {
	for {
		ch := l.wait()
		if cond() {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("netns: condition not met: %w", context.Cause(ctx))
		}
	}
}

// Span is an interval during which the set of nodes holding an address
// did not change. To is the start of the next span (the last span ends
// at the time passed to VIPSpans).
type Span struct {
	From, To time.Duration
	Nodes    []string // sorted; empty: nobody held the address
}

// VIPSpans replays the address events of a log and returns, in time
// order, the spans of constant holders of addr, from the first event up
// to end. Two nodes in one span is a split brain; an empty span is an
// outage. Events are sorted by At first (their arrival order can differ
// by a few milliseconds).
func VIPSpans(events []Event, addr netip.Addr, end time.Duration) []Span {
	evs := slices.Clone(events)
	slices.SortStableFunc(evs, func(a, b Event) int { return int(a.At - b.At) })
	// holders counts, per node, how many of its interfaces hold addr.
	holders := map[string]int{}
	set := func() []string {
		var out []string
		for n, c := range holders {
			if c > 0 {
				out = append(out, n)
			}
		}
		slices.Sort(out)
		return out
	}
	var spans []Span
	var cur []string
	var curFrom time.Duration
	started := false
	for _, e := range evs {
		if (e.Kind != KindAddrAdd && e.Kind != KindAddrDel) || e.Addr.Addr() != addr {
			continue
		}
		if e.Kind == KindAddrAdd {
			holders[e.Node]++
		} else if holders[e.Node] > 0 {
			holders[e.Node]--
		}
		next := set()
		if !started {
			started, cur, curFrom = true, next, e.At
			continue
		}
		if slices.Equal(next, cur) {
			continue
		}
		spans = append(spans, Span{From: curFrom, To: e.At, Nodes: cur})
		cur, curFrom = next, e.At
	}
	if started && end > curFrom {
		spans = append(spans, Span{From: curFrom, To: end, Nodes: cur})
	}
	return spans
}

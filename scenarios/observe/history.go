package observe

import (
	"maps"
	"net/netip"
	"slices"
	"time"
)

// Transition is one VRRP state change of one instance on one node.
type Transition struct {
	At             time.Duration
	Node, Instance string
	From, To       string
	Priority       int
	// Seq is the observation's index in the stream: two transitions in
	// the same instant are ordered by it.
	Seq int
}

// SplitBrain is an interval during which more than one node held the same
// address, from the address observations (the world's ground truth).
type SplitBrain struct {
	VIP netip.Addr
	// Nodes is every node that held the address during the interval.
	Nodes      []string
	Start, End time.Duration
	Open       bool
}

// Duration is End-Start.
func (s SplitBrain) Duration() time.Duration { return s.End - s.Start }

// HandoverGrace is the longest overlap of two holders that is a hand-over
// rather than a split brain: the new master adds its VIPs as it sends its
// first advert, and the old one removes them when that advert reaches it,
// one delivery later (tens of microseconds on a LAN, and in the
// simulator's daemon models; keepalived even sends the advert before it
// adds the addresses). A lower-priority node's false takeover that the
// master answers at once lasts one round trip and is a flap, not a split
// brain, too.
const HandoverGrace = 2 * time.Millisecond

// Handover reports whether a closed interval is short enough to be a
// hand-over (HandoverGrace).
func (s SplitBrain) Handover() bool { return !s.Open && s.End-s.Start <= HandoverGrace }

// Notify is one run of a notify script.
type Notify struct {
	At   time.Duration
	Node string
	Argv []string
	Seq  int
}

// Detection is a split brain a daemon reported (a MASTER saw another node
// advertise or announce one of its VIPs).
type Detection struct {
	At       time.Duration
	Node     string
	Instance string
	Text     string
	Seq      int
}

// AddrChange is an address added to or removed from a node.
type AddrChange struct {
	At    time.Duration
	Node  string
	Addr  netip.Addr
	Added bool
	Seq   int
}

// History folds a stream of observations, in order, into the facts
// scenarios assert. Add the stream as it grows: every fold is incremental.
// The zero value is an empty history. Slices returned by its methods are
// shared with it and must not be modified.
type History struct {
	n           int
	transitions []Transition
	notifies    []Notify
	detections  []Detection
	addrs       []AddrChange
	rejects     map[string]map[string]int     // node → reason → count
	held        map[netip.Addr]map[string]int // address → node → prefixes holding it
	splits      []SplitBrain                  // every interval, instant ones included
	open        map[netip.Addr]int            // address → index into splits
}

// Len is the number of observations folded so far: the index to read the
// stream from next.
func (h *History) Len() int { return h.n }

// Add folds observations into the history, in stream order.
func (h *History) Add(obs ...Observation) {
	for _, o := range obs {
		h.add(o)
		h.n++
	}
}

func (h *History) add(o Observation) {
	switch o.Kind {
	case KindState:
		h.transitions = append(h.transitions, Transition{At: o.At, Node: o.Node, Instance: o.Instance,
			From: o.From, To: o.To, Priority: o.Priority, Seq: h.n})
	case KindReject:
		if h.rejects == nil {
			h.rejects = map[string]map[string]int{}
		}
		if h.rejects[o.Node] == nil {
			h.rejects[o.Node] = map[string]int{}
		}
		h.rejects[o.Node][o.Reason]++
	case KindSplitBrainDetected:
		h.detections = append(h.detections, Detection{At: o.At, Node: o.Node, Instance: o.Instance, Text: o.Text, Seq: h.n})
	case KindNotify:
		h.notifies = append(h.notifies, Notify{At: o.At, Node: o.Node, Argv: o.Argv, Seq: h.n})
	case KindAddrAdd, KindAddrDel:
		// An address on the loopback answers no ARP (a DR real server's
		// VIP, with arp_ignore): it holds nothing for the network.
		if o.Iface != "lo" {
			h.addrChanged(o)
		}
	}
}

// addrChanged counts who holds the address and opens, widens or closes
// its split-brain interval.
func (h *History) addrChanged(o Observation) {
	a := o.Prefix.Addr()
	added := o.Kind == KindAddrAdd
	h.addrs = append(h.addrs, AddrChange{At: o.At, Node: o.Node, Addr: a, Added: added, Seq: h.n})
	if h.held == nil {
		h.held = map[netip.Addr]map[string]int{}
		h.open = map[netip.Addr]int{}
	}
	if h.held[a] == nil {
		h.held[a] = map[string]int{}
	}
	// A node may hold an address more than once (10.0.0.5/24 and the VIP
	// 10.0.0.5/32): it holds it until the last one goes.
	if added {
		h.held[a][o.Node]++
	} else if h.held[a][o.Node] > 0 {
		h.held[a][o.Node]--
	}
	holders := h.Holders(a)
	idx, open := h.open[a]
	switch {
	case len(holders) > 1 && !open:
		h.splits = append(h.splits, SplitBrain{VIP: a, Nodes: holders, Start: o.At, Open: true})
		h.open[a] = len(h.splits) - 1
	case len(holders) > 1 && open:
		s := &h.splits[idx]
		for _, n := range holders {
			if !slices.Contains(s.Nodes, n) {
				s.Nodes = append(s.Nodes, n)
				slices.Sort(s.Nodes)
			}
		}
	case len(holders) <= 1 && open:
		s := &h.splits[idx]
		s.End, s.Open = o.At, false
		delete(h.open, a)
	}
}

// Holders returns the sorted names of the nodes holding a.
func (h *History) Holders(a netip.Addr) []string {
	var out []string
	for n, c := range h.held[a] {
		if c > 0 {
			out = append(out, n)
		}
	}
	slices.Sort(out)
	return out
}

// Transitions returns every state change so far, in order.
func (h *History) Transitions() []Transition { return h.transitions }

// Notifies returns every notify script run so far.
func (h *History) Notifies() []Notify { return h.notifies }

// Detections returns every split brain the daemons reported so far.
func (h *History) Detections() []Detection { return h.detections }

// AddrChanges returns every address added or removed so far, the
// topology's own addresses included.
func (h *History) AddrChanges() []AddrChange { return h.addrs }

// Rejects returns node's count of rejected adverts per reason (a copy).
func (h *History) Rejects(node string) map[string]int {
	out := maps.Clone(h.rejects[node])
	if out == nil {
		out = map[string]int{}
	}
	return out
}

// SplitBrains returns every split-brain interval so far, in the order they
// began, leaving out hand-overs (SplitBrain.Handover: the new master adds
// the address up to HandoverGrace before the old one removes it). Open
// intervals end at now.
func (h *History) SplitBrains(now time.Duration) []SplitBrain {
	var out []SplitBrain
	for _, s := range h.splits {
		if s.Handover() {
			continue
		}
		s.Nodes = slices.Clone(s.Nodes)
		if s.Open {
			s.End = now
		}
		out = append(out, s)
	}
	return out
}

// Intervals returns every interval with more than one holder, in the order
// they began, hand-overs included: the raw material of SplitBrains, for a
// printer that follows the stream.
func (h *History) Intervals() []SplitBrain { return h.splits }

// OpenInterval returns the index in Intervals of a's open interval.
func (h *History) OpenInterval(a netip.Addr) (int, bool) {
	i, ok := h.open[a]
	return i, ok
}

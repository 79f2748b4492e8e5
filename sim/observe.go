package sim

import (
	"fmt"
	"io"
	"net/netip"
	"slices"
	"time"

	"github.com/gokeepalived/gokeepalived/pkg/vrrp"
)

// observer records everything scenarios assert on.
type observer struct {
	w           *World
	transitions []Transition
	notifies    []NotifyCall
	vipEvents   []VIPEvent
	garps       []GARPEvent
	adverts     []AdvertEvent
	timeline    []TraceEvent
	counters    map[string]*Counters
	splits      []SplitBrain
	openSplit   map[netip.Addr]int // index into splits
}

// GARPEvent is one gratuitous ARP / unsolicited NA sent by a node.
type GARPEvent struct {
	At    time.Duration
	Node  string
	Iface string
	Addr  netip.Addr
}

func (o *observer) init(w *World) {
	o.w = w
	o.counters = map[string]*Counters{}
	o.openSplit = map[netip.Addr]int{}
}

func (o *observer) counter(node string) *Counters {
	c := o.counters[node]
	if c == nil {
		c = &Counters{Rejected: map[string]int{}}
		o.counters[node] = c
	}
	return c
}

func (o *observer) dropped(node string)  { o.counter(node).Dropped++ }
func (o *observer) received(node string) { o.counter(node).AdvertsReceived++ }

// event appends one line to the timeline (and the live trace writer).
func (o *observer) event(node, instance, kind, text string) {
	o.eventAt(o.w.now, node, instance, kind, text)
}

func (o *observer) eventAt(at time.Duration, node, instance, kind, text string) {
	e := TraceEvent{At: at, Node: node, Instance: instance, Kind: kind, Text: text}
	o.timeline = append(o.timeline, e)
	if o.w.opt.Trace != nil {
		io.WriteString(o.w.opt.Trace, e.String()+"\n")
	}
}

func (o *observer) transition(node, instance string, from, to vrrp.State, prio uint8) {
	o.transitions = append(o.transitions, Transition{At: o.w.now, Node: node, Instance: instance, From: from, To: to, Priority: prio})
}

// addrChanged records an address change on a node and updates the
// split-brain intervals for that address.
func (o *observer) addrChanged(n *node, ifc *nodeIface, p netip.Prefix, label string, added, trace bool) {
	o.vipEvents = append(o.vipEvents, VIPEvent{At: o.w.now, Node: n.name, Iface: ifc.name, Prefix: p, Label: label, Added: added})
	if trace {
		verb := "del"
		if added {
			verb = "add"
		}
		txt := fmt.Sprintf("%s %s dev %s", verb, p, ifc.name)
		if label != "" {
			txt += " label " + label
		}
		o.event(n.name, "", "vip", txt)
	}
	a := p.Addr()
	holders := o.w.VIPHolders(a)
	idx, open := o.openSplit[a]
	switch {
	case len(holders) > 1 && !open:
		o.splits = append(o.splits, SplitBrain{VIP: a, Nodes: holders, Start: o.w.now, Open: true})
		i := len(o.splits) - 1
		o.openSplit[a] = i
		// A hand-over inside one instant (the new master adds the VIP, the
		// old one removes it when the advert arrives at the same virtual
		// time) is not a split brain: confirm once the instant is over.
		o.w.schedule(o.w.now+1, func() {
			if s := &o.splits[i]; s.Open || s.End > s.Start {
				o.eventAt(s.Start, "", "", "split-brain", fmt.Sprintf("START %s held by %v", a, s.Nodes))
			}
		})
	case len(holders) > 1 && open:
		for _, h := range holders {
			if !slices.Contains(o.splits[idx].Nodes, h) {
				o.splits[idx].Nodes = append(o.splits[idx].Nodes, h)
				slices.Sort(o.splits[idx].Nodes)
			}
		}
	case len(holders) <= 1 && open:
		s := &o.splits[idx]
		s.End, s.Open = o.w.now, false
		delete(o.openSplit, a)
		if s.End > s.Start {
			o.event("", "", "split-brain", fmt.Sprintf("END %s after %v", a, s.End-s.Start))
		}
	}
}

// splitBrains lists the intervals, leaving out those that opened and
// closed within one instant (see addrChanged).
func (o *observer) splitBrains() []SplitBrain {
	var out []SplitBrain
	for _, s := range o.splits {
		if !s.Open && s.End == s.Start {
			continue
		}
		s.Nodes = slices.Clone(s.Nodes)
		if s.Open {
			s.End = o.w.now
		}
		out = append(out, s)
	}
	return out
}

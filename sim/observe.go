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
	e := TraceEvent{At: o.w.now, Node: node, Instance: instance, Kind: kind, Text: text}
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
		o.openSplit[a] = len(o.splits) - 1
		o.event("", "", "split-brain", fmt.Sprintf("START %s held by %v", a, holders))
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
		o.event("", "", "split-brain", fmt.Sprintf("END %s after %v", a, s.End-s.Start))
	}
}

func (o *observer) splitBrains() []SplitBrain {
	out := make([]SplitBrain, len(o.splits))
	for i, s := range o.splits {
		s.Nodes = slices.Clone(s.Nodes)
		if s.Open {
			s.End = o.w.now
		}
		out[i] = s
	}
	return out
}

// tick is called when a run ends; nothing to do yet (room for periodic
// invariant checks).
func (o *observer) tick() {}

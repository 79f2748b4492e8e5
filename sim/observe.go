package sim

import (
	"io"
	"log/slog"
	"net/netip"
	"time"

	"github.com/gokeepalived/gokeepalived/daemon"
	"github.com/gokeepalived/gokeepalived/pkg/config"
	"github.com/gokeepalived/gokeepalived/scenarios/observe"
)

// observer records what happens in the world as one stream of raw
// observations (package observe), in event order. It derives nothing:
// transitions, split brains, reject counts and the readable timeline are
// folded from the stream by observe.History and the scenario runner, the
// same way for every world. Besides the stream it keeps the network's own
// counters and, on request, every advert and gratuitous ARP sent.
type observer struct {
	w        *World
	log      []observe.Observation
	garps    []GARPEvent
	adverts  []AdvertEvent
	counters map[string]*Counters
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
}

func (o *observer) counter(node string) *Counters {
	c := o.counters[node]
	if c == nil {
		c = &Counters{}
		o.counters[node] = c
	}
	return c
}

func (o *observer) dropped(node string)  { o.counter(node).Dropped++ }
func (o *observer) received(node string) { o.counter(node).AdvertsReceived++ }

// record appends one observation at the current virtual time (and writes
// its line to the live trace writer).
func (o *observer) record(ob observe.Observation) {
	ob.At = o.w.now
	o.log = append(o.log, ob)
	if o.w.opt.Trace != nil {
		io.WriteString(o.w.opt.Trace, ob.String()+"\n")
	}
}

// event records something the world did or saw that carries only text:
// a daemon process event, a link change, a network fault, a file written.
func (o *observer) event(node, instance, kind, text string) {
	o.record(observe.Observation{Node: node, Instance: instance, Kind: observe.Kind(kind), Text: text})
}

// report records one of the driver's reports (per-advert reports only
// with Options.RecordAdverts).
func (o *observer) report(node string, r daemon.Report) {
	if observe.IsAdvert(r) && !o.w.opt.RecordAdverts {
		return
	}
	o.record(observe.FromReport(o.w.now, node, r))
}

// notify records a notify script run: its argv, exit status and, when it
// failed, the first line of its stderr.
func (o *observer) notify(node string, argv []string, exit int, failed bool, stderr string) {
	ob := observe.Observation{Node: node, Kind: observe.KindNotify, Argv: argv, Exit: exit, Failed: failed}
	if failed {
		ob.Text = stderr
	}
	o.record(ob)
}

// diagnostic records a diagnostic of the configuration node loaded.
func (o *observer) diagnostic(node string, d config.Diagnostic) {
	o.record(observe.FromDiagnostic(o.w.now, node, d))
}

// logged records a line a daemon logged.
func (o *observer) logged(node string, l slog.Level, msg string) {
	o.record(observe.Observation{Node: node, Kind: observe.KindLog, Level: observe.LogLevel(l), Text: msg})
}

// addrChanged records an address appearing on or leaving a node's
// interface: the ground truth of who holds an address. The topology's
// own addresses are recorded too (at boot), so that a history folded from
// the stream knows every holder.
func (o *observer) addrChanged(n *node, ifc *nodeIface, p netip.Prefix, label string, added bool) {
	k := observe.KindAddrDel
	if added {
		k = observe.KindAddrAdd
	}
	o.record(observe.Observation{Node: n.name, Kind: k, Iface: ifc.name, Prefix: p, Label: label})
}

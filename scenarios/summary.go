package scenarios

import (
	"cmp"
	"fmt"
	"io"
	"net/netip"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/gokeepalived/gokeepalived/scenarios/observe"
)

// VIPHistory is who held one virtual address over the run.
type VIPHistory struct {
	Addr  netip.Addr
	Spans []HolderSpan
}

// HolderSpan is an interval with a constant set of holders.
type HolderSpan struct {
	From, To time.Duration
	Holders  []string
}

// Failover is a move of a VIP from one sole holder to another (From ""
// is the first election), with the step that caused it.
type Failover struct {
	VIP      netip.Addr
	From, To string
	Cause    Action
	// Lost is when From stopped being the sole holder, Gained when To
	// became it; Took = Gained - Cause.At.
	Lost, Gained time.Duration
	Took         time.Duration
	// Gap is time nobody held the VIP in between, Overlap time more than
	// one node did (split brain).
	Gap, Overlap time.Duration
}

// summarize rebuilds the holder history of every address a daemon added
// (interface addresses from the topology are left out).
func summarize(h *observe.History, sc *Scenario, actions []Action, end time.Duration) ([]VIPHistory, []Failover) {
	static := map[netip.Addr]bool{}
	for _, n := range sc.Nodes {
		for _, i := range n.Ifaces {
			for _, a := range i.Addrs {
				static[a.Addr()] = true
			}
		}
	}
	holders := map[netip.Addr]map[string]bool{}
	hist := map[netip.Addr]*VIPHistory{}
	var order []netip.Addr
	cur := func(a netip.Addr) []string {
		var out []string
		for n, ok := range holders[a] {
			if ok {
				out = append(out, n)
			}
		}
		slices.Sort(out)
		return out
	}
	for _, e := range h.AddrChanges() {
		if static[e.Addr] {
			continue
		}
		vh := hist[e.Addr]
		if vh == nil {
			vh = &VIPHistory{Addr: e.Addr, Spans: []HolderSpan{{From: 0}}}
			hist[e.Addr] = vh
			holders[e.Addr] = map[string]bool{}
			order = append(order, e.Addr)
		}
		before := cur(e.Addr)
		holders[e.Addr][e.Node] = e.Added
		after := cur(e.Addr)
		if slices.Equal(before, after) {
			continue
		}
		last := &vh.Spans[len(vh.Spans)-1]
		if last.From == e.At {
			// Same instant: replace (zero-length spans are noise).
			last.Holders = after
			if len(vh.Spans) > 1 && slices.Equal(vh.Spans[len(vh.Spans)-2].Holders, after) {
				vh.Spans = vh.Spans[:len(vh.Spans)-1]
			}
			continue
		}
		last.To = e.At
		vh.Spans = append(vh.Spans, HolderSpan{From: e.At, Holders: after})
	}
	var out []VIPHistory
	var fos []Failover
	for _, a := range order {
		vh := hist[a]
		vh.Spans[len(vh.Spans)-1].To = end
		vh.Spans = dropHandovers(vh.Spans)
		out = append(out, *vh)
		fos = append(fos, failovers(*vh, actions)...)
	}
	slices.SortStableFunc(fos, func(x, y Failover) int { return cmp.Compare(x.Gained, y.Gained) })
	return out, fos
}

// dropHandovers folds every closed span of more than one holder no longer
// than observe.HandoverGrace (a hand-over, not a split brain) into the span
// before it, and merges neighbours that then hold the same.
func dropHandovers(spans []HolderSpan) []HolderSpan {
	out := spans[:0]
	for i, sp := range spans {
		if len(out) > 0 && len(sp.Holders) > 1 && i < len(spans)-1 && sp.To-sp.From <= observe.HandoverGrace {
			out[len(out)-1].To = sp.To
			continue
		}
		if len(out) > 0 && slices.Equal(out[len(out)-1].Holders, sp.Holders) {
			out[len(out)-1].To = sp.To
			continue
		}
		out = append(out, sp)
	}
	return out
}

func failovers(h VIPHistory, actions []Action) []Failover {
	var out []Failover
	prev := ""             // last sole holder
	var lost time.Duration // when prev stopped being sole holder
	var gap, overlap time.Duration
	for _, s := range h.Spans {
		switch len(s.Holders) {
		case 0:
			gap += s.To - s.From
			continue
		case 1:
		default:
			overlap += s.To - s.From
			continue
		}
		who := s.Holders[0]
		if who != prev {
			f := Failover{VIP: h.Addr, From: prev, To: who, Lost: lost, Gained: s.From, Gap: gap, Overlap: overlap}
			if prev == "" {
				f.Lost = s.From
			}
			f.Cause = causeAt(actions, f.Lost)
			f.Took = f.Gained - f.Cause.At
			out = append(out, f)
		}
		prev, lost, gap, overlap = who, s.To, 0, 0
	}
	return out
}

// causeAt is the last action at or before t.
func causeAt(actions []Action, t time.Duration) Action {
	var c Action
	for _, a := range actions {
		if a.At <= t {
			c = a
		}
	}
	return c
}

// WriteSummary prints who held each VIP when and how long each failover
// took, as two small tables.
func WriteSummary(w io.Writer, r *Result) {
	for _, h := range r.VIPs {
		fmt.Fprintf(w, "\nwho held %s\n", h.Addr)
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "  from\tto\tholder")
		for _, s := range h.Spans {
			who := "nobody"
			if len(s.Holders) > 0 {
				who = strings.Join(s.Holders, " + ")
			}
			if len(s.Holders) > 1 {
				who += "   <- SPLIT BRAIN"
			}
			fmt.Fprintf(tw, "  %s\t%s\t%s\n", secs(s.From), secs(s.To), who)
		}
		tw.Flush()
	}
	writeSplits(w, r)
	if len(r.Failovers) == 0 {
		return
	}
	fmt.Fprintf(w, "\nfailovers (time from the step that caused the move to the new sole holder)\n")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  vip\tmove\tcause\tcaused at\tnew holder at\ttook\tno holder\tsplit brain")
	for _, f := range r.Failovers {
		from := f.From
		if from == "" {
			from = "(none)"
		}
		cause := f.Cause.Text
		if cause == "" {
			cause = "(start)"
		}
		fmt.Fprintf(tw, "  %s\t%s -> %s\t%s\t%s\t%s\t%s\t%s\t%s\n", f.VIP, from, f.To, cause,
			secs(f.Cause.At), secs(f.Gained), secs(f.Took), secs(f.Gap), secs(f.Overlap))
	}
	tw.Flush()
}

func secs(d time.Duration) string { return trimFloat(d.Seconds()) + "s" }

// writeSplits lists every split brain: which step caused it, how long it
// lasted, and how long after the step that ended it (a heal, a restart)
// one holder remained.
func writeSplits(w io.Writer, r *Result) {
	var rows [][]string
	for _, h := range r.VIPs {
		for i, sp := range h.Spans {
			if len(sp.Holders) < 2 {
				continue
			}
			// The cause came before the split brain began: a step run in
			// the same instant ran after it (an expectation stopped there).
			cause := causeAt(r.Actions, sp.From-1)
			end := causeAt(r.Actions, sp.To)
			// A span followed by another ended, even at the run's last
			// instant (a step that ends a run ends the split brain too).
			ended, after := "(still at the end)", ""
			if sp.To < r.End || i < len(h.Spans)-1 {
				ended, after = end.Text, secs(sp.To-end.At)
			}
			rows = append(rows, []string{h.Addr.String(), strings.Join(sp.Holders, " + "), cause.Text,
				secs(sp.From), secs(sp.To - sp.From), ended, after})
		}
	}
	if len(rows) == 0 {
		return
	}
	fmt.Fprintf(w, "\nsplit brains\n")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  vip\theld by\tcaused by\tfrom\tlasted\tended by\tafter")
	for _, row := range rows {
		fmt.Fprintf(tw, "  %s\n", strings.Join(row, "\t"))
	}
	tw.Flush()
}

package scenarios

// The printed timeline, read from the backend's observation stream: which
// observations show, split-brain START/END lines, de-duplication of
// repeated reports, config diagnostics mapped to scenario lines.

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/gokeepalived/gokeepalived/scenarios/observe"
)

// timelineLine is one line of the printed timeline.
type timelineLine struct {
	At       time.Duration
	Node     string
	Instance string
	Kind     string
	Text     string
}

// diagLine points a config diagnostic of node's keepalived.conf (the
// backends name each node's main config after the node) into the scenario
// file: "e1.scn:61:2 (lvs1 keepalived.conf:1:2): warning: ...". Diagnostics
// of other files (includes) print as pkg/config prints them.
func diagLine(o observe.Observation, confLine map[string]Pos) string {
	d := o.Diagnostic()
	full := d.String()
	start, ok := confLine[o.Node]
	if !ok || o.File != o.Node || o.Line == 0 {
		return full
	}
	tail := strings.TrimPrefix(full, d.Pos.String()+":")
	return fmt.Sprintf("%s:%d:%d (%s keepalived.conf:%d:%d):%s", start.File, start.Line+o.Line-1, o.Col, o.Node, o.Line, o.Col, tail)
}

// compactKinds are the timeline lines shown without Verbose.
var compactKinds = map[string]bool{
	"warning": true, "state": true, "vip": true, "notify": true,
	"split-brain": true, "split-brain-detected": true, "priority": true,
	"group-state": true, "daemon": true, "link": true,
	"realserver": true,
}

// hidden are observations the timeline never prints: per-advert reports
// (too many) and the daemon's own account of its addresses (the "vip"
// lines show the world's).
var hidden = map[observe.Kind]bool{
	observe.KindAdvertSent: true, observe.KindAdvertRecv: true,
	observe.KindVIPAdd: true, observe.KindVIPDel: true,
}

// printer follows the observation stream as it is printed.
type printer struct {
	printed int // observations already read
	// hist is the history of the printed part of the stream: split-brain
	// lines are printed as the stream reaches them.
	hist observe.History
	// pending are intervals (indexes into hist.Intervals) that began less
	// than observe.HandoverGrace ago: a hand-over in which the new master
	// adds the VIP a moment before the old one removes it is not a split
	// brain, so START is printed once the grace is over and the interval
	// is still open or lasted longer.
	pending []int
}

// skipPrinted reads the stream up to its current end without printing (the
// topology's set-up).
func (r *runner) skipPrinted() {
	obs := r.b.Observations(r.p.printed)
	r.p.printed += len(obs)
	r.p.hist.Add(obs...)
}

// flush prints the world's observations since the last flush.
func (r *runner) flush() {
	if r.opt.Trace == nil {
		r.p.printed += len(r.b.Observations(r.p.printed))
		return
	}
	obs := r.b.Observations(r.p.printed)
	r.p.printed += len(obs)
	var evs, warnings []timelineLine
	for _, o := range obs {
		evs = r.confirmSplits(evs, func(start time.Duration) bool { return o.At > start+observe.HandoverGrace })
		addr := o.Kind == observe.KindAddrAdd || o.Kind == observe.KindAddrDel
		var was int
		var wasOpen bool
		before := len(r.p.hist.Intervals())
		if addr {
			was, wasOpen = r.p.hist.OpenInterval(o.Prefix.Addr())
		}
		r.p.hist.Add(o)
		if !hidden[o.Kind] {
			label, text := observe.Format(o)
			if o.Kind == observe.KindConfig {
				text = diagLine(o, r.confLine)
			}
			e := timelineLine{At: o.At, Node: o.Node, Instance: o.Instance, Kind: label, Text: text}
			if label == "warning" {
				warnings = append(warnings, e)
			} else {
				evs = append(evs, e)
			}
		}
		if !addr {
			continue
		}
		iv := r.p.hist.Intervals()
		if wasOpen {
			if s := iv[was]; !s.Open && !s.Handover() {
				evs = append(evs, timelineLine{At: o.At, Kind: "split-brain", Text: fmt.Sprintf("END %s after %v", s.VIP, s.End-s.Start)})
			}
		}
		if len(iv) > before {
			r.p.pending = append(r.p.pending, before)
		}
	}
	now := r.b.Elapsed()
	evs = r.confirmSplits(evs, func(start time.Duration) bool { return now > start+observe.HandoverGrace })
	// Warnings (config diagnostics, the daemons' warnings) come first in
	// their instant.
	// Split-brain STARTs are confirmed a grace after they began: sort.
	evs = append(warnings, evs...)
	slices.SortStableFunc(evs, func(a, b timelineLine) int { return cmp.Compare(a.At, b.At) })
	detected := map[string]bool{}
	for _, e := range evs {
		if e.Kind == "split-brain-detected" {
			detected[e.Node+"\x00"+e.Text] = true
		}
	}
	for _, e := range evs {
		if !r.opt.Verbose && !compactKinds[e.Kind] {
			continue
		}
		if !r.opt.Verbose && (e.Kind == "split-brain-detected" || e.Kind == "warning") {
			// The detector reports (and logs) every advert and ARP it
			// sees: show each message once per node after each step, as a
			// detection rather than as a log line.
			k := e.Node + "\x00" + e.Text
			if e.Kind == "warning" && detected[k] || r.seenDetect[k] {
				continue
			}
			r.seenDetect[k] = true
		}
		r.line(e.At, e.Node, e.Instance, e.Kind, e.Text)
	}
}

// confirmSplits appends the START line of every pending interval whose
// instant is over (over(start)) and that did not close within it.
func (r *runner) confirmSplits(evs []timelineLine, over func(start time.Duration) bool) []timelineLine {
	iv := r.p.hist.Intervals()
	keep := r.p.pending[:0]
	for _, i := range r.p.pending {
		s := iv[i]
		switch {
		case !over(s.Start):
			keep = append(keep, i)
		case !s.Handover():
			evs = append(evs, timelineLine{At: s.Start, Kind: "split-brain", Text: fmt.Sprintf("START %s held by %v", s.VIP, s.Nodes)})
		}
	}
	r.p.pending = keep
	return evs
}

func (r *runner) line(at time.Duration, node, inst, kind, text string) {
	if r.opt.Trace == nil {
		return
	}
	if node == "" {
		node = "-"
	}
	if inst == "" {
		inst = "-"
	}
	fmt.Fprintf(r.opt.Trace, "%s %-8s %-8s %-12s %s\n", FormatAt(at), node, inst, kind, text)
}

// FormatAt formats a time since the start of the run: "+3.609375s".
func FormatAt(d time.Duration) string { return fmt.Sprintf("%+12.6fs", d.Seconds()) }

package scenarios

// The printed timeline: which events show, de-duplication of repeated
// reports, daemon warnings mapped to scenario lines.

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// scenarioLine rewrites a config diagnostic "NODE:LINE:COL: ..." (the
// simulator names each node's keepalived.conf after the node) to point
// into the scenario file: "e1.scn:61:2 (lvs1 keepalived.conf:1:2): ...".
func scenarioLine(msg, node string, confLine map[string]Pos) string {
	start, ok := confLine[node]
	rest, found := strings.CutPrefix(msg, node+":")
	if !ok || !found {
		return msg
	}
	ln, rest, found := strings.Cut(rest, ":")
	n, err := strconv.Atoi(ln)
	if !found || err != nil {
		return msg
	}
	col, tail, found := strings.Cut(rest, ":")
	if _, err := strconv.Atoi(col); !found || err != nil {
		return msg
	}
	return fmt.Sprintf("%s:%d:%s (%s keepalived.conf:%d:%s):%s", start.File, start.Line+n-1, col, node, n, col, tail)
}

// compactKinds are the timeline events shown without Verbose.
var compactKinds = map[string]bool{
	"warning": true, "state": true, "vip": true, "vip-add": true, "vip-del": true, "notify": true, "fault": true,
	"split-brain": true, "split-brain-detected": true, "priority": true,
	"group-state": true, "daemon": true, "link": true,
}

// flush prints the world's events that happened since the last flush.
func (r *runner) flush() {
	evs := r.b.Events(r.printed)
	r.printed += len(evs)
	if w := *r.warnings; len(w) > 0 {
		evs = append(slices.Clone(w), evs...)
		slices.SortStableFunc(evs, func(a, b Event) int { return cmp.Compare(a.At, b.At) })
		*r.warnings = (*r.warnings)[:0]
	}
	if r.opt.Trace == nil {
		return
	}
	// A handover in which the new master adds the VIP an instant before the
	// old one removes it is a zero-length "split brain": noise unless
	// Verbose.
	instant := map[string]bool{}
	for _, e := range evs {
		if a, ok := strings.CutPrefix(e.Text, "END "); ok && e.Kind == "split-brain" && strings.HasSuffix(a, " after 0s") {
			instant[strings.Fields(a)[0]+"@"+e.At.String()] = true
		}
	}
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
		if !r.opt.Verbose && e.Kind == "split-brain" {
			if f := strings.Fields(e.Text); len(f) > 1 && instant[f[1]+"@"+e.At.String()] {
				continue
			}
		}
		r.line(e.At, e.Node, e.Instance, e.Kind, e.Text)
	}
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

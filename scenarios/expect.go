package scenarios

// Evaluation of expectations: timing modes, history conditions and
// predicates over the observed world.

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/gokeepalived/gokeepalived/scenarios/observe"
)

func (r *runner) rejectSnapshot() map[string]map[string]int {
	out := map[string]map[string]int{}
	for _, n := range r.sc.Nodes {
		out[n.Name] = r.sync().Rejects(n.Name)
	}
	return out
}

// rejectCount is how many adverts node rejected for reason since the
// snapshot (nil: since the start).
func (r *runner) rejectCount(c RejectsCond, since map[string]map[string]int) int {
	n := 0
	for reason, v := range r.sync().Rejects(c.Node) {
		if c.Reason == "any" || reason == c.Reason {
			n += v - since[c.Node][reason]
		}
	}
	return n
}

// origin is the time an expectation measures from: its mark, or now.
func (r *runner) origin(t Timing) time.Duration {
	if t.Since != "" {
		return r.marks[t.Since]
	}
	return r.b.Elapsed()
}

// historyOrigin is the time "what already happened" conditions start
// from: the mark, or the start of the run.
func (r *runner) historyOrigin(t Timing) time.Duration {
	if t.Since != "" {
		return r.marks[t.Since]
	}
	return 0
}

// sinceSeq is the place in the observation stream that counted history
// starts from: the mark's, or the start of the run. Counting by place,
// not by time, includes what the steps after the mark caused in the
// mark's own instant (a `mark` then a `restart`).
func (r *runner) sinceSeq(t Timing) int {
	if t.Since != "" {
		return r.markSeq[t.Since]
	}
	return 0
}

func (r *runner) expect(s ExpectStep) Verdict {
	v := Verdict{Pos: s.Pos, Text: s.Text}
	start := r.b.Elapsed()
	switch c := s.Cond.(type) {
	case TransitionsCond:
		from := r.sinceSeq(s.Timing)
		n := 0
		for _, t := range r.sync().Transitions() {
			if t.Node == c.Node && t.Instance == c.Inst && t.Seq >= from {
				n++
			}
		}
		v.At, v.Pass = start, compare(n, c.Op, c.N)
		v.Detail = fmt.Sprintf("(%d transitions)", n)
		return v
	case SplitBrainCond:
		if c.History {
			from := r.historyOrigin(s.Timing)
			var bad []string
			for _, sb := range r.sync().SplitBrains(r.b.Elapsed()) {
				if c.Addr.IsValid() && sb.VIP != c.Addr {
					continue
				}
				if sb.End > from && sb.End > sb.Start || sb.Open {
					bad = append(bad, fmt.Sprintf("%s on %s from %s to %s", sb.VIP, strings.Join(sb.Nodes, "+"),
						strings.TrimSpace(FormatAt(sb.Start)), strings.TrimSpace(FormatAt(sb.End))))
				}
			}
			v.At, v.Pass = start, len(bad) == 0
			if !v.Pass {
				v.Detail = "(split brain: " + strings.Join(bad, "; ") + ")"
			}
			return v
		}
	case RejectsCond:
		if s.Timing.Mode == Now {
			var since map[string]map[string]int
			if s.Timing.Since != "" {
				since = r.rejMarks[s.Timing.Since]
			}
			n := r.rejectCount(c, since)
			v.At, v.Pass = start, compare(n, c.Op, c.N)
			v.Detail = fmt.Sprintf("(%d rejected; %s's counters: %v)", n, c.Node, r.sync().Rejects(c.Node))
			return v
		}
	case NotifyCond:
		if c.Never || s.Timing.Mode == Now {
			from := r.sinceSeq(s.Timing)
			keep := func(n observe.Notify) bool { return n.Seq >= from }
			n := r.countNotifies(c, keep)
			switch {
			case c.Never:
				v.Pass = n == 0
			case c.Op != "":
				v.Pass = compare(n, c.Op, c.Count)
			default:
				v.Pass = n > 0
			}
			v.At = start
			v.Detail = fmt.Sprintf("(%d matching calls; calls on %s: %s)", n, c.Node, r.notifySummary(c.Node, keep))
			return v
		}
	}
	pred, describe := r.predicate(s.Cond)
	t := s.Timing
	switch t.Mode {
	case Now:
		v.At, v.Pass = start, pred()
		if !v.Pass {
			v.Detail = "(observed " + describe() + ")"
		}
	case Within:
		o := r.origin(t)
		ok, err := r.b.RunUntil(max(0, o+t.D-start), pred)
		v.At = r.b.Elapsed()
		if err != nil {
			v.Detail = err.Error()
			return v
		}
		v.Pass = ok
		if ok {
			v.Detail = fmt.Sprintf("at %s", rel(v.At, o))
		} else {
			v.Detail = fmt.Sprintf("(still %s after %v)", describe(), t.D)
		}
	case For:
		broke, err := r.b.RunUntil(t.D, func() bool { return !pred() })
		v.At = r.b.Elapsed()
		if err != nil {
			v.Detail = err.Error()
			return v
		}
		v.Pass = !broke
		if broke {
			v.Detail = fmt.Sprintf("(broken at %s: %s)", rel(v.At, start), describe())
		} else {
			v.Detail = fmt.Sprintf("held for %v", t.D)
		}
	case At, Between:
		o := r.origin(t)
		lo, hi := t.D-t.Tol, t.D+t.Tol
		if t.Mode == Between {
			lo, hi = t.D, t.D2
		} else if t.Tol == 0 {
			// "at" means exact in the simulator; allow one microsecond for
			// rounding in hand-computed values.
			lo, hi = t.D-time.Microsecond, t.D+time.Microsecond
		}
		ok, err := r.b.RunUntil(max(0, o+hi-start), pred)
		v.At = r.b.Elapsed()
		if err != nil {
			v.Detail = err.Error()
			return v
		}
		got := v.At - o
		switch {
		case !ok:
			v.Detail = fmt.Sprintf("(still %s at %s)", describe(), rel(v.At, o))
		case got < lo:
			v.Detail = fmt.Sprintf("(too early: true at %s, want %s)", rel(v.At, o), want(t))
		default:
			v.Pass = true
			v.Detail = fmt.Sprintf("at %s", rel(v.At, o))
		}
	}
	return v
}

func want(t Timing) string {
	if t.Mode == Between {
		return fmt.Sprintf("between %v and %v", t.D, t.D2)
	}
	if t.Tol > 0 {
		return fmt.Sprintf("%v ± %v", t.D, t.Tol)
	}
	return t.D.String()
}

// rel prints at relative to origin: "+3.609375s".
func rel(at, origin time.Duration) string {
	return fmt.Sprintf("+%ss", trimFloat((at - origin).Seconds()))
}

func trimFloat(f float64) string {
	s := fmt.Sprintf("%.6f", f)
	s = strings.TrimRight(s, "0")
	return strings.TrimSuffix(s, ".")
}

// predicate returns a check of the present state of the world and a
// description of what is observed (for FAIL lines).
func (r *runner) predicate(c Cond) (func() bool, func() string) {
	switch c := c.(type) {
	case VIPCond:
		want := slices.Clone(c.Nodes)
		slices.Sort(want)
		if c.OneOf {
			return func() bool {
					h := r.b.VIPHolders(c.Addr)
					return len(h) == 1 && slices.Contains(want, h[0])
				},
				func() string { return holdersString(c.Addr, r.b.VIPHolders(c.Addr)) }
		}
		return func() bool { return slices.Equal(r.b.VIPHolders(c.Addr), want) },
			func() string { return holdersString(c.Addr, r.b.VIPHolders(c.Addr)) }
	case StateCond:
		return func() bool {
				st, ok := r.b.State(c.Node, c.Inst)
				return ok && slices.Contains(c.states(), st)
			}, func() string {
				st, ok := r.b.State(c.Node, c.Inst)
				if !ok {
					return fmt.Sprintf("%s has no running instance %s", c.Node, c.Inst)
				}
				return fmt.Sprintf("%s %s %s", c.Node, c.Inst, st)
			}
	case SplitBrainCond:
		now := func() []observe.SplitBrain {
			var out []observe.SplitBrain
			if c.Addr.IsValid() {
				if h := r.b.VIPHolders(c.Addr); len(h) > 1 {
					out = append(out, observe.SplitBrain{VIP: c.Addr, Nodes: h})
				}
				return out
			}
			for _, sb := range r.sync().SplitBrains(r.b.Elapsed()) {
				if sb.Open {
					out = append(out, sb)
				}
			}
			return out
		}
		desc := func() string {
			sbs := now()
			if len(sbs) == 0 {
				return "no split brain"
			}
			var parts []string
			for _, sb := range sbs {
				parts = append(parts, holdersString(sb.VIP, sb.Nodes))
			}
			return strings.Join(parts, "; ")
		}
		if c.Negate {
			return func() bool { return len(now()) == 0 }, desc
		}
		return func() bool { return len(now()) > 0 }, desc
	case DetectedCond:
		from := r.lastAction
		match := func() []observe.Detection {
			var out []observe.Detection
			for _, d := range r.sync().Detections() {
				if d.At >= from && (c.Node == "" || d.Node == c.Node) {
					out = append(out, d)
				}
			}
			return out
		}
		return func() bool { return len(match()) > 0 }, func() string {
			if ds := match(); len(ds) > 0 {
				return fmt.Sprintf("detected by %s: %s", ds[0].Node, ds[0].Text)
			}
			return "no node reported a split brain"
		}
	case RejectsCond:
		since := r.rejAction
		return func() bool { return compare(r.rejectCount(c, since), c.Op, c.N) },
			func() string {
				return fmt.Sprintf("%d rejected since the last step; %s's counters: %v", r.rejectCount(c, since), c.Node, r.sync().Rejects(c.Node))
			}
	case NotifyCond:
		from := r.lastAction
		keep := func(n observe.Notify) bool { return n.At >= from }
		return func() bool {
				n := r.countNotifies(c, keep)
				if c.Op != "" {
					return compare(n, c.Op, c.Count)
				}
				return n > 0
			}, func() string {
				return fmt.Sprintf("calls on %s: %s", c.Node, r.notifySummary(c.Node, keep))
			}
	}
	return r.lvsPredicate(c)
}

func holdersString(a netip.Addr, h []string) string {
	if len(h) == 0 {
		return fmt.Sprintf("%s on nobody", a)
	}
	return fmt.Sprintf("%s on %s", a, strings.Join(h, " "))
}

// countNotifies counts the notify runs on c's node that keep selects and
// whose argv matches c's.
func (r *runner) countNotifies(c NotifyCond, keep func(observe.Notify) bool) int {
	n := 0
	for _, call := range r.sync().Notifies() {
		if call.Node != c.Node || !keep(call) {
			continue
		}
		if argvMatch(c.Args, call.Argv) {
			n++
		}
	}
	return n
}

// argvMatch compares an expected argv with an observed one; "*" matches
// any one word.
func argvMatch(want, got []string) bool {
	if len(want) != len(got) {
		return false
	}
	for i := range want {
		if want[i] != "*" && want[i] != got[i] {
			return false
		}
	}
	return true
}

func (r *runner) notifySummary(node string, keep func(observe.Notify) bool) string {
	var parts []string
	for _, call := range r.sync().Notifies() {
		if call.Node == node && keep(call) {
			parts = append(parts, fmt.Sprintf("[%s] at %s", quoteWords(call.Argv), strings.TrimSpace(FormatAt(call.At))))
		}
	}
	if len(parts) == 0 {
		return "none"
	}
	if len(parts) > 6 {
		parts = append(parts[:6], fmt.Sprintf("... %d more", len(parts)-6))
	}
	return strings.Join(parts, ", ")
}

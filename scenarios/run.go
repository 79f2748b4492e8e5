package scenarios

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Options configures one run of a scenario.
type Options struct {
	// Seed seeds the simulator's random source (loss, jitter).
	Seed int64
	// Trace receives the timeline as the run progresses: steps, state
	// changes, VIP changes, notify calls and a verdict per expectation.
	// Nil prints nothing.
	Trace io.Writer
	// Verbose adds every event of the world to the timeline (adverts,
	// rejections, daemon logs, script runs).
	Verbose bool
	// Logger receives the daemons' slog records. Nil discards them.
	Logger *slog.Logger
	// NewBackend builds the world; nil means the simulator.
	NewBackend func(seed int64, logger *slog.Logger) (Backend, error)
}

// Verdict is the outcome of one expectation.
type Verdict struct {
	Pos  Pos
	Text string
	// Pass: the expectation held (for an xfail one: it failed, as the
	// known bug makes it).
	Pass   bool
	XFail  bool
	At     time.Duration // when it was decided
	Detail string        // what was observed
}

func (v Verdict) String() string {
	res := "PASS"
	switch {
	case v.XFail && v.Pass:
		res = "XFAIL"
	case v.XFail:
		res = "XPASS"
	case !v.Pass:
		res = "FAIL"
	}
	s := fmt.Sprintf("%s: %s", v.Text, res)
	if v.Detail != "" {
		s += " " + v.Detail
	}
	return s
}

// Result is what a run produced.
type Result struct {
	File     string
	Title    string
	Seed     int64
	Backend  string
	Skipped  string // non-empty: the scenario does not run on this backend
	Verdicts []Verdict
	// StepErrors are steps the backend refused (a daemon already running,
	// an unknown interface): they fail the run.
	StepErrors []string
	End        time.Duration
	// VIPs is who held each virtual address over time, and Failovers the
	// moves between holders with the step that caused them.
	VIPs      []VIPHistory
	Failovers []Failover
	Actions   []Action
	// Warnings are the daemons' warnings and errors (config diagnostics,
	// script failures), also shown in the timeline.
	Warnings []Event
}

// Action is a step that changed the world (not a wait or an expectation).
type Action struct {
	At   time.Duration
	Pos  Pos
	Text string
}

// Passed reports whether every expectation passed and every step ran.
func (r *Result) Passed() bool {
	if len(r.StepErrors) > 0 {
		return false
	}
	for _, v := range r.Verdicts {
		if !v.Pass {
			return false
		}
	}
	return true
}

// Failed returns the failed verdicts.
func (r *Result) Failed() []Verdict {
	var out []Verdict
	for _, v := range r.Verdicts {
		if !v.Pass {
			out = append(out, v)
		}
	}
	return out
}

// Run parses and runs one scenario file. A parse error (or a step the
// backend cannot run, such as an ipvs expectation in the simulator) is
// returned as an error naming file:line; failed expectations are not errors
// (see Result.Passed).
func Run(ctx context.Context, file string, opt Options) (*Result, error) {
	sc, err := ParseFile(file)
	if err != nil {
		return nil, err
	}
	return RunScenario(ctx, sc, opt)
}

// RunScenario runs a parsed scenario.
func RunScenario(ctx context.Context, sc *Scenario, opt Options) (*Result, error) {
	newB := opt.NewBackend
	if newB == nil {
		newB = func(seed int64, lg *slog.Logger) (Backend, error) { return NewSimBackend(seed, lg), nil }
	}
	// Warnings from the daemons (config diagnostics) join the timeline.
	var warnings []Event
	var clock func() time.Duration
	confLine := map[string]Pos{} // node -> first line of its current config heredoc
	logger := opt.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	logger = slog.New(&warnHandler{next: logger.Handler(), sink: func(node, msg string) {
		var at time.Duration
		if clock != nil {
			at = clock()
		}
		warnings = append(warnings, Event{At: at, Node: node, Kind: "warning", Text: scenarioLine(msg, node, confLine)})
	}})
	b, err := newB(opt.Seed, logger)
	if err != nil {
		return nil, fmt.Errorf("%s: backend: %w", sc.File, err)
	}
	defer b.Close()
	clock = b.Elapsed
	res := &Result{File: sc.File, Title: sc.Title, Seed: opt.Seed, Backend: b.Name()}
	if len(sc.Backends) > 0 && !slices.Contains(sc.Backends, b.Name()) {
		res.Skipped = fmt.Sprintf("scenario is for %s, not %s", strings.Join(sc.Backends, ", "), b.Name())
		return res, nil
	}
	if err := checkSupported(sc, b); err != nil {
		return nil, err
	}
	r := &runner{sc: sc, b: b, opt: opt, res: res, marks: map[string]time.Duration{}, seenDetect: map[string]bool{},
		warnings: &warnings, confLine: confLine, rejMarks: map[string]map[string]map[string]int{}}
	if err := r.build(); err != nil {
		return nil, err
	}
	for _, st := range sc.Steps {
		if err := ctx.Err(); err != nil {
			return res, fmt.Errorf("%s: %w", st.Position(), err)
		}
		r.step(st)
	}
	r.flush()
	res.End = b.Elapsed()
	res.VIPs, res.Failovers = summarize(b, sc, res.Actions, res.End)
	return res, nil
}

// checkSupported rejects, before anything runs, expectations the backend
// cannot check, naming file:line.
func checkSupported(sc *Scenario, b Backend) error {
	var errs []error
	for _, st := range sc.Steps {
		e, ok := st.(ExpectStep)
		if !ok {
			continue
		}
		switch e.Cond.(type) {
		case IPVSCond:
			if !b.Supports(FeatureIPVS) {
				errs = append(errs, &ParseError{Pos: e.Pos, Unsupported: true,
					Msg: "ipvs expectations are not supported in the " + backendWord(b) + " yet"})
			}
		case CurlCond:
			if !b.Supports(FeatureCurl) {
				errs = append(errs, &ParseError{Pos: e.Pos, Unsupported: true,
					Msg: "curl expectations are not supported in the " + backendWord(b) + " yet"})
			}
		}
	}
	return errors.Join(errs...)
}

func backendWord(b Backend) string {
	if b.Name() == "sim" {
		return "simulator"
	}
	return b.Name() + " backend"
}

type runner struct {
	sc    *Scenario
	b     Backend
	opt   Options
	res   *Result
	marks map[string]time.Duration
	// lastAction is when the last world-changing step ran: "within"
	// expectations about things that happen (notify calls, detections)
	// count from there.
	lastAction time.Duration
	printed    int // events of the backend's timeline already printed
	seenDetect map[string]bool
	warnings   *[]Event // daemon warnings not yet printed
	confLine   map[string]Pos
	// rejected counters at each mark and at the last action
	rejMarks  map[string]map[string]map[string]int
	rejAction map[string]map[string]int
}

func (r *runner) rejectSnapshot() map[string]map[string]int {
	out := map[string]map[string]int{}
	for _, n := range r.sc.Nodes {
		out[n.Name] = r.b.Rejected(n.Name)
	}
	return out
}

// rejectCount is how many adverts node rejected for reason since the
// snapshot (nil: since the start).
func (r *runner) rejectCount(c RejectsCond, since map[string]map[string]int) int {
	n := 0
	for reason, v := range r.b.Rejected(c.Node) {
		if c.Reason == "any" || reason == c.Reason {
			n += v - since[c.Node][reason]
		}
	}
	return n
}

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

func (r *runner) build() error {
	for _, s := range r.sc.Segments {
		if err := r.b.AddSegment(s.Name); err != nil {
			return fmt.Errorf("%s: segment %s: %w", s.Pos, s.Name, err)
		}
	}
	for _, n := range r.sc.Nodes {
		if err := r.b.AddNode(n.Name, n.Ifaces); err != nil {
			return fmt.Errorf("%s: node %s: %w", n.Pos, n.Name, err)
		}
	}
	r.printed = len(r.b.Events(0))
	return nil
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
		r.res.Warnings = append(r.res.Warnings, w...)
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

func (r *runner) stepError(st Step, err error) {
	msg := fmt.Sprintf("%s: %s: %v", st.Position(), st, err)
	r.res.StepErrors = append(r.res.StepErrors, msg)
	r.line(r.b.Elapsed(), "", "", "ERROR", fmt.Sprintf("%s: %v", st, err))
}

func (r *runner) action(st Step) {
	now := r.b.Elapsed()
	r.lastAction = now
	r.seenDetect = map[string]bool{}
	r.rejAction = r.rejectSnapshot()
	r.res.Actions = append(r.res.Actions, Action{At: now, Pos: st.Position(), Text: st.String()})
	r.line(now, "", "", "step", st.String())
}

func (r *runner) step(st Step) {
	// Every step starts once the current instant has settled: events due
	// now (a state change caused by the previous step, an advert delivered
	// with zero delay) run first, so "now" means the end of this instant.
	if err := r.b.RunFor(0); err != nil {
		r.stepError(st, err)
	}
	r.flush()
	var err error
	switch s := st.(type) {
	case DaemonStep:
		r.action(s)
		for _, n := range s.Nodes {
			if e := r.b.Daemon(n, s.Op); e != nil {
				err = errors.Join(err, fmt.Errorf("%s %s: %w", s.Op, n, e))
			}
		}
	case LinkStep:
		r.action(s)
		err = r.b.SetLink(s.Node, s.Iface, s.Up)
	case NetStep:
		r.action(s)
		err = r.netStep(s)
	case PartitionStep:
		r.action(s)
		switch {
		case s.Isolate != "":
			err = r.b.Partition([][]string{{s.Isolate}})
		case s.OneWay:
			err = r.b.PartitionOneWay(s.From, s.To)
		default:
			err = r.b.Partition(s.Groups)
		}
	case HealStep:
		r.action(s)
		err = r.b.Heal()
	case BridgeStep:
		r.action(s)
		err = r.b.Bridge(s.Left, s.Middle, s.Right)
	case ClockStep:
		r.action(s)
		err = r.b.SetClockRate(s.Node, s.Rate)
	case FileStep:
		if r.b.Elapsed() > 0 || s.Op != "write" {
			r.action(s)
		}
		if s.Config {
			r.confLine[s.Node] = Pos{File: s.Pos.File, Line: s.Pos.Line + 1}
		}
		switch s.Op {
		case "rm":
			err = r.b.RemoveFile(s.Node, s.Path)
		case "touch":
			err = r.b.WriteFile(s.Node, s.Path, nil, fs.FileMode(s.Mode))
		default:
			err = r.b.WriteFile(s.Node, s.Path, s.Data, fs.FileMode(s.Mode))
		}
	case WaitStep:
		err = r.b.RunFor(s.D)
	case MarkStep:
		r.marks[s.Name] = r.b.Elapsed()
		r.rejMarks[s.Name] = r.rejectSnapshot()
		r.line(r.b.Elapsed(), "", "", "mark", s.Name)
	case ExpectStep:
		v := r.expect(s)
		r.flush()
		kind := "PASS"
		if !v.Pass {
			kind = "FAIL"
		}
		if s.XFail {
			// A known bug: failing is expected, passing means it was
			// fixed and the xfail must go.
			v.XFail = true
			if v.Pass {
				kind = "XPASS"
				v.Detail = strings.TrimSpace(v.Detail + " (unexpectedly passed: the bug is fixed, remove the xfail)")
			} else {
				kind = "XFAIL"
			}
			v.Pass = !v.Pass
		}
		r.res.Verdicts = append(r.res.Verdicts, v)
		text := v.Text
		if v.Detail != "" {
			text += ": " + strings.TrimSuffix(strings.TrimPrefix(v.Detail, "("), ")")
		}
		r.line(v.At, "", "", kind, fmt.Sprintf("%s (%s)", text, v.Pos))
		return
	}
	if err != nil {
		r.stepError(st, err)
	}
}

func (r *runner) netStep(s NetStep) error {
	apply := func(from, to string) error {
		switch s.Fault {
		case FaultLoss:
			return r.b.SetLoss(from, to, s.Percent)
		case FaultDuplicate:
			return r.b.SetDuplicate(from, to, s.Percent)
		default:
			return r.b.SetDelay(from, to, s.Delay, s.Jitter)
		}
	}
	if err := apply(s.From, s.To); err != nil {
		return err
	}
	if s.Dir == BothWays {
		return apply(s.To, s.From)
	}
	return nil
}

// origin is the time an expectation measures from: its mark, or now.
func (r *runner) origin(t Timing) time.Duration {
	if t.Since != "" {
		return r.marks[t.Since]
	}
	return r.b.Elapsed()
}

// historyOrigin is where "what already happened" conditions start
// counting: the mark, or the start of the run.
func (r *runner) historyOrigin(t Timing) (time.Duration, bool) {
	if t.Since != "" {
		return r.marks[t.Since], true
	}
	return 0, false
}

func (r *runner) expect(s ExpectStep) Verdict {
	v := Verdict{Pos: s.Pos, Text: s.Text}
	start := r.b.Elapsed()
	switch c := s.Cond.(type) {
	case TransitionsCond:
		from, strict := r.historyOrigin(s.Timing)
		n := 0
		for _, t := range r.b.Transitions() {
			if t.Node == c.Node && t.Instance == c.Inst && (t.At > from || !strict && t.At >= from) {
				n++
			}
		}
		v.At, v.Pass = start, compare(n, c.Op, c.N)
		v.Detail = fmt.Sprintf("(%d transitions)", n)
		return v
	case SplitBrainCond:
		if c.History {
			from, _ := r.historyOrigin(s.Timing)
			var bad []string
			for _, sb := range r.b.SplitBrains() {
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
			v.Detail = fmt.Sprintf("(%d rejected; %s's counters: %v)", n, c.Node, r.b.Rejected(c.Node))
			return v
		}
	case NotifyCond:
		if c.Never || s.Timing.Mode == Now {
			from, strict := r.historyOrigin(s.Timing)
			n := r.countNotifies(c, from, strict)
			switch {
			case c.Never:
				v.Pass = n == 0
			case c.Op != "":
				v.Pass = compare(n, c.Op, c.Count)
			default:
				v.Pass = n > 0
			}
			v.At = start
			v.Detail = fmt.Sprintf("(%d matching calls; calls on %s: %s)", n, c.Node, r.notifySummary(c.Node, from))
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
		return func() bool { return slices.Equal(r.b.VIPHolders(c.Addr), want) },
			func() string { return holdersString(c.Addr, r.b.VIPHolders(c.Addr)) }
	case StateCond:
		return func() bool {
				st, ok := r.b.State(c.Node, c.Inst)
				return ok && st == c.State
			}, func() string {
				st, ok := r.b.State(c.Node, c.Inst)
				if !ok {
					return fmt.Sprintf("%s has no running instance %s", c.Node, c.Inst)
				}
				return fmt.Sprintf("%s %s %s", c.Node, c.Inst, st)
			}
	case SplitBrainCond:
		now := func() []SplitBrain {
			var out []SplitBrain
			if c.Addr.IsValid() {
				if h := r.b.VIPHolders(c.Addr); len(h) > 1 {
					out = append(out, SplitBrain{VIP: c.Addr, Nodes: h})
				}
				return out
			}
			for _, sb := range r.b.SplitBrains() {
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
		match := func() []Detection {
			var out []Detection
			for _, d := range r.b.Detections() {
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
				return fmt.Sprintf("%d rejected since the last step; %s's counters: %v", r.rejectCount(c, since), c.Node, r.b.Rejected(c.Node))
			}
	case NotifyCond:
		from := r.lastAction
		return func() bool {
				n := r.countNotifies(c, from, false)
				if c.Op != "" {
					return compare(n, c.Op, c.Count)
				}
				return n > 0
			}, func() string {
				return fmt.Sprintf("calls on %s: %s", c.Node, r.notifySummary(c.Node, from))
			}
	}
	return func() bool { return false }, func() string { return "not supported" }
}

func holdersString(a netip.Addr, h []string) string {
	if len(h) == 0 {
		return fmt.Sprintf("%s on nobody", a)
	}
	return fmt.Sprintf("%s on %s", a, strings.Join(h, " "))
}

func (r *runner) countNotifies(c NotifyCond, from time.Duration, strict bool) int {
	n := 0
	for _, call := range r.b.Notifies() {
		if call.Node != c.Node || call.At < from || strict && call.At == from {
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

func (r *runner) notifySummary(node string, from time.Duration) string {
	var parts []string
	for _, call := range r.b.Notifies() {
		if call.Node == node && call.At >= from {
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

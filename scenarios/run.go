package scenarios

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/gokeepalived/gokeepalived/scenarios/observe"
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
	// NewBackend builds the world (logger is Logger, possibly nil); nil
	// means the simulator.
	NewBackend func(seed int64, logger *slog.Logger) (Backend, error)
	// Capture, when set and the backend can capture (Capturer), receives
	// a pcap stream of each segment, for Wireshark or vrrpdump.
	Capture func(segment string) (io.Writer, error)
}

// Capturer is a backend that can record a segment's traffic as pcap.
type Capturer interface {
	CaptureSegment(segment string, out io.Writer) error
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

// Kind is the verdict's word: PASS, FAIL, or for an xfail expectation
// XFAIL (failed as the known bug makes it) or XPASS (the bug is fixed).
func (v Verdict) Kind() string {
	switch {
	case v.XFail && v.Pass:
		return "XFAIL"
	case v.XFail:
		return "XPASS"
	case !v.Pass:
		return "FAIL"
	}
	return "PASS"
}

func (v Verdict) String() string {
	s := fmt.Sprintf("%s: %s", v.Text, v.Kind())
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
	// Marks is when each `mark` step ran.
	Marks map[string]time.Duration
	// Observations is the world's whole observation stream (see
	// Backend.Observations); observe.History folds it.
	Observations []observe.Observation
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
	if err := checkBounds(sc); err != nil {
		return nil, err
	}
	b, err := newB(opt.Seed, opt.Logger)
	if err != nil {
		return nil, fmt.Errorf("%s: backend: %w", sc.File, err)
	}
	defer b.Close()
	res := &Result{File: sc.File, Title: sc.Title, Seed: opt.Seed, Backend: b.Name(), Marks: map[string]time.Duration{}}
	if len(sc.Backends) > 0 && !slices.Contains(sc.Backends, b.Name()) {
		res.Skipped = fmt.Sprintf("scenario is for %s, not %s", strings.Join(sc.Backends, ", "), b.Name())
		return res, nil
	}
	if err := checkSupported(sc, b); err != nil {
		return nil, err
	}
	r := &runner{sc: sc, b: b, opt: opt, res: res, marks: res.Marks, markSeq: map[string]int{}, seenDetect: map[string]bool{},
		confLine: map[string]Pos{}, rejMarks: map[string]map[string]map[string]int{}}
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
	h := r.sync()
	res.VIPs, res.Failovers = summarize(h, sc, res.Actions, res.End)
	res.Observations = b.Observations(0)
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
	for _, st := range sc.Steps {
		if s, ok := st.(ServeStep); ok && !b.Supports(FeatureServices) {
			errs = append(errs, &ParseError{Pos: s.Pos, Unsupported: true,
				Msg: "network services are not supported in the " + backendWord(b) + " yet"})
		}
		if s, ok := st.(IPVSFlushStep); ok && !b.Supports(FeatureIPVS) {
			errs = append(errs, &ParseError{Pos: s.Pos, Unsupported: true,
				Msg: "ipvsadm is not supported in the " + backendWord(b) + " yet"})
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
	// markSeq is each mark's place in the observation stream.
	markSeq map[string]int
	// lastAction is when the last world-changing step ran: "within"
	// expectations about things that happen (notify calls, detections)
	// count from there.
	lastAction time.Duration
	// hist is the backend's observation stream folded so far (sync).
	hist observe.History
	p    printer
	// seenDetect: detections printed since the last step.
	seenDetect map[string]bool
	// confLine is the first line of each node's current config heredoc.
	confLine map[string]Pos
	// rejected counters at each mark and at the last action
	rejMarks  map[string]map[string]map[string]int
	rejAction map[string]map[string]int
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
	r.skipPrinted()
	if c, ok := r.b.(Capturer); ok && r.opt.Capture != nil {
		for _, s := range r.sc.Segments {
			out, err := r.opt.Capture(s.Name)
			if err != nil {
				return fmt.Errorf("%s: capture %s: %w", s.Pos, s.Name, err)
			}
			if err := c.CaptureSegment(s.Name, out); err != nil {
				return fmt.Errorf("%s: capture %s: %w", s.Pos, s.Name, err)
			}
		}
	}
	return nil
}

// sync folds the observations the backend made since the last call into
// the runner's history, and returns it.
func (r *runner) sync() *observe.History {
	r.hist.Add(r.b.Observations(r.hist.Len())...)
	return &r.hist
}

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
	if isAction(st, r.b.Elapsed()) {
		r.action(st)
	}
	var err error
	switch s := st.(type) {
	case DaemonStep:
		for _, n := range s.Nodes {
			if e := r.b.Daemon(n, s.Op); e != nil {
				err = errors.Join(err, fmt.Errorf("%s %s: %w", s.Op, n, e))
			}
		}
	case DaemonModelStep:
		m, ok := r.b.(DaemonModeler)
		if !ok {
			err = fmt.Errorf("the %s cannot choose a node's daemon", backendWord(r.b))
			break
		}
		for _, n := range s.Nodes {
			if e := m.SetDaemonModel(n, s.Model); e != nil {
				err = errors.Join(err, e)
			}
		}
	case LinkStep:
		err = r.b.SetLink(s.Node, s.Iface, s.Up)
	case NetStep:
		err = r.netStep(s)
	case PartitionStep:
		switch {
		case s.Isolate != "":
			err = r.b.Partition([][]string{{s.Isolate}})
		case s.OneWay:
			err = r.b.PartitionOneWay(s.From, s.To)
		default:
			err = r.b.Partition(s.Groups)
		}
	case HealStep:
		err = r.b.Heal()
	case BridgeStep:
		err = r.b.Bridge(s.Left, s.Middle, s.Right)
	case ClockStep:
		err = r.b.SetClockRate(s.Node, s.Rate)
	case ClockJumpStep:
		err = r.b.BumpClock(s.Node, s.D)
	case FirewallStep:
		err = eachWay(s.Dir, s.From, s.To, r.b.DropVRRP)
	case AddrStep:
		if s.Add {
			err = r.b.AddAddress(s.Node, s.Iface, s.Prefix, s.Label)
		} else {
			err = r.b.DelAddress(s.Node, s.Iface, s.Prefix)
		}
	case ServiceStep:
		err = r.b.SetService(s.Node, s.Name, s.Running)
	case ServeStep:
		err = r.serveStep(s)
	case IPVSFlushStep:
		err = r.ipvsFlush(s)
	case FileStep:
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
		r.markSeq[s.Name] = r.sync().Len()
		r.rejMarks[s.Name] = r.rejectSnapshot()
		r.line(r.b.Elapsed(), "", "", "mark", s.Name)
	case ExpectStep:
		v := r.expect(s)
		r.flush()
		if s.XFail {
			// A known bug: failing is expected, passing means it was
			// fixed and the xfail must go.
			v.XFail = true
			if v.Pass {
				v.Detail = strings.TrimSpace(v.Detail + " (unexpectedly passed: the bug is fixed, remove the xfail)")
			}
			v.Pass = !v.Pass
		}
		r.res.Verdicts = append(r.res.Verdicts, v)
		text := v.Text
		if v.Detail != "" {
			text += ": " + strings.TrimSuffix(strings.TrimPrefix(v.Detail, "("), ")")
		}
		r.line(v.At, "", "", v.Kind(), fmt.Sprintf("%s (%s)", text, v.Pos))
		return
	}
	if err != nil {
		r.stepError(st, err)
	}
}

// isAction reports whether a step changes the world (and so counts as the
// cause of what follows): not a wait, a mark or an expectation, and not a
// file written before anything ran (set-up).
func isAction(st Step, now time.Duration) bool {
	switch s := st.(type) {
	case WaitStep, MarkStep, ExpectStep, DaemonModelStep:
		return false
	case FileStep:
		return now > 0 || s.Op != "write"
	}
	return true
}

func (r *runner) netStep(s NetStep) error {
	return eachWay(s.Dir, s.From, s.To, func(from, to string) error {
		switch s.Fault {
		case FaultLoss:
			return r.b.SetLoss(from, to, s.Percent)
		case FaultDuplicate:
			return r.b.SetDuplicate(from, to, s.Percent)
		default:
			return r.b.SetDelay(from, to, s.Delay, s.Jitter)
		}
	})
}

// eachWay applies a per-path fault from → to and, for BothWays, to → from.
func eachWay(d Direction, from, to string, apply func(from, to string) error) error {
	if err := apply(from, to); err != nil {
		return err
	}
	if d == BothWays {
		return apply(to, from)
	}
	return nil
}

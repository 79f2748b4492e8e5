package scenarios

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/netip"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/gokeepalived/gokeepalived/pkg/config"
	"github.com/gokeepalived/gokeepalived/pkg/vrrp"
	"github.com/gokeepalived/gokeepalived/scenarios/observe"
	"github.com/gokeepalived/gokeepalived/sim"
)

// The packet-loss sweep: the minimal pair of seed 004 (lb01 priority 150,
// lb02 priority 100, advert_int 1, VRRPv2) under random loss between the
// directors, one way or both, at several rates. For each it reports how
// often the backup wrongly took over (flaps) and how long both held the VIP
// (split brain). It answers "how much loss does a keepalived pair
// tolerate?": a false takeover needs every advert of a whole
// Master_Down_Interval (3.61 s: 4 adverts in a row) lost.

// SweepOptions configures Sweep.
type SweepOptions struct {
	Seed     int64         // first seed; run i uses Seed+i
	Runs     int           // runs per cell (default 3)
	Duration time.Duration // virtual time under loss per run (default 10 min)
	Losses   []float64     // percent (default 0, 10, 30, 60, 100)
	// Delay is a one-way delay on both paths (default none: answers
	// arrive in the same instant, so most false takeovers last no time).
	Delay time.Duration
	// NewBackend builds the world of each run; nil means the simulator.
	NewBackend func(seed int64, logger *slog.Logger) (Backend, error)
}

// SweepDirection names which adverts are lost.
type SweepDirection string

// Directions of the sweep.
const (
	MasterToBackup SweepDirection = "lb01->lb02" // the master's adverts to the backup
	BackupToMaster SweepDirection = "lb02->lb01" // the backup's (rare) adverts to the master
	BothDirections SweepDirection = "both"
)

// SweepRow is one cell of the sweep, averaged over the runs.
type SweepRow struct {
	Loss      float64
	Direction SweepDirection
	Runs      int
	// Flaps is the mean number of times lb02 became MASTER under loss.
	Flaps float64
	// SplitBrain is the mean total time both held the VIP, and Longest the
	// longest single split brain over all runs.
	SplitBrain time.Duration
	Longest    time.Duration
	// Duration is the virtual time under loss per run.
	Duration time.Duration
	// Healed: after the loss stopped, exactly one holder (lb01) within one
	// Master_Down_Interval plus an advert interval, in every run.
	Healed bool
}

// SplitFraction is the share of the time under loss spent in split brain.
func (r SweepRow) SplitFraction() float64 {
	if r.Duration == 0 {
		return 0
	}
	return float64(r.SplitBrain) / float64(r.Duration)
}

const sweepConf = `global_defs {
   router_id %s
}

vrrp_instance VI_1 {
    state %s
    interface eth0
    virtual_router_id 51
    priority %d
    advert_int 1
    authentication {
        auth_type PASS
        auth_pass 1111
    }
    virtual_ipaddress {
        10.0.0.3
    }
}
`

var sweepVIP = netip.MustParseAddr("10.0.0.3")

// Limits of the sweep's parameters.
const (
	// MaxSweepRuns bounds the runs per cell.
	MaxSweepRuns = 1000
	// sweepSettle is the time before the loss starts: the election (at
	// most 10 s) and 2 s of quiet.
	sweepSettle = 12 * time.Second
)

// Validate rejects parameters that make no sense (a negative delay, a
// loss rate outside 0..100) or that would pass the scenario ceiling.
// Zero values mean the defaults.
func (o SweepOptions) Validate() error {
	switch {
	case o.Runs < 0 || o.Runs > MaxSweepRuns:
		return fmt.Errorf("sweep: runs %d: want 1..%d", o.Runs, MaxSweepRuns)
	case o.Duration < 0 || o.Duration > MaxRunTime-time.Minute:
		return fmt.Errorf("sweep: duration %v: want a positive duration up to %v", o.Duration, MaxRunTime-time.Minute)
	case o.Delay < 0 || o.Delay > MaxDelay:
		return fmt.Errorf("sweep: delay %v: want 0..%v", o.Delay, MaxDelay)
	}
	for _, l := range o.Losses {
		if !(l >= 0 && l <= 100) {
			return fmt.Errorf("sweep: loss %v%%: want a percentage 0..100", l)
		}
	}
	return nil
}

// Sweep runs the packet-loss sweep: one scenario per run, through the
// runner and a Backend (opt.NewBackend; nil is the simulator).
func Sweep(ctx context.Context, opt SweepOptions) ([]SweepRow, error) {
	if err := opt.Validate(); err != nil {
		return nil, err
	}
	if opt.Runs == 0 {
		opt.Runs = 3
	}
	if opt.Duration == 0 {
		opt.Duration = 10 * time.Minute
	}
	if opt.Losses == nil {
		opt.Losses = []float64{0, 10, 30, 60, 100}
	}
	mdi, advert, err := sweepTimers()
	if err != nil {
		return nil, err
	}
	var rows []SweepRow
	for _, dir := range []SweepDirection{MasterToBackup, BackupToMaster, BothDirections} {
		for _, loss := range opt.Losses {
			row := SweepRow{Loss: loss, Direction: dir, Runs: opt.Runs, Duration: opt.Duration, Healed: true}
			var flaps int
			var split time.Duration
			for i := range opt.Runs {
				if err := ctx.Err(); err != nil {
					return rows, fmt.Errorf("sweep: %w", err)
				}
				r, err := sweepOnce(ctx, opt, opt.Seed+int64(i), dir, loss, mdi+advert)
				if err != nil {
					return rows, fmt.Errorf("sweep %s %g%% run %d: %w", dir, loss, i, err)
				}
				flaps += r.flaps
				split += r.split
				row.Longest = max(row.Longest, r.longest)
				row.Healed = row.Healed && r.healed
			}
			row.Flaps = float64(flaps) / float64(opt.Runs)
			row.SplitBrain = split / time.Duration(opt.Runs)
			rows = append(rows, row)
		}
	}
	return rows, nil
}

type sweepResult struct {
	flaps          int
	split, longest time.Duration
	healed         bool
}

var sweepNodes = []struct {
	name, state string
	prio        int
	addr        string
}{{"lb01", "MASTER", 150, "10.0.0.5/24"}, {"lb02", "BACKUP", 100, "10.0.0.6/24"}}

func sweepConfig(i int) []byte {
	n := sweepNodes[i]
	return fmt.Appendf(nil, sweepConf, n.name, n.state, n.prio)
}

// sweepTimers reads lb02's Master_Down_Interval and advert interval from
// its configuration: after the loss stops, the pair must be healed within
// their sum (the longest a correct backup waits after the master's last
// advert, plus the master's next advert).
func sweepTimers() (mdi, advert time.Duration, err error) {
	cfg, _, err := config.Parse("lb02", sweepConfig(1), config.Options{})
	if err != nil {
		return 0, 0, fmt.Errorf("sweep: lb02's config: %w", err)
	}
	if len(cfg.Instances) != 1 {
		return 0, 0, fmt.Errorf("sweep: lb02's config has %d instances, want 1", len(cfg.Instances))
	}
	in := cfg.Instances[0]
	if in.Version != int(uint8(in.Version)) || in.Priority != int(uint8(in.Priority)) {
		return 0, 0, fmt.Errorf("sweep: lb02's version %d or priority %d does not fit in a byte", in.Version, in.Priority)
	}
	mdi = vrrp.MasterDownInterval(uint8(in.Version), uint8(in.Priority), in.AdvertInt, in.DownTimerAdverts)
	return mdi, in.AdvertInt, nil
}

// sweepScenario is one run of the sweep as a scenario: elect lb01, let 2 s
// pass, lose packets for d, heal, and expect lb01 alone within healed (one
// Master_Down_Interval plus an advert interval).
func sweepScenario(dir SweepDirection, loss float64, d, delay, healed time.Duration) *Scenario {
	pos := func(line int) Pos { return Pos{File: "sweep", Line: line} }
	sc := &Scenario{File: "sweep", Title: fmt.Sprintf("loss sweep: %s %g%%", dir, loss), Segments: []Segment{{Pos: pos(1), Name: "lan"}}}
	var names []string
	for i, n := range sweepNodes {
		sc.Nodes = append(sc.Nodes, Node{Pos: pos(1), Name: n.name,
			Ifaces: []Iface{{Name: "eth0", Segment: "lan", Addrs: []netip.Prefix{netip.MustParsePrefix(n.addr)}}}})
		sc.Steps = append(sc.Steps, FileStep{Pos: pos(2), Op: "write", Node: n.name, Path: sim.ConfigPath,
			Data: sweepConfig(i), Mode: 0o644, Config: true})
		names = append(names, n.name)
	}
	// The delay is a link property: set before the run and again after
	// the heal, which removes it with the loss.
	var delays []Step
	if delay > 0 {
		delays = append(delays, NetStep{Pos: pos(3), Fault: FaultDelay, From: "lb01", To: "lb02", Dir: BothWays, Delay: delay})
	}
	from, to, way := "lb01", "lb02", OneWay
	switch dir {
	case BackupToMaster:
		from, to = "lb02", "lb01"
	case BothDirections:
		way = BothWays
	}
	sc.Steps = append(sc.Steps, delays...)
	sc.Steps = append(sc.Steps,
		DaemonStep{Pos: pos(4), Op: OpStart, Nodes: names},
		ExpectStep{Pos: pos(5), Text: "state lb01 VI_1 MASTER within 10s", Cond: StateCond{Node: "lb01", Inst: "VI_1", State: "MASTER"},
			Timing: Timing{Mode: Within, D: 10 * time.Second}},
		WaitStep{Pos: pos(6), D: sweepSettle - 10*time.Second},
		MarkStep{Pos: pos(7), Name: "loss"},
		NetStep{Pos: pos(8), Fault: FaultLoss, From: from, To: to, Dir: way, Percent: loss},
		WaitStep{Pos: pos(9), D: d},
		MarkStep{Pos: pos(10), Name: "heal"},
		HealStep{Pos: pos(11)})
	sc.Steps = append(sc.Steps, delays...)
	sc.Steps = append(sc.Steps, ExpectStep{Pos: pos(12), Text: fmt.Sprintf("vip %s on lb01 within %v", sweepVIP, healed),
		Cond: VIPCond{Addr: sweepVIP, Nodes: []string{"lb01"}}, Timing: Timing{Mode: Within, D: healed}})
	return sc
}

func sweepOnce(ctx context.Context, opt SweepOptions, seed int64, dir SweepDirection, loss float64, healed time.Duration) (sweepResult, error) {
	var res sweepResult
	sc := sweepScenario(dir, loss, opt.Duration, opt.Delay, healed)
	out, err := RunScenario(ctx, sc, Options{Seed: seed, NewBackend: opt.NewBackend})
	if err != nil {
		return res, err
	}
	if len(out.StepErrors) > 0 {
		return res, fmt.Errorf("%s", strings.Join(out.StepErrors, "; "))
	}
	if v := out.Verdicts[0]; !v.Pass {
		return res, fmt.Errorf("lb01 never became MASTER: %s", v)
	}
	res.healed = out.Verdicts[1].Pass
	start, end := out.Marks["loss"], out.Marks["heal"]
	var h observe.History
	h.Add(out.Observations...)
	for _, t := range h.Transitions() {
		if t.Node == "lb02" && t.To == "MASTER" && t.At > start && t.At <= end {
			res.flaps++
		}
	}
	for _, sb := range h.SplitBrains(out.End) {
		s, e := max(sb.Start, start), min(sb.End, end)
		if e > s {
			res.split += e - s
			res.longest = max(res.longest, e-s)
		}
	}
	return res, nil
}

// WriteSweep prints the sweep as a table.
func WriteSweep(out io.Writer, rows []SweepRow) {
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "loss\tdirection\truns\tflaps/run\tsplit brain/run\tshare\tlongest\thealed within MDI+1s\t")
	for _, r := range rows {
		fmt.Fprintf(tw, "%g%%\t%s\t%d\t%.1f\t%s\t%.1f%%\t%s\t%v\t\n", r.Loss, r.Direction, r.Runs, r.Flaps,
			r.SplitBrain.Round(time.Millisecond), 100*r.SplitFraction(), r.Longest.Round(time.Millisecond), r.Healed)
	}
	tw.Flush()
}

package scenarios

import (
	"context"
	"fmt"
	"io"
	"net/netip"
	"text/tabwriter"
	"time"

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

// Sweep runs the packet-loss sweep in the simulator.
func Sweep(ctx context.Context, opt SweepOptions) ([]SweepRow, error) {
	if opt.Runs <= 0 {
		opt.Runs = 3
	}
	if opt.Duration <= 0 {
		opt.Duration = 10 * time.Minute
	}
	if opt.Losses == nil {
		opt.Losses = []float64{0, 10, 30, 60, 100}
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
				r, err := sweepOnce(opt.Seed+int64(i), dir, loss, opt.Duration, opt.Delay)
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

func sweepOnce(seed int64, dir SweepDirection, loss float64, d, delay time.Duration) (sweepResult, error) {
	var res sweepResult
	w := sim.NewWorld(sim.Options{Seed: seed})
	if err := w.AddSegment("lan"); err != nil {
		return res, err
	}
	nodes := []struct {
		name, state string
		prio        int
		addr        string
	}{{"lb01", "MASTER", 150, "10.0.0.5/24"}, {"lb02", "BACKUP", 100, "10.0.0.6/24"}}
	for _, n := range nodes {
		if err := w.AddNode(n.name, sim.Iface{Name: "eth0", Segment: "lan", Addrs: []netip.Prefix{netip.MustParsePrefix(n.addr)}}); err != nil {
			return res, err
		}
		if err := w.WriteFile(n.name, sim.ConfigPath, fmt.Appendf(nil, sweepConf, n.name, n.state, n.prio)); err != nil {
			return res, err
		}
		if err := w.StartDaemon(n.name); err != nil {
			return res, err
		}
	}
	// The delay is a link property: set before the run and again after
	// ClearFaults, which removes it with the loss.
	setDelay := func() error {
		if delay <= 0 {
			return nil
		}
		return eachWay(BothWays, "lb01", "lb02", func(from, to string) error { return w.SetDelay(from, to, delay, 0) })
	}
	if err := setDelay(); err != nil {
		return res, err
	}
	if !w.RunUntil(10*time.Second, func() bool { st, _ := w.State("lb01", "VI_1"); return st.String() == "MASTER" }) {
		return res, fmt.Errorf("lb01 never became MASTER")
	}
	w.RunFor(2 * time.Second)
	start := w.Elapsed()
	from, to, way := "lb01", "lb02", OneWay
	switch dir {
	case BackupToMaster:
		from, to = "lb02", "lb01"
	case BothDirections:
		way = BothWays
	}
	if err := eachWay(way, from, to, func(from, to string) error { return w.SetLoss(from, to, loss) }); err != nil {
		return res, err
	}
	w.RunFor(d)
	end := w.Elapsed()
	w.ClearFaults()
	if err := setDelay(); err != nil {
		return res, err
	}
	// One Master_Down_Interval of lb02 (3 + 156/256 s) plus an advert.
	res.healed = w.RunUntil(3609375*time.Microsecond+time.Second, func() bool {
		h := w.VIPHolders(sweepVIP)
		return len(h) == 1 && h[0] == "lb01"
	})
	for _, t := range w.Transitions() {
		if t.Node == "lb02" && t.To.String() == "MASTER" && t.At > start && t.At <= end {
			res.flaps++
		}
	}
	for _, sb := range w.SplitBrains() {
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

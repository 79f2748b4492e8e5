package checker

import (
	"fmt"
	"time"

	"github.com/gokeepalived/gokeepalived/daemon"
	"github.com/gokeepalived/gokeepalived/pkg/check"
	"github.com/gokeepalived/gokeepalived/pkg/lvs"
)

// checkRun is one checker: its retry state (check.Machine), its probe,
// and its pending timer or probe run.
type checkRun struct {
	d     *Driver
	id    lvs.CheckerID
	kind  string
	name  string // the real server as keepalived names it (FMT_CHK)
	vs    string
	m     *check.Machine
	probe check.Probe
	// timeout is what a probe may take (connect_timeout; MISC_CHECK's
	// misc_timeout or delay_loop).
	timeout time.Duration
	// base is the configured weight (misc_dynamic: the contribution is
	// the script's weight minus it).
	base int64

	cancelTimer func()
	cancelProbe func()
	dead        bool
}

// buildChecks creates a checkRun per checker of the engine's
// configuration and starts each. old and moves carry state across a
// reload (nil at start).
func (d *Driver) buildChecks(old []*checkRun, moves []lvs.CheckerMove) {
	prev := map[lvs.CheckerID]*checkRun{}
	for _, c := range old {
		prev[c.id] = c
	}
	from := map[lvs.CheckerID]*checkRun{}
	for _, mv := range moves {
		if c := prev[mv.Old]; c != nil {
			from[mv.New] = c
		}
	}
	d.checks = d.checks[:0]
	clear(d.byID)
	env := d.p.ProbeEnv()
	now := d.p.Now()
	cfg := d.eng.Config()
	for i := range cfg.VirtualServers {
		v := &cfg.VirtualServers[i]
		for j := range v.RealServers {
			r := &v.RealServers[j]
			for k := range r.Checkers {
				ref := &r.Checkers[k]
				id := lvs.CheckerID{VS: i, RS: j, Checker: k}
				c := d.newCheck(id, v, r, ref, env)
				if c == nil {
					continue
				}
				st := d.eng.Checker(id)
				retry := 0
				if o := from[id]; o != nil {
					retry = check.MigratedRetries(o.m, c.m.Timing().Retry)
				}
				if st.OneFailure {
					retry = c.m.Timing().Retry
				}
				c.m.Restore(st.Up, st.HasRun, retry)
				c.m.SetEnabled(d.eng.CheckersEnabled(i))
				d.checks = append(d.checks, c)
				d.byID[id] = c
				c.arm(c.m.Start(now, d.rng))
			}
		}
	}
}

func (d *Driver) newCheck(id lvs.CheckerID, v *lvs.VirtualServer, r *lvs.RealServer, ref *lvs.CheckerRef, env check.Env) *checkRun {
	ck := ref.Source
	if ck == nil || r.Source == nil {
		return nil
	}
	c := &checkRun{d: d, id: id, kind: ck.Kind, name: r.Name, vs: v.Name,
		m: check.NewMachine(check.TimingFor(ck)), timeout: ck.ConnectTimeout, base: r.Weight}
	if ck.Kind == "MISC_CHECK" {
		c.timeout = ck.MiscTimeout
		if c.timeout == 0 {
			c.timeout = ck.DelayLoop
		}
	}
	p, err := check.NewProbe(ck, r.Source, env)
	if err != nil {
		// FILE_CHECK has no probe (track_file drives it) and BFD_CHECK is
		// not supported: such a checker never reports, so its server
		// keeps its initial state.
		d.log.Warn(fmt.Sprintf("%s for service %s of VS %s will not run: %v", ck.Kind, r.Name, v.Name, err))
		return nil
	}
	c.probe = p
	return c
}

// stopChecks cancels every checker's timer and probe.
func (d *Driver) stopChecks() {
	for _, c := range d.checks {
		c.dead = true
		if c.cancelTimer != nil {
			c.cancelTimer()
		}
		if c.cancelProbe != nil {
			c.cancelProbe()
		}
	}
	d.checks = nil
	clear(d.byID)
}

// arm schedules the checker's next run.
func (c *checkRun) arm(at time.Time) {
	c.cancelTimer = c.d.p.AfterFunc(at, c.fire)
}

// fire is the checker's timer: a suspended checker (ha_suspend) re-arms
// for delay_loop; otherwise the probe runs.
func (c *checkRun) fire() {
	c.cancelTimer = nil
	if c.dead {
		return
	}
	run, next := c.m.Fire(c.d.p.Now())
	if !run {
		c.arm(next)
		return
	}
	c.cancelProbe = c.d.p.RunProbe(c.probe, c.m.URL(), c.timeout, c.done)
}

// done is the probe's result: the machine decides whether keepalived
// would report a verdict and when the next check is due.
func (c *checkRun) done(res check.Result) {
	c.cancelProbe = nil
	if c.dead {
		return
	}
	d := c.d
	hadRun := c.m.HasRun()
	o := c.m.Done(d.p.Now(), res.OK)
	if res.HasWeight {
		d.perform(d.eng.Step(lvs.EvWeight{ID: c.id, Delta: res.Weight - c.base}))
		d.kickVS(c.id.VS)
	}
	if o.Report {
		line := check.VerdictLine(c.kind, c.name, o.Up, hadRun, c.m.Timing().Retry)
		d.log.Info(line)
		d.p.Report(daemon.Report{Kind: daemon.ReportChecker, Instance: c.vs, Addr: d.eng.Config().VirtualServers[c.id.VS].RealServers[c.id.RS].Addr,
			Up: o.Up, Text: line})
		d.perform(d.eng.Step(lvs.EvVerdict{ID: c.id, Up: o.Up}))
	}
	if c.dead {
		return
	}
	c.arm(o.Next)
}

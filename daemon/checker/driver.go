package checker

import (
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/netip"
	"slices"
	"time"

	"github.com/gokeepalived/gokeepalived/daemon"
	"github.com/gokeepalived/gokeepalived/daemon/ipvs"
	"github.com/gokeepalived/gokeepalived/pkg/config"
	"github.com/gokeepalived/gokeepalived/pkg/lvs"
)

// Driver runs one daemon's virtual servers on a Platform. It is a
// single-threaded reactor: every method must be called from the
// platform's reactor goroutine (see Platform).
type Driver struct {
	p   Platform
	log *slog.Logger
	rng *rand.Rand

	cfg *config.Config
	eng *lvs.Engine
	rec *ipvs.Reconciler

	checks []*checkRun
	byID   map[lvs.CheckerID]*checkRun
	// local is the set of addresses on the host's interfaces, as the
	// platform reported them (ha_suspend).
	local map[netip.Addr]bool

	running, stopped bool
	// kicked: a reconcile is due in the current instant, of the whole
	// table (full) or of the services of the dirty virtual servers.
	kicked bool
	full   bool
	dirty  map[int]bool
	ent    lvs.Entry
	// heal is the periodic reconcile's timer; interval its period.
	heal     func()
	interval time.Duration
}

// New builds a checker driver for cfg's virtual servers on p; nothing runs
// until Start. A virtual server the LVS core cannot resolve (an unknown
// virtual_server_group, a group too large) is logged and left out, as
// keepalived leaves out a block it cannot use.
func New(cfg *config.Config, p Platform, log *slog.Logger) (*Driver, error) {
	if p == nil {
		return nil, errors.New("checker: nil platform")
	}
	if cfg == nil {
		return nil, errors.New("checker: nil configuration")
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	lc := resolve(cfg, log)
	d := &Driver{p: p, log: log, rng: p.Rand(), cfg: cfg, eng: lvs.NewEngine(lc),
		byID: map[lvs.CheckerID]*checkRun{}, local: map[netip.Addr]bool{}, dirty: map[int]bool{}}
	if d.rng == nil {
		return nil, errors.New("checker: the platform has no random source")
	}
	d.rec = &ipvs.Reconciler{
		IPVS:    reporting{x: p.IPVS(), d: d},
		Desired: d.eng.Desired,
		Owns:    d.eng.Owns,
		Log:     log,
	}
	return d, nil
}

// resolve is lvs.FromConfig, logging the virtual servers it leaves out.
func resolve(cfg *config.Config, log *slog.Logger) lvs.Config {
	lc, err := lvs.FromConfig(cfg)
	if err != nil {
		log.Error(fmt.Sprintf("virtual servers left out: %v", err))
	}
	return lc
}

// HasVirtualServers says whether cfg has anything for a checker driver to
// do (keepalived starts its checker process only then).
func HasVirtualServers(cfg *config.Config) bool {
	return cfg != nil && len(cfg.VirtualServers) > 0
}

// Engine is the LVS core the driver runs (read-only use: status, tests).
func (d *Driver) Engine() *lvs.Engine { return d.eng }

// Desired is the IPVS table the driver keeps the world's in line with.
func (d *Driver) Desired() *lvs.Table { return d.eng.Desired(nil) }

// Start installs the virtual servers (lvs_flush first if configured),
// reconciles the IPVS table and starts every checker after
// BOOTSTRAP_DELAY plus a random part of its warmup.
func (d *Driver) Start() error {
	if d.running || d.stopped {
		return errors.New("checker: Start called twice")
	}
	d.running = true
	d.log.Info("Starting Healthcheck child process")
	addrs, err := d.p.LocalAddrs()
	if err != nil {
		d.log.Warn("cannot list local addresses (ha_suspend)", "err", err)
	}
	for _, a := range addrs {
		if !d.local[a] {
			d.local[a] = true
			d.eng.Step(lvs.EvAddress{Addr: a, Local: true})
		}
	}
	d.perform(d.eng.Step(lvs.EvStart{}))
	d.buildChecks(nil, nil)
	d.reconcile()
	d.armHeal()
	return nil
}

// Stop is SIGTERM: every configured service leaves the IPVS table (or the
// whole table is flushed with lvs_flush_onstop), with omega's scripts;
// then nothing runs any more. The driver cannot be restarted.
func (d *Driver) Stop() {
	if !d.running {
		return
	}
	d.stopChecks()
	if d.heal != nil {
		d.heal()
		d.heal = nil
	}
	d.perform(d.eng.Step(lvs.EvStop{}))
	d.reconcile()
	d.running, d.stopped = false, true
	d.log.Info("Stopped")
}

// Reload is SIGHUP with the new configuration: virtual and real servers
// that stay keep their state and their IPVS entries (only what changed is
// written), removed ones leave the table, new ones are added as at start;
// checkers that stay the same keep their state (keepalived's
// migrate_checkers) and every checker restarts its schedule.
func (d *Driver) Reload(cfg *config.Config) error {
	if cfg == nil {
		return errors.New("checker: reload: nil configuration")
	}
	if d.stopped {
		return errors.New("checker: reload after stop")
	}
	lc := resolve(cfg, d.log)
	d.cfg = cfg
	if !d.running {
		d.eng.Reload(lc, d.isLocal)
		return nil
	}
	d.log.Info("Reloading")
	old := d.checks
	d.stopChecks()
	acts, moves := d.eng.Reload(lc, d.isLocal)
	d.perform(acts)
	d.buildChecks(old, moves)
	d.reconcile()
	d.armHeal()
	return nil
}

// AddressChanged is a netlink address event: addr was added to (local) or
// removed from one of the host's interfaces. Virtual servers with
// ha_suspend run their checkers only while one of their addresses is
// local (keepalived's update_checker_activity).
func (d *Driver) AddressChanged(addr netip.Addr, local bool) {
	if d.stopped || d.local[addr] == local {
		return
	}
	if local {
		d.local[addr] = true
	} else {
		delete(d.local, addr)
	}
	d.perform(d.eng.Step(lvs.EvAddress{Addr: addr, Local: local}))
}

func (d *Driver) isLocal(a netip.Addr) bool { return d.local[a] }

// perform carries out the engine's actions in order.
func (d *Driver) perform(acts []lvs.Action) {
	for _, a := range acts {
		switch a.Kind {
		case lvs.ActLog:
			d.log.Info(a.Msg)
		case lvs.ActServerState:
			v := &d.eng.Config().VirtualServers[a.VS]
			r := &v.RealServers[a.RS]
			d.p.Report(daemon.Report{Kind: daemon.ReportRealServer, Instance: v.Name, Addr: r.Addr, Up: a.Enabled,
				Text: r.Name})
			d.kickVS(a.VS)
		case lvs.ActQuorum:
			v := &d.eng.Config().VirtualServers[a.VS]
			d.p.Report(daemon.Report{Kind: daemon.ReportQuorum, Instance: v.Name, Up: a.Enabled})
			d.kickVS(a.VS)
		case lvs.ActNotify:
			req := daemon.ScriptRequest{Kind: daemon.ScriptNotify, Name: a.Event, Cmd: a.Script.Command, User: a.Script.User}
			if a.Stopping {
				// keepalived runs the scripts of an orderly stop with a
				// one-second budget.
				req.Timeout = time.Second
			}
			d.p.RunScript(req, nil)
		case lvs.ActFlush:
			if err := d.rec.Flush(); err != nil {
				d.report(err)
			}
			d.full = true
			d.kick()
		case lvs.ActCheckers:
			for _, c := range d.checks {
				if c.id.VS == a.VS {
					c.m.SetEnabled(a.Enabled)
				}
			}
		}
	}
}

// kickVS asks for a reconcile of virtual server vs's services.
func (d *Driver) kickVS(vs int) {
	d.dirty[vs] = true
	d.kick()
}

// kick asks for a reconcile in the current instant (several changes in
// one instant are written together): of the dirty virtual servers' services
// alone (a verdict costs the destinations of its service, not the whole
// table), or of the whole table after a flush.
func (d *Driver) kick() {
	if d.kicked || !d.running {
		return
	}
	d.kicked = true
	d.p.AfterFunc(d.p.Now(), func() {
		d.kicked = false
		if !d.running {
			return
		}
		if d.full {
			d.reconcile()
			return
		}
		vss := make([]int, 0, len(d.dirty))
		for vs := range d.dirty {
			vss = append(vss, vs)
		}
		slices.Sort(vss)
		clear(d.dirty)
		for _, vs := range vss {
			for _, k := range d.eng.Config().VirtualServers[vs].Keys {
				if d.eng.DesiredEntry(vs, k, &d.ent) {
					if _, err := d.rec.ReconcileEntry(&d.ent); err != nil {
						d.report(err)
					}
				}
			}
		}
	})
}

// reconcile makes the world's whole IPVS table match the engine's.
func (d *Driver) reconcile() {
	d.full = false
	clear(d.dirty)
	if _, err := d.rec.Reconcile(); err != nil {
		d.report(err)
	}
}

func (d *Driver) report(err error) {
	d.log.Warn("IPVS: " + err.Error())
	d.p.Report(daemon.Report{Kind: daemon.ReportError, Text: err.Error()})
}

// armHeal (re)starts the periodic reconcile, every smallest delay_loop:
// a table changed behind the driver's back (ipvsadm -C) is healed within
// one delay_loop.
func (d *Driver) armHeal() {
	if d.heal != nil {
		d.heal()
		d.heal = nil
	}
	d.interval = 0
	for _, c := range d.checks {
		if dl := c.m.Timing().DelayLoop; dl > 0 && (d.interval == 0 || dl < d.interval) {
			d.interval = dl
		}
	}
	if d.interval == 0 {
		for i := range d.cfg.VirtualServers {
			if dl := d.cfg.VirtualServers[i].DelayLoop; dl > 0 && (d.interval == 0 || dl < d.interval) {
				d.interval = dl
			}
		}
	}
	if d.interval <= 0 {
		return
	}
	var tick func()
	tick = func() {
		if !d.running {
			return
		}
		d.reconcile()
		d.heal = d.p.AfterFunc(d.p.Now().Add(d.interval), tick)
	}
	d.heal = d.p.AfterFunc(d.p.Now().Add(d.interval), tick)
}

// reporting is the world's IPVS with a report for every change made.
type reporting struct {
	x lvs.IPVS
	d *Driver
}

func (r reporting) done(op lvs.Op, err error) error {
	if err == nil {
		inst := ""
		if op.Kind != lvs.OpFlush {
			inst = op.Service.Key.String()
		}
		r.d.p.Report(daemon.Report{Kind: daemon.ReportIPVS, Addr: op.Dest.Key.Addr, Instance: inst, Text: op.String()})
	}
	return err
}

func (r reporting) Services() ([]lvs.Service, error) { return r.x.Services() }
func (r reporting) Destinations(k lvs.ServiceKey) ([]lvs.Destination, error) {
	return r.x.Destinations(k)
}
func (r reporting) AddService(s lvs.Service) error {
	return r.done(lvs.Op{Kind: lvs.OpAddService, Service: s}, r.x.AddService(s))
}
func (r reporting) UpdateService(s lvs.Service) error {
	return r.done(lvs.Op{Kind: lvs.OpUpdateService, Service: s}, r.x.UpdateService(s))
}
func (r reporting) DelService(k lvs.ServiceKey) error {
	return r.done(lvs.Op{Kind: lvs.OpDelService, Service: lvs.Service{Key: k}}, r.x.DelService(k))
}
func (r reporting) AddDest(k lvs.ServiceKey, dst lvs.Destination) error {
	return r.done(lvs.Op{Kind: lvs.OpAddDest, Service: lvs.Service{Key: k}, Dest: dst}, r.x.AddDest(k, dst))
}
func (r reporting) UpdateDest(k lvs.ServiceKey, dst lvs.Destination) error {
	return r.done(lvs.Op{Kind: lvs.OpUpdateDest, Service: lvs.Service{Key: k}, Dest: dst}, r.x.UpdateDest(k, dst))
}
func (r reporting) DelDest(k lvs.ServiceKey, dk lvs.DestKey) error {
	return r.done(lvs.Op{Kind: lvs.OpDelDest, Service: lvs.Service{Key: k}, Dest: lvs.Destination{Key: dk}}, r.x.DelDest(k, dk))
}
func (r reporting) Flush() error { return r.done(lvs.Op{Kind: lvs.OpFlush}, r.x.Flush()) }

package daemon

import (
	"fmt"
	"log/slog"
	"net/netip"
	"slices"
	"time"

	"github.com/gokeepalived/gokeepalived/pkg/config"
	"github.com/gokeepalived/gokeepalived/pkg/vrrp"
)

// Driver runs one daemon's VRRP instances on a Platform. It is a
// single-threaded reactor: every method must be called from the platform's
// one reactor goroutine (see Platform).
type Driver struct {
	cfg  *config.Config
	p    Platform
	log  *slog.Logger
	eng  *vrrp.Engine
	opts options

	insts  []*instanceMeta
	byName map[string]*instanceMeta
	// byVRID demultiplexes received adverts (keepalived's per-socket
	// rb-tree); byAddr finds the instances owning an address.
	byVRID map[demuxKey]*instanceMeta
	byAddr map[netip.Addr][]*instanceMeta
	ours   ourAddrs // every instance's VIPs and eVIPs per interface (source.go)

	timers    map[timerKey]*driverTimer
	scripts   []*scriptState
	files     []*fileState
	filePoll  func()
	running   bool
	stopped   bool
	started   bool                   // EvStart sent
	garpQueue map[string]*garpQueue  // per interface, when garp_interval spaces them
	initWait  map[string]bool        // unweighted scripts that have not reported yet
	linkState map[string]bool        // last known carrier per interface we care about
	splitSeen map[splitKey]time.Time // last split-brain report, for rate limiting (bounded: splitbrain.go)
	// splitPruneAt: a full splitSeen has nothing to expire before then.
	splitPruneAt time.Time

	held map[string]*held // per MASTER instance: what it installed (addresses.go)
	// resume is EvStart.Resume (StartResume); resumed marks the instances
	// whose addresses are already on the interfaces (resume.go).
	resume  []vrrp.Resume
	resumed map[string]bool
	logs    logLimiter // rate limit of lines about rejected packets (ratelimit.go)

	rx vrrp.Packet // the receive path's decoded datagram, reused
	tx []byte      // the send path's encoding buffer, reused
}

var _ Runner = (*Driver)(nil)

// Option changes how New builds a driver.
type Option func(*options)

type options struct {
	rephaseRejected bool
}

// RephaseOnRejected makes a MASTER restart its advert timer after packets
// that fail the checks too, as keepalived 2.2.7 does
// (vrrp.EngineConfig.RephaseOnRejected). The simulator uses it for nodes it
// models as keepalived; gokeepalived's daemon leaves it off so forged
// packets cannot silence a MASTER.
func RephaseOnRejected(on bool) Option {
	return func(o *options) { o.rephaseRejected = on }
}

// New builds a driver for cfg on p. It converts the configuration (see
// BuildEngineConfig) and builds the engine; nothing runs until Start.
func New(cfg *config.Config, p Platform, log *slog.Logger, opts ...Option) (*Driver, error) {
	if p == nil {
		return nil, fmt.Errorf("daemon: nil platform")
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	var o options
	for _, f := range opts {
		f(&o)
	}
	ec, metas, err := buildEngineConfig(cfg, p, log)
	if err != nil {
		return nil, err
	}
	ec.RephaseOnRejected = o.rephaseRejected
	eng, err := vrrp.NewEngine(ec)
	if err != nil {
		return nil, fmt.Errorf("daemon: build engine: %w", err)
	}
	d := &Driver{
		cfg: cfg, p: p, log: log, eng: eng, opts: o,
		insts:     metas,
		byName:    map[string]*instanceMeta{},
		timers:    map[timerKey]*driverTimer{},
		linkState: map[string]bool{},
		held:      map[string]*held{},
	}
	d.index(metas)
	for i := range cfg.Scripts {
		if d.scriptUsed(cfg.Scripts[i].Name) {
			d.scripts = append(d.scripts, newScriptState(&cfg.Scripts[i]))
		}
	}
	for i := range cfg.TrackFiles {
		d.files = append(d.files, &fileState{def: &cfg.TrackFiles[i]})
	}
	return d, nil
}

// scriptUsed: keepalived only runs vrrp_scripts some instance or group
// tracks ("Warning - script %s is not used").
func (d *Driver) scriptUsed(name string) bool {
	if d.anyTrackScript(func(r config.TrackRef) bool { return r.Name == name }) {
		return true
	}
	d.log.Warn(fmt.Sprintf("Warning - script %s is not used", name))
	return false
}

// anyTrackScript reports whether f holds for a track_script entry of some
// instance or sync group.
func (d *Driver) anyTrackScript(f func(config.TrackRef) bool) bool {
	for _, in := range d.cfg.Instances {
		if slices.ContainsFunc(in.TrackScripts, f) {
			return true
		}
	}
	for _, g := range d.cfg.SyncGroups {
		if slices.ContainsFunc(g.TrackScripts, f) {
			return true
		}
	}
	return false
}

// Start starts every instance: removes configured addresses left on the
// interfaces by a previous daemon (keepalived does the same at start),
// reports the initial link and tracker states, starts the engine and the
// tracker schedules.
func (d *Driver) Start() error {
	if d.running || d.stopped {
		return fmt.Errorf("daemon: Start called twice")
	}
	d.running = true
	d.log.Info("Starting VRRP child process")
	for _, m := range d.insts {
		if !d.resumed[m.name] {
			d.removeStale(m)
		}
	}
	// Initial interface states, before the engine leaves INIT.
	for _, name := range d.watchedIfaces() {
		up, err := d.p.LinkUp(name)
		if err != nil {
			d.log.Warn("cannot read link state", "iface", name, "err", err)
			up = false
		}
		d.linkState[name] = up
		d.linkEvents(name, up, true)
	}
	for _, s := range d.scripts {
		if s.def.InitFail {
			d.step(vrrp.EvTracker{ID: scriptID(s.def.Name), OK: false})
		}
	}
	for _, f := range d.files {
		d.readTrackFile(f, true)
	}
	// keepalived keeps an instance in INIT until every unweighted script
	// it tracks has reported once (num_script_init): EvStart waits for them.
	d.initWait = map[string]bool{}
	for _, s := range d.scripts {
		if !s.def.InitFail && d.scriptUnweighted(s.def.Name) {
			d.initWait[s.def.Name] = true
		}
	}
	if delay := d.cfg.Global.VRRPStartupDelay; delay > 0 {
		// vrrp_startup_delay: the instances start now and hear adverts;
		// the engine counts a BACKUP's down timer from the end of the
		// delay (vrrp.EngineConfig.StartupDelay).
		d.log.Info(fmt.Sprintf("Delaying startup for %g seconds", delay.Seconds()))
	}
	if len(d.initWait) == 0 {
		d.begin()
	}
	for _, s := range d.scripts {
		d.runScript(s)
	}
	if len(d.files) > 0 {
		d.scheduleFilePoll()
	}
	return nil
}

// begin starts the engine (EvStart) once.
func (d *Driver) begin() {
	if d.started {
		return
	}
	d.started = true
	d.step(vrrp.EvStart{Resume: d.resume})
	d.resume = nil
}

// scriptUnweighted: some instance or sync group tracks the script with
// weight 0 (failure means FAULT); entries are resolved in pkg/config.
func (d *Driver) scriptUnweighted(name string) bool {
	return d.anyTrackScript(func(r config.TrackRef) bool { return r.Name == name && r.Weight == 0 })
}

// Stop is an orderly shutdown (SIGTERM): masters send priority 0 and
// release their addresses, notify_stop runs, then every timer and tracker
// stops. The driver cannot be restarted; build a new one.
func (d *Driver) Stop() {
	if !d.running {
		return
	}
	if d.started {
		d.step(vrrp.EvStop{})
	}
	d.running, d.stopped = false, true
	for k, t := range d.timers {
		t.cancel()
		delete(d.timers, k)
	}
	if d.filePoll != nil {
		d.filePoll()
		d.filePoll = nil
	}
	for _, q := range d.garpQueue {
		if q.cancel != nil {
			q.cancel()
		}
	}
	for _, s := range d.scripts {
		if s.cancel != nil {
			s.cancel()
			s.cancel = nil
		}
	}
	d.stopLogs()
	d.log.Info("Stopped")
}

// Status is the engine's snapshot of one instance.
func (d *Driver) Status(name string) (vrrp.Status, bool) { return d.eng.Status(name) }

// Statuses are the snapshots of every instance in configuration order.
func (d *Driver) Statuses() []vrrp.Status { return d.eng.Statuses() }

// step feeds one event to the engine and performs the actions.
func (d *Driver) step(ev vrrp.Event) {
	d.perform(d.eng.Step(d.p.Now(), ev))
}

// perform carries out the engine's actions in one pass, in the engine's
// order, which is keepalived's (see vrrp.ActStateChange, vrrp.ActNotify).
func (d *Driver) perform(acts []vrrp.Action) {
	for _, a := range acts {
		d.apply(a)
	}
}

func (d *Driver) apply(a vrrp.Action) {
	switch a := a.(type) {
	case vrrp.ActSendAdvert:
		d.sendAdvert(a)
	case vrrp.ActAddVIPs:
		d.setVIPs(a.Instance, true)
	case vrrp.ActDelVIPs:
		d.setVIPs(a.Instance, false)
	case vrrp.ActGARP:
		d.garp(a)
	case vrrp.ActSetTimer:
		d.setTimer(a)
	case vrrp.ActCancelTimer:
		k := timerKey{a.Instance, a.Timer}
		if t, ok := d.timers[k]; ok {
			t.cancel()
			delete(d.timers, k)
		}
	case vrrp.ActStateChange:
		d.announce(a)
	case vrrp.ActNotify:
		d.notifyState(a)
	case vrrp.ActGroupStateChange:
		d.groupStateChange(a)
	case vrrp.ActPriorityChange:
		d.priorityChange(a)
	case vrrp.ActReject:
		d.reject(a.Instance, a.Reason, a.Src, a.Detail)
	case vrrp.ActLog:
		d.log.Info(a.Msg)
	default:
		d.log.Warn(fmt.Sprintf("unknown engine action %T", a))
	}
}

// isMaster asks the engine, which alone holds the instances' state.
func (d *Driver) isMaster(name string) bool {
	st, _ := d.eng.State(name)
	return st == vrrp.StateMaster
}

// now is the platform clock, for trackers.
func (d *Driver) now() time.Time { return d.p.Now() }

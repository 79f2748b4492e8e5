package vrrp

import (
	"errors"
	"fmt"
	"net/netip"
	"time"
)

// Engine holds every VRRP instance and sync group of one daemon. It is a
// pure state machine: Step consumes one event at time now and returns the
// actions the driver must perform, in order. An Engine is not safe for
// concurrent use; the driver serialises Step calls.
//
// The driver's side of the contract:
//
//   - Timers: keep at most one pending timer per (instance, kind); an
//     ActSetTimer replaces it, an ActCancelTimer removes it; when one
//     expires, feed EvTimer at a now at or after its deadline. The engine
//     remembers every deadline it armed and ignores early, cancelled or
//     superseded firings, so races between a firing and a re-arm are
//     harmless. Engine.TimerDeadline shows the engine's view.
//   - Actions: perform them in order. The returned slice is reused by the
//     next Step or Reload; never call Step while iterating it (copy it
//     first if an action can re-enter the engine synchronously).
//   - Trackers and interfaces: report the initial status of every tracker
//     (EvTracker) and of down interfaces (EvInterface) before EvStart; a
//     tracker never reported counts as OK with value 0, an interface as up.
//   - Adverts: EvAdvert carries an advert that passed the checks that
//     need the datagram's bytes (decoding, length, checksum, AH ICV and
//     SPI); the engine applies the instance-level checks, the AH sequence
//     number and the unicast peer checks included. An invalid
//     EvAdvert.Dst skips the unicast/multicast check. A datagram the
//     driver rejected after demultiplexing it is an EvDiscarded: it
//     still re-phases a MASTER, as in keepalived.
//     InstanceConfig.SrcAddr must be this node's advert source: it breaks
//     equal-priority ties. ActSendAdvert.AHSeq is the sequence number to
//     seal an AH instance's advert with.
//   - Transitions: ActStateChange comes where keepalived logs "Entering
//     … STATE", ActNotify where it runs the notify scripts; ActLog lines
//     (with LogActions) come where keepalived prints them.
//   - Configuration: every field is taken as given, keepalived's defaults
//     already applied (pkg/config owns them and hands out a resolved
//     model); NewEngine only rejects what the state machine cannot run,
//     zero included where zero is no setting (VRID, Version, Priority,
//     AdvertInt, DownTimerAdverts, GARPMasterRepeat,
//     GARPMasterRefreshRepeat). Everything else (strict mode's
//     consequences, nopreempt being cleared for `state MASTER`, …) is the
//     config layer's job: keepalived 2.2.7's strict mode changes only
//     configuration (vrrp.c vrrp_complete_instance), nothing at run time.
type Engine struct {
	insts    []*instance
	byName   map[string]*instance
	groups   []*group
	trackers map[TrackerID]*trackerState
	acts     []Action // reused by every Step; see Step
	logOn    bool     // EngineConfig.LogActions
	// rephaseRejected is EngineConfig.RephaseOnRejected.
	rephaseRejected bool

	// startDelay is EngineConfig.StartupDelay; delayedUntil is
	// keepalived's vrrp_delayed_start_time, set by the first EvStart
	// (zero: no delay). Before it, a BACKUP's down timer counts from it
	// (see armDown, backupIgnored).
	startDelay   time.Duration
	delayedUntil time.Time
	begun        bool // EvStart seen
}

// NewEngine validates cfg (see checkInstance) and returns an engine with
// every instance in INIT. The configuration is copied: the caller may reuse
// cfg afterwards.
func NewEngine(cfg EngineConfig) (*Engine, error) {
	e := &Engine{
		byName:          make(map[string]*instance, len(cfg.Instances)),
		trackers:        map[TrackerID]*trackerState{},
		acts:            make([]Action, 0, 16),
		logOn:           cfg.LogActions,
		rephaseRejected: cfg.RephaseOnRejected,
		startDelay:      cfg.StartupDelay,
	}
	if cfg.StartupDelay < 0 {
		return nil, fmt.Errorf("vrrp: vrrp_startup_delay %v is negative", cfg.StartupDelay)
	}
	for i := range cfg.Instances {
		ic, err := checkInstance(cfg.Instances[i])
		if err != nil {
			return nil, err
		}
		if _, dup := e.byName[ic.Name]; dup {
			return nil, fmt.Errorf("vrrp: duplicate instance %q", ic.Name)
		}
		if err := checkPeers(&ic); err != nil {
			return nil, err
		}
		ic.Peers = append([]Peer(nil), ic.Peers...)
		in := &instance{
			cfg:          ic,
			state:        StateInit,
			base:         ic.Priority,
			eff:          ic.Priority,
			masterAdvInt: ic.AdvertInt,
			advIntCS:     uint16(ic.AdvertInt / (10 * time.Millisecond)),
		}
		e.insts = append(e.insts, in)
		e.byName[ic.Name] = in
	}
	for _, gc := range cfg.SyncGroups {
		g := &group{cfg: gc, state: StateInit}
		g.cfg.Members = append([]string(nil), gc.Members...)
		g.cfg.Trackers = append([]TrackerRef(nil), gc.Trackers...)
		for _, m := range gc.Members {
			in, ok := e.byName[m]
			if !ok {
				return nil, fmt.Errorf("vrrp: sync group %q: unknown instance %q", gc.Name, m)
			}
			if in.group != nil {
				return nil, fmt.Errorf("vrrp: sync group %q: instance %q is already in sync group %q", gc.Name, m, in.group.cfg.Name)
			}
			in.group = g
			g.members = append(g.members, in)
		}
		if len(g.members) == 0 {
			return nil, fmt.Errorf("vrrp: sync group %q has no members", gc.Name)
		}
		e.groups = append(e.groups, g)
	}
	for _, in := range e.insts {
		if err := e.resolveTrackers(in); err != nil {
			return nil, err
		}
		in.eff, _ = e.computePriority(in)
	}
	return e, nil
}

// checkInstance rejects an instance the state machine cannot run, with
// an error naming the field, and returns a copy that shares no slice with
// the caller. It applies no default: zero is rejected where it is no
// setting (the config layer resolves keepalived's defaults).
func checkInstance(ic InstanceConfig) (InstanceConfig, error) {
	if ic.Name == "" {
		return ic, errors.New("vrrp: instance without a name")
	}
	wrap := func(format string, a ...any) error {
		return fmt.Errorf("vrrp instance %s: "+format, append([]any{ic.Name}, a...)...)
	}
	if ic.VRID == 0 {
		return ic, wrap("virtual_router_id 0: expected 1..255")
	}
	if ic.Version != 2 && ic.Version != 3 {
		return ic, wrap("version %d: expected 2 or 3", ic.Version)
	}
	if ic.IPv6 && ic.Version != 3 {
		return ic, wrap("IPv6 needs VRRP version 3")
	}
	if ic.Priority == 0 {
		// RFC 5798 §5.2.4: 0 only signals a master leaving.
		return ic, wrap("priority 0: expected 1..255")
	}
	switch ic.Version {
	case 2: // RFC 3768 §5.3.7: whole seconds, 8-bit field
		if ic.AdvertInt%time.Second != 0 || ic.AdvertInt < time.Second || ic.AdvertInt > 255*time.Second {
			return ic, wrap("advert_int %v: VRRPv2 needs whole seconds 1..255", ic.AdvertInt)
		}
	case 3: // RFC 5798 §5.2.7: centiseconds, 12-bit field
		if ic.AdvertInt%(10*time.Millisecond) != 0 || ic.AdvertInt < 10*time.Millisecond || ic.AdvertInt > 4095*10*time.Millisecond {
			return ic, wrap("advert_int %v: VRRPv3 needs centiseconds 0.01..40.95s", ic.AdvertInt)
		}
	}
	if len(ic.VIPs) > 255 {
		return ic, wrap("%d virtual addresses: at most 255 fit in an advert", len(ic.VIPs))
	}
	ic.VIPs = append([]netip.Addr(nil), ic.VIPs...)
	ic.Trackers = append([]TrackerRef(nil), ic.Trackers...)
	if ic.DownTimerAdverts < 1 || ic.DownTimerAdverts > 100 {
		return ic, wrap("down_timer_adverts %d: expected 1..100", ic.DownTimerAdverts)
	}
	if ic.GARPMasterRepeat < 1 || ic.GARPMasterRefreshRepeat < 1 {
		return ic, wrap("garp_master_repeat %d, garp_master_refresh_repeat %d: expected at least 1",
			ic.GARPMasterRepeat, ic.GARPMasterRefreshRepeat)
	}
	if ic.GARPLowerPrioRepeat < 0 || ic.GARPMasterDelay < 0 || ic.GARPMasterRefresh < 0 ||
		ic.GARPLowerPrioDelay < 0 || ic.PreemptDelay < 0 {
		return ic, wrap("negative GARP repeat/delay or preempt_delay")
	}
	return ic, nil
}

// checkPeers validates the unicast peers of ic.
func checkPeers(ic *InstanceConfig) error {
	for _, p := range ic.Peers {
		if !p.Addr.IsValid() || p.MinTTL > p.MaxTTL {
			return fmt.Errorf("vrrp instance %s: unicast peer %v: min_ttl %d max_ttl %d", ic.Name, p.Addr, p.MinTTL, p.MaxTTL)
		}
	}
	return nil
}

// Step feeds one event into the engine and returns the actions the driver
// must perform, in order.
//
// The returned slice is owned by the engine and valid only until the next
// call to Step: the engine reuses it (and a MASTER's boxed advert), so a
// steady-state Step allocates only the boxed ActSetTimer it re-arms. A
// driver that keeps actions longer must copy them. Adverts in
// ActSendAdvert share the engine's read-only VIP slice; do not modify
// Advert.Addrs.
func (e *Engine) Step(now time.Time, ev Event) []Action {
	clear(e.acts)
	e.acts = e.acts[:0]
	if ev, ok := ev.(EvStart); ok && len(ev.Resume) == 0 {
		// A process resuming its predecessor's masters continues that
		// daemon's run: vrrp_startup_delay belongs to the first start.
		e.beginDelay(now)
	}
	switch ev := ev.(type) {
	case EvStart:
		e.start(now, ev.Resume)
	case EvStop:
		e.stop()
	case EvAdvert:
		if in := e.byName[ev.Instance]; in != nil {
			e.onAdvert(now, in, &ev)
		}
	case EvDiscarded:
		if in := e.byName[ev.Instance]; in != nil {
			e.onDiscarded(now, in, &ev)
		}
	case EvTimer:
		if in := e.byName[ev.Instance]; in != nil {
			e.onTimer(now, in, ev.Timer)
		}
	case EvTracker:
		if st := e.trackers[ev.ID]; st != nil {
			st.ok, st.value = ev.OK, ev.Value
			e.reevaluate(now)
		}
	case EvInterface:
		if in := e.byName[ev.Instance]; in != nil && in.ifDown == ev.Up {
			in.ifDown = !ev.Up
			e.reevaluate(now)
		}
	case EvVIPDeleted:
		if in := e.byName[ev.Instance]; in != nil {
			e.onVIPDeleted(now, in)
		}
	case EvSourceAddr:
		if in := e.byName[ev.Instance]; in != nil && in.cfg.SrcAddr != ev.Addr {
			in.cfg.SrcAddr = ev.Addr
			e.reevaluate(now)
		}
	case EvSetPriority:
		if in := e.byName[ev.Instance]; in != nil && ev.Priority != 0 {
			in.base = ev.Priority
			e.reevaluate(now)
		}
	}
	return e.acts
}

// State returns the named instance's state: the cheap question a driver
// asks on every received advert and address change.
func (e *Engine) State(name string) (State, bool) {
	in := e.byName[name]
	if in == nil {
		return StateInit, false
	}
	return in.state, true
}

// Status returns a snapshot of the named instance.
func (e *Engine) Status(name string) (Status, bool) {
	in := e.byName[name]
	if in == nil {
		return Status{}, false
	}
	return in.status(), true
}

// Statuses returns snapshots of every instance, in configuration order.
func (e *Engine) Statuses() []Status {
	out := make([]Status, 0, len(e.insts))
	for _, in := range e.insts {
		out = append(out, in.status())
	}
	return out
}

// Faults lists why the named instance is (or, for a member of a sync
// group, would be) in FAULT; nil if nothing faults it. It allocates, so
// it is asked for on demand (a status dump), not per event.
func (e *Engine) Faults(name string) []Fault {
	in := e.byName[name]
	if in == nil {
		return nil
	}
	return e.faults(in)
}

func (in *instance) status() Status {
	return Status{
		Name:              in.cfg.Name,
		State:             in.state,
		BasePriority:      in.base,
		EffectivePriority: in.eff,
		MasterAddr:        in.masterAddr,
		MasterAdvertInt:   in.masterAdvInt,
	}
}

// TimerDeadline reports the deadline of an instance's timer as the engine
// last armed it (ok false if not armed). Simulators and tests use it to
// check that the driver's timer table agrees with the engine.
func (e *Engine) TimerDeadline(name string, k TimerKind) (at time.Time, ok bool) {
	in := e.byName[name]
	if in == nil || int(k) >= numTimers {
		return time.Time{}, false
	}
	t := in.timers[k]
	return t.at, t.armed
}

func (e *Engine) emit(a Action) { e.acts = append(e.acts, a) }

// logf emits an ActLog. Call sites on hot paths check e.logOn first so the
// arguments are not boxed when logging is off.
func (e *Engine) logf(inst, format string, args ...any) {
	if e.logOn {
		e.emit(ActLog{Instance: inst, Msg: fmt.Sprintf(format, args...)})
	}
}

// Reload replaces the configuration and keeps the run-time state, as
// keepalived does on SIGHUP (reference §2.2 "After a reload, instances
// that were MASTER stay MASTER and send an advert immediately", §3.3).
// It returns the actions to perform, like Step (same slice reuse rule).
//
//   - First every MASTER sends one advert with its current priority
//     (keepalived send_reload_advert_thread, before the reload).
//   - An instance kept under the same name, VRID, version and family keeps
//     its state and tracker statuses; its effective priority is recomputed
//     (ActPriorityChange). keepalived re-initialises every kept instance
//     (vrrp_init_state, vrrp_init_instance_sands): a MASTER sends an
//     advert at once with the new priority and re-phases its adverts from
//     the reload (reload_master); a BACKUP's down timer restarts from the
//     reload with a full Master_Down_Interval of the new configuration
//     (a v3 backup's learned interval, the master's address and a running
//     preempt_delay are forgotten); pending delayed GARP bursts are
//     cancelled. The driver reconciles a changed VIP list itself (add the
//     new ones, GARP them). A base priority lowered by an owner conflict
//     is reset.
//   - An instance that disappears (or changes VRID, version or family) is
//     stopped: a MASTER sends priority 0 and releases its VIPs, then STOP.
//     A changed one then starts afresh like a new one.
//   - New instances start as on EvStart if the engine is running.
//   - Sync groups are rebuilt; a group whose kept members disagree is
//     brought to BACKUP (masters release), or FAULT if one has a fault.
//
// On a configuration error the engine is unchanged.
func (e *Engine) Reload(now time.Time, cfg EngineConfig) ([]Action, error) {
	ne, err := NewEngine(cfg)
	if err != nil {
		return nil, fmt.Errorf("vrrp: reload: %w", err)
	}
	clear(e.acts)
	e.acts = e.acts[:0]
	running := false
	for _, in := range e.insts {
		running = running || in.state.started()
	}
	for name, st := range ne.trackers {
		if old := e.trackers[name]; old != nil {
			*st = *old
		}
	}
	// keepalived sigreload_vrrp / send_reload_advert_thread: before it
	// reloads, every MASTER sends one advert with its current priority.
	for _, old := range e.insts {
		if old.state == StateMaster {
			e.sendAdvert(old, old.eff)
		}
	}
	kept := map[*instance]bool{}
	for _, old := range e.insts {
		if sameRouter(old, ne.byName[old.cfg.Name]) {
			continue
		}
		// Removed: keepalived "(VI_1) sent 0 priority", "removing VIPs".
		// old is dropped with the old configuration below.
		e.haltAnnounced(old, StateStopped, Cause{Kind: CauseRemoved})
	}
	for _, nin := range ne.insts {
		old := e.byName[nin.cfg.Name]
		if !sameRouter(old, nin) || !old.state.started() {
			continue
		}
		kept[nin] = true
		// keepalived builds every instance afresh and copies only the
		// state (vrrp.c vrrp_complete_init, restore_vrrp_state): the
		// master's address, a running preempt_delay, a sync group's hold
		// and a v3 backup's learned Master_Adver_Interval are forgotten
		// (the new instance's masterAdvInt is its own advert_int).
		nin.state, nin.ifDown = old.state, old.ifDown
		nin.timers, nin.eff = old.timers, old.eff
		nin.ahSeq = old.ahSeq // keepalived vrrp.c: the ipsecah_counter survives a reload
		// The delayed gratuitous ARP bursts were threads, and a reload
		// cancels every thread (thread_cleanup_master); the refresh
		// deadline is checked at advert ticks and survives.
		for _, k := range []TimerKind{TimerGARPDelay, TimerLowerPrioGARP} {
			if nin.timers[k].armed {
				nin.timers[k] = timer{}
				e.emit(ActCancelTimer{Instance: nin.cfg.Name, Timer: k})
			}
		}
		// A BACKUP's down timer restarts below; it is not moved in place.
		nin.timers[TimerMasterDown] = timer{}
	}
	e.insts, e.byName, e.groups, e.trackers = ne.insts, ne.byName, ne.groups, ne.trackers
	e.logOn = ne.logOn
	e.rephaseRejected = ne.rephaseRejected
	for _, in := range e.insts {
		if !kept[in] {
			continue
		}
		eff, f := e.computePriority(in)
		in.faulted = f
		e.setEffective(now, in, eff)
		switch in.state {
		case StateMaster:
			// vrrp_scheduler.c vrrp_init_instance_sands with reload_master:
			// sands = now, an advert at once with the new priority, then
			// every new advert_int from the reload.
			e.sendAdvert(in, in.eff)
			e.setTimer(in, TimerAdvert, now.Add(in.cfg.AdvertInt))
		case StateBackup:
			// vrrp_init_state: ms_down_timer = Master_Down_Interval, and
			// sands = now + it: the down timer restarts from the reload
			// (measured with keepalived 2.2.7: a backup whose master went
			// silent 2 s before its reload took over 3.645 s after the
			// reload, not 1.6 s).
			e.armDown(now, in, in.masterDown())
		}
	}
	for _, g := range e.groups {
		e.reloadGroup(now, g, kept)
	}
	if running {
		e.start(now, nil)
	}
	for _, in := range e.insts {
		if in.group == nil && kept[in] {
			e.applyFault(now, in)
		}
	}
	for _, g := range e.groups {
		e.syncFault(now, g)
	}
	return e.acts, nil
}

// sameRouter reports whether a reload keeps old as nin: same name (the
// caller's lookup), VRID, version and family.
func sameRouter(old, nin *instance) bool {
	return old != nil && nin != nil && nin.cfg.VRID == old.cfg.VRID &&
		nin.cfg.Version == old.cfg.Version && nin.cfg.IPv6 == old.cfg.IPv6
}

// reloadGroup sets a rebuilt sync group's state from its kept members and
// brings new members to it.
func (e *Engine) reloadGroup(now time.Time, g *group, kept map[*instance]bool) {
	var anyKept, anyFault, allMaster = false, false, true
	for _, m := range g.members {
		if !kept[m] {
			continue
		}
		anyKept = true
		anyFault = anyFault || m.state == StateFault || m.faulted
		allMaster = allMaster && m.state == StateMaster
	}
	if !anyKept {
		return // all new: EvStart semantics via start()
	}
	withGroup := Cause{Kind: CauseSyncGroup, Group: g.cfg.Name}
	switch {
	case anyFault:
		g.state = StateFault
		inFault := Cause{Kind: CauseSyncGroupFault, Group: g.cfg.Name}
		for _, m := range g.members {
			if kept[m] {
				e.enterFault(m, inFault)
			} else {
				e.toFault(m, inFault)
			}
		}
	case allMaster:
		g.state = StateMaster
		for _, m := range g.members {
			if !kept[m] {
				e.becomeMaster(now, m, withGroup)
			}
		}
	default:
		g.state = StateBackup
		for _, m := range g.members {
			switch {
			case !kept[m]:
				e.enterBackup(now, m, m.masterDown(), withGroup)
			case m.state == StateMaster:
				e.leaveMasterToBackup(now, m, m.masterDown(), false, withGroup)
			}
		}
	}
}

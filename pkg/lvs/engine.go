package lvs

import (
	"fmt"
	"math"
	"net/netip"
	"slices"
)

// CheckerID names one checker: the index of its virtual server in
// Config.VirtualServers, of its real server there, and of the checker in
// RealServer.Checkers.
type CheckerID struct {
	VS, RS, Checker int
}

// Event is an input to Engine.Step.
type Event interface{ isEvent() }

// EvStart installs the configuration (keepalived's init_services): real
// servers with no failed (alpha) checker are alive, quorum is computed,
// sorry servers added where quorum is missing.
type EvStart struct{}

// EvStop is an orderly stop (clear_services): every owned service goes;
// with omega, notify_down and quorum_down run.
type EvStop struct{}

// EvVerdict is a checker's report (pkg/check's Verdict): keepalived's
// update_svr_checker_state(alive, checker).
type EvVerdict struct {
	ID CheckerID
	Up bool
}

// EvWeight sets a checker's contribution to its real server's weight
// (misc_dynamic: exit status − 2 − configured weight; FILE_CHECK weights).
type EvWeight struct {
	ID    CheckerID
	Delta int64
}

// EvAddress reports that an address became local or stopped being local
// on this director (a VIP added or removed by VRRP): ha_suspend.
type EvAddress struct {
	Addr  netip.Addr
	Local bool
}

func (EvStart) isEvent()   {}
func (EvStop) isEvent()    {}
func (EvVerdict) isEvent() {}
func (EvWeight) isEvent()  {}
func (EvAddress) isEvent() {}

// ActionKind says what an Action asks the driver to do.
type ActionKind uint8

const (
	// ActNotify runs Script (notify_up, notify_down, quorum_up,
	// quorum_down). Stopping is set for the scripts of an orderly stop
	// (keepalived runs those synchronously, with a one-second budget).
	ActNotify ActionKind = iota
	// ActLog is a log line with keepalived's wording.
	ActLog
	// ActFlush clears the whole IPVS table (lvs_flush at start,
	// lvs_flush_on_stop at stop) before the table is reconciled.
	ActFlush
	// ActCheckers enables or suspends every checker of virtual server VS
	// (ha_suspend).
	ActCheckers
	// ActServerState: real server RS of virtual server VS became alive
	// (Enabled) or dead (perform_svr_state); its log line comes first.
	ActServerState
	// ActQuorum: virtual server VS gained (Enabled) or lost quorum; its
	// log line comes first.
	ActQuorum
)

// Action is an output of Engine.Step. The slice Step returns is reused by
// the next call.
type Action struct {
	Kind     ActionKind
	VS, RS   int // -1 when not about one
	Script   Script
	Msg      string
	Enabled  bool // ActCheckers, ActServerState, ActQuorum
	Stopping bool // ActNotify during an orderly stop
	// Event is the keyword of an ActNotify script: notify_up,
	// notify_down, quorum_up or quorum_down.
	Event string
}

// Engine is the pure LVS core: it keeps keepalived's checker-side state
// (alive real servers, failed checkers, dynamic weights, quorum, sorry
// servers, ha_suspend) and derives the desired IPVS table from it.
// It never reads a clock and does no I/O.
type Engine struct {
	cfg     Config
	vs      []vsState
	owned   map[ServiceKey]bool
	started bool
	stopped bool
	acts    []Action
}

type vsState struct {
	quorumUp   bool
	sorryAlive bool
	addrCount  int
	enabled    bool
	rs         []rsState
}

type rsState struct {
	alive    bool
	failed   int
	ckUp     []bool
	ckRun    []bool
	ckWeight []int64
	// ckOne: the checker fails on its first failed attempt (retry_it =
	// retry): every checker at start, some after a reload.
	ckOne []bool
}

// NewEngine prepares cfg: every checker starts up, except alpha ones,
// which start failed (check_data.c validate_check_config), and quorum is
// taken as down until Start (set_quorum_states runs before any real server
// is alive, so Start reports "Gained quorum").
func NewEngine(cfg Config) *Engine {
	e := &Engine{cfg: cfg, vs: make([]vsState, len(cfg.VirtualServers)), owned: map[ServiceKey]bool{}}
	for i := range cfg.VirtualServers {
		v := &cfg.VirtualServers[i]
		st := &e.vs[i]
		st.rs = make([]rsState, len(v.RealServers))
		st.enabled = !v.HASuspend
		for j := range v.RealServers {
			r := &v.RealServers[j]
			rs := &st.rs[j]
			n := len(r.Checkers)
			rs.ckUp, rs.ckRun, rs.ckWeight, rs.ckOne = make([]bool, n), make([]bool, n), make([]int64, n), make([]bool, n)
			for k, ck := range r.Checkers {
				rs.ckUp[k] = !ck.Alpha
				rs.ckOne[k] = true
				if ck.Alpha {
					rs.failed++
				}
			}
		}
		st.quorumUp = 0 >= v.Quorum+v.Hysteresis
		for _, k := range v.Keys {
			e.owned[k] = true
		}
	}
	return e
}

// Config is the configuration the engine runs.
func (e *Engine) Config() *Config { return &e.cfg }

// Owns says whether k is one of the configured services.
func (e *Engine) Owns(k ServiceKey) bool { return e.owned[k] }

// Alive says whether a real server is alive (all its checkers up).
func (e *Engine) Alive(vs, rs int) bool { return e.vs[vs].rs[rs].alive }

// QuorumUp says whether a virtual server has quorum.
func (e *Engine) QuorumUp(vs int) bool { return e.vs[vs].quorumUp }

// SorryActive says whether a virtual server's sorry server is in use.
func (e *Engine) SorryActive(vs int) bool { return e.vs[vs].sorryAlive }

// CheckerState is what the LVS core holds of one checker.
type CheckerState struct {
	// Up: the checker counts its server as up (set_checker_state).
	Up bool
	// HasRun: the checker has reported a result.
	HasRun bool
	// OneFailure: the checker has not run and its first failed attempt
	// fails it (retry_it = retry): at start ("For non alpha mode, one
	// failure is enough initially"), and after a reload for the new
	// checkers of a server that has failed (migrate_checkers).
	OneFailure bool
}

// Checker is the state of one checker (the zero value for an unknown id).
func (e *Engine) Checker(id CheckerID) CheckerState {
	if !e.valid(id) {
		return CheckerState{}
	}
	rs := &e.vs[id.VS].rs[id.RS]
	k := id.Checker
	return CheckerState{Up: rs.ckUp[k], HasRun: rs.ckRun[k], OneFailure: rs.ckOne[k] && !rs.ckRun[k]}
}

// CheckersEnabled says whether a virtual server's checkers run
// (false while ha_suspend holds them).
func (e *Engine) CheckersEnabled(vs int) bool { return e.vs[vs].enabled }

// Weight is a real server's effective weight as IPVS gets it
// (configured + dynamic contributions, clamped to 0..2147483647).
func (e *Engine) Weight(vs, rs int) int32 {
	return realWeight(e.effective(vs, rs))
}

func (e *Engine) effective(vs, rs int) int64 {
	w := e.cfg.VirtualServers[vs].RealServers[rs].Weight
	for _, d := range e.vs[vs].rs[rs].ckWeight {
		w += d
	}
	return w
}

// realWeight is check_data.h real_weight.
func realWeight(w int64) int32 {
	if w < 0 {
		return 0
	}
	if w > math.MaxInt32 {
		return math.MaxInt32
	}
	return int32(w)
}

// Step feeds one event and returns the actions to perform, in order.
// Events other than EvAddress are ignored before EvStart and after EvStop.
func (e *Engine) Step(ev Event) []Action {
	e.acts = e.acts[:0]
	switch ev := ev.(type) {
	case EvStart:
		if !e.started {
			e.start()
		}
	case EvStop:
		if e.started && !e.stopped {
			e.stop()
		}
	case EvVerdict:
		if e.live() && e.valid(ev.ID) {
			e.verdict(ev.ID, ev.Up)
		}
	case EvWeight:
		if e.live() && e.valid(ev.ID) {
			e.setWeight(ev.ID, ev.Delta)
		}
	case EvAddress:
		e.address(ev.Addr, ev.Local)
	}
	return e.acts
}

func (e *Engine) live() bool { return e.started && !e.stopped }

func (e *Engine) valid(id CheckerID) bool {
	if id.VS < 0 || id.VS >= len(e.vs) || id.RS < 0 || id.RS >= len(e.vs[id.VS].rs) {
		return false
	}
	return id.Checker >= 0 && id.Checker < len(e.vs[id.VS].rs[id.RS].ckUp)
}

func (e *Engine) logf(vs, rs int, format string, args ...any) {
	e.acts = append(e.acts, Action{Kind: ActLog, VS: vs, RS: rs, Msg: fmt.Sprintf(format, args...)})
}

func (e *Engine) notify(vs, rs int, event string, s Script, stopping bool) {
	if s.Command == "" {
		return
	}
	e.acts = append(e.acts, Action{Kind: ActNotify, VS: vs, RS: rs, Script: s, Stopping: stopping, Event: event})
}

// start is init_services.
func (e *Engine) start() {
	e.started = true
	if e.cfg.FlushOnStart {
		e.acts = append(e.acts, Action{Kind: ActFlush, VS: -1, RS: -1})
	}
	for i := range e.cfg.VirtualServers {
		st := &e.vs[i]
		for j := range st.rs {
			if st.rs[j].failed == 0 {
				st.rs[j].alive = true
			}
		}
		e.updateQuorum(i, true)
	}
	e.logActivation()
}

// weighLive is weigh_live_realservers.
func (e *Engine) weighLive(vs int) int64 {
	var sum int64
	for j := range e.vs[vs].rs {
		if e.vs[vs].rs[j].alive {
			sum += int64(realWeight(e.effective(vs, j)))
		}
	}
	return sum
}

// updateQuorum is update_quorum_state.
func (e *Engine) updateQuorum(vs int, init bool) {
	v := &e.cfg.VirtualServers[vs]
	st := &e.vs[vs]
	sum := e.weighLive(vs)
	threshold := v.Quorum + v.Hysteresis
	if st.quorumUp {
		threshold = v.Quorum - v.Hysteresis
	}
	switch {
	case !st.quorumUp && sum >= threshold:
		st.quorumUp = true
		e.logf(vs, -1, "Gained quorum %d+%d=%d <= %d for VS %s", v.Quorum, v.Hysteresis, threshold, sum, v.Name)
		if v.Sorry != nil && st.sorryAlive {
			verb := "Removing"
			if v.Sorry.Inhibit {
				verb = "Disabling"
			}
			e.logf(vs, -1, "%s sorry server %s from VS %s", verb, v.Sorry.Name, v.Name)
			st.sorryAlive = false
			e.logf(vs, -1, "Adding alive servers to the pool for VS %s", v.Name)
		}
		e.acts = append(e.acts, Action{Kind: ActQuorum, VS: vs, RS: -1, Enabled: true})
		e.notify(vs, -1, "quorum_up", v.QuorumUp, false)
	case st.quorumUp && (sum == 0 || sum < threshold), init && !st.quorumUp && v.Sorry != nil && !st.sorryAlive:
		st.quorumUp = false
		what := "Lost quorum"
		if init {
			what = "Starting with quorum down"
		}
		e.logf(vs, -1, "%s %d-%d=%d > %d for VS %s", what, v.Quorum, v.Hysteresis, threshold, sum, v.Name)
		if v.Sorry != nil && !st.sorryAlive {
			verb := "Adding"
			if v.Sorry.Inhibit {
				verb = "Enabling"
			}
			e.logf(vs, -1, "%s sorry server %s to VS %s", verb, v.Sorry.Name, v.Name)
			e.logf(vs, -1, "Removing alive servers from the pool for VS %s", v.Name)
			st.sorryAlive = true
		}
		e.acts = append(e.acts, Action{Kind: ActQuorum, VS: vs, RS: -1, Enabled: false})
		e.notify(vs, -1, "quorum_down", v.QuorumDown, false)
	}
}

// verdict is update_svr_checker_state + set_checker_state.
func (e *Engine) verdict(id CheckerID, up bool) {
	v := &e.cfg.VirtualServers[id.VS]
	rs := &e.vs[id.VS].rs[id.RS]
	r := &v.RealServers[id.RS]
	k := id.Checker
	if rs.ckUp[k] == up {
		if !rs.ckRun[k] {
			// First result confirming the initial state: an alpha
			// checker that fails reports the server down once.
			if r.Checkers[k].Alpha || !up {
				e.rsNotify(id.VS, id.RS, false)
			}
			rs.ckRun[k] = true
		}
		return
	}
	rs.ckRun[k] = true
	if up {
		if rs.failed <= 1 {
			e.setAlive(id.VS, id.RS, true)
		}
		rs.ckUp[k] = true
		if rs.failed > 0 {
			rs.failed--
		}
	} else {
		if rs.failed == 0 {
			e.setAlive(id.VS, id.RS, false)
		}
		rs.ckUp[k] = false
		rs.failed++
	}
}

// setAlive is perform_svr_state.
func (e *Engine) setAlive(vs, rsi int, alive bool) {
	v := &e.cfg.VirtualServers[vs]
	rs := &e.vs[vs].rs[rsi]
	if rs.alive == alive {
		return
	}
	r := &v.RealServers[rsi]
	var verb, prep string
	switch {
	case alive && r.Inhibit:
		verb, prep = "Enabling", "of"
	case alive:
		verb, prep = "Adding", "to"
	case r.Inhibit:
		verb, prep = "Disabling", "of"
	default:
		verb, prep = "Removing", "from"
	}
	e.logf(vs, rsi, "%s service %s %s VS %s", verb, r.Name, prep, v.Name)
	e.acts = append(e.acts, Action{Kind: ActServerState, VS: vs, RS: rsi, Enabled: alive})
	rs.alive = alive
	e.rsNotify(vs, rsi, false)
	e.updateQuorum(vs, false)
}

// rsNotify is do_rs_notifies: notify_up or notify_down by the server's
// current state.
func (e *Engine) rsNotify(vs, rsi int, stopping bool) {
	r := &e.cfg.VirtualServers[vs].RealServers[rsi]
	if e.vs[vs].rs[rsi].alive {
		e.notify(vs, rsi, "notify_up", r.NotifyUp, stopping)
	} else {
		e.notify(vs, rsi, "notify_down", r.NotifyDown, stopping)
	}
}

// setWeight is update_svr_wgt with a checker's new contribution.
func (e *Engine) setWeight(id CheckerID, delta int64) {
	rs := &e.vs[id.VS].rs[id.RS]
	old := realWeight(e.effective(id.VS, id.RS))
	rs.ckWeight[id.Checker] = delta
	nw := realWeight(e.effective(id.VS, id.RS))
	if nw == old {
		return
	}
	v := &e.cfg.VirtualServers[id.VS]
	in := ""
	if !rs.alive {
		in = "in"
	}
	e.logf(id.VS, id.RS, "Changing weight from %d to %d for %sactive service %s of VS %s", old, nw, in, v.RealServers[id.RS].Name, v.Name)
	e.updateQuorum(id.VS, false)
}

// address is update_checker_activity (ha_suspend).
func (e *Engine) address(a netip.Addr, local bool) {
	for i := range e.cfg.VirtualServers {
		v := &e.cfg.VirtualServers[i]
		if !v.HASuspend {
			continue
		}
		match := false
		for _, x := range v.Addrs {
			if x == a {
				match = true
				break
			}
		}
		if !match {
			continue
		}
		st := &e.vs[i]
		if local {
			st.addrCount++
		} else if st.addrCount > 0 {
			st.addrCount--
		}
		if local != st.enabled && (local || st.addrCount == 0) {
			st.enabled = local
			if !e.started {
				continue
			}
			verb := "Suspending"
			if local {
				verb = "Activating"
			}
			for j := range v.RealServers {
				if len(v.RealServers[j].Checkers) > 0 {
					e.logf(i, j, "%s healthchecker for service %s for VS %s", verb, v.RealServers[j].Name, v.Name)
				}
			}
			e.acts = append(e.acts, Action{Kind: ActCheckers, VS: i, RS: -1, Enabled: local})
		}
	}
}

// stop is clear_services.
func (e *Engine) stop() {
	e.stopped = true
	if e.cfg.FlushOnStop {
		e.acts = append(e.acts, Action{Kind: ActFlush, VS: -1, RS: -1})
		for i := range e.cfg.VirtualServers {
			e.stopQuorum(i)
		}
		return
	}
	for i := range e.cfg.VirtualServers {
		v := &e.cfg.VirtualServers[i]
		st := &e.vs[i]
		st.sorryAlive = false
		for j := range v.RealServers {
			r := &v.RealServers[j]
			rs := &st.rs[j]
			set := e.present(i, j)
			if set {
				pre := ""
				if r.Inhibit && !rs.alive {
					pre = "(inhibited) "
				}
				e.logf(i, j, "Shutting down %sservice %s from VS %s", pre, r.Name, v.Name)
			}
			if !set || !rs.alive {
				continue
			}
			rs.alive = false
			if v.Omega {
				e.rsNotify(i, j, true)
			}
		}
		e.stopQuorum(i)
	}
}

// stopQuorum is update_vs_notifies(vs, stopping=true).
func (e *Engine) stopQuorum(vs int) {
	v := &e.cfg.VirtualServers[vs]
	e.vs[vs].quorumUp = false
	if v.Omega {
		e.notify(vs, -1, "quorum_down", v.QuorumDown, true)
	}
}

// present says whether a real server is in the IPVS table now
// (keepalived's rs->set).
func (e *Engine) present(vs, rsi int) bool {
	st := &e.vs[vs]
	if st.rs[rsi].alive && !st.sorryAlive {
		return true
	}
	return e.cfg.VirtualServers[vs].RealServers[rsi].Inhibit
}

// Desired fills dst with the IPVS table the current state asks for and
// returns it (a new table if dst is nil). After EvStop it is empty.
func (e *Engine) Desired(dst *Table) *Table {
	if dst == nil {
		dst = &Table{}
	}
	dst.Entries = dst.Entries[:0]
	if !e.started || e.stopped {
		return dst
	}
	for i := range e.cfg.VirtualServers {
		for _, k := range e.cfg.VirtualServers[i].Keys {
			if n := len(dst.Entries); n < cap(dst.Entries) {
				dst.Entries = dst.Entries[:n+1]
			} else {
				dst.Entries = append(dst.Entries, Entry{})
			}
			e.fillEntry(&dst.Entries[len(dst.Entries)-1], i, k)
		}
	}
	dst.Sort()
	return dst
}

// DesiredEntry fills dst with service k of virtual server vs as the state
// asks for it (destinations sorted), for a reconcile of that service
// alone; false (dst untouched) before Start, after Stop, or for an unknown
// service.
func (e *Engine) DesiredEntry(vs int, k ServiceKey, dst *Entry) bool {
	if !e.started || e.stopped || vs < 0 || vs >= len(e.vs) || !slices.Contains(e.cfg.VirtualServers[vs].Keys, k) {
		return false
	}
	e.fillEntry(dst, vs, k)
	slices.SortFunc(dst.Dests, func(a, b Destination) int { return a.Key.Compare(b.Key) })
	return true
}

// fillEntry sets ent to service k of virtual server vs, reusing its
// destination slice.
func (e *Engine) fillEntry(ent *Entry, vs int, k ServiceKey) {
	s := e.cfg.VirtualServers[vs].Service
	s.Key = k
	if s.Netmask == 0 {
		s.Netmask = 0xffffffff
		if k.Family == Inet6 {
			s.Netmask = 128
		}
	}
	ent.Service = s
	ent.Dests = e.appendDests(ent.Dests[:0], vs, k)
}

func (e *Engine) appendDests(ds []Destination, vs int, k ServiceKey) []Destination {
	v := &e.cfg.VirtualServers[vs]
	st := &e.vs[vs]
	sorryActive := v.Sorry != nil && st.sorryAlive
	for j := range v.RealServers {
		r := &v.RealServers[j]
		var w int32
		switch {
		case st.rs[j].alive && !sorryActive:
			w = realWeight(e.effective(vs, j))
		case r.Inhibit:
			w = 0
		default:
			continue
		}
		ds = append(ds, dest(r, k, w))
	}
	if s := v.Sorry; s != nil && (sorryActive || s.Inhibit) {
		w := int32(0)
		if sorryActive {
			w = realWeight(s.Weight)
		}
		d := dest(s, k, w)
		dup := -1
		for x := range ds {
			if ds[x].Key == d.Key {
				dup = x
				break
			}
		}
		switch {
		case dup < 0:
			ds = append(ds, d)
		case sorryActive:
			// s_svr_duplicates_rs: one kernel entry; in use as the sorry
			// server it carries the sorry server's weight.
			ds[dup] = d
		}
	}
	return ds
}

// dest is ipvs_set_drule plus ipvs_cmd's port rule: NAT keeps the real
// server's port; DR and TUN use the service's (0 for a fwmark service).
func dest(r *RealServer, k ServiceKey, w int32) Destination {
	port := r.Port
	if r.Forward != Masq {
		port = k.Port
	}
	return Destination{
		Key:        DestKey{Addr: r.Addr, Port: port},
		Forward:    r.Forward,
		Weight:     w,
		UThreshold: r.UThreshold,
		LThreshold: r.LThreshold,
		TunType:    r.TunType,
		TunPort:    r.TunPort,
		TunFlags:   r.TunFlags,
	}
}

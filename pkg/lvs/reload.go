package lvs

import "net/netip"

// CheckerMove says that checker New of the reloaded configuration took
// over the state of checker Old of the previous one (keepalived's
// migrate_checkers): the caller moves its retry state along
// (check.Machine.Migrate).
type CheckerMove struct {
	Old, New CheckerID
}

// Reload moves the engine to cfg keeping its state, as keepalived 2.2.7's
// reload of the checker process (ipwrapper.c clear_diff_services,
// clear_diff_rs, migrate_checkers, then init_services and
// check_new_rs_state):
//
//   - a virtual server that is no longer configured goes ("Removing
//     Virtual Server ..."); one that still is (same address, protocol and
//     port, or fwmark, or group: vs_iseq) keeps its quorum state and, with
//     ha_suspend, its count of local addresses;
//   - a real server that left its virtual server goes ("service ... no
//     longer exist"); one that stays (same address and port: rs_iseq)
//     keeps its alive flag, and each of its checkers that is the same
//     checker (same Kind and Key) keeps its state; a reloaded server with
//     no failed checker is alive;
//   - a new real server starts as at start: alive unless it has an alpha
//     checker;
//   - quorum is re-evaluated (update_quorum_state(vs, init)).
//
// local says whether an address is local now (ha_suspend of virtual
// servers that are new). It returns the actions, in order, and the checker
// moves; the IPVS table follows from Desired. Reload before Start or after
// Stop only replaces the configuration.
func (e *Engine) Reload(cfg Config, local func(netip.Addr) bool) ([]Action, []CheckerMove) {
	e.acts = e.acts[:0]
	old := NewEngine(Config{})
	*old = *e // the previous configuration and state (e.acts is shared, and reset above)
	*e = *NewEngine(cfg)
	e.acts = old.acts[:0]
	if !old.started || old.stopped {
		e.started, e.stopped = old.started, old.stopped
		if e.started {
			e.startState(local)
		}
		return e.acts, nil
	}
	e.started = true
	// Only a start makes one failure enough for every checker
	// (validate_check_config skips it on reload).
	for i := range e.vs {
		for j := range e.vs[i].rs {
			clear(e.vs[i].rs[j].ckOne)
		}
	}
	var moves []CheckerMove
	used := make([]bool, len(cfg.VirtualServers))
	for oi := range old.cfg.VirtualServers {
		ov := &old.cfg.VirtualServers[oi]
		ni := -1
		for i := range cfg.VirtualServers {
			if !used[i] && sameVS(ov, &cfg.VirtualServers[i]) {
				ni = i
				break
			}
		}
		if ni < 0 {
			e.logf(oi, -1, "Removing Virtual Server %s", ov.Name)
			continue
		}
		used[ni] = true
		moves = e.migrateVS(old, oi, ni, moves)
	}
	for i := range cfg.VirtualServers {
		v := &cfg.VirtualServers[i]
		st := &e.vs[i]
		if !used[i] {
			// A new virtual server: init_service_vs as at start.
			st.addrCount = countLocal(v, local)
			st.enabled = !v.HASuspend || st.addrCount > 0
			for j := range st.rs {
				st.rs[j].alive = st.rs[j].failed == 0
			}
		}
		e.updateQuorum(i, true)
	}
	e.logActivation()
	return e.acts, moves
}

// logActivation is register_checkers_thread's line for every checker
// (at start and after a reload).
func (e *Engine) logActivation() {
	for i := range e.cfg.VirtualServers {
		v := &e.cfg.VirtualServers[i]
		verb := "Activating"
		if !e.vs[i].enabled {
			verb = "Deactivating"
		}
		for j := range v.RealServers {
			if len(v.RealServers[j].Checkers) > 0 {
				e.logf(i, j, "%s healthchecker for service %s for VS %s", verb, v.RealServers[j].Name, v.Name)
			}
		}
	}
}

// startState is init_services' state for an engine reloaded before it
// ran anything (no history to keep).
func (e *Engine) startState(local func(netip.Addr) bool) {
	for i := range e.cfg.VirtualServers {
		st := &e.vs[i]
		st.addrCount = countLocal(&e.cfg.VirtualServers[i], local)
		st.enabled = !e.cfg.VirtualServers[i].HASuspend || st.addrCount > 0
		for j := range st.rs {
			st.rs[j].alive = st.rs[j].failed == 0
		}
	}
}

func countLocal(v *VirtualServer, local func(netip.Addr) bool) int {
	n := 0
	if local == nil {
		return 0
	}
	for _, a := range v.Addrs {
		if local(a) {
			n++
		}
	}
	return n
}

// sameVS is keepalived's vs_iseq: the same group (and port), or the same
// family and fwmark, or the same family, protocol, address and port. The
// resolved name encodes all of these but the family.
func sameVS(a, b *VirtualServer) bool {
	if a.Name != b.Name || len(a.Keys) == 0 || len(b.Keys) == 0 {
		return a.Name == b.Name && len(a.Keys) == len(b.Keys)
	}
	return a.Keys[0].Family == b.Keys[0].Family
}

// migrateVS carries the state of old virtual server oi to new one ni
// (clear_diff_services' copy, clear_diff_rs, migrate_checkers,
// init_service_rs for new real servers).
func (e *Engine) migrateVS(old *Engine, oi, ni int, moves []CheckerMove) []CheckerMove {
	ov, nv := &old.cfg.VirtualServers[oi], &e.cfg.VirtualServers[ni]
	os, ns := &old.vs[oi], &e.vs[ni]
	ns.quorumUp = os.quorumUp
	ns.addrCount = os.addrCount
	ns.enabled = !nv.HASuspend || ns.addrCount > 0
	if nv.Sorry != nil && ov.Sorry != nil && nv.Sorry.Addr == ov.Sorry.Addr && nv.Sorry.Port == ov.Sorry.Port {
		ns.sorryAlive = os.sorryAlive
	}
	matched := make([]bool, len(nv.RealServers))
	for oj := range ov.RealServers {
		or := &ov.RealServers[oj]
		nj := -1
		for j := range nv.RealServers {
			if !matched[j] && nv.RealServers[j].Addr == or.Addr && nv.RealServers[j].Port == or.Port {
				nj = j
				break
			}
		}
		if nj < 0 {
			e.logf(ni, -1, "service %s no longer exist", or.Name)
			continue
		}
		matched[nj] = true
		moves = e.migrateRS(old, oi, oj, ni, nj, moves)
	}
	for j := range nv.RealServers {
		if !matched[j] {
			// init_service_rs: a new real server is added unless a
			// checker (alpha) starts failed.
			ns.rs[j].alive = ns.rs[j].failed == 0
		}
	}
	return moves
}

// migrateRS is clear_diff_rs for one real server kept across the reload
// and migrate_checkers for its checkers.
func (e *Engine) migrateRS(old *Engine, oi, oj, ni, nj int, moves []CheckerMove) []CheckerMove {
	ors := &old.vs[oi].rs[oj]
	nrs := &e.vs[ni].rs[nj]
	ocks := old.cfg.VirtualServers[oi].RealServers[oj].Checkers
	ncks := e.cfg.VirtualServers[ni].RealServers[nj].Checkers
	nrs.alive = ors.alive
	// A reloaded server's checkers are allocated up (alpha ones are only
	// set down below, when the server has failed).
	for k := range ncks {
		nrs.ckUp[k] = true
	}
	for k := range ncks {
		for ok := range ocks {
			if ocks[ok].Kind != ncks[k].Kind || ocks[ok].Key != ncks[k].Key {
				continue
			}
			if ors.ckRun[ok] {
				nrs.ckUp[k] = ors.ckUp[ok]
			}
			nrs.ckRun[k] = ors.ckRun[ok]
			nrs.ckWeight[k] = ors.ckWeight[ok]
			moves = append(moves, CheckerMove{Old: CheckerID{oi, oj, ok}, New: CheckerID{ni, nj, k}})
			break
		}
	}
	// "Find out how many checkers are really failed".
	failed, anyRun := 0, false
	for k := range ncks {
		if nrs.ckRun[k] && !nrs.ckUp[k] {
			failed++
		}
		anyRun = anyRun || nrs.ckRun[k]
	}
	if failed > 0 || (!nrs.alive && !anyRun) {
		// New alpha checkers stay down until they have run.
		// "One failure is enough" for the checkers that have not run.
		for k := range ncks {
			if !nrs.ckRun[k] {
				nrs.ckOne[k] = true
				if ncks[k].Alpha {
					nrs.ckUp[k] = false
				}
			}
		}
	}
	nrs.failed = failed
	if failed == 0 && !nrs.alive {
		// "If there are no failed checkers, the RS needs to be up".
		e.setAlive(ni, nj, true)
	}
	return moves
}

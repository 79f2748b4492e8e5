package vrrp

import "time"

// Resume names an instance that a restarted daemon process held as MASTER
// when its predecessor died (kill -9, OOM, a crash). The kernel kept its
// addresses; if the new process started it in BACKUP, as keepalived's
// respawned VRRP child does, nobody would hold them until the peers'
// Master_Down_Timer fired (keepalived 2.2.7 measured: 3.4 s). A resumed
// instance is MASTER again at once, like keepalived's reload_master: an
// advert first, so the peers' down timers restart before they expire.
type Resume struct {
	Instance string
	// AHSeq is the last AH sequence number the instance sent (auth_type
	// AH), so that peers do not take the resumed adverts for replays.
	AHSeq uint32
}

// resumeMasters makes the instances of rs MASTER without going through
// BACKUP (EvStart.Resume). An instance with a fault reason is not
// resumed (it starts in FAULT as usual); a sync group is resumed only if
// every member is listed and none has a fault. Unknown names are ignored:
// the configuration may have changed between the two processes.
func (e *Engine) resumeMasters(now time.Time, rs []Resume) {
	if len(rs) == 0 {
		return
	}
	want := make(map[string]uint32, len(rs))
	for _, r := range rs {
		want[r.Instance] = r.AHSeq
	}
	ok := func(in *instance) bool {
		_, listed := want[in.cfg.Name]
		return listed && !in.faulted && !in.state.started()
	}
	for _, in := range e.insts {
		if in.group == nil && ok(in) {
			e.resumeMaster(now, in, want[in.cfg.Name])
		}
	}
	for _, g := range e.groups {
		if g.state.started() {
			continue
		}
		all := true
		for _, m := range g.members {
			all = all && ok(m)
		}
		if !all {
			continue
		}
		for _, m := range g.members {
			e.resumeMaster(now, m, want[m.cfg.Name])
		}
		e.setGroupState(g, StateMaster)
	}
}

// resumeMaster is becomeMaster for an instance that already holds its
// addresses: the advert at once, "Entering MASTER STATE" (cause resumed),
// ActAddVIPs (the driver adds only what is missing), one gratuitous ARP
// burst so that neighbours' caches are right even if the old process died
// in the middle of one, the refresh and advert timers. No ActNotify: for
// the rest of the world nothing changed, and keepalived's reload_master
// runs no notify script either.
func (e *Engine) resumeMaster(now time.Time, in *instance, ahSeq uint32) {
	cfg := &in.cfg
	from := in.state
	in.state = StateMaster
	in.wantMaster = false
	in.masterAdvInt = cfg.AdvertInt
	in.preemptAt = time.Time{}
	if ahSeq > in.ahSeq {
		in.ahSeq = ahSeq
	}
	e.sendAdvert(in, in.eff)
	e.announce(in, from, StateMaster, Cause{Kind: CauseResumed})
	e.emit(ActAddVIPs{Instance: cfg.Name})
	e.emit(ActGARP{Instance: cfg.Name, Repeat: cfg.GARPMasterRepeat})
	if cfg.GARPMasterRefresh > 0 {
		e.setTimer(in, TimerGARPRefresh, now.Add(cfg.GARPMasterRefresh))
	}
	e.setTimer(in, TimerAdvert, now.Add(cfg.AdvertInt))
}

// Advert is the advert the named instance sends with priority prio, as
// its next ActSendAdvert would carry it. A supervisor whose worker keeps
// crashing uses it to send the priority-0 adverts the worker cannot send
// any more (daemon.Driver.Release). It does not change the engine.
func (e *Engine) Advert(name string, prio uint8) (Advert, bool) {
	in := e.byName[name]
	if in == nil {
		return Advert{}, false
	}
	return in.advert(prio), true
}

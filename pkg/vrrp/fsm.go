package vrrp

import (
	"net/netip"
	"time"
)

// instance is the run-time state of one vrrp_instance.
type instance struct {
	cfg   InstanceConfig
	group *group
	state State
	// wantMaster is keepalived's wantstate == MASTER: the down timer
	// expired but a sync group held the instance in BACKUP.
	wantMaster bool

	base, eff uint8
	faulted   bool // a tracker or the interface puts it in FAULT
	ifDown    bool

	// masterAdvInt is Master_Adver_Interval: the local advert_int except
	// in a v3 BACKUP, which adopts the master's (adoptInterval); becoming
	// MASTER and halt restore it, so every other state holds advert_int.
	masterAdvInt time.Duration
	advIntCS     uint16     // local advert_int in centiseconds
	masterAddr   netip.Addr // last accepted master

	timers    [numTimers]timer
	preemptAt time.Time // keepalived preempt_time; zero = delay not started

	refs []trackRef

	// advertBox caches the boxed ActSendAdvert for advertBoxPrio so a
	// steady-state advert tick does not allocate.
	advertBox     Action
	advertBoxPrio uint8

	// ahSeq is keepalived's ipsecah_counter.seq_number (auth_type AH): one
	// counter for both directions. Each advert sent takes the next number;
	// an accepted advert's number, if higher, becomes the counter, and a
	// number not above it is a replay (vrrp.c vrrp_in_chk_ipsecah).
	ahSeq uint32
}

// started reports whether s is past EvStart and before EvStop: BACKUP,
// MASTER or FAULT.
func (s State) started() bool { return s != StateInit && s != StateStopped }

func (in *instance) running() bool { return in.state == StateBackup || in.state == StateMaster }

func (in *instance) advert(prio uint8) Advert {
	c := &in.cfg
	a := Advert{
		Version:     c.Version,
		Type:        TypeAdvertisement,
		VRID:        c.VRID,
		Priority:    prio,
		AdvertIntCS: in.advIntCS,
		Addrs:       c.VIPs,
	}
	if c.Version == 2 {
		a.AuthType = c.AuthType
		if c.AuthType == AuthPass {
			a.AuthData = c.AuthPass
		}
	}
	return a
}

func (e *Engine) sendAdvert(in *instance, prio uint8) {
	if in.cfg.AuthType == AuthAH {
		// keepalived vrrp_update_pkt: one sequence number per advert; it
		// stops counting at 0xFFFFFFFE (136 years at one advert a second).
		if in.ahSeq <= 0xFFFFFFFD {
			in.ahSeq++
		}
		e.emit(ActSendAdvert{Instance: in.cfg.Name, Advert: in.advert(prio), AHSeq: in.ahSeq})
		return
	}
	if prio != 0 && in.advertBox != nil && in.advertBoxPrio == prio {
		e.emit(in.advertBox)
		return
	}
	var a Action = ActSendAdvert{Instance: in.cfg.Name, Advert: in.advert(prio)}
	if prio != 0 {
		in.advertBox, in.advertBoxPrio = a, prio
	}
	e.emit(a)
}

// announce emits the ActStateChange of in moving from → to, at the point
// keepalived logs "Entering … STATE" for it.
func (e *Engine) announce(in *instance, from, to State, c Cause) {
	e.emit(ActStateChange{Instance: in.cfg.Name, From: from, To: to, Priority: in.eff, Reason: c})
}

// notify emits the ActNotify of in's finished transition (keepalived
// send_instance_notifies).
func (e *Engine) notify(in *instance) {
	e.emit(ActNotify{Instance: in.cfg.Name, State: in.state, Priority: in.eff})
}

// start handles EvStart (keepalived vrrp_init_state, reference §2.2): an
// owner (base priority 255) with `state MASTER` becomes MASTER at once;
// every other instance enters BACKUP and waits a full
// Master_Down_Interval; an instance with a fault reason enters FAULT. A
// sync group starts MASTER only if every member would; any member with a
// fault puts the group in FAULT.
func (e *Engine) start(now time.Time, resume []Resume) {
	for _, in := range e.insts {
		if !in.state.started() {
			eff, f := e.computePriority(in)
			in.eff, in.faulted = eff, f
		}
	}
	e.resumeMasters(now, resume)
	for _, in := range e.insts {
		if in.group != nil || in.state.started() {
			continue
		}
		switch {
		case in.faulted:
			e.toFault(in, Cause{Kind: CauseFault, Init: true, Faults: e.faults(in)})
		case in.base == PriorityOwner && in.cfg.WantMaster:
			e.ownerStart(now, in)
		default:
			e.enterBackup(now, in, in.masterDown(), Cause{Kind: CauseInit})
		}
	}
	for _, g := range e.groups {
		if g.state.started() {
			continue
		}
		faulted, allOwners := false, true
		for _, m := range g.members {
			faulted = faulted || m.faulted
			allOwners = allOwners && m.base == PriorityOwner && m.cfg.WantMaster
		}
		to := StateBackup
		switch {
		case faulted:
			to = StateFault
		case allOwners:
			to = StateMaster
		}
		for _, m := range g.members {
			switch to {
			case StateFault:
				e.toFault(m, Cause{Kind: CauseInit})
			case StateMaster:
				e.ownerStart(now, m)
			default:
				e.enterBackup(now, m, m.masterDown(), Cause{Kind: CauseInit})
			}
		}
		if to == StateMaster && now.Before(e.delayedUntil) {
			g.state = StateBackup // silently, as its members (ownerStart)
			continue
		}
		e.setGroupState(g, to)
	}
}

// ownerStart starts an address owner with `state MASTER`. keepalived
// 2.2.7 vrrp_init_state puts it in BACKUP without a word (no log line, no
// notify) with a 1 µs down timer; the engine makes it MASTER at once,
// except within vrrp_startup_delay, where that timer runs from the end
// of the delay (vrrp_init_instance_sands): the owner waits, silently in
// BACKUP, and becomes MASTER when the delay ends (CauseMasterDown).
func (e *Engine) ownerStart(now time.Time, in *instance) {
	if !now.Before(e.delayedUntil) {
		e.becomeMaster(now, in, Cause{Kind: CauseAddressOwner, Init: true})
		return
	}
	in.state = StateBackup
	e.armDown(now, in, 0)
}

// stop handles EvStop (keepalived vrrp_shutdown, reference §2.7): a MASTER
// sends a priority-0 advert ("sent 0 priority") and removes its VIPs;
// every instance cancels its timers and enters STOP.
func (e *Engine) stop() {
	for _, in := range e.insts {
		if in.state != StateStopped {
			e.haltAnnounced(in, StateStopped, Cause{Kind: CauseStop})
		}
	}
	for _, g := range e.groups {
		e.setGroupState(g, StateStopped)
	}
}

// becomeMaster is keepalived's vrrp_state_goto_master / master_tx /
// become_master (reference §2.7): advert first (so an old master can
// release), "Entering MASTER STATE", then VIPs, the gratuitous ARP/NA
// burst, the delayed second burst and the refresh, the notification, and
// Adver_Timer.
func (e *Engine) becomeMaster(now time.Time, in *instance, c Cause) {
	from := in.state
	cfg := &in.cfg
	in.state = StateMaster
	in.wantMaster = false
	in.masterAdvInt = cfg.AdvertInt // RFC 5798 §6.4.3: a master uses its own interval
	in.preemptAt = time.Time{}
	e.cancelTimer(in, TimerMasterDown)
	e.sendAdvert(in, in.eff)
	e.announce(in, from, StateMaster, c)
	e.emit(ActAddVIPs{Instance: cfg.Name})
	e.emit(ActGARP{Instance: cfg.Name, Repeat: cfg.GARPMasterRepeat})
	if cfg.GARPMasterDelay > 0 {
		e.setTimer(in, TimerGARPDelay, now.Add(cfg.GARPMasterDelay))
	}
	if cfg.GARPMasterRefresh > 0 {
		// keepalived vrrp_state_become_master: garp_refresh_timer =
		// timer_add_now(garp_refresh), i.e. counted from becoming MASTER
		// (keepalived then checks it at its advert ticks; we fire exactly).
		e.setTimer(in, TimerGARPRefresh, now.Add(cfg.GARPMasterRefresh))
	}
	e.notify(in)
	e.setTimer(in, TimerAdvert, now.Add(cfg.AdvertInt))
}

// leaveMasterToBackup is keepalived's vrrp_state_leave_master to BACKUP:
// "Entering BACKUP STATE", then the VIPs are released, the notification,
// and a down timer of dur. zeroAdvert sends a priority-0 advert first (VIP
// deleted); yielding to a better master does not.
func (e *Engine) leaveMasterToBackup(now time.Time, in *instance, dur time.Duration, zeroAdvert bool, c Cause) {
	e.announce(in, StateMaster, StateBackup, c)
	if zeroAdvert {
		e.sendAdvert(in, PriorityStop)
	}
	e.emit(ActDelVIPs{Instance: in.cfg.Name})
	e.cancelMasterTimers(in)
	in.state = StateBackup
	in.preemptAt = time.Time{}
	e.notify(in)
	e.armDown(now, in, dur)
}

// enterBackup enters BACKUP from INIT/STOP/FAULT with a down timer of dur.
func (e *Engine) enterBackup(now time.Time, in *instance, dur time.Duration, c Cause) {
	e.announce(in, in.state, StateBackup, c)
	in.state = StateBackup
	in.wantMaster = false
	in.preemptAt = time.Time{}
	e.notify(in)
	e.armDown(now, in, dur)
}

// toFault enters FAULT (reference §2.9): "Entering FAULT STATE", then a
// MASTER sends priority 0 and releases its VIPs; no adverts are sent or
// processed in FAULT.
func (e *Engine) toFault(in *instance, c Cause) {
	if in.state == StateFault {
		return
	}
	e.announce(in, in.state, StateFault, c)
	e.halt(in, StateFault)
	e.notify(in)
}

// haltAnnounced takes an instance to STOP (EvStop, or removed by a reload):
// announced and notified if it had started, silently from INIT.
func (e *Engine) haltAnnounced(in *instance, to State, c Cause) {
	started := in.state.started()
	if started {
		e.announce(in, in.state, to, c)
	}
	e.halt(in, to)
	if started {
		e.notify(in)
	}
}

// halt takes an instance out of BACKUP/MASTER into to (FAULT or STOP)
// without reporting it: a MASTER sends a priority-0 advert and releases its
// VIPs, and every timer is cancelled. It returns the state left.
func (e *Engine) halt(in *instance, to State) (from State) {
	from = in.state
	if from == StateMaster {
		e.sendAdvert(in, PriorityStop)
		e.emit(ActDelVIPs{Instance: in.cfg.Name})
	}
	e.cancelAllTimers(in)
	in.state = to
	in.wantMaster = false
	in.masterAdvInt = in.cfg.AdvertInt
	return from
}

func (e *Engine) enterFault(in *instance, c Cause) {
	if in.running() {
		e.toFault(in, c)
	}
}

// leaveFault: keepalived 2.2.7 try_up_instance / vrrp_state_leave_fault
// (reference §2.2): BACKUP with a full Master_Down_Interval; an address
// owner that wants MASTER waits only adver_int + Skew_Time and then
// becomes MASTER.
func (e *Engine) leaveFault(now time.Time, in *instance) {
	if in.state != StateFault {
		return
	}
	dur := in.masterDown()
	if in.base == PriorityOwner && in.cfg.WantMaster {
		dur = in.ownerDown()
	}
	e.enterBackup(now, in, dur, Cause{Kind: CauseLeaveFault})
}

// masterDownExpired: RFC 5798 §6.4.2 Master_Down_Timer fires → MASTER,
// subject to the sync group (keepalived vrrp_state_goto_master).
func (e *Engine) masterDownExpired(now time.Time, in *instance) {
	// keepalived vrrp_scheduler.c vrrp_dispatcher_read_timeout logs this
	// before it tries to go MASTER, whether a sync group lets it or not.
	e.logf(in.cfg.Name, "(%s) Receive advertisement timeout", in.cfg.Name)
	in.wantMaster = true
	if in.group == nil {
		e.becomeMaster(now, in, Cause{Kind: CauseMasterDown})
		return
	}
	e.syncGotoMaster(now, in)
}

func (e *Engine) onVIPDeleted(now time.Time, in *instance) {
	if in.state != StateMaster {
		return
	}
	// keepalived 2.2.7 (reference §2.7): an externally deleted VIP → BACKUP
	// with a priority-0 advert and a Skew_Time-only down timer.
	e.leaveMasterToBackup(now, in, in.skew(), true, Cause{Kind: CauseVIPDeleted})
	e.syncBackup(now, in)
}

// onAdvert is keepalived 2.2.7 vrrp_dispatcher_read after the
// demultiplexing: a packet is ignored in INIT and FAULT; an IPv6 packet
// sent to a multicast group for a unicast instance, or the other way
// round, is discarded before it is handed over (keepalived logs it only
// with -D: "discarding multicast packet on unicast instance"), so it does
// not re-phase a MASTER; the rest goes to the state's handler.
func (e *Engine) onAdvert(now time.Time, in *instance, ev *EvAdvert) {
	if !in.running() {
		e.stateIgnored(in, ev.Src)
		return
	}
	if c := &in.cfg; c.IPv6 && ev.Dst.IsValid() && ev.Dst.IsMulticast() == c.Unicast {
		got, want := "multicast", "unicast"
		if !c.Unicast {
			got, want = want, got
		}
		e.reject(in, ev.Src, RejectUnicastMcast, "discarding "+got+" packet on "+want+" instance")
		return
	}
	if in.state == StateBackup {
		e.backupRx(now, in, ev)
	} else {
		e.masterRx(now, in, ev)
	}
}

// onDiscarded handles a datagram the driver rejected for the instance
// (EvDiscarded): keepalived's vrrp_state_backup and vrrp_state_master_rx
// stop at vrrp_check_packet's verdict, then vrrp_dispatcher_read
// re-phases a MASTER. A BACKUP keeps its down timer (an ignored advert
// leaves sands where it was, see backupIgnored).
func (e *Engine) onDiscarded(now time.Time, in *instance, ev *EvDiscarded) {
	if !in.running() {
		e.stateIgnored(in, ev.Src)
		return
	}
	e.reject(in, ev.Src, ev.Reason, ev.Detail)
	if in.state == StateMaster {
		if e.rephaseRejected {
			e.rephase(now, in)
		}
	} else {
		e.backupIgnored(now, in)
	}
}

// stateIgnored: keepalived's vrrp_dispatcher_read ignores every packet
// for an instance in INIT or FAULT, before checking it.
func (e *Engine) stateIgnored(in *instance, src netip.Addr) {
	e.emit(ActReject{Instance: in.cfg.Name, Src: src, Reason: RejectStateIgnored, Detail: in.state.String()})
}

func (e *Engine) reject(in *instance, src netip.Addr, r RejectReason, detail string) {
	e.emit(ActReject{Instance: in.cfg.Name, Src: src, Reason: r, Detail: detail})
}

// backupRx is keepalived 2.2.7 vrrp_state_backup (reference §2.4).
func (e *Engine) backupRx(now time.Time, in *instance, ev *EvAdvert) {
	checkAddr := !in.cfg.SkipCheckAdvAddr || !in.masterAddr.IsValid() || ev.Src != in.masterAddr
	if r, d := in.checkAdvert(ev, checkAddr); r != RejectNone {
		// Reference §2.3.6: a rejected advert does not touch the down
		// timer (except within vrrp_startup_delay: backupIgnored).
		e.reject(in, ev.Src, r, d)
		e.backupIgnored(now, in)
		return
	}
	p := ev.Advert.Priority
	c := &in.cfg
	switch {
	case p == PriorityStop:
		// RFC 5798 §6.4.2: priority 0 → Master_Down_Timer = Skew_Time.
		e.logf(c.Name, "(%s) Backup received priority 0 advertisement", c.Name)
		e.armDown(now, in, in.skew())
	case c.Nopreempt || p >= in.eff ||
		(c.PreemptDelay > 0 && (in.preemptAt.IsZero() || in.preemptAt.After(now))):
		// RFC 5798 §6.4.2: accept → reset Master_Down_Timer; v3 adopts
		// the master's interval.
		e.adoptInterval(in, ev, "")
		in.masterAddr = ev.Src
		if c.PreemptDelay > 0 {
			// keepalived 2.2.7: a higher/equal advert stops the delay; the
			// first lower one starts it.
			if p >= in.eff {
				in.preemptAt = time.Time{}
			} else if in.preemptAt.IsZero() {
				in.preemptAt = now.Add(c.PreemptDelay)
			}
		}
		in.wantMaster = false
		e.armDown(now, in, in.masterDown())
	default:
		// "received lower priority (%d) advert from %s - discarding": the
		// timer keeps running; keepalived still records the sender.
		if e.logOn {
			e.logf(c.Name, "(%s) received lower priority (%d) advert from %s - discarding", c.Name, p, ev.Src)
		}
		in.masterAddr = ev.Src
		e.backupIgnored(now, in)
	}
}

// masterRx is keepalived 2.2.7 vrrp_state_master_rx (reference §2.5),
// followed by what keepalived's dispatcher does after every packet it
// hands to a MASTER (vrrp_scheduler.c vrrp_dispatcher_read: "If we have
// sent an advert, reset the timer", `if (vrrp->state != VRRP_STATE_MAST ||
// !vrrp->lower_prio_no_advert) vrrp_init_instance_sands(vrrp)`): an
// instance still MASTER re-phases its Adver_Timer to now + advert_int,
// whatever the packet was — a lower priority it answered, a priority 0,
// an equal priority from its own address, or an advert the checks
// rejected (keepalived 2.2.7 verified in a namespace: a MASTER hearing a
// lower-priority master's adverts sends one advert per second, right
// after each of them, instead of its own on its own phase; a MASTER
// rejecting another's adverts for a wrong auth_pass falls silent while
// the other keeps sending, see scenarios/regress_master_rephase.scn).
// Without vrrp_lower_prio_no_advert only: with it keepalived leaves a
// MASTER's timer alone. A MASTER that yields arms its down timer in
// leaveMasterToBackup, as keepalived's BACKUP branch of the same call.
//
// An advert that fails the checks re-phases only with
// EngineConfig.RephaseOnRejected (keepalived's behaviour; gokeepalived's
// daemon does not let forged packets silence a MASTER).
func (e *Engine) masterRx(now time.Time, in *instance, ev *EvAdvert) {
	if e.masterRxPacket(now, in, ev) || e.rephaseRejected {
		e.rephase(now, in)
	}
}

// rephase is what vrrp_dispatcher_read does after every packet it handed
// to an instance, `if (vrrp->state != VRRP_STATE_MAST ||
// !vrrp->lower_prio_no_advert) vrrp_init_instance_sands(vrrp)`, for an
// instance still MASTER: the Adver_Timer restarts from now.
func (e *Engine) rephase(now time.Time, in *instance) {
	if in.state == StateMaster && !in.cfg.LowerPrioNoAdvert {
		e.setTimer(in, TimerAdvert, now.Add(in.cfg.AdvertInt))
	}
}

// masterRxPacket is vrrp_state_master_rx; false when the advert failed
// vrrp_check_packet.
func (e *Engine) masterRxPacket(now time.Time, in *instance, ev *EvAdvert) bool {
	if r, d := in.checkAdvert(ev, true); r != RejectNone {
		e.reject(in, ev.Src, r, d)
		return false
	}
	c := &in.cfg
	p := ev.Advert.Priority
	cmp := ev.Src.Compare(c.SrcAddr)
	higher := p > in.eff || (p == in.eff && cmp > 0)

	// RFC 5798 §6.4.3: priority 0 → send an advert at once.
	// higher_prio_send_advert: tell the winner before yielding.
	if p == PriorityStop || (c.HigherPrioSendAdvert && higher) {
		e.logf(c.Name, "(%s) Master received priority 0 or lower priority advert", c.Name)
		e.sendAdvert(in, in.eff)
		if p == PriorityStop {
			return true
		}
	}
	if p == in.eff {
		if cmp == 0 {
			e.reject(in, ev.Src, RejectOwnAddress, "WARNING - equal priority advert received from remote host with our IP address.")
			return true
		}
		if in.eff == PriorityOwner {
			// keepalived 2.2.7: both sides owners → "CONFIGURATION ERROR ...
			// reducing local priority" to 254, base priority included.
			e.logf(c.Name, "(%s) CONFIGURATION ERROR: local instance and a remote instance are both configured as address owner, please fix - reducing local priority", c.Name)
			in.base = PriorityOwner - 1
			e.setEffective(now, in, PriorityOwner-1)
			higher = true
		}
	}
	if !higher {
		// "Received advert from %s with lower priority %d, ours %d,
		// forcing new election" (RFC 9568 behaviour, keepalived default).
		if e.logOn {
			suffix := ", forcing new election"
			if c.LowerPrioNoAdvert {
				suffix = ""
			}
			e.logf(c.Name, "(%s) Received advert from %s with lower priority %d, ours %d%s", c.Name, ev.Src, p, in.eff, suffix)
		}
		if c.AuthType == AuthAH {
			// keepalived: "IPSEC-AH : Syncing seq_num - Increment seq", so
			// that the other master accepts our next advert.
			e.logf(c.Name, "(%s) IPSEC-AH : Syncing seq_num - Increment seq", c.Name)
			in.ahSeq = ev.AHSeq + 1
		}
		if !c.LowerPrioNoAdvert {
			e.sendAdvert(in, in.eff)
		}
		e.lowerPrioGARP(now, in)
		if g := in.group; g != nil {
			for _, m := range g.members {
				if m != in && m.state == StateMaster {
					e.lowerPrioGARP(now, m)
				}
			}
		}
		return true
	}
	// RFC 5798 §6.4.3: higher priority (or equal from a higher address) →
	// BACKUP, no priority-0 advert, VIPs removed, v3 adopts the interval.
	reason := Cause{Kind: CauseHigherPriority}
	if p == in.eff {
		reason.Kind = CauseHigherAddress
		e.logf(c.Name, "(%s) Master received advert from %s with same priority %d but higher IP address than ours", c.Name, ev.Src, p)
	} else {
		e.logf(c.Name, "(%s) Master received advert from %s with higher priority %d, ours %d", c.Name, ev.Src, p, in.eff)
	}
	e.adoptInterval(in, ev, " from higher priority master")
	in.masterAddr = ev.Src
	e.leaveMasterToBackup(now, in, in.masterDown(), false, reason)
	e.syncBackup(now, in)
	return true
}

// adoptInterval: RFC 5798 §6.4.2 a v3 Backup sets Master_Adver_Interval
// from the accepted advert (a zero interval is ignored).
func (e *Engine) adoptInterval(in *instance, ev *EvAdvert, from string) {
	if in.cfg.Version != 3 || ev.Advert.AdvertIntCS == 0 {
		return
	}
	mi := time.Duration(ev.Advert.AdvertIntCS) * 10 * time.Millisecond
	if mi != in.masterAdvInt {
		e.logf(in.cfg.Name, "(%s) advertisement interval updated to %d milli-sec from %d milli-sec%s",
			in.cfg.Name, mi.Milliseconds(), in.masterAdvInt.Milliseconds(), from)
		in.masterAdvInt = mi
	}
}

// lowerPrioGARP: garp_lower_prio_repeat GARPs now and a second burst
// after garp_lower_prio_delay (keepalived vrrp_state_master_rx).
func (e *Engine) lowerPrioGARP(now time.Time, in *instance) {
	c := &in.cfg
	if c.GARPLowerPrioRepeat <= 0 {
		return
	}
	e.emit(ActGARP{Instance: c.Name, Repeat: c.GARPLowerPrioRepeat})
	if c.GARPLowerPrioDelay > 0 {
		e.setTimer(in, TimerLowerPrioGARP, now.Add(c.GARPLowerPrioDelay))
	}
}

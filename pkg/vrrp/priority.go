package vrrp

import (
	"fmt"
	"time"
)

// trackerState is the last status the driver reported for a tracker. A
// tracker nobody has reported yet counts as OK with value 0: the driver
// sends the initial status of every tracker before EvStart (keepalived
// keeps an instance in INIT until its unweighted scripts reported once).
type trackerState struct {
	ok    bool
	value int
}

// trackRef is a tracker as it applies to one instance, after the sync
// group rules (see resolveTrackers).
type trackRef struct {
	id      TrackerID
	weight  int
	reverse bool
	st      *trackerState
}

// resolveTrackers builds the instance's tracker list from its own and its
// sync group's trackers.
//
// keepalived 2.2.7 vrrp.c (vrrp_complete_instance): in a sync group without
// sync_group_tracking_weight, weights are dropped — a weighted
// track_interface becomes unweighted (down → FAULT, "ignoring weights of
// tracked interface due to SYNC group"), a weighted track_script (and, by
// the same rule, track_file/track_process) is not tracked at all
// ("ignoring tracked script with weights due to SYNC group").
func (e *Engine) resolveTrackers(in *instance) error {
	add := func(r TrackerRef, from string) error {
		if r.Weight < -254 || r.Weight > 254 {
			return fmt.Errorf("vrrp instance %s: %s tracker %q weight %d: expected -254..254", in.cfg.Name, from, r.Name, r.Weight)
		}
		w := r.Weight
		if in.group != nil && !in.group.cfg.TrackingWeight && w != 0 {
			if r.Kind != TrackInterface {
				return nil
			}
			w = 0
		}
		st := e.trackers[r.ID()]
		if st == nil {
			st = &trackerState{ok: true}
			e.trackers[r.ID()] = st
		}
		in.refs = append(in.refs, trackRef{id: r.ID(), weight: w, reverse: r.Reverse, st: st})
		return nil
	}
	for _, r := range in.cfg.Trackers {
		if err := add(r, "instance"); err != nil {
			return err
		}
	}
	if in.group != nil {
		for _, r := range in.group.cfg.Trackers {
			if err := add(r, "sync group "+in.group.cfg.Name); err != nil {
				return err
			}
		}
	}
	return nil
}

// contribution is one weighted tracker's term in the priority sum
// (keepalived.conf(5) track_script/track_interface weights; vrrp_track.c):
//
//	weight > 0: OK → +w, failed → 0     (reverse: OK → −w)
//	weight < 0: OK → 0,  failed → −|w|  (reverse: failed → +|w|)
func contribution(weight int, reverse, ok bool) int {
	if weight > 0 {
		switch {
		case !ok:
			return 0
		case reverse:
			return -weight
		}
		return weight
	}
	switch {
	case ok:
		return 0
	case reverse:
		return -weight
	}
	return weight
}

// fileTerm is a weighted track_file's value × weight (negated by reverse).
func (r *trackRef) fileTerm() int64 {
	c := int64(r.st.value) * int64(r.weight)
	if r.reverse {
		c = -c
	}
	return c
}

// term is r's term in the priority sum; an unweighted tracker has none.
func (r *trackRef) term() int64 {
	switch {
	case r.weight == 0:
		return 0
	case r.id.Kind == TrackFile:
		return r.fileTerm()
	}
	return int64(contribution(r.weight, r.reverse, r.st.ok))
}

// faults reports whether r alone puts the instance in FAULT: an unweighted
// tracker that failed (reverse: that is OK), an unweighted track_file with
// a non-zero value (reverse: zero), or a weighted track_file whose term is
// below -253 (keepalived vrrp_track.c).
func (r *trackRef) faults() bool {
	switch {
	case r.id.Kind == TrackFile && r.weight == 0:
		return (r.st.value != 0) != r.reverse
	case r.id.Kind == TrackFile:
		return r.fileTerm() < -253
	case r.weight == 0:
		return r.st.ok == r.reverse
	}
	return false
}

// computePriority returns the effective priority and whether a tracker
// puts the instance in FAULT (keepalived vrrp_track.c, reference §1.9):
// effective = clamp(base + Σ contributions, 1, 254); an owner (base 255)
// is never changed; weight 0 → failure means FAULT (reverse: OK means
// FAULT); track_file adds value × weight, and with weight 0 a non-zero
// value means FAULT.
func (e *Engine) computePriority(in *instance) (eff uint8, faulted bool) {
	total := int64(in.base)
	for i := range in.refs {
		r := &in.refs[i]
		faulted = faulted || r.faults()
		total += r.term()
	}
	if in.ifDown && !in.cfg.DontTrackPrimary {
		faulted = true
	}
	faulted = faulted || in.noAddress()
	if in.base == PriorityOwner {
		return PriorityOwner, faulted
	}
	switch {
	case total < 1:
		return 1, faulted
	case total > PriorityOwner-1:
		return PriorityOwner - 1, faulted
	}
	return uint8(total), faulted
}

// faults lists why an instance is (or would be) in FAULT.
func (e *Engine) faults(in *instance) []Fault {
	var out []Fault
	if in.ifDown && !in.cfg.DontTrackPrimary {
		out = append(out, Fault{Kind: FaultInterfaceDown})
	}
	if in.noAddress() {
		out = append(out, in.noAddressFault())
	}
	for i := range in.refs {
		r := &in.refs[i]
		switch {
		case !r.faults():
		case r.id.Kind == TrackFile:
			out = append(out, Fault{Kind: FaultFile, Tracker: r.id, Value: r.st.value})
		default:
			out = append(out, Fault{Kind: FaultTracker, Tracker: r.id})
		}
	}
	if g := in.group; g != nil {
		for _, m := range g.members {
			if m == in {
				continue
			}
			if _, f := e.computePriority(m); f {
				out = append(out, Fault{Kind: FaultSyncMember, Group: g.cfg.Name, Member: m.cfg.Name})
			}
		}
	}
	return out
}

// setEffective applies a new effective priority (keepalived 2.2.7
// vrrp_track.c vrrp_set_effective_priority): report it, and in BACKUP move
// the running Master_Down_Timer in place by the change of Skew_Time (the
// change of Master_Down_Interval). keepalived shifts by the difference
// between the new interval and the duration it last armed, which is the
// same after an accepted advert; after a priority-0 advert or a discarded
// one keepalived's shift would stretch the fast takeover to a full
// interval, which we do not copy. A MASTER keeps its advert timer: its
// next scheduled advert carries the new priority (keepalived does not
// send one at once).
func (e *Engine) setEffective(now time.Time, in *instance, eff uint8) {
	if eff == in.eff {
		return
	}
	from := in.eff
	oldSkew := in.skew()
	in.eff = eff
	if !in.state.started() {
		return
	}
	e.emit(ActPriorityChange{Instance: in.cfg.Name, From: from, To: eff})
	if t := in.timers[TimerMasterDown]; in.state == StateBackup && t.armed {
		// A deadline moved into the past fires at once (keepalived: sands
		// already passed); never arm a timer before now.
		at := t.at.Add(in.skew() - oldSkew)
		if at.Before(now) {
			at = now
		}
		e.setTimer(in, TimerMasterDown, at)
	}
}

// reevaluate recomputes every instance's effective priority and fault
// status after a tracker, interface or base priority change, and moves
// instances and sync groups into or out of FAULT.
func (e *Engine) reevaluate(now time.Time) {
	for _, in := range e.insts {
		eff, f := e.computePriority(in)
		in.faulted = f
		e.setEffective(now, in, eff)
	}
	for _, in := range e.insts {
		if in.group == nil {
			e.applyFault(now, in)
		}
	}
	for _, g := range e.groups {
		e.syncFault(now, g)
	}
}

// applyFault moves an ungrouped instance into or out of FAULT.
func (e *Engine) applyFault(now time.Time, in *instance) {
	switch {
	case in.faulted && (in.state == StateBackup || in.state == StateMaster):
		e.enterFault(in, Cause{Kind: CauseFault, Faults: e.faults(in)})
	case !in.faulted && in.state == StateFault:
		e.leaveFault(now, in)
	}
}

package vrrp

import "time"

// group is the run-time state of a vrrp_sync_group.
type group struct {
	cfg     SyncGroupConfig
	members []*instance
	state   State
}

func (e *Engine) setGroupState(g *group, to State) {
	if g.state == to {
		return
	}
	from := g.state
	g.state = to
	e.emit(ActGroupStateChange{Group: g.cfg.Name, From: from, To: to})
}

// syncGotoMaster: keepalived vrrp_sync.c vrrp_sync_can_goto_master and
// vrrp_sync_master. A member whose Master_Down_Timer expired wants MASTER;
// the group goes MASTER (every member at once) only when every other
// member wants it too ("prefer backup state to avoid thrashing");
// otherwise the member re-arms a full Master_Down_Interval and waits. If
// the group already is MASTER the member simply joins it.
func (e *Engine) syncGotoMaster(now time.Time, in *instance) {
	g := in.group
	if g.state == StateMaster {
		e.becomeMaster(now, in, Cause{Kind: CauseMasterDown})
		return
	}
	for _, m := range g.members {
		if m != in && m.state != StateMaster && !(m.state == StateBackup && m.wantMaster) {
			e.armDown(now, in, in.masterDown())
			return
		}
	}
	// keepalived: the member whose timer expired goes MASTER first
	// (vrrp_state_goto_master), then vrrp_sync_master logs and moves the
	// others.
	e.becomeMaster(now, in, Cause{Kind: CauseMasterDown})
	e.logf("", "VRRP_Group(%s) Syncing instances to MASTER state", g.cfg.Name)
	withGroup := Cause{Kind: CauseSyncGroup, Group: g.cfg.Name}
	for _, m := range g.members {
		if m != in && m.state == StateBackup {
			e.becomeMaster(now, m, withGroup)
		}
	}
	e.setGroupState(g, StateMaster)
}

// syncBackup: keepalived vrrp_sync.c vrrp_sync_backup. When one member
// leaves MASTER for BACKUP the others follow (no priority-0 advert, full
// Master_Down_Interval).
func (e *Engine) syncBackup(now time.Time, in *instance) {
	g := in.group
	if g == nil || g.state == StateBackup {
		return
	}
	e.logf("", "VRRP_Group(%s) Syncing instances to BACKUP state", g.cfg.Name)
	withGroup := Cause{Kind: CauseSyncGroup, Group: g.cfg.Name}
	for _, m := range g.members {
		if m != in && m.state == StateMaster {
			e.leaveMasterToBackup(now, m, m.masterDown(), false, withGroup)
		}
	}
	e.setGroupState(g, StateBackup)
}

// syncFault: keepalived vrrp_sync.c vrrp_sync_fault / vrrp_sync_leave_fault.
// Any member with a fault reason puts every member in FAULT; the group
// leaves FAULT (every member to BACKUP) only when no member has one.
func (e *Engine) syncFault(now time.Time, g *group) {
	if !g.state.started() {
		return
	}
	var faulty *instance
	for _, m := range g.members {
		if m.faulted {
			faulty = m
			break
		}
	}
	if faulty != nil {
		if g.state == StateFault {
			return
		}
		e.logf("", "VRRP_Group(%s) Syncing instances to FAULT state", g.cfg.Name)
		for _, m := range g.members {
			c := Cause{Kind: CauseSyncGroupFault, Group: g.cfg.Name, Member: faulty.cfg.Name}
			if m.faulted {
				c = Cause{Kind: CauseFault, Faults: e.faults(m)}
			}
			e.enterFault(m, c)
		}
		e.setGroupState(g, StateFault)
		return
	}
	if g.state != StateFault {
		return
	}
	// keepalived try_up_instance: the last member to clear its fault
	// leaves FAULT, then vrrp_sync_backup logs and brings the others.
	for i, m := range g.members {
		e.leaveFault(now, m)
		if i == 0 {
			e.logf("", "VRRP_Group(%s) Syncing instances to BACKUP state", g.cfg.Name)
		}
	}
	e.setGroupState(g, StateBackup)
}

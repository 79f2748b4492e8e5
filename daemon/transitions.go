package daemon

import (
	"fmt"
	"strings"

	"github.com/gokeepalived/gokeepalived/pkg/config"
	"github.com/gokeepalived/gokeepalived/pkg/vrrp"
)

// This file turns the engine's transitions into keepalived's log lines,
// the driver's reports and the notify scripts. keepalived's phrases about
// transitions are written here and nowhere else; phrases about a received
// advert's fate come from the engine (ActLog), which alone knows it.

// announce logs and reports a transition, where keepalived logs
// "Entering … STATE": the engine emits it after a new MASTER's first
// advert and before its VIPs, and before a leaving MASTER's priority-0
// advert and VIP removal.
func (d *Driver) announce(a vrrp.ActStateChange) {
	msg := fmt.Sprintf("(%s) Entering %s STATE", a.Instance, a.To)
	switch {
	case a.To == vrrp.StateStopped:
		msg = fmt.Sprintf("(%s) Stopped", a.Instance)
	case a.Reason.IsInit():
		// keepalived vrrp_scheduler.c vrrp_init_state says only "(init)";
		// the typed cause goes in an attribute.
		msg += " (init)"
	}
	reason := a.Reason.String()
	if reason != "" {
		d.log.Info(msg, "reason", reason)
	} else {
		d.log.Info(msg)
	}
	d.p.Report(Report{Kind: ReportState, Instance: a.Instance, From: a.From, To: a.To, Priority: a.Priority, Text: reason, Cause: a.Reason.Kind})
}

// notifyState runs the notify scripts of a finished transition
// (keepalived vrrp_notify.c send_instance_notifies): the state's own
// script, then the generic one with INSTANCE NAME STATE PRIORITY.
func (d *Driver) notifyState(a vrrp.ActNotify) {
	m := d.byName[a.Instance]
	if m == nil {
		return
	}
	in := m.cfg
	specific, ok := stateNotify(a.State, in.NotifyMaster, in.NotifyBackup, in.NotifyFault, in.NotifyStop)
	if !ok {
		return
	}
	d.notify(specific, nil)
	d.notify(in.Notify, []string{"INSTANCE", m.name, a.State.String(), fmt.Sprint(a.Priority)})
}

// stateNotify picks the notify_master/backup/fault/stop script for a state;
// false for states that have none.
func stateNotify(to vrrp.State, master, backup, fault, stop config.Notify) (config.Notify, bool) {
	switch to {
	case vrrp.StateMaster:
		return master, true
	case vrrp.StateBackup:
		return backup, true
	case vrrp.StateFault:
		return fault, true
	case vrrp.StateStopped:
		return stop, true
	}
	return config.Notify{}, false
}

// groupStateChange reports a sync group's transition and runs its notify
// scripts (keepalived send_group_notifies). keepalived's "VRRP_Group(G)
// Syncing instances to … state" line is the engine's ActLog, logged where
// keepalived logs it.
func (d *Driver) groupStateChange(a vrrp.ActGroupStateChange) {
	d.p.Report(Report{Kind: ReportGroupState, Instance: a.Group, From: a.From, To: a.To})
	for i := range d.cfg.SyncGroups {
		g := &d.cfg.SyncGroups[i]
		if g.Name != a.Group {
			continue
		}
		specific, ok := stateNotify(a.To, g.NotifyMaster, g.NotifyBackup, g.NotifyFault, g.NotifyStop)
		if !ok {
			return
		}
		d.notify(specific, nil)
		// keepalived 2.2.7 vrrp_notify.c send_group_notifies:
		// notify_script_exec(gscript, "GROUP", ..., 0) — $4 is 0.
		d.notify(g.Notify, []string{"GROUP", g.Name, a.To.String(), "0"})
	}
}

func (d *Driver) priorityChange(a vrrp.ActPriorityChange) {
	d.log.Info(fmt.Sprintf("(%s) Changing effective priority from %d to %d", a.Instance, a.From, a.To))
	d.p.Report(Report{Kind: ReportPriority, Instance: a.Instance, Priority: a.To, Text: fmt.Sprintf("%d -> %d", a.From, a.To)})
	m := d.byName[a.Instance]
	if m == nil || !m.cfg.NotifyPriorityChanges {
		return
	}
	// notify_priority_changes (pkg/config resolves the instance's value
	// from vrrp_notify_priority_changes): the generic notify script runs
	// again with the state the step leaves and the new priority.
	switch st, _ := d.eng.State(a.Instance); st {
	case vrrp.StateMaster, vrrp.StateBackup, vrrp.StateFault:
		d.notify(m.cfg.Notify, []string{"INSTANCE", m.name, st.String(), fmt.Sprint(a.To)})
	}
}

func (d *Driver) notify(n config.Notify, args []string) {
	if strings.TrimSpace(n.Command) == "" {
		return
	}
	d.p.RunScript(ScriptRequest{Kind: ScriptNotify, Name: "notify", Cmd: n.Command, Args: args, User: n.User}, nil)
}

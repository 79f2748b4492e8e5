package daemon

import (
	"fmt"
	"log/slog"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/gokeepalived/gokeepalived/pkg/config"
	"github.com/gokeepalived/gokeepalived/pkg/vrrp"
)

// Driver runs one daemon's VRRP instances on a Platform. It is a
// single-threaded reactor: every method must be called from the platform's
// one reactor goroutine (see Platform).
type Driver struct {
	cfg *config.Config
	p   Platform
	log *slog.Logger
	eng *vrrp.Engine

	insts  []*instanceMeta
	byName map[string]*instanceMeta
	// byVRID demultiplexes received adverts (keepalived's per-socket
	// rb-tree); byAddr finds the instances owning an address.
	byVRID map[demuxKey]*instanceMeta
	byAddr map[netip.Addr][]*instanceMeta

	timers     map[timerKey]*driverTimer
	scripts    []*scriptState
	files      []*fileState
	filePoll   func()
	running    bool
	stopped    bool
	started    bool // EvStart sent
	delayed    bool // within vrrp_startup_delay
	startDelay func()
	garpQueue  map[string]*garpQueue  // per interface, when garp_interval spaces them
	initWait   map[string]bool        // unweighted scripts that have not reported yet
	linkState  map[string]bool        // last known carrier per interface we care about
	splitSeen  map[splitKey]time.Time // last split-brain report, for rate limiting
}

type splitKey struct {
	inst string
	addr netip.Addr
	how  string
}

type demuxKey struct {
	iface string
	v6    bool
	vrid  uint8
}

type timerKey struct {
	inst string
	kind vrrp.TimerKind
}

// driverTimer is one engine timer. Re-arming to a later deadline (every
// accepted advert pushes the Master_Down_Timer back) does not touch the
// platform: the pending callback fires at armedAt, sees the deadline moved
// and re-arms itself for the rest. Only an earlier deadline re-arms at once.
type driverTimer struct {
	at      time.Time // the engine's deadline
	armedAt time.Time // when the platform callback is due
	cancel  func()
}

// New builds a driver for cfg on p. It converts the configuration (see
// BuildEngineConfig) and builds the engine; nothing runs until Start.
func New(cfg *config.Config, p Platform, log *slog.Logger) (*Driver, error) {
	if p == nil {
		return nil, fmt.Errorf("daemon: nil platform")
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	ec, metas, err := buildEngineConfig(cfg, p, log)
	if err != nil {
		return nil, err
	}
	eng, err := vrrp.NewEngine(ec)
	if err != nil {
		return nil, fmt.Errorf("daemon: build engine: %w", err)
	}
	d := &Driver{
		cfg: cfg, p: p, log: log, eng: eng,
		insts:     metas,
		byName:    map[string]*instanceMeta{},
		timers:    map[timerKey]*driverTimer{},
		linkState: map[string]bool{},
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
		d.removeStale(m)
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
			d.step(vrrp.EvTracker{Name: scriptTracker(s.def.Name), OK: false})
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
		// vrrp_startup_delay: instances start late and every advert
		// received meanwhile is discarded (vrrp_scheduler.c).
		d.log.Info(fmt.Sprintf("Delaying startup for %v", delay))
		d.delayed = true
		d.startDelay = d.p.AfterFunc(d.now().Add(delay), func() {
			d.delayed, d.startDelay = false, nil
			if d.running && len(d.initWait) == 0 {
				d.begin()
			}
		})
	} else if len(d.initWait) == 0 {
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
	if d.started || d.delayed {
		return
	}
	d.started = true
	d.step(vrrp.EvStart{})
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
	if d.startDelay != nil {
		d.startDelay()
		d.startDelay = nil
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
	d.log.Info("Stopped")
}

// Status is the engine's snapshot of one instance.
func (d *Driver) Status(name string) (vrrp.Status, bool) { return d.eng.Status(name) }

// Statuses are the snapshots of every instance in configuration order.
func (d *Driver) Statuses() []vrrp.Status { return d.eng.Statuses() }

// Receive hands a received advert to the instance it belongs to
// (demultiplexed by interface, family and VRID, like keepalived's socket
// pools). Adverts for an unknown VRID are ignored silently.
func (d *Driver) Receive(pkt Packet) {
	if !d.running || d.delayed {
		return
	}
	v6 := pkt.Src.Is6() && !pkt.Src.Is4In6()
	d.detectForeignAdvert(pkt)
	if m := d.byVRID[demuxKey{pkt.Iface, v6, pkt.Advert.VRID}]; m != nil {
		d.p.Report(Report{Kind: ReportAdvertRecv, Instance: m.name, Addr: pkt.Src, Priority: pkt.Advert.Priority})
		d.step(vrrp.EvAdvert{Instance: m.name, Src: pkt.Src, Dst: pkt.Dst, TTL: pkt.TTL, Advert: pkt.Advert})
		return
	}
	d.p.Report(Report{Kind: ReportReject, Reason: vrrp.RejectUnknownVRID, Addr: pkt.Src,
		Text: fmt.Sprintf("Unknown VRID(%d) received on interface(%s). ignoring...", pkt.Advert.VRID, pkt.Iface)})
}

// ReceiveRaw decodes a VRRP payload (IP header already stripped: src, dst,
// ttl come from it) and hands it to Receive. Packet-level failures are
// counted and dropped.
func (d *Driver) ReceiveRaw(iface string, src, dst netip.Addr, ttl uint8, payload []byte) {
	if !d.running {
		return
	}
	adv, err := vrrp.Parse(payload, src, dst, vrrp.ParseOptions{})
	if err != nil {
		r := vrrp.ReasonOf(err)
		d.log.Info(fmt.Sprintf("bogus VRRP packet received on %s from %s: %v", iface, src, err))
		d.p.Report(Report{Kind: ReportReject, Reason: r, Addr: src, Text: err.Error()})
		return
	}
	d.Receive(Packet{Iface: iface, Src: src, Dst: dst, TTL: ttl, Advert: adv})
}

// detectForeignAdvert is the split-brain detector (EXPERIMENTS.md "Beyond
// the seeds"): a MASTER that sees another router advertise one of its VIPs
// under a different VRID reports it, whatever the VRID. Same-VRID adverts
// are the election's business.
func (d *Driver) detectForeignAdvert(pkt Packet) {
	for _, a := range pkt.Advert.Addrs {
		for _, m := range d.byAddr[a] {
			if m.state == vrrp.StateMaster && m.cfg.VRID != int(pkt.Advert.VRID) && pkt.Src != m.src {
				d.splitBrain(m, a, fmt.Sprintf("advertised by %s in VRID %d", pkt.Src, pkt.Advert.VRID))
			}
		}
	}
}

// ARPAnnounced reports a gratuitous ARP / unsolicited NA seen on iface for
// addr from another host (sender is its MAC or name, for the log). A
// MASTER owning addr reports a split brain.
func (d *Driver) ARPAnnounced(iface string, addr netip.Addr, sender string) {
	if !d.running {
		return
	}
	for _, m := range d.byAddr[addr] {
		if m.state == vrrp.StateMaster {
			d.splitBrain(m, addr, fmt.Sprintf("announced by ARP from %s on %s", sender, iface))
		}
	}
}

// splitBrainQuiet is how long the same split brain (instance, address,
// evidence) is not reported again: a GARP burst is one report.
const splitBrainQuiet = time.Second

func (d *Driver) splitBrain(m *instanceMeta, a netip.Addr, how string) {
	k := splitKey{m.name, a, how}
	now := d.now()
	if last, ok := d.splitSeen[k]; ok && now.Sub(last) < splitBrainQuiet {
		return
	}
	if d.splitSeen == nil {
		d.splitSeen = map[splitKey]time.Time{}
	}
	d.splitSeen[k] = now
	msg := fmt.Sprintf("(%s) split brain: VIP %s %s while we are MASTER", m.name, a, how)
	d.log.Warn(msg)
	d.p.Report(Report{Kind: ReportSplitBrain, Instance: m.name, Addr: a, Text: msg})
}

// LinkChanged reports a carrier change on an interface.
func (d *Driver) LinkChanged(iface string, up bool) {
	if !d.running {
		return
	}
	if prev, ok := d.linkState[iface]; ok && prev == up {
		return
	}
	d.linkState[iface] = up
	if up {
		d.log.Info(fmt.Sprintf("Netlink reports %s up", iface))
	} else {
		d.log.Info(fmt.Sprintf("Netlink reports %s down", iface))
	}
	d.linkEvents(iface, up, false)
}

// AddressDeleted reports that an address was removed from an interface by
// someone else. A MASTER whose VIP disappears goes BACKUP (unless the VIP
// is no_track), as keepalived does.
func (d *Driver) AddressDeleted(iface string, addr netip.Prefix) {
	if !d.running {
		return
	}
	for _, m := range d.insts {
		if m.state != vrrp.StateMaster {
			continue
		}
		for _, v := range m.addrs {
			if v.Dev == iface && v.Prefix.Addr() == addr.Addr() && !v.NoTrack {
				d.log.Info(fmt.Sprintf("(%s) VIP %s deleted externally", m.name, addr.Addr()))
				d.step(vrrp.EvVIPDeleted{Instance: m.name})
				break
			}
		}
	}
}

// watchedIfaces are the interfaces whose carrier matters: instance
// interfaces and track_interface entries, sorted.
func (d *Driver) watchedIfaces() []string {
	set := map[string]bool{}
	for _, m := range d.insts {
		set[m.iface] = true
		for _, t := range m.cfg.TrackInterfaces {
			set[t.Name] = true
		}
		for _, v := range m.addrs {
			if _, err := d.p.LinkUp(v.Dev); err == nil && !v.NoTrack {
				set[v.Dev] = true
			}
		}
	}
	for _, g := range d.cfg.SyncGroups {
		for _, t := range g.TrackInterfaces {
			set[t.Name] = true
		}
	}
	out := make([]string, 0, len(set))
	for k := range set {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// linkEvents turns one carrier change into engine events: the instances
// on that interface, and the track_interface tracker of that name. At
// start, only "down" needs saying (the engine assumes up).
func (d *Driver) linkEvents(iface string, up, initial bool) {
	if initial && up {
		return
	}
	for _, m := range d.insts {
		if m.iface == iface {
			d.step(vrrp.EvInterface{Instance: m.name, Up: up})
		}
	}
	d.step(vrrp.EvTracker{Name: ifaceTracker(iface), OK: up})
}

// removeStale deletes configured VIPs that are already on the interfaces
// at start (left by a killed daemon). Only the exact address and prefix
// length the daemon would have added counts as stale: keepalived deletes
// with the prefix length in RTM_DELADDR, so an address owner's own
// 10.0.0.5/24 survives a VIP 10.0.0.5 (/32 by default).
func (d *Driver) removeStale(m *instanceMeta) {
	for _, v := range m.addrs {
		have, err := d.p.Addresses(v.Dev)
		if err != nil {
			continue
		}
		for _, a := range have {
			if a == v.Prefix {
				if err := d.p.DelAddress(v.Dev, a); err == nil {
					d.log.Info(fmt.Sprintf("(%s) removing stale VIP %s on %s", m.name, a, v.Dev))
					d.p.Report(Report{Kind: ReportVIPDel, Instance: m.name, Addr: a.Addr(), Text: a.String() + " dev " + v.Dev + " (stale at start)"})
				}
			}
		}
	}
}

// step feeds one event to the engine and performs the actions.
func (d *Driver) step(ev vrrp.Event) {
	d.perform(d.eng.Step(d.p.Now(), ev))
}

// perform carries out the engine's actions.
func (d *Driver) perform(acts []vrrp.Action) {
	// keepalived logs "Entering MASTER STATE" before it sets the VIPs and
	// notifies after; the engine lists the state change last. Announce
	// transitions first, then perform every action in the engine's order.
	for _, a := range acts {
		if sc, ok := a.(vrrp.ActStateChange); ok {
			d.announce(sc)
		}
	}
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
		d.stateChange(a)
	case vrrp.ActGroupStateChange:
		d.groupStateChange(a)
	case vrrp.ActPriorityChange:
		d.priorityChange(a)
	case vrrp.ActReject:
		d.reject(a)
	case vrrp.ActLog:
		d.log.Info(a.Msg)
	default:
		d.log.Warn(fmt.Sprintf("unknown engine action %T", a))
	}
}

func (d *Driver) sendAdvert(a vrrp.ActSendAdvert) {
	m := d.byName[a.Instance]
	if m == nil {
		return
	}
	for _, dst := range m.dsts {
		pkt := Packet{Iface: m.iface, Src: m.src, Dst: dst, TTL: m.ttl, Advert: a.Advert}
		if err := d.p.SendAdvert(pkt); err != nil {
			d.log.Debug(fmt.Sprintf("(%s) send advert to %s failed", m.name, dst), "err", err)
			continue
		}
		if a.Advert.Priority == vrrp.PriorityStop {
			d.log.Info(fmt.Sprintf("(%s) sent 0 priority", m.name))
		}
		d.p.Report(Report{Kind: ReportAdvertSent, Instance: m.name, Addr: dst, Priority: a.Advert.Priority})
	}
}

func (d *Driver) setVIPs(inst string, add bool) {
	m := d.byName[inst]
	if m == nil {
		return
	}
	if add {
		d.log.Info(fmt.Sprintf("(%s) setting VIPs.", m.name))
	} else {
		d.log.Info(fmt.Sprintf("(%s) removing VIPs.", m.name))
	}
	for _, v := range m.addrs {
		var err error
		if add {
			err = d.p.AddAddress(v.Dev, v.Prefix, v.Label)
		} else {
			err = d.p.DelAddress(v.Dev, v.Prefix)
		}
		if err != nil {
			d.log.Warn(fmt.Sprintf("(%s) %s VIP %s on %s failed", m.name, verb(add), v.Prefix, v.Dev), "err", err)
			d.p.Report(Report{Kind: ReportError, Instance: m.name, Addr: v.Prefix.Addr(), Text: err.Error()})
			continue
		}
		kind := ReportVIPDel
		if add {
			kind = ReportVIPAdd
		}
		d.p.Report(Report{Kind: kind, Instance: m.name, Addr: v.Prefix.Addr(), Text: vipText(v)})
	}
}

// vipText is an address as `ip addr` would be given it.
func vipText(v config.VIP) string {
	t := v.Prefix.String() + " dev " + v.Dev
	if v.Label != "" {
		t += " label " + v.Label
	}
	return t
}

func verb(add bool) string {
	if add {
		return "add"
	}
	return "delete"
}

func (d *Driver) garp(a vrrp.ActGARP) {
	m := d.byName[a.Instance]
	if m == nil || a.Repeat <= 0 {
		return
	}
	for _, v := range m.addrs {
		addr := v.Prefix.Addr()
		spacing := m.cfg.GARPInterval
		if addr.Is4() {
			d.log.Info(fmt.Sprintf("(%s) Sending/queueing gratuitous ARPs on %s for %s", m.name, v.Dev, addr))
		} else {
			spacing = m.cfg.GNAInterval
			d.log.Info(fmt.Sprintf("(%s) Sending/queueing Unsolicited Neighbour Adverts on %s for %s", m.name, v.Dev, addr))
		}
		if spacing > 0 {
			for range a.Repeat {
				d.queueGARP(m.name, v.Dev, addr, spacing)
			}
			continue
		}
		sent := 0
		for range a.Repeat {
			if err := d.p.SendGARP(v.Dev, addr); err != nil {
				break
			}
			sent++
		}
		if sent > 0 {
			d.p.Report(Report{Kind: ReportGARP, Instance: m.name, Addr: addr, Text: fmt.Sprintf("%d on %s", sent, v.Dev)})
		}
	}
}

// garpQueue spaces gratuitous ARPs on one interface by vrrp_garp_interval
// (keepalived queues them per interface).
type garpQueue struct {
	next   time.Time // earliest time the next one may go
	items  []garpItem
	cancel func()
}

type garpItem struct {
	inst, dev string
	addr      netip.Addr
	spacing   time.Duration
}

func (d *Driver) queueGARP(inst, dev string, addr netip.Addr, spacing time.Duration) {
	if d.garpQueue == nil {
		d.garpQueue = map[string]*garpQueue{}
	}
	q := d.garpQueue[dev]
	if q == nil {
		q = &garpQueue{}
		d.garpQueue[dev] = q
	}
	q.items = append(q.items, garpItem{inst, dev, addr, spacing})
	if q.cancel == nil {
		d.drainGARP(q)
	}
}

func (d *Driver) drainGARP(q *garpQueue) {
	q.cancel = nil
	for len(q.items) > 0 && d.running {
		now := d.now()
		if now.Before(q.next) {
			q.cancel = d.p.AfterFunc(q.next, func() { d.drainGARP(q) })
			return
		}
		it := q.items[0]
		q.items = q.items[1:]
		if err := d.p.SendGARP(it.dev, it.addr); err == nil {
			d.p.Report(Report{Kind: ReportGARP, Instance: it.inst, Addr: it.addr, Text: "1 on " + it.dev})
		}
		q.next = now.Add(it.spacing)
	}
}

func (d *Driver) setTimer(a vrrp.ActSetTimer) {
	k := timerKey{a.Instance, a.Timer}
	t, ok := d.timers[k]
	if ok && !a.At.Before(t.armedAt) {
		t.at = a.At
		return
	}
	if ok {
		t.cancel()
	}
	t = &driverTimer{at: a.At}
	d.timers[k] = t
	d.armTimer(k, t, a.At)
}

func (d *Driver) armTimer(k timerKey, t *driverTimer, at time.Time) {
	t.armedAt = at
	t.cancel = d.p.AfterFunc(at, func() {
		// A firing that lost a race with a cancel or a replacement is stale.
		if cur, ok := d.timers[k]; !ok || cur != t || !d.running {
			return
		}
		if d.now().Before(t.at) {
			d.armTimer(k, t, t.at)
			return
		}
		delete(d.timers, k)
		d.step(vrrp.EvTimer{Instance: k.inst, Timer: k.kind})
	})
}

// announce logs and reports a transition (before its actions run).
func (d *Driver) announce(a vrrp.ActStateChange) {
	m := d.byName[a.Instance]
	if m == nil {
		return
	}
	m.state = a.To
	// keepalived's exact lines; the engine's reason goes in an attribute
	// (keepalived only says "(init)").
	if a.Reason == "master down timer expired" {
		d.log.Info(fmt.Sprintf("(%s) Receive advertisement timeout", m.name))
	}
	msg := fmt.Sprintf("(%s) Entering %s STATE", m.name, a.To)
	switch {
	case a.To == vrrp.StateStopped:
		msg = fmt.Sprintf("(%s) Stopped", m.name)
	case a.Reason == "init" || strings.HasPrefix(a.Reason, "init:"):
		msg += " (init)"
	}
	if a.Reason != "" {
		d.log.Info(msg, "reason", a.Reason)
	} else {
		d.log.Info(msg)
	}
	d.p.Report(Report{Kind: ReportState, Instance: m.name, From: a.From, To: a.To, Priority: a.Priority, Text: a.Reason})
}

// stateChange runs the notify scripts of a transition.
func (d *Driver) stateChange(a vrrp.ActStateChange) {
	m := d.byName[a.Instance]
	if m == nil {
		return
	}
	in := m.cfg
	specific, ok := stateNotify(a.To, in.NotifyMaster, in.NotifyBackup, in.NotifyFault, in.NotifyStop)
	if !ok {
		return
	}
	d.notify(specific, nil)
	d.notify(in.Notify, []string{"INSTANCE", m.name, a.To.String(), fmt.Sprint(a.Priority)})
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

func (d *Driver) groupStateChange(a vrrp.ActGroupStateChange) {
	d.log.Info(fmt.Sprintf("(%s) Syncing instances to %s state", a.Group, a.To))
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
	m := d.byName[a.Instance]
	d.log.Info(fmt.Sprintf("(%s) Changing effective priority from %d to %d", a.Instance, a.From, a.To))
	d.p.Report(Report{Kind: ReportPriority, Instance: a.Instance, Priority: a.To, Text: fmt.Sprintf("%d -> %d", a.From, a.To)})
	if m == nil {
		return
	}
	// notify_priority_changes: the generic notify script runs again with
	// the current state and the new priority.
	// pkg/config resolves the instance value from vrrp_notify_priority_changes.
	if m.cfg.NotifyPriorityChanges {
		switch m.state {
		case vrrp.StateMaster, vrrp.StateBackup, vrrp.StateFault:
			d.notify(m.cfg.Notify, []string{"INSTANCE", m.name, m.state.String(), fmt.Sprint(a.To)})
		}
	}
}

func (d *Driver) reject(a vrrp.ActReject) {
	msg := a.Detail
	if msg == "" {
		msg = a.Reason.String()
	}
	if !strings.HasPrefix(msg, "(") {
		msg = fmt.Sprintf("(%s) %s", a.Instance, msg)
	}
	d.log.Info(msg)
	d.p.Report(Report{Kind: ReportReject, Instance: a.Instance, Reason: a.Reason, Addr: a.Src, Text: msg})
}

func (d *Driver) notify(n config.Notify, args []string) {
	if strings.TrimSpace(n.Command) == "" {
		return
	}
	d.p.RunScript(ScriptRequest{Kind: ScriptNotify, Name: "notify", Cmd: n.Command, Args: args, User: n.User}, nil)
}

// now is the platform clock, for trackers.
func (d *Driver) now() time.Time { return d.p.Now() }

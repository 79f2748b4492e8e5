package config

import (
	"net/netip"
	"slices"
	"strings"
	"time"
)

// scriptKeywords is vrrp_script NAME { }.
var scriptKeywords = newTable[VRRPScript]("vrrp_script", nil, nil,
	compoundKw("script", (*parser).scriptCommand, func(d *dumper, s *VRRPScript) { d.line("script", quote(s.Script)) }),
	timerKw("interval", 0.000001, 1<<31, func(s *VRRPScript) *time.Duration { return &s.Interval }).or(time.Second),
	// timeout defaults to the interval (vrrpScript).
	timerKw("timeout", 0.000001, 1<<31, func(s *VRRPScript) *time.Duration { return &s.Timeout }),
	compoundKw("weight", (*parser).scriptWeight, func(d *dumper, s *VRRPScript) { d.weight(s.Weight, s.Reverse) }),
	intKw("rise", 1, 1<<30, func(s *VRRPScript) *int { return &s.Rise }).or(1),
	intKw("fall", 1, 1<<30, func(s *VRRPScript) *int { return &s.Fall }).or(1),
	compoundKw("user", func(p *parser, n *node, s *VRRPScript) bool { return p.userGroup(n, &s.User, &s.Group) },
		func(d *dumper, s *VRRPScript) {
			user, group := scriptUser(s.User, s.Group, s.userInherited)
			d.kvOpt("user", user, group)
		}),
	flagKw("init_fail", func(s *VRRPScript) *bool { return &s.InitFail }),
)

var kScriptTimeout = scriptKeywords.key("timeout")

func (p *parser) vrrpScript(n *node, c *Config) bool {
	if !p.need(n) || !p.needBlock(n) {
		return false
	}
	s := VRRPScript{Pos: n.pos(), Name: n.args[0].text}
	scriptKeywords.setDefaults(&s)
	parseBlock(p, scriptKeywords, n.children, &s, &s.set, nil)
	if !s.set.has(kScriptTimeout) {
		s.Timeout = s.Interval
	}
	if s.Script == "" {
		p.d.errorf(CodeMissingRequired, n.pos(), n.kw.text, "vrrp_script %s has no 'script' command", s.Name)
	}
	for _, o := range c.Scripts {
		if o.Name == s.Name {
			p.d.errorf(CodeDuplicate, n.pos(), n.kw.text, "vrrp_script %s already defined at %s", s.Name, o.Pos)
			return false
		}
	}
	c.Scripts = append(c.Scripts, s)
	return true
}

func (p *parser) scriptCommand(n *node, s *VRRPScript) bool {
	if !p.need(n) {
		return false
	}
	s.Script = p.command(n)
	p.checkScriptPath(n, s.Script)
	return true
}

// scriptWeight is weight -253..253 [reverse|noreverse].
func (p *parser) scriptWeight(n *node, s *VRRPScript) bool {
	v, ok := p.intArg(n, 0, -253, 253)
	if ok {
		s.Weight = v
	}
	for _, a := range n.args[min(1, len(n.args)):] {
		switch a.text {
		case "reverse":
			s.Reverse = true
		case "noreverse":
			s.Reverse = false
		default:
			p.d.warnf(CodeExtraText, a.pos(), n.kw.text, "extra argument %q ignored (expected reverse)", a.text)
		}
	}
	return ok
}

// trackFileKeywords is track_file NAME { } (and the old vrrp_track_file).
var trackFileKeywords = newTable[TrackFileDef]("track_file", nil, nil,
	compoundKw("file", func(p *parser, n *node, t *TrackFileDef) bool {
		s, ok := p.str(n)
		if ok {
			t.File = s
			p.checkTypographic(n, s)
		}
		return ok
	}, func(d *dumper, t *TrackFileDef) { d.kv("file", t.File) }),
	compoundKw("weight", func(p *parser, n *node, t *TrackFileDef) bool {
		return p.trackWeight(n, &t.Weight, &t.Reverse)
	}, func(d *dumper, t *TrackFileDef) { d.weight(t.Weight, t.Reverse) }),
	compoundKw("init_file", (*parser).initFile, func(d *dumper, t *TrackFileDef) {
		if t.InitFile {
			w := []string{"init_file", itoa(t.InitValue)}
			if t.InitOverwrite {
				w = append(w, "overwrite")
			}
			d.line(w...)
		}
	}),
)

func (p *parser) trackFileDef(n *node, c *Config) bool {
	if !p.need(n) || !p.needBlock(n) {
		return false
	}
	t := TrackFileDef{Pos: n.pos(), Name: n.args[0].text, Weight: 1} // keepalived.conf(5): weight default 1
	var set keySet
	parseBlock(p, trackFileKeywords, n.children, &t, &set, nil)
	if t.File == "" {
		p.d.errorf(CodeMissingRequired, n.pos(), n.kw.text, "track_file %s has no 'file'", t.Name)
	}
	for _, o := range c.TrackFiles {
		if o.Name == t.Name {
			p.d.errorf(CodeDuplicate, n.pos(), n.kw.text, "track_file %s already defined at %s", t.Name, o.Pos)
			return false
		}
	}
	c.TrackFiles = append(c.TrackFiles, t)
	return true
}

// trackWeight is weight -254..254 [reverse] of a track_file,
// vrrp_track_process or FILE_CHECK.
func (p *parser) trackWeight(n *node, w *int, reverse *bool) bool {
	v, ok := p.intArg(n, 0, -254, 254)
	if ok {
		*w = v
	}
	if len(n.args) > 1 && n.args[1].text == "reverse" {
		*reverse = true
	}
	return ok
}

func (p *parser) initFile(n *node, t *TrackFileDef) bool {
	t.InitFile = true
	for i, a := range n.args {
		if a.text == "overwrite" {
			t.InitOverwrite = true
		} else if v, ok := p.intArg(n, i, -254, 254); ok {
			t.InitValue = v
		}
	}
	return true
}

// processKeywords is vrrp_track_process NAME { }.
var processKeywords = newTable[TrackProcessDef]("vrrp_track_process", nil, nil,
	compoundKw("process", func(p *parser, n *node, t *TrackProcessDef) bool {
		if !p.need(n) {
			return false
		}
		t.Process = n.args[0].text
		for _, a := range n.args[1:] {
			t.Args = append(t.Args, a.text)
		}
		return true
	}, func(d *dumper, t *TrackProcessDef) {
		w := []string{"process", quote(t.Process)}
		for _, a := range t.Args {
			w = append(w, quote(a))
		}
		d.line(w...)
	}),
	compoundKw("param_match", func(p *parser, n *node, t *TrackProcessDef) bool {
		s, ok := p.str(n)
		if !ok {
			return false
		}
		if s != "initial" && s != "partial" {
			p.d.errorf(CodeInvalidValue, n.args[0].pos(), n.kw.text, "expected initial or partial, got %q", s)
			return false
		}
		t.ParamMatch = s
		return true
	}, func(d *dumper, t *TrackProcessDef) { d.kv("param_match", t.ParamMatch) }),
	compoundKw("weight", func(p *parser, n *node, t *TrackProcessDef) bool {
		return p.trackWeight(n, &t.Weight, &t.Reverse)
	}, func(d *dumper, t *TrackProcessDef) { d.weight(t.Weight, t.Reverse) }),
	intKw("quorum", 1, 65535, func(t *TrackProcessDef) *int { return &t.Quorum }).or(1),
	intKw("quorum_max", 1, 65535, func(t *TrackProcessDef) *int { return &t.QuorumMax }).dumped(dumpNonZero),
	timerKw("delay", 0, 1<<31, func(t *TrackProcessDef) *time.Duration { return &t.Delay }),
	timerKw("fork_delay", 0, 1<<31, func(t *TrackProcessDef) *time.Duration { return &t.ForkDelay }),
	timerKw("terminate_delay", 0, 1<<31, func(t *TrackProcessDef) *time.Duration { return &t.TerminateDelay }),
	flagKw("full_command", func(t *TrackProcessDef) *bool { return &t.FullCommand }),
)

func (p *parser) trackProcessDef(n *node, c *Config) bool {
	if !p.need(n) || !p.needBlock(n) {
		return false
	}
	t := TrackProcessDef{Pos: n.pos(), Name: n.args[0].text}
	processKeywords.setDefaults(&t)
	parseBlock(p, processKeywords, n.children, &t, &t.set, nil)
	if t.Process == "" {
		p.d.errorf(CodeMissingRequired, n.pos(), n.kw.text, "vrrp_track_process %s has no 'process'", t.Name)
	}
	for _, o := range c.TrackProcesses {
		if o.Name == t.Name {
			p.d.errorf(CodeDuplicate, n.pos(), n.kw.text, "vrrp_track_process %s already defined at %s", t.Name, o.Pos)
			return false
		}
	}
	c.TrackProcesses = append(c.TrackProcesses, t)
	return true
}

// trackKw is a track_* block of an instance or a sync group, with
// keepalived's weight range for that kind of tracker (±254 for files and
// processes, ±253 otherwise).
func trackKw[B any](name string, lim int64, list func(*B) *[]TrackRef) keyword[B] {
	return compoundKw(name, func(p *parser, n *node, b *B) bool {
		l := list(b)
		*l = append(*l, p.trackList(n, -lim, lim)...)
		return true
	}, func(d *dumper, b *B) { d.tracks(name, *list(b)) })
}

// trackList parses track_* { NAME [weight W [reverse]] } blocks.
func (p *parser) trackList(n *node, lo, hi int64) []TrackRef {
	var out []TrackRef
	// keepalived also accepts the names on the keyword line.
	for _, a := range n.args {
		out = append(out, TrackRef{Pos: a.pos(), Name: a.text})
	}
	for _, c := range n.children {
		if c.block {
			p.d.errorf(CodeUnexpectedBlock, c.pos(), n.kw.text, "unexpected block in %s", n.kw.text)
			continue
		}
		r := TrackRef{Pos: c.pos(), Name: c.kw.text}
		r.Weight, r.Reverse, r.WeightSet = p.weightArgs(c, 0, lo, hi)
		out = append(out, r)
	}
	return out
}

// notifyKw is a notify script keyword (notify_master "CMD ARGS" [USER [GROUP]]).
func notifyKw[B any](name string, f func(*B) *Notify) keyword[B] {
	return compoundKw(name, func(p *parser, n *node, b *B) bool {
		var ok bool
		*f(b), ok = p.notify(n)
		return ok
	}, func(d *dumper, b *B) { d.notify(name, *f(b)) })
}

// syncGroupKeywords is vrrp_sync_group NAME { }.
var syncGroupKeywords = newTable[SyncGroup]("vrrp_sync_group", nil, nil,
	compoundKw("group", (*parser).syncGroupMembers, func(d *dumper, g *SyncGroup) {
		d.open("group")
		for _, m := range g.Group {
			d.line(quote(m))
		}
		d.close()
	}),
	trackKw("track_interface", 253, func(g *SyncGroup) *[]TrackRef { return &g.TrackInterfaces }),
	trackKw("track_script", 253, func(g *SyncGroup) *[]TrackRef { return &g.TrackScripts }),
	trackKw("track_file", 254, func(g *SyncGroup) *[]TrackRef { return &g.TrackFiles }),
	trackKw("track_process", 254, func(g *SyncGroup) *[]TrackRef { return &g.TrackProcesses }),
	trackKw("track_bfd", 253, func(g *SyncGroup) *[]TrackRef { return &g.TrackBFDs }),
	notifyKw("notify_master", func(g *SyncGroup) *Notify { return &g.NotifyMaster }),
	notifyKw("notify_backup", func(g *SyncGroup) *Notify { return &g.NotifyBackup }),
	notifyKw("notify_fault", func(g *SyncGroup) *Notify { return &g.NotifyFault }),
	notifyKw("notify_stop", func(g *SyncGroup) *Notify { return &g.NotifyStop }),
	notifyKw("notify", func(g *SyncGroup) *Notify { return &g.Notify }),
	boolKw("smtp_alert", func(g *SyncGroup) *bool { return &g.SMTPAlert }),
	boolKw("notify_priority_changes", func(g *SyncGroup) *bool { return &g.NotifyPriorityChanges }),
	compoundKw("global_tracking", func(p *parser, n *node, g *SyncGroup) bool {
		p.d.warnf(CodeDeprecated, n.pos(), n.kw.text, "global_tracking is deprecated; use sync_group_tracking_weight")
		g.GlobalTracking, g.TrackingWeight = true, true
		return true
	}, func(d *dumper, g *SyncGroup) { d.flag("global_tracking", g.GlobalTracking) }),
	flagKw("sync_group_tracking_weight", func(g *SyncGroup) *bool { return &g.TrackingWeight }).
		dumpIf(func(g *SyncGroup) bool { return !g.GlobalTracking }),
)

func (p *parser) syncGroup(n *node, c *Config) bool {
	if !p.need(n) || !p.needBlock(n) {
		return false
	}
	g := SyncGroup{Pos: n.pos(), Name: n.args[0].text}
	parseBlock(p, syncGroupKeywords, n.children, &g, &g.set, nil)
	c.SyncGroups = append(c.SyncGroups, g)
	return true
}

func (p *parser) syncGroupMembers(n *node, g *SyncGroup) bool {
	g.Group = append(g.Group, argTexts(n)...)
	for _, m := range n.children {
		g.Group = append(g.Group, m.kw.text)
		g.Group = append(g.Group, argTexts(m)...)
	}
	return true
}

// instFlags is what the instance's derivations need beyond its keySet:
// where each keyword was given (the last time), for their diagnostics.
type instFlags struct {
	at []keyAt
}

type keyAt struct {
	key int
	pos Pos
}

func (fl *instFlags) record(i int, n *node) { fl.at = append(fl.at, keyAt{i, n.pos()}) }

// pos is where keyword i was last given (zero if it was not).
func (fl *instFlags) pos(i int) Pos {
	for j := len(fl.at) - 1; j >= 0; j-- {
		if fl.at[j].key == i {
			return fl.at[j].pos
		}
	}
	return Pos{}
}

// instanceKeywords is vrrp_instance NAME { }. A keyword with a global_defs
// value takes it when not given; the derivations keepalived makes on top
// (strict mode, the address owner, IPv6) are instanceDefaults'.
var instanceKeywords = newTable("vrrp_instance", func(vi *VRRPInstance) *[]Directive { return &vi.Other },
	[]string{"use_ipvlan", "use_vmac_addr", "vrf", "kernel_rx_buf_size", "linkbeat_use_polling", "old_unicast_checksum", "garp_extra_if"},
	compoundKw("state", (*parser).instanceState, func(d *dumper, vi *VRRPInstance) { d.line("state", vi.State) }),
	strKw("interface", func(vi *VRRPInstance) *string { return &vi.Interface }),
	intKw("virtual_router_id", 1, 255, func(vi *VRRPInstance) *int { return &vi.VRID }),
	// keepalived.conf(5): priority 100; state MASTER without priority is
	// the address owner, 255 (instanceDefaults).
	intKw("priority", 1, 255, func(vi *VRRPInstance) *int { return &vi.Priority }).or(100),
	timerKw("advert_int", 0.01, 255, func(vi *VRRPInstance) *time.Duration { return &vi.AdvertInt }).or(time.Second),
	intKw("version", 2, 3, func(vi *VRRPInstance) *int { return &vi.Version }).
		fromGlobal(func(g *GlobalDefs) any { return g.VRRPVersion }),
	compoundKw("native_ipv6", func(p *parser, n *node, vi *VRRPInstance) bool {
		p.d.warnf(CodeDeprecated, n.pos(), n.kw.text, "native_ipv6 is deprecated: the family comes from the VIPs")
		return false
	}, nil),
	flagKw("nopreempt", func(vi *VRRPInstance) *bool { return &vi.Nopreempt }),
	compoundKw("preempt", func(p *parser, n *node, vi *VRRPInstance) bool { vi.Nopreempt = false; return false }, nil),
	timerKw("preempt_delay", 0, 1000, func(vi *VRRPInstance) *time.Duration { return &vi.PreemptDelay }),
	addrKw("mcast_src_ip", func(vi *VRRPInstance) *netip.Addr { return &vi.McastSrcIP }),
	addrKw("mcast_dst_ip", func(vi *VRRPInstance) *netip.Addr { return &vi.McastDstIP }).
		mustBe(netip.Addr.IsMulticast, "a multicast address").dumpWith((*dumper).mcastDst),
	addrKw("unicast_src_ip", func(vi *VRRPInstance) *netip.Addr { return &vi.UnicastSrcIP }),
	compoundKw("unicast_peer", func(p *parser, n *node, vi *VRRPInstance) bool {
		p.needBlock(n)
		for _, pc := range n.children {
			p.unicastPeer(vi, pc)
		}
		return true
	}, (*dumper).unicastPeers),
	// keepalived: "Cannot use unicast_ttl without unicast peers".
	// The default, 255, is for IPv4 only (instanceDefaults).
	intKw("unicast_ttl", 1, 255, func(vi *VRRPInstance) *int { return &vi.UnicastTTL }).or(255).
		dumpIf(func(vi *VRRPInstance) bool { return len(vi.UnicastPeers) > 0 && vi.UnicastTTL != 0 }),
	flagKw("check_unicast_src", func(vi *VRRPInstance) *bool { return &vi.CheckUnicastSrc }).
		fromGlobal(func(g *GlobalDefs) any { return g.VRRPCheckUnicastSrc }).dumpWith((*dumper).checkUnicastSrc),
	flagKw("unicast_fault_no_peer", func(vi *VRRPInstance) *bool { return &vi.UnicastFaultNoPeer }),
	compoundKw("authentication", (*parser).auth, (*dumper).auth),
	compoundKw("virtual_ipaddress", func(p *parser, n *node, vi *VRRPInstance) bool {
		vi.VIPs = append(vi.VIPs, p.vipBlock(n)...)
		return true
	}, func(d *dumper, vi *VRRPInstance) { d.vipBlock("virtual_ipaddress", vi.VIPs) }),
	compoundKw("virtual_ipaddress_excluded", func(p *parser, n *node, vi *VRRPInstance) bool {
		vi.EVIPs = append(vi.EVIPs, p.vipBlock(n)...)
		return true
	}, func(d *dumper, vi *VRRPInstance) { d.vipBlock("virtual_ipaddress_excluded", vi.EVIPs) }),
	compoundKw("virtual_routes", func(p *parser, n *node, vi *VRRPInstance) bool {
		vi.VirtualRoutes = append(vi.VirtualRoutes, p.routeBlock(n)...)
		return true
	}, func(d *dumper, vi *VRRPInstance) { d.routeBlock("virtual_routes", vi.VirtualRoutes) }),
	compoundKw("virtual_rules", func(p *parser, n *node, vi *VRRPInstance) bool {
		vi.VirtualRules = append(vi.VirtualRules, p.ruleBlock(n)...)
		return true
	}, func(d *dumper, vi *VRRPInstance) { d.ruleBlock("virtual_rules", vi.VirtualRules) }),
	trackKw("track_interface", 253, func(vi *VRRPInstance) *[]TrackRef { return &vi.TrackInterfaces }),
	trackKw("track_script", 253, func(vi *VRRPInstance) *[]TrackRef { return &vi.TrackScripts }),
	trackKw("track_file", 254, func(vi *VRRPInstance) *[]TrackRef { return &vi.TrackFiles }),
	trackKw("track_process", 254, func(vi *VRRPInstance) *[]TrackRef { return &vi.TrackProcesses }),
	trackKw("track_bfd", 253, func(vi *VRRPInstance) *[]TrackRef { return &vi.TrackBFDs }),
	flagKw("track_src_ip", func(vi *VRRPInstance) *bool { return &vi.TrackSrcIP }),
	flagKw("dont_track_primary", func(vi *VRRPInstance) *bool { return &vi.DontTrackPrimary }),
	notifyKw("notify_master", func(vi *VRRPInstance) *Notify { return &vi.NotifyMaster }),
	notifyKw("notify_backup", func(vi *VRRPInstance) *Notify { return &vi.NotifyBackup }),
	notifyKw("notify_fault", func(vi *VRRPInstance) *Notify { return &vi.NotifyFault }),
	notifyKw("notify_stop", func(vi *VRRPInstance) *Notify { return &vi.NotifyStop }),
	notifyKw("notify_deleted", func(vi *VRRPInstance) *Notify { return &vi.NotifyDeleted }),
	notifyKw("notify_master_rx_lower_pri", func(vi *VRRPInstance) *Notify { return &vi.NotifyMasterRxLowerPri }),
	notifyKw("notify", func(vi *VRRPInstance) *Notify { return &vi.Notify }),
	boolKw("notify_priority_changes", func(vi *VRRPInstance) *bool { return &vi.NotifyPriorityChanges }).
		fromGlobal(func(g *GlobalDefs) any { return g.VRRPNotifyPriorityChanges }),
	boolKw("smtp_alert", func(vi *VRRPInstance) *bool { return &vi.SMTPAlert }).dumped(dumpOnOff).
		fromGlobal(func(g *GlobalDefs) any { return g.SMTPAlertVRRP || g.SMTPAlert }),
	timerKw("garp_master_delay", 0, 255, func(vi *VRRPInstance) *time.Duration { return &vi.GARPMasterDelay }).
		fromGlobal(func(g *GlobalDefs) any { return g.VRRPGARPMasterDelay }),
	intKw("garp_master_repeat", 1, 255, func(vi *VRRPInstance) *int { return &vi.GARPMasterRepeat }).
		fromGlobal(func(g *GlobalDefs) any { return g.VRRPGARPMasterRepeat }),
	timerKw("garp_master_refresh", 0, 1<<31, func(vi *VRRPInstance) *time.Duration { return &vi.GARPMasterRefresh }).
		fromGlobal(func(g *GlobalDefs) any { return g.VRRPGARPMasterRefresh }),
	intKw("garp_master_refresh_repeat", 1, 255, func(vi *VRRPInstance) *int { return &vi.GARPMasterRefreshRepeat }).
		fromGlobal(func(g *GlobalDefs) any { return g.VRRPGARPMasterRefreshRepeat }),
	timerKw("garp_lower_prio_delay", 0, 255, func(vi *VRRPInstance) *time.Duration { return &vi.GARPLowerPrioDelay }).
		fromGlobal(func(g *GlobalDefs) any { return g.VRRPGARPLowerPrioDelay }),
	intKw("garp_lower_prio_repeat", 0, 255, func(vi *VRRPInstance) *int { return &vi.GARPLowerPrioRepeat }).
		fromGlobal(func(g *GlobalDefs) any { return g.VRRPGARPLowerPrioRepeat }),
	boolKw("skip_check_adv_addr", func(vi *VRRPInstance) *bool { return &vi.SkipCheckAdvAddr }).dumped(dumpOnOff).
		fromGlobal(func(g *GlobalDefs) any { return g.VRRPSkipCheckAdvAddr }),
	boolKw("strict_mode", func(vi *VRRPInstance) *bool { return &vi.Strict }).dumped(dumpOnOff).
		fromGlobal(func(g *GlobalDefs) any { return g.VRRPStrict }),
	compoundKw("accept", func(p *parser, n *node, vi *VRRPInstance) bool { vi.Accept = true; return true },
		func(d *dumper, vi *VRRPInstance) {
			if vi.Accept {
				d.line("accept")
			} else {
				d.line("no_accept")
			}
		}),
	compoundKw("no_accept", func(p *parser, n *node, vi *VRRPInstance) bool { vi.Accept = false; return true }, nil),
	boolKw("lower_prio_no_advert", func(vi *VRRPInstance) *bool { return &vi.LowerPrioNoAdvert }).dumped(dumpOnOff).
		fromGlobal(func(g *GlobalDefs) any { return g.VRRPLowerPrioNoAdvert }),
	boolKw("higher_prio_send_advert", func(vi *VRRPInstance) *bool { return &vi.HigherPrioSendAdvert }).dumped(dumpOnOff).
		fromGlobal(func(g *GlobalDefs) any { return g.VRRPHigherPrioSendAdvert }),
	intKw("down_timer_adverts", 1, 100, func(vi *VRRPInstance) *int { return &vi.DownTimerAdverts }).
		fromGlobal(func(g *GlobalDefs) any { return g.VRRPDownTimerAdverts }),
	compoundKw("use_vmac", func(p *parser, n *node, vi *VRRPInstance) bool {
		vi.UseVMAC = true
		if len(n.args) > 0 {
			vi.VMACName = n.args[0].text
		}
		return true
	}, func(d *dumper, vi *VRRPInstance) {
		switch {
		case !vi.UseVMAC:
		case vi.VMACName != "":
			d.line("use_vmac", quote(vi.VMACName))
		default:
			d.line("use_vmac")
		}
	}),
	flagKw("vmac_xmit_base", func(vi *VRRPInstance) *bool { return &vi.VMACXmitBase }),
	flagKw("promote_secondaries", func(vi *VRRPInstance) *bool { return &vi.PromoteSecondaries }),
	strKw("lvs_sync_daemon_interface", func(vi *VRRPInstance) *string { return &vi.LVSSyncDaemonInterface }).
		deprecated("lvs_sync_daemon_interface is deprecated; use lvs_sync_daemon in global_defs"),
	compoundKw("debug", func(p *parser, n *node, vi *VRRPInstance) bool {
		if len(n.args) == 0 {
			return true
		}
		v, ok := p.intArg(n, 0, 0, 4)
		if ok {
			vi.Debug = v
		}
		return ok
	}, func(d *dumper, vi *VRRPInstance) {
		if vi.Debug != 0 {
			d.line("debug", itoa(vi.Debug))
		}
	}),
)

// Instance keywords the derivations ask about.
var (
	kState        = instanceKeywords.key("state")
	kVRID         = instanceKeywords.key("virtual_router_id")
	kPriority     = instanceKeywords.key("priority")
	kAdvertInt    = instanceKeywords.key("advert_int")
	kVersion      = instanceKeywords.key("version")
	kNopreempt    = instanceKeywords.key("nopreempt")
	kPreemptDelay = instanceKeywords.key("preempt_delay")
	kMcastDst     = instanceKeywords.key("mcast_dst_ip")
	kUnicastTTL   = instanceKeywords.key("unicast_ttl")
	kUnicastSrc   = instanceKeywords.key("unicast_src_ip")
	kUnicastPeer  = instanceKeywords.key("unicast_peer")
	kAuth         = instanceKeywords.key("authentication")
	kAccept       = instanceKeywords.key("accept")
	kNoAccept     = instanceKeywords.key("no_accept")
	kLPNA         = instanceKeywords.key("lower_prio_no_advert")
	kHPSA         = instanceKeywords.key("higher_prio_send_advert")
	kLPDelay      = instanceKeywords.key("garp_lower_prio_delay")
	kLPRepeat     = instanceKeywords.key("garp_lower_prio_repeat")
)

// instance parses vrrp_instance NAME { }.
func (p *parser) instance(n *node, c *Config) bool {
	if !p.need(n) || !p.needBlock(n) {
		return false
	}
	// Parsed in place at the end of the list (no copy escapes).
	c.Instances = append(c.Instances, VRRPInstance{Pos: n.pos(), Name: n.args[0].text})
	vi := &c.Instances[len(c.Instances)-1]
	instanceKeywords.setDefaults(vi)
	p.instFlags = append(p.instFlags, instFlags{at: make([]keyAt, 0, len(n.children))})
	fl := &p.instFlags[len(p.instFlags)-1]
	parseBlock(p, instanceKeywords, n.children, vi, &vi.set, fl.record)
	return true
}

func (p *parser) instanceState(n *node, vi *VRRPInstance) bool {
	s, ok := p.str(n)
	if !ok {
		return false
	}
	switch strings.ToUpper(s) {
	case "MASTER", "BACKUP":
		vi.State = strings.ToUpper(s)
		return true
	}
	p.d.errorf(CodeInvalidValue, n.args[0].pos(), n.kw.text, "unknown state %q (expected MASTER or BACKUP)", s)
	return false
}

func (p *parser) unicastPeer(vi *VRRPInstance, c *node) {
	a, err := netip.ParseAddr(c.kw.text)
	if err != nil {
		p.d.errorf(CodeInvalidValue, c.pos(), "unicast_peer", "invalid IP address %q", c.kw.text)
		return
	}
	// keepalived 2.2.7 vrrp_data.c alloc_unicast_peer: min_ttl 0, max_ttl 255.
	up := UnicastPeer{Pos: c.pos(), Addr: a, MaxTTL: 255}
	for i := 0; i < len(c.args); i += 2 {
		switch c.args[i].text {
		case "min_ttl":
			if v, ok := p.intArg(c, i+1, 0, 255); ok {
				up.MinTTL = v
			}
		case "max_ttl":
			if v, ok := p.intArg(c, i+1, 0, 255); ok {
				up.MaxTTL = v
			}
		default:
			p.d.errorf(CodeUnknownOption, c.args[i].pos(), "unicast_peer", "unknown option %q (expected min_ttl or max_ttl)", c.args[i].text)
		}
	}
	if up.MinTTL > up.MaxTTL {
		p.d.errorf(CodeConflict, c.pos(), "unicast_peer", "min_ttl %d > max_ttl %d - all packets will be discarded", up.MinTTL, up.MaxTTL)
	}
	vi.UnicastPeers = append(vi.UnicastPeers, up)
}

func (p *parser) auth(n *node, vi *VRRPInstance) bool {
	if !p.needBlock(n) {
		return false
	}
	for _, c := range n.children {
		switch c.kw.text {
		case "auth_type":
			if s, ok := p.str(c); ok {
				switch strings.ToUpper(s) {
				case "PASS":
					vi.AuthType = AuthPass
				case "AH":
					vi.AuthType = AuthAH
				default:
					p.d.errorf(CodeInvalidValue, c.args[0].pos(), c.kw.text, "unknown authentication type %q (expected PASS or AH)", s)
				}
			}
		case "auth_pass":
			if s, ok := p.str(c); ok {
				vi.AuthPass = s
				if len(s) > 8 {
					// keepalived: "Truncating auth_pass to 8 characters";
					// the model keeps it whole, the wire uses 8 bytes.
					p.d.warnf(CodeValueAdjusted, c.args[0].pos(), c.kw.text, "Truncating auth_pass to 8 characters (%q)", s[:8])
				}
			}
		default:
			p.unknown(c)
		}
	}
	return true
}

// vipBlock parses a block of VIP lines: virtual_ipaddress,
// virtual_ipaddress_excluded, static_ipaddress.
func (p *parser) vipBlock(n *node) []VIP {
	if !p.needBlock(n) {
		return nil
	}
	var out []VIP
	for _, c := range n.children {
		if v, ok := p.vip(n.kw.text, c); ok {
			out = append(out, v)
		}
	}
	return out
}

// routeBlock parses virtual_routes / static_routes { }.
func (p *parser) routeBlock(n *node) []Route {
	if !p.needBlock(n) {
		return nil
	}
	var out []Route
	for _, c := range n.children {
		out = append(out, p.route(n.kw.text, c))
	}
	return out
}

// ruleBlock parses virtual_rules / static_rules { }.
func (p *parser) ruleBlock(n *node) []Rule {
	if !p.needBlock(n) {
		return nil
	}
	var out []Rule
	for _, c := range n.children {
		out = append(out, p.rule(c))
	}
	return out
}

// vip parses one VIP line (keepalived.conf(5) "virtual_ipaddress"); its
// diagnostics name the block it is in (kw: virtual_ipaddress,
// virtual_ipaddress_excluded, static_ipaddress).
func (p *parser) vip(kw string, n *node) (VIP, bool) {
	pf, ok := prefixOf(n.kw.text)
	if !ok {
		p.d.errorf(CodeInvalidValue, n.pos(), kw, "invalid address %q (expected ADDR[/LEN])", n.kw.text)
		return VIP{}, false
	}
	v := VIP{Pos: n.pos(), Prefix: pf}
	args := n.args
	val := func(i int) (token, bool) {
		if i+1 >= len(args) {
			p.d.errorf(CodeMissingValue, args[i].pos(), kw, "missing value after %q", args[i].text)
			return token{}, false
		}
		return args[i+1], true
	}
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch a.text {
		case "brd", "broadcast":
			if t, ok := val(i); ok {
				i++
				if t.text != "+" && t.text != "-" {
					if _, err := netip.ParseAddr(t.text); err != nil {
						p.d.errorf(CodeInvalidValue, t.pos(), kw, "invalid broadcast address %q", t.text)
						continue
					}
				}
				v.Brd = t.text
			}
		case "dev":
			if t, ok := val(i); ok {
				i++
				v.Dev = t.text
			}
		case "scope":
			if t, ok := val(i); ok {
				i++
				switch t.text {
				case "site", "link", "host", "nowhere", "global":
					v.Scope = t.text
				default:
					p.d.errorf(CodeInvalidValue, t.pos(), kw, "unknown scope %q (expected site, link, host, nowhere or global)", t.text)
				}
			}
		case "label":
			if t, ok := val(i); ok {
				i++
				v.Label = t.text
			}
		case "peer":
			if t, ok := val(i); ok {
				i++
				a, err := netip.ParseAddr(t.text)
				if err != nil {
					// keepalived: "Invalid peer address", the whole
					// address line is skipped.
					p.d.errorf(CodeInvalidValue, t.pos(), kw, "Invalid peer address %s (expected an address without prefix length)", t.text)
					return VIP{}, false
				}
				v.Peer = a
			}
		case "home":
			v.Home = true
		case "-nodad", "nodad":
			v.NoDAD = true
		case "mngtmpaddr":
			v.MngTmpAddr = true
		case "noprefixroute":
			v.NoPrefixRoute = true
		case "autojoin":
			v.AutoJoin = true
		case "no_track":
			v.NoTrack = true
		case "use_vmac":
			v.UseVMAC = true
		case "preferred_lft":
			if t, ok := val(i); ok {
				i++
				v.PreferredLft = t.text
			}
		case "track_group":
			if t, ok := val(i); ok {
				i++
				v.TrackGroup = t.text
			}
		default:
			// keepalived: "Unknown configuration entry '%s' for ip
			// address - ignoring" (seed 004 annotates a VIP this way).
			p.d.warnf(CodeUnknownOption, a.pos(), kw, "Unknown configuration entry '%s' for ip address - ignoring", a.text)
		}
	}
	if n.block {
		p.d.errorf(CodeUnexpectedBlock, n.pos(), kw, "unexpected block after an address")
	}
	if v.Peer.IsValid() && strings.Contains(n.kw.text, "/") {
		p.d.warnf(CodeValueAdjusted, n.pos(), kw, "Cannot specify address prefix when specifying peer address - ignoring")
		v.Prefix = netip.PrefixFrom(v.Prefix.Addr(), v.Prefix.Addr().BitLen())
	}
	return v, true
}

// route parses a virtual_routes / static_routes line.
func (p *parser) route(kw string, n *node) Route {
	r := Route{Pos: n.pos(), Words: append([]string{n.kw.text}, argTexts(n)...)}
	w := r.Words
	dstWord := ""
	for i := 0; i < len(w); i++ {
		next := func() string {
			if i+1 < len(w) {
				i++
				return w[i]
			}
			p.d.errorf(CodeMissingValue, n.pos(), kw, "missing value after %q", w[i])
			return ""
		}
		switch w[i] {
		case "src":
			if a, err := netip.ParseAddr(next()); err == nil {
				r.Src = a
			}
		case "via", "gw":
			if a, err := netip.ParseAddr(next()); err == nil {
				r.Via = a
			}
		case "dev", "oif":
			r.Dev = next()
		case "to":
			dstWord = next()
			if pf, ok := prefixOf(dstWord); ok {
				r.Dst = pf
			}
		case "no_track":
			r.NoTrack = true
		case "blackhole", "unreachable", "prohibit", "throw", "unicast", "local", "broadcast", "multicast", "nat", "anycast":
		default:
			if !r.Dst.IsValid() && i == 0 || (i == 1 && !r.Dst.IsValid()) {
				if pf, ok := prefixOf(w[i]); ok {
					r.Dst, dstWord = pf, w[i]
				} else if w[i] == "default" {
					r.Dst, dstWord = netip.PrefixFrom(netip.IPv4Unspecified(), 0), w[i]
				}
			}
		}
	}
	if !r.Dst.IsValid() {
		p.d.errorf(CodeMissingValue, n.pos(), kw, "route %q has no destination", strings.Join(w, " "))
	}
	if r.Dev == "" && !r.NoTrack && !isUnroutedType(w[0]) {
		p.d.warnf(CodeIgnored, n.pos(), kw, "Warning - cannot track route %s with no interface specified, not tracking", dstWord)
	}
	return r
}

func (p *parser) rule(n *node) Rule {
	r := Rule{Pos: n.pos(), Words: append([]string{n.kw.text}, argTexts(n)...)}
	r.NoTrack = slices.Contains(r.Words, "no_track")
	return r
}

func argTexts(n *node) []string {
	out := make([]string, len(n.args))
	for i, a := range n.args {
		out[i] = a.text
	}
	return out
}

func isUnroutedType(w string) bool {
	switch w {
	case "blackhole", "unreachable", "prohibit", "throw":
		return true
	}
	return false
}

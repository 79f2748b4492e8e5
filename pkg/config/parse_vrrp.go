package config

import (
	"net/netip"
	"slices"
	"strings"
	"time"
)

// instFlags remembers which instance keywords were given, for the
// defaults keepalived derives from absent ones.
type instFlags struct {
	stateSet, prioritySet, versionSet, acceptSet, strictSet, skipSet bool
	lpnaSet, hpsaSet, dtaSet, checkUcSet, smtpSet                    bool
	garpDelaySet, garpRepeatSet, garpRefreshSet, garpRefRepSet       bool
	lpDelaySet, lpRepeatSet                                          bool
	nopreemptPos, statePos, advertPos, vridPos                       Pos
	preemptDelayPos, authPos, unicastPos, unicastSrcPos              Pos
	vridSet, notifyPrioSet                                           bool
}

func (p *parser) vrrpScript(n *node) {
	if !p.need(n) || !p.needBlock(n) {
		return
	}
	s := VRRPScript{Pos: n.pos(), Name: n.args[0].text, Interval: time.Second, Timeout: -1, Rise: 1, Fall: 1}
	for _, c := range n.children {
		switch c.kw.text {
		case "script":
			if p.need(c) {
				s.Script = p.command(c)
				p.checkScriptPath(c, s.Script)
			}
		case "interval":
			setTimer(p, c, &s.Interval, 0.000001, 1<<31)
		case "timeout":
			setTimer(p, c, &s.Timeout, 0.000001, 1<<31)
		case "weight":
			if v, ok := p.intArg(c, 0, -253, 253); ok {
				s.Weight = v
			}
			for _, a := range c.args[min(1, len(c.args)):] {
				switch a.text {
				case "reverse":
					s.Reverse = true
				case "noreverse":
					s.Reverse = false
				default:
					p.d.warnf(CodeExtraText, a.pos(), c.kw.text, "extra argument %q ignored (expected reverse)", a.text)
				}
			}
		case "rise":
			setInt(p, c, &s.Rise, 1, 1<<30)
		case "fall":
			setInt(p, c, &s.Fall, 1, 1<<30)
		case "user":
			if p.need(c) {
				s.User = c.args[0].text
				if len(c.args) > 1 {
					s.Group = c.args[1].text
				}
			}
		case "init_fail":
			s.InitFail = true
		default:
			p.unknown(c)
		}
	}
	if s.Timeout < 0 {
		s.Timeout = s.Interval
	}
	if s.Script == "" {
		p.d.errorf(CodeMissingRequired, n.pos(), n.kw.text, "vrrp_script %s has no 'script' command", s.Name)
	}
	for _, o := range p.cfg.Scripts {
		if o.Name == s.Name {
			p.d.errorf(CodeDuplicate, n.pos(), n.kw.text, "vrrp_script %s already defined at %s", s.Name, o.Pos)
			return
		}
	}
	p.cfg.Scripts = append(p.cfg.Scripts, s)
}

func (p *parser) trackFileDef(n *node) {
	if !p.need(n) || !p.needBlock(n) {
		return
	}
	t := TrackFileDef{Pos: n.pos(), Name: n.args[0].text, Weight: 1}
	for _, c := range n.children {
		switch c.kw.text {
		case "file":
			if s, ok := p.str(c); ok {
				t.File = s
				p.checkTypographic(c, s)
			}
		case "weight":
			if v, ok := p.intArg(c, 0, -254, 254); ok {
				t.Weight = v
			}
			if len(c.args) > 1 && c.args[1].text == "reverse" {
				t.Reverse = true
			}
		case "init_file":
			t.InitFile = true
			for i, a := range c.args {
				if a.text == "overwrite" {
					t.InitOverwrite = true
				} else if v, ok := p.intArg(c, i, -254, 254); ok {
					t.InitValue = v
				}
			}
		default:
			p.unknown(c)
		}
	}
	if t.File == "" {
		p.d.errorf(CodeMissingRequired, n.pos(), n.kw.text, "track_file %s has no 'file'", t.Name)
	}
	p.cfg.TrackFiles = append(p.cfg.TrackFiles, t)
}

func (p *parser) trackProcessDef(n *node) {
	if !p.need(n) || !p.needBlock(n) {
		return
	}
	t := TrackProcessDef{Pos: n.pos(), Name: n.args[0].text, Quorum: 1}
	for _, c := range n.children {
		switch c.kw.text {
		case "process":
			if p.need(c) {
				t.Process = c.args[0].text
				for _, a := range c.args[1:] {
					t.Args = append(t.Args, a.text)
				}
			}
		case "param_match":
			if s, ok := p.str(c); ok {
				if s != "initial" && s != "partial" {
					p.d.errorf(CodeInvalidValue, c.args[0].pos(), c.kw.text, "expected initial or partial, got %q", s)
				} else {
					t.ParamMatch = s
				}
			}
		case "weight":
			if v, ok := p.intArg(c, 0, -254, 254); ok {
				t.Weight = v
			}
			if len(c.args) > 1 && c.args[1].text == "reverse" {
				t.Reverse = true
			}
		case "quorum":
			setInt(p, c, &t.Quorum, 1, 65535)
		case "quorum_max":
			setInt(p, c, &t.QuorumMax, 1, 65535)
		case "delay":
			setTimer(p, c, &t.Delay, 0, 1<<31)
		case "fork_delay":
			setTimer(p, c, &t.ForkDelay, 0, 1<<31)
		case "terminate_delay":
			setTimer(p, c, &t.TerminateDelay, 0, 1<<31)
		case "full_command":
			t.FullCommand = true
		default:
			p.unknown(c)
		}
	}
	if t.Process == "" {
		p.d.errorf(CodeMissingRequired, n.pos(), n.kw.text, "vrrp_track_process %s has no 'process'", t.Name)
	}
	p.cfg.TrackProcesses = append(p.cfg.TrackProcesses, t)
}

// tracks appends a track_* block of an instance or a sync group to its
// list, with keepalived's weight range for that kind of tracker (±254 for
// files and processes, ±253 otherwise); false when c is none of them.
func (p *parser) tracks(c *node, ifaces, scripts, files, procs, bfds *[]TrackRef) bool {
	switch c.kw.text {
	case "track_interface":
		*ifaces = append(*ifaces, p.trackList(c, -253, 253)...)
	case "track_script":
		*scripts = append(*scripts, p.trackList(c, -253, 253)...)
	case "track_file":
		*files = append(*files, p.trackList(c, -254, 254)...)
	case "track_process":
		*procs = append(*procs, p.trackList(c, -254, 254)...)
	case "track_bfd":
		*bfds = append(*bfds, p.trackList(c, -253, 253)...)
	default:
		return false
	}
	return true
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

func (p *parser) syncGroup(n *node) {
	if !p.need(n) || !p.needBlock(n) {
		return
	}
	g := SyncGroup{Pos: n.pos(), Name: n.args[0].text}
	for _, c := range n.children {
		switch c.kw.text {
		case "group":
			for _, a := range c.args {
				g.Group = append(g.Group, a.text)
			}
			for _, m := range c.children {
				g.Group = append(g.Group, m.kw.text)
				for _, a := range m.args {
					g.Group = append(g.Group, a.text)
				}
			}
		case "notify_master":
			g.NotifyMaster, _ = p.notify(c)
		case "notify_backup":
			g.NotifyBackup, _ = p.notify(c)
		case "notify_fault":
			g.NotifyFault, _ = p.notify(c)
		case "notify_stop":
			g.NotifyStop, _ = p.notify(c)
		case "notify":
			g.Notify, _ = p.notify(c)
		case "smtp_alert":
			setBool(p, c, &g.SMTPAlert)
		case "notify_priority_changes":
			setBool(p, c, &g.NotifyPriorityChanges)
		case "sync_group_tracking_weight":
			g.TrackingWeight = true
		case "global_tracking":
			p.d.warnf(CodeDeprecated, c.pos(), c.kw.text, "global_tracking is deprecated; use sync_group_tracking_weight")
			g.GlobalTracking = true
			g.TrackingWeight = true
		default:
			if !p.tracks(c, &g.TrackInterfaces, &g.TrackScripts, &g.TrackFiles, &g.TrackProcesses, &g.TrackBFDs) {
				p.unknown(c)
			}
		}
	}
	p.cfg.SyncGroups = append(p.cfg.SyncGroups, g)
}

// instance parses vrrp_instance NAME { }.
func (p *parser) instance(n *node) {
	if !p.need(n) || !p.needBlock(n) {
		return
	}
	vi := VRRPInstance{Pos: n.pos(), Name: n.args[0].text, Priority: 100, AdvertInt: time.Second, UnicastTTL: 255}
	var fl instFlags
	for _, c := range n.children {
		kw := c.kw.text
		switch kw {
		case "state":
			if s, ok := p.str(c); ok {
				switch strings.ToUpper(s) {
				case "MASTER", "BACKUP":
					vi.State = strings.ToUpper(s)
					fl.stateSet, fl.statePos = true, c.pos()
				default:
					p.d.errorf(CodeInvalidValue, c.args[0].pos(), kw, "unknown state %q (expected MASTER or BACKUP)", s)
				}
			}
		case "interface":
			setStr(p, c, &vi.Interface)
		case "virtual_router_id":
			fl.vridPos = c.pos()
			if v, ok := p.int(c, 1, 255); ok {
				vi.VRID, fl.vridSet = v, true
			}
		case "priority":
			if v, ok := p.int(c, 1, 255); ok {
				vi.Priority, fl.prioritySet = v, true
			}
		case "advert_int":
			if v, ok := p.timer(c, 0.01, 255); ok {
				vi.AdvertInt, fl.advertPos = v, c.pos()
			}
		case "version":
			if v, ok := p.int(c, 2, 3); ok {
				vi.Version, fl.versionSet = v, true
			}
		case "native_ipv6":
			p.d.warnf(CodeDeprecated, c.pos(), kw, "native_ipv6 is deprecated: the family comes from the VIPs")
		case "nopreempt":
			vi.Nopreempt, fl.nopreemptPos = true, c.pos()
		case "preempt":
			vi.Nopreempt = false
		case "preempt_delay":
			if v, ok := p.timer(c, 0, 1000); ok {
				vi.PreemptDelay, fl.preemptDelayPos = v, c.pos()
			}
		case "mcast_src_ip":
			if a, ok := p.addr(c); ok {
				vi.McastSrcIP = a
			}
		case "mcast_dst_ip":
			if a, ok := p.addr(c); ok {
				if !a.IsMulticast() {
					p.d.errorf(CodeInvalidValue, c.args[0].pos(), kw, "%s is not a multicast address", a)
				} else {
					vi.McastDstIP = a
				}
			}
		case "unicast_src_ip":
			if a, ok := p.addr(c); ok {
				vi.UnicastSrcIP, fl.unicastSrcPos = a, c.pos()
			}
		case "unicast_peer":
			fl.unicastPos = c.pos()
			p.needBlock(c)
			for _, pc := range c.children {
				p.unicastPeer(&vi, pc)
			}
		case "unicast_ttl":
			setInt(p, c, &vi.UnicastTTL, 1, 255)
		case "check_unicast_src":
			vi.CheckUnicastSrc, fl.checkUcSet = true, true
		case "unicast_fault_no_peer":
			vi.UnicastFaultNoPeer = true
		case "authentication":
			fl.authPos = c.pos()
			p.auth(&vi, c)
		case "virtual_ipaddress":
			vi.VIPs = append(vi.VIPs, p.vipBlock(c)...)
		case "virtual_ipaddress_excluded":
			vi.EVIPs = append(vi.EVIPs, p.vipBlock(c)...)
		case "virtual_routes":
			vi.VirtualRoutes = append(vi.VirtualRoutes, p.routeBlock(c)...)
		case "virtual_rules":
			vi.VirtualRules = append(vi.VirtualRules, p.ruleBlock(c)...)
		case "track_src_ip":
			vi.TrackSrcIP = true
		case "dont_track_primary":
			vi.DontTrackPrimary = true
		case "notify_master":
			vi.NotifyMaster, _ = p.notify(c)
		case "notify_backup":
			vi.NotifyBackup, _ = p.notify(c)
		case "notify_fault":
			vi.NotifyFault, _ = p.notify(c)
		case "notify_stop":
			vi.NotifyStop, _ = p.notify(c)
		case "notify_deleted":
			vi.NotifyDeleted, _ = p.notify(c)
		case "notify_master_rx_lower_pri":
			vi.NotifyMasterRxLowerPri, _ = p.notify(c)
		case "notify":
			vi.Notify, _ = p.notify(c)
		case "notify_priority_changes":
			setBool(p, c, &vi.NotifyPriorityChanges)
			fl.notifyPrioSet = true
		case "smtp_alert":
			setBool(p, c, &vi.SMTPAlert)
			fl.smtpSet = true
		case "garp_master_delay":
			if v, ok := p.timer(c, 0, 255); ok {
				vi.GARPMasterDelay, fl.garpDelaySet = v, true
			}
		case "garp_master_repeat":
			if v, ok := p.int(c, 1, 255); ok {
				vi.GARPMasterRepeat, fl.garpRepeatSet = v, true
			}
		case "garp_master_refresh":
			if v, ok := p.timer(c, 0, 1<<31); ok {
				vi.GARPMasterRefresh, fl.garpRefreshSet = v, true
			}
		case "garp_master_refresh_repeat":
			if v, ok := p.int(c, 1, 255); ok {
				vi.GARPMasterRefreshRepeat, fl.garpRefRepSet = v, true
			}
		case "garp_lower_prio_delay":
			if v, ok := p.timer(c, 0, 255); ok {
				vi.GARPLowerPrioDelay, fl.lpDelaySet = v, true
			}
		case "garp_lower_prio_repeat":
			if v, ok := p.int(c, 0, 255); ok {
				vi.GARPLowerPrioRepeat, fl.lpRepeatSet = v, true
			}
		case "skip_check_adv_addr":
			setBool(p, c, &vi.SkipCheckAdvAddr)
			fl.skipSet = true
		case "strict_mode":
			setBool(p, c, &vi.Strict)
			fl.strictSet = true
		case "accept":
			vi.Accept, fl.acceptSet = true, true
		case "no_accept":
			vi.Accept, fl.acceptSet = false, true
		case "lower_prio_no_advert":
			setBool(p, c, &vi.LowerPrioNoAdvert)
			fl.lpnaSet = true
		case "higher_prio_send_advert":
			setBool(p, c, &vi.HigherPrioSendAdvert)
			fl.hpsaSet = true
		case "down_timer_adverts":
			if v, ok := p.int(c, 1, 100); ok {
				vi.DownTimerAdverts, fl.dtaSet = v, true
			}
		case "use_vmac":
			vi.UseVMAC = true
			if len(c.args) > 0 {
				vi.VMACName = c.args[0].text
			}
		case "vmac_xmit_base":
			vi.VMACXmitBase = true
		case "promote_secondaries":
			vi.PromoteSecondaries = true
		case "lvs_sync_daemon_interface":
			p.d.warnf(CodeDeprecated, c.pos(), kw, "lvs_sync_daemon_interface is deprecated; use lvs_sync_daemon in global_defs")
			setStr(p, c, &vi.LVSSyncDaemonInterface)
		case "debug":
			if len(c.args) > 0 {
				if v, ok := p.intArg(c, 0, 0, 4); ok {
					vi.Debug = v
				}
			}
		case "use_ipvlan", "use_vmac_addr", "vrf", "kernel_rx_buf_size", "linkbeat_use_polling",
			"old_unicast_checksum", "garp_extra_if":
			p.ignored(c)
			vi.Other = append(vi.Other, keep(c))
		default:
			if !p.tracks(c, &vi.TrackInterfaces, &vi.TrackScripts, &vi.TrackFiles, &vi.TrackProcesses, &vi.TrackBFDs) {
				p.unknown(c)
			}
		}
	}
	p.cfg.Instances = append(p.cfg.Instances, vi)
	p.instFlags = append(p.instFlags, fl)
}

func (p *parser) unicastPeer(vi *VRRPInstance, c *node) {
	a, err := netip.ParseAddr(c.kw.text)
	if err != nil {
		p.d.errorf(CodeInvalidValue, c.pos(), "unicast_peer", "invalid IP address %q", c.kw.text)
		return
	}
	up := UnicastPeer{Pos: c.pos(), Addr: a}
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
	vi.UnicastPeers = append(vi.UnicastPeers, up)
}

func (p *parser) auth(vi *VRRPInstance, n *node) {
	if !p.needBlock(n) {
		return
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

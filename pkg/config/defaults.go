package config

import (
	"fmt"
	"math"
	"net/netip"
	"slices"
	"strings"
	"time"
)

// finish fills in derived values and defaults, then runs the semantic
// checks (validate.go).
func (p *parser) finish() {
	g := &p.cfg.Global
	if !g.set.has(kGLowerPrioDelay) {
		g.VRRPGARPLowerPrioDelay = g.VRRPGARPMasterDelay
	}
	if !g.set.has(kGLowerPrioRepeat) {
		g.VRRPGARPLowerPrioRepeat = g.VRRPGARPMasterRepeat
	}
	if g.VRRPMinGARP {
		// vrrp_min_garp: one GARP, no second burst, no refresh.
		g.VRRPGARPMasterRepeat = 1
		g.VRRPGARPMasterDelay = 0
		g.VRRPGARPLowerPrioRepeat = 1
		g.VRRPGARPLowerPrioDelay = 0
	}
	for i := range p.cfg.Instances {
		p.instanceDefaults(&p.cfg.Instances[i], &p.instFlags[i])
	}
	for i := range p.cfg.SyncGroups {
		p.trackWeights(p.cfg.SyncGroups[i].TrackScripts, p.cfg.SyncGroups[i].TrackFiles, p.cfg.SyncGroups[i].TrackProcesses)
	}
	p.mergeVirtualServers()
	kept := p.cfg.VirtualServers[:0]
	for i := range p.cfg.VirtualServers {
		vs := p.cfg.VirtualServers[i]
		if p.completeVS(&vs) {
			kept = append(kept, vs)
		}
	}
	p.cfg.VirtualServers = kept
	p.inheritScriptUser()
	p.validate()
}

// inheritScriptUser gives every script that names no user of its own
// global_defs' script_user USER [GROUP] (keepalived notify.c: the default
// script uid). Without script_user they stay empty: the daemon then runs
// them as keepalived_script if that user exists, else root (a lookup the
// parser does not make).
func (p *parser) inheritScriptUser() {
	g := &p.cfg.Global
	if g.ScriptUser == "" {
		return
	}
	set := func(user, group *string, inherited *bool) {
		if *user == "" {
			*user, *group, *inherited = g.ScriptUser, g.ScriptGroup, true
		}
	}
	c := p.cfg
	for i := range c.Scripts {
		set(&c.Scripts[i].User, &c.Scripts[i].Group, &c.Scripts[i].userInherited)
	}
	notify := func(ns ...*Notify) {
		for _, n := range ns {
			if n.Command != "" {
				set(&n.User, &n.Group, &n.userInherited)
			}
		}
	}
	for i := range c.Instances {
		vi := &c.Instances[i]
		notify(&vi.NotifyMaster, &vi.NotifyBackup, &vi.NotifyFault, &vi.NotifyStop, &vi.NotifyDeleted,
			&vi.NotifyMasterRxLowerPri, &vi.Notify)
	}
	for i := range c.SyncGroups {
		sg := &c.SyncGroups[i]
		notify(&sg.NotifyMaster, &sg.NotifyBackup, &sg.NotifyFault, &sg.NotifyStop, &sg.Notify)
	}
	for i := range c.VirtualServers {
		vs := &c.VirtualServers[i]
		notify(&vs.QuorumUp, &vs.QuorumDown)
		for j := range vs.RealServers {
			rs := &vs.RealServers[j]
			notify(&rs.NotifyUp, &rs.NotifyDown)
			for k := range rs.Checkers {
				if ck := &rs.Checkers[k]; ck.Kind == "MISC_CHECK" {
					set(&ck.User, &ck.Group, &ck.userInherited)
				}
			}
		}
	}
}

var (
	kGLowerPrioDelay  = globalKeywords.key("vrrp_garp_lower_prio_delay")
	kGLowerPrioRepeat = globalKeywords.key("vrrp_garp_lower_prio_repeat")
	kGSMTPAlert       = globalKeywords.key("smtp_alert")
	kGSMTPAlertCk     = globalKeywords.key("smtp_alert_checker")
)

// instanceDefaults derives what keepalived 2.2.7 derives, in the order of
// vrrp.c vrrp_complete_instance, with its messages. Keywords not given
// first take their global_defs value (instanceKeywords).
func (p *parser) instanceDefaults(vi *VRRPInstance, fl *instFlags) {
	g := &p.cfg.Global
	name := vi.Name
	given := vi.set.has
	instanceKeywords.inheritGlobal(vi, &vi.set, g)
	// Family from the first VIP (eVIPs may mix families).
	if len(vi.VIPs) > 0 {
		vi.IPv6 = vi.VIPs[0].Prefix.Addr().Is6()
	}
	switch {
	case vi.IPv6 && given(kVersion) && vi.Version == 2 && vi.Strict:
		p.d.warnf(CodeValueAdjusted, vi.Pos, "version", "(%s) cannot use IPv6 with VRRP version 2; setting version 3", name)
		vi.Version = 3
	case vi.IPv6 && !given(kVersion):
		vi.Version = 3
	}
	// vrrp.c vrrp_complete_instance: "If necessary, set the default TTL
	// value. For IPv6 the default is to let the kernel set the default
	// value": no IPV6_HOPLIMIT on unicast adverts (vrrp_send_pkt).
	if vi.IPv6 && !given(kUnicastTTL) {
		vi.UnicastTTL = 0
	}
	if !given(kMcastDst) {
		vi.McastDstIP = g.VRRPMcastGroup4
		if vi.IPv6 {
			vi.McastDstIP = g.VRRPMcastGroup6
		}
	}
	if len(vi.VIPs) == 0 {
		if vi.Version == 3 || vi.Strict {
			p.d.errorf(CodeMissingRequired, vi.Pos, "virtual_ipaddress", "(%s) No VIP specified; at least one is required", name)
		} else {
			p.d.warnf(CodeMissingRequired, vi.Pos, "virtual_ipaddress", "(%s) No VIP specified; at least one is sensible", name)
		}
	}
	// keepalived.conf(5) "state"/"priority": without a priority, MASTER
	// means 255; without a state, 255 means MASTER.
	if !given(kPriority) && given(kState) && vi.State == "MASTER" {
		vi.Priority = 255
	}
	owner := vi.Priority == 255
	if !given(kState) {
		vi.State = "BACKUP"
		if owner {
			vi.State = "MASTER"
		}
	} else if vi.Strict && (vi.State == "MASTER") != owner {
		p.d.warnf(CodeValueAdjusted, fl.pos(kState), "state", "(%s) State MASTER must match being address owner", name)
		vi.State = "BACKUP"
		if owner {
			vi.State = "MASTER"
		}
	}
	authPos := fl.pos(kAuth)
	switch {
	case vi.AuthType == AuthNone:
	case vi.Strict:
		p.d.warnf(CodeValueAdjusted, authPos, "authentication", "(%s) Strict mode does not support authentication. Ignoring.", name)
		vi.AuthType, vi.AuthPass = AuthNone, ""
	case vi.Version == 3:
		p.d.warnf(CodeValueAdjusted, authPos, "authentication", "(%s) VRRP version 3 does not support authentication. Ignoring.", name)
		vi.AuthType, vi.AuthPass = AuthNone, ""
	case vi.AuthPass == "":
		p.d.warnf(CodeValueAdjusted, authPos, "authentication", "(%s) Authentication specified but no password given. Ignoring", name)
		vi.AuthType = AuthNone
	case vi.IPv6 && vi.AuthType == AuthAH:
		p.d.warnf(CodeValueAdjusted, authPos, "authentication", "(%s) Cannot use AH authentication with IPv6. ignoring", name)
		vi.AuthType, vi.AuthPass = AuthNone, ""
	case vi.AuthType == AuthAH && vi.State == "MASTER" && !owner:
		p.d.warnf(CodeValueAdjusted, authPos, "authentication", "(%s) Initial state master is incompatible with AH authentication - clearing", name)
		vi.State = "BACKUP"
	}
	if vi.Strict && len(vi.UnicastPeers) > 0 {
		p.d.errorf(CodeConflict, fl.pos(kUnicastPeer), "unicast_peer", "(%s) Unicast peers are not supported in strict mode", name)
	}
	if vi.Interface == "" {
		p.d.errorf(CodeMissingRequired, vi.Pos, "interface", "(%s) Unknown interface! (no 'interface' given)", name)
	}
	p.capVIPs(vi)
	if vi.Nopreempt && owner {
		p.d.warnf(CodeValueAdjusted, fl.pos(kNopreempt), "nopreempt", "(%s) nopreempt is incompatible with priority 255. resetting nopreempt", name)
		vi.Nopreempt = false
	}
	if vi.State == "MASTER" {
		if vi.Nopreempt {
			p.d.warnf(CodeValueAdjusted, fl.pos(kNopreempt), "nopreempt", "(%s) Warning - nopreempt will not work with initial state MASTER - clearing", name)
			vi.Nopreempt = false
		}
		if vi.PreemptDelay > 0 {
			p.d.warnf(CodeValueAdjusted, fl.pos(kPreemptDelay), "preempt_delay", "(%s) Warning - preempt delay will not work with initial state MASTER - clearing", name)
			vi.PreemptDelay = 0
		}
	}
	if vi.PreemptDelay > 0 && vi.Strict {
		p.d.warnf(CodeValueAdjusted, fl.pos(kPreemptDelay), "preempt_delay", "(%s) preempt_delay is incompatible with strict mode - resetting", name)
		vi.PreemptDelay = 0
	}
	if vi.PreemptDelay > 0 && vi.Nopreempt {
		p.d.warnf(CodeValueAdjusted, fl.pos(kPreemptDelay), "preempt_delay", "(%s) preempt_delay is incompatible with nopreempt mode - resetting", name)
		vi.PreemptDelay = 0
	}
	// Accept_Mode (RFC 5798 §6.1): default on, except in strict mode
	// where only the address owner accepts.
	if !given(kAccept) && !given(kNoAccept) {
		vi.Accept = owner || !vi.Strict
	}
	if vi.Accept && !owner && vi.Strict && vi.Version == 2 {
		p.d.warnf(CodeValueAdjusted, vi.Pos, "accept", "(%s) warning - accept mode for VRRP version 2 does not comply with RFC3768 - resetting", name)
		vi.Accept = false
	}
	p.strictGARP(vi)
	switch {
	case !given(kLPNA) && vi.Strict:
		vi.LowerPrioNoAdvert = true
	case given(kLPNA) && vi.Strict && !vi.LowerPrioNoAdvert:
		p.d.warnf(CodeValueAdjusted, vi.Pos, "lower_prio_no_advert", "(%s) Strict mode requires no lower priority advert. resetting", name)
		vi.LowerPrioNoAdvert = true
	}
	switch {
	case !given(kHPSA) && vi.Strict:
		vi.HigherPrioSendAdvert = false
	case given(kHPSA) && vi.Strict && vi.HigherPrioSendAdvert:
		p.d.warnf(CodeValueAdjusted, vi.Pos, "higher_prio_send_advert", "(%s) strict mode requires higher_prio_send_advert to be clear. resetting", name)
		vi.HigherPrioSendAdvert = false
	}
	if vi.Strict {
		// reference §2.8: strict mode uses the RFC's 3 adverts. (An owner
		// ignoring adverts in strict mode is keepalived ≥ 2.3.3's
		// owner_ignore_adverts; 2.2.7 processes them.)
		vi.DownTimerAdverts = 3
	}
	vi.AdvertInt = p.roundAdvert(vi, fl.pos(kAdvertInt))
	for j := range vi.VIPs {
		if vi.VIPs[j].Dev == "" {
			vi.VIPs[j].Dev = vi.Interface
		}
	}
	for j := range vi.EVIPs {
		if vi.EVIPs[j].Dev == "" {
			vi.EVIPs[j].Dev = vi.Interface
		}
	}
	p.trackWeights(vi.TrackScripts, vi.TrackFiles, vi.TrackProcesses)
}

// strictGARP: strict mode sends no lower-priority GARP repeats. The GARP
// settings themselves come from global_defs when not given
// (instanceKeywords); vrrp_garp_interval and vrrp_gna_interval have no
// instance keyword in keepalived 2.2.7.
func (p *parser) strictGARP(vi *VRRPInstance) {
	g := &p.cfg.Global
	given := vi.set.has
	switch {
	case !given(kLPRepeat) && vi.Strict:
		vi.GARPLowerPrioRepeat = 0
	case given(kLPRepeat) && vi.Strict && vi.GARPLowerPrioRepeat != 0:
		p.d.warnf(CodeValueAdjusted, vi.Pos, "garp_lower_prio_repeat", "(%s) Strict mode requires no repeat garps. resetting", vi.Name)
		vi.GARPLowerPrioRepeat = 0
	}
	switch {
	case !given(kLPDelay) && vi.Strict:
		vi.GARPLowerPrioDelay = 0
	case given(kLPDelay) && vi.Strict && vi.GARPLowerPrioDelay != 0:
		p.d.warnf(CodeValueAdjusted, vi.Pos, "garp_lower_prio_delay", "(%s) Strict mode requires no repeat garp delay. resetting", vi.Name)
		vi.GARPLowerPrioDelay = 0
	}
	vi.GARPInterval = g.VRRPGARPInterval
	vi.GNAInterval = g.VRRPGNAInterval
}

// capVIPs moves the VIPs that do not fit in one advert to the eVIPs, as
// keepalived does for a 1500-byte MTU (it keeps one fewer than fits).
func (p *parser) capVIPs(vi *VRRPInstance) {
	const mtu = 1500
	var maxAddr int
	if !vi.IPv6 {
		hdr := 14 + 20 + 8
		if vi.Version == 2 {
			hdr += 8
			if vi.AuthType == AuthAH {
				hdr += 24
			}
		}
		maxAddr = (mtu - hdr) / 4
	} else {
		maxAddr = (mtu - (14 + 40 + 8)) / 16
	}
	maxAddr = min(maxAddr, 255)
	if len(vi.VIPs) <= maxAddr {
		return
	}
	p.d.warnf(CodeValueAdjusted, vi.VIPs[maxAddr].Pos, "virtual_ipaddress", "(%s) Number of VIPs (%d) exceeds maximum/space available in packet (max %d addresses) - excess moved to eVIPs", vi.Name, len(vi.VIPs), maxAddr)
	keep := maxAddr - 1
	vi.EVIPs = append(append([]VIP(nil), vi.VIPs[keep:]...), vi.EVIPs...)
	vi.VIPs = vi.VIPs[:keep]
}

// roundAdvert applies keepalived's advert_int rounding: version 2 carries
// whole seconds (rounded, at least 1); version 3 centiseconds, at most 40.95.
func (p *parser) roundAdvert(vi *VRRPInstance, pos Pos) time.Duration {
	a := vi.AdvertInt
	if vi.Version == 2 {
		s := math.Round(a.Seconds())
		if s < 1 {
			s = 1
		}
		r := time.Duration(s) * time.Second
		if r != a {
			p.d.warnf(CodeValueAdjusted, pos, "advert_int", "(%s) VRRPv2 advertisement interval %fs must be an integer. rounding", vi.Name, a.Seconds())
		}
		return r
	}
	cs := math.Round(float64(a) / float64(10*time.Millisecond))
	if cs < 1 {
		cs = 1
	}
	if cs > 4095 {
		p.d.warnf(CodeValueAdjusted, pos, "advert_int", "(%s) VRRPv3 advertisement interval %.2fs is out of range. Must be less than 40.96s. Setting to 40.95s", vi.Name, a.Seconds())
		cs = 4095
	}
	r := time.Duration(cs) * 10 * time.Millisecond
	if r != a {
		p.d.warnf(CodeValueAdjusted, pos, "advert_int", "(%s) VRRPv3 advertisement interval %fs must be in units of 10ms - rounding", vi.Name, a.Seconds())
	}
	return r
}

// trackWeights gives the track_script, track_file and track_process
// entries of an instance or a sync group without "weight" the tracked
// object's weight and reverse flag (keepalived.conf(5) track_script).
func (p *parser) trackWeights(scripts, files, procs []TrackRef) {
	for i := range scripts {
		if r := &scripts[i]; !r.WeightSet {
			if s := p.cfg.Script(r.Name); s != nil {
				r.Weight, r.Reverse = s.Weight, s.Reverse
			}
		}
	}
	for i := range files {
		if r := &files[i]; !r.WeightSet {
			for _, f := range p.cfg.TrackFiles {
				if f.Name == r.Name {
					r.Weight, r.Reverse = f.Weight, f.Reverse
				}
			}
		}
	}
	for i := range procs {
		if r := &procs[i]; !r.WeightSet {
			for _, f := range p.cfg.TrackProcesses {
				if f.Name == r.Name {
					r.Weight, r.Reverse = f.Weight, f.Reverse
				}
			}
		}
	}
}

// vsKey identifies a virtual server (address, protocol, port / fwmark / group).
func vsKey(vs *VirtualServer) string {
	switch {
	case vs.FWMark != 0:
		return fmt.Sprintf("fwmark %d %s", vs.FWMark, vs.IPFamily)
	case vs.Group != "":
		return "group " + vs.Group + " " + vs.Protocol
	}
	return fmt.Sprintf("%s %s %d", vs.Addr, vs.Protocol, vs.Port)
}

// mergeVirtualServers merges a second virtual_server block for the same
// service into the first (seed 002: one IPVS service ends up with the real
// servers of both blocks), with a warning.
func (p *parser) mergeVirtualServers() {
	seen := map[string]int{}
	out := p.cfg.VirtualServers[:0]
	for _, vs := range p.cfg.VirtualServers {
		k := vsKey(&vs)
		if i, ok := seen[k]; ok {
			first := &out[i]
			p.d.warnf(CodeDuplicate, vs.Pos, "virtual_server", "virtual server %s already defined at %s; its real servers are merged into it", vsName(&vs), first.Pos)
			first.RealServers = append(first.RealServers, vs.RealServers...)
			first.MergedFrom = append(first.MergedFrom, vs.Pos)
			continue
		}
		seen[k] = len(out)
		out = append(out, vs)
	}
	p.cfg.VirtualServers = out
}

func vsName(vs *VirtualServer) string {
	switch {
	case vs.FWMark != 0:
		return fmt.Sprintf("FWM %d", vs.FWMark)
	case vs.Group != "":
		return "group " + vs.Group
	}
	proto := vs.Protocol
	if proto == "" {
		proto = "none"
	}
	if vs.Addr.Is6() {
		return fmt.Sprintf("[%s]:%s:%d", vs.Addr, proto, vs.Port)
	}
	return fmt.Sprintf("%s:%s:%d", vs.Addr, proto, vs.Port)
}

// completeVS resolves the defaults of a virtual server, its real servers
// and checkers, and makes the corrections keepalived 2.2.7 makes
// (check_data.c validate_check_config), with its messages. It reports
// false when keepalived drops the virtual server.
func (p *parser) completeVS(vs *VirtualServer) bool {
	g := &p.cfg.Global
	name := vsName(vs)
	if vs.Group != "" && !p.hasVSGroup(vs.Group) {
		// keepalived 2.2.7 drops the virtual server silently.
		p.d.errorf(CodeUndefinedReference, vs.Pos, "virtual_server", "virtual_server_group %s does not exist", vs.Group)
		return false
	}
	// Real servers keepalived skips while parsing: family mismatch.
	rss := vs.RealServers[:0]
	for _, rs := range vs.RealServers {
		if vs.Addr.IsValid() && rs.Addr.Is6() != vs.Addr.Is6() && rs.LBKind != "TUN" {
			p.d.warnf(CodeIgnored, rs.Pos, "real_server", "Address family of virtual server and real server %s don't match - skipping real server.", rs.Addr)
			continue
		}
		rss = append(rss, rs)
	}
	vs.RealServers = rss
	if len(vs.RealServers) == 0 {
		p.d.warnf(CodeIgnored, vs.Pos, "virtual_server", "Virtual server %s has no real servers - ignoring", name)
		return false
	}
	if vs.HASuspend && vs.FWMark != 0 {
		p.d.warnf(CodeValueAdjusted, vs.Pos, "ha_suspend", "Virtual server %s: cannot use ha_suspend with fwmarks - clearing ha_suspend", name)
		vs.HASuspend = false
	}
	if vs.FWMark == 0 {
		if vs.Protocol == "" {
			p.d.warnf(CodeValueAdjusted, vs.Pos, "virtual_server", "Virtual server %s: no protocol set - defaulting to UDP", name)
			vs.Protocol = "UDP"
			name = vsName(vs)
		}
		if slices.Contains(vs.SchedFlags, "ops") && vs.Protocol != "UDP" {
			p.d.warnf(CodeValueAdjusted, vs.Pos, "ops", "Virtual server %s: one packet scheduling requires UDP - resetting", name)
			vs.SchedFlags = dropFlag(vs.SchedFlags, "ops")
		}
		if vs.PersistenceTimeout == 0 && vs.Group == "" && vs.Port == 0 {
			p.d.warnf(CodeValueAdjusted, vs.Pos, "virtual_server", "Virtual server %s: zero port only valid for persistent services - setting", name)
			vs.PersistenceTimeout = 360 * time.Second
		}
	} else if vs.Protocol != "" {
		p.d.warnf(CodeValueAdjusted, vs.Pos, "protocol", "Warning: Virtual server %s: protocol specified for fwmark - protocol will be ignored", name)
		vs.Protocol = ""
	}
	if vs.PersistenceTimeout == 0 && vs.Group != "" {
		for _, vg := range p.cfg.VirtualServerGroups {
			if vg.Name != vs.Group {
				continue
			}
			for _, a := range vg.Addrs {
				if a.Port == 0 {
					p.d.warnf(CodeValueAdjusted, vs.Pos, "virtual_server", "Virtual server %s: zero port only valid for persistent services - setting", name)
					vs.PersistenceTimeout = 360 * time.Second
					break
				}
			}
		}
	}
	if vs.LBAlgo == "" {
		p.d.warnf(CodeValueAdjusted, vs.Pos, "lb_algo", "Virtual server %s: no scheduler set, setting default 'wlc'", name)
		vs.LBAlgo = "wlc"
	}
	vsKeywords.inheritGlobal(vs, &vs.set, g)
	// Real servers: duplicates, forwarding method, inherited values.
	weightSum := 0
	rss = vs.RealServers[:0]
	for _, rs := range vs.RealServers {
		dup := false
		for _, o := range rss {
			if o.Addr == rs.Addr && o.Port == rs.Port {
				p.d.warnf(CodeDuplicate, rs.Pos, "real_server", "VS %s: real server %s is duplicated - removing second rs", name, rsName(&rs, vs))
				dup = true
				break
			}
		}
		if dup {
			continue
		}
		if rs.LBKind == "" {
			if vs.LBKind == "" {
				p.d.warnf(CodeValueAdjusted, vs.Pos, "lb_kind", "Virtual server %s: no forwarding method set, setting default NAT", name)
				vs.LBKind = "NAT"
			}
			rs.LBKind, rs.Tunnel = vs.LBKind, vs.Tunnel
		}
		if !rs.set.has(kRSAlpha) {
			rs.Alpha = vs.Alpha
		}
		if !rs.set.has(kRSInhibit) {
			rs.InhibitOnFailure = vs.InhibitOnFailure
		}
		if !rs.set.has(kRSSMTPAlert) {
			// check_data.c: true by default, "to maintain backwards
			// compatibility".
			rs.SMTPAlert = g.SMTPAlertChecker || g.SMTPAlert || (!g.set.has(kGSMTPAlertCk) && !g.set.has(kGSMTPAlert))
		}
		weightSum += rs.Weight
		rss = append(rss, rs)
	}
	vs.RealServers = rss
	if vs.LBKind == "" {
		vs.LBKind = "NAT"
	}
	if vs.SorryServer.IsValid() && vs.SorryServerLVSMethod == "" {
		vs.SorryServerLVSMethod, vs.SorryServerTunnel = vs.LBKind, vs.Tunnel
	}
	if vs.Quorum > weightSum {
		p.d.warnf(CodeValueAdjusted, vs.Pos, "quorum", "Warning - quorum %d for %s exceeds total weight of real servers %d, reducing quorum to %d", vs.Quorum, name, weightSum, weightSum)
		vs.Quorum = weightSum
	}
	if vs.Hysteresis >= vs.Quorum && (vs.Hysteresis > 0 || vs.Quorum > 0) {
		h := max(vs.Quorum-1, 0)
		p.d.warnf(CodeValueAdjusted, vs.Pos, "hysteresis", "Virtual server %s: hysteresis %d >= quorum %d; setting hysteresis to %d", name, vs.Hysteresis, vs.Quorum, h)
		vs.Hysteresis = h
	}
	p.rsPorts(vs, name)
	p.resolveTimings(vs)
	return true
}

// rsPorts: unless NAT, real servers use the virtual server's port (fwmark
// services: no port).
func (p *parser) rsPorts(vs *VirtualServer, name string) {
	if vs.Group != "" {
		return
	}
	for i := range vs.RealServers {
		rs := &vs.RealServers[i]
		switch {
		case rs.LBKind == "NAT":
			if vs.FWMark == 0 && rs.Port == 0 {
				rs.Port = vs.Port
			}
		case vs.FWMark != 0:
			if rs.Port != 0 {
				p.d.warnf(CodeValueAdjusted, rs.Pos, "real_server", "WARNING - fwmark virtual server %s, real server %s has port specified - clearing", name, rsName(rs, vs))
				rs.Port = 0
			}
		case rs.Port == 0:
			rs.Port = vs.Port
		case rs.Port != vs.Port:
			p.d.warnf(CodeValueAdjusted, rs.Pos, "real_server", "WARNING - virtual server %s and real server %s ports don't match - resetting", name, rsName(rs, vs))
			rs.Port = vs.Port
		}
	}
	if ss := vs.SorryServer; ss.IsValid() && vs.SorryServerLVSMethod != "NAT" {
		switch {
		case vs.FWMark != 0 && ss.Port() != 0:
			p.d.warnf(CodeValueAdjusted, vs.Pos, "sorry_server", "WARNING - virtual server %s, sorry server has port specified - clearing", name)
			vs.SorryServer = netip.AddrPortFrom(ss.Addr(), 0)
		case vs.FWMark == 0 && ss.Port() == 0:
			vs.SorryServer = netip.AddrPortFrom(ss.Addr(), vs.Port)
		case vs.FWMark == 0 && ss.Port() != vs.Port:
			p.d.warnf(CodeValueAdjusted, vs.Pos, "sorry_server", "WARNING - virtual server %s and sorry server ports don't match - resetting", name)
			vs.SorryServer = netip.AddrPortFrom(ss.Addr(), vs.Port)
		}
	}
}

func rsName(rs *RealServer, vs *VirtualServer) string {
	proto := strings.ToLower(vs.Protocol)
	if proto == "" {
		proto = "none"
	}
	if rs.Addr.Is6() {
		return fmt.Sprintf("[%s]:%s:%d", rs.Addr, proto, rs.Port)
	}
	return fmt.Sprintf("%s:%s:%d", rs.Addr, proto, rs.Port)
}

func dropFlag(fs []string, f string) []string {
	out := fs[:0]
	for _, x := range fs {
		if x != f {
			out = append(out, x)
		}
	}
	return out
}

// resolveTimings applies the inheritance of check_data.c: checker ← real
// server ← virtual server (delay_loop 60s, connect_timeout 5s), then the
// checker's own default (retry 1, DNS 3, MISC 0; delay_before_retry 1s,
// HTTP/SSL 3s, DNS delay_loop; warmup = the checker's delay_loop). The
// model shows the resolved values at every level.
func (p *parser) resolveTimings(vs *VirtualServer) {
	vsGiven := timingGiven(vsKeywords, &vs.set)
	vsGiven[tDelayLoop] = true // its default, 60s
	if !vsGiven[tConnectTimeout] {
		vs.ConnectTimeout = 5 * time.Second
		vsGiven[tConnectTimeout] = true
	}
	for i := range vs.RealServers {
		rs := &vs.RealServers[i]
		rsGiven := timingGiven(rsKeywords, &rs.set)
		rs.CheckTiming.inherit(&rsGiven, &vs.CheckTiming, vsGiven)
		if rs.Virtualhost == "" {
			rs.Virtualhost = vs.Virtualhost
		}
		for j := range rs.Checkers {
			p.resolveChecker(&rs.Checkers[j], rs, rsGiven)
		}
		resolveLevel(&rs.CheckTiming, rsGiven)
	}
	resolveLevel(&vs.CheckTiming, vsGiven)
}

func (p *parser) resolveChecker(ck *Checker, rs *RealServer, rsGiven [len(timingNames)]bool) {
	if !ck.set.has(kCkAlpha) {
		ck.Alpha = rs.Alpha
	}
	given := timingGiven(checkerKeywords, &ck.set)
	ck.CheckTiming.inherit(&given, &rs.CheckTiming, rsGiven)
	if !given[tRetry] {
		switch ck.Kind {
		case "DNS_CHECK":
			ck.Retry = 3
		case "MISC_CHECK":
			ck.Retry = 0
		default:
			ck.Retry = 1
		}
	}
	if !given[tWarmup] {
		ck.Warmup = ck.DelayLoop
	}
	if !given[tDelayBeforeRetry] {
		switch ck.Kind {
		case "HTTP_GET", "SSL_GET":
			ck.DelayBeforeRetry = 3 * time.Second
		case "DNS_CHECK":
			ck.DelayBeforeRetry = ck.DelayLoop
		default:
			ck.DelayBeforeRetry = time.Second
		}
	}
	if ck.Kind == "HTTP_GET" || ck.Kind == "SSL_GET" {
		if ck.HTTPProtocol == "" {
			ck.HTTPProtocol = "1.0"
		}
		if ck.Virtualhost == "" {
			ck.Virtualhost = rs.Virtualhost
		}
	}
	if ck.Kind == "DNS_CHECK" {
		if ck.DNSType == "" {
			ck.DNSType = "SOA"
		}
		if ck.DNSName == "" {
			ck.DNSName = "."
		}
	}
	if ck.Kind == "MISC_CHECK" && ck.MiscTimeout == 0 {
		ck.MiscTimeout = ck.DelayLoop
	}
}

// resolveLevel gives a real or virtual server's timings that neither it
// nor a level above gave the values a checker would take by default, so
// the model shows resolved values at every level.
func resolveLevel(t *CheckTiming, given [len(timingNames)]bool) {
	if !given[tRetry] {
		t.Retry = 1
	}
	if !given[tDelayBeforeRetry] {
		t.DelayBeforeRetry = time.Second
	}
	if !given[tWarmup] {
		t.Warmup = t.DelayLoop
	}
}

func (p *parser) hasVSGroup(name string) bool {
	for _, g := range p.cfg.VirtualServerGroups {
		if g.Name == name {
			return true
		}
	}
	return false
}

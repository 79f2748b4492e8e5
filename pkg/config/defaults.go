package config

import (
	"fmt"
	"math"
	"time"
)

// finish fills in derived values and defaults, then runs the semantic
// checks (validate.go).
func (p *parser) finish() {
	g := &p.cfg.Global
	if g.VRRPGARPLowerPrioDelay < 0 {
		g.VRRPGARPLowerPrioDelay = g.VRRPGARPMasterDelay
	}
	if g.VRRPGARPLowerPrioRepeat < 0 {
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
	p.mergeVirtualServers()
	for i := range p.cfg.VirtualServers {
		p.vsDefaults(&p.cfg.VirtualServers[i])
	}
	p.validate()
}

// instanceDefaults derives what keepalived 2.2.7 derives, in the order of
// vrrp.c vrrp_complete_instance, with its messages.
func (p *parser) instanceDefaults(vi *VRRPInstance, fl *instFlags) {
	g := &p.cfg.Global
	name := vi.Name
	if !fl.strictSet {
		vi.Strict = g.VRRPStrict
	}
	// Family from the first VIP (eVIPs may mix families).
	if len(vi.VIPs) > 0 {
		vi.IPv6 = vi.VIPs[0].Prefix.Addr().Is6()
	}
	switch {
	case vi.IPv6 && fl.versionSet && vi.Version == 2 && vi.Strict:
		p.d.warnf(vi.Pos, "version", "(%s) cannot use IPv6 with VRRP version 2; setting version 3", name)
		vi.Version = 3
	case vi.IPv6 && !fl.versionSet:
		vi.Version = 3
	case !fl.versionSet:
		vi.Version = g.VRRPVersion
	}
	if len(vi.VIPs) == 0 {
		if vi.Version == 3 || vi.Strict {
			p.d.errorf(vi.Pos, "virtual_ipaddress", "(%s) No VIP specified; at least one is required", name)
		} else {
			p.d.warnf(vi.Pos, "virtual_ipaddress", "(%s) No VIP specified; at least one is sensible", name)
		}
	}
	// keepalived.conf(5) "state"/"priority": without a priority, MASTER
	// means 255; without a state, 255 means MASTER.
	if !fl.prioritySet && fl.stateSet && vi.State == "MASTER" {
		vi.Priority = 255
	}
	owner := vi.Priority == 255
	if !fl.stateSet {
		vi.State = "BACKUP"
		if owner {
			vi.State = "MASTER"
		}
	} else if vi.Strict && (vi.State == "MASTER") != owner {
		p.d.warnf(fl.statePos, "state", "(%s) State MASTER must match being address owner", name)
		vi.State = "BACKUP"
		if owner {
			vi.State = "MASTER"
		}
	}
	switch {
	case vi.AuthType == AuthNone:
	case vi.Strict:
		p.d.warnf(fl.authPos, "authentication", "(%s) Strict mode does not support authentication. Ignoring.", name)
		vi.AuthType, vi.AuthPass = AuthNone, ""
	case vi.Version == 3:
		p.d.warnf(fl.authPos, "authentication", "(%s) VRRP version 3 does not support authentication. Ignoring.", name)
		vi.AuthType, vi.AuthPass = AuthNone, ""
	case vi.AuthPass == "":
		p.d.warnf(fl.authPos, "authentication", "(%s) Authentication specified but no password given. Ignoring", name)
		vi.AuthType = AuthNone
	case vi.IPv6 && vi.AuthType == AuthAH:
		p.d.warnf(fl.authPos, "authentication", "(%s) Cannot use AH authentication with IPv6. ignoring", name)
		vi.AuthType, vi.AuthPass = AuthNone, ""
	case vi.AuthType == AuthAH && vi.State == "MASTER" && !owner:
		p.d.warnf(fl.authPos, "authentication", "(%s) Initial state master is incompatible with AH authentication - clearing", name)
		vi.State = "BACKUP"
	}
	if vi.Strict && len(vi.UnicastPeers) > 0 {
		p.d.errorf(fl.unicastPos, "unicast_peer", "(%s) Unicast peers are not supported in strict mode", name)
	}
	if vi.Interface == "" {
		p.d.errorf(vi.Pos, "interface", "(%s) Unknown interface! (no 'interface' given)", name)
	}
	p.capVIPs(vi)
	if vi.Nopreempt && owner {
		p.d.warnf(fl.nopreemptPos, "nopreempt", "(%s) nopreempt is incompatible with priority 255. resetting nopreempt", name)
		vi.Nopreempt = false
	}
	if vi.State == "MASTER" {
		if vi.Nopreempt {
			p.d.warnf(fl.nopreemptPos, "nopreempt", "(%s) Warning - nopreempt will not work with initial state MASTER - clearing", name)
			vi.Nopreempt = false
		}
		if vi.PreemptDelay > 0 {
			p.d.warnf(fl.preemptDelayPos, "preempt_delay", "(%s) Warning - preempt delay will not work with initial state MASTER - clearing", name)
			vi.PreemptDelay = 0
		}
	}
	if vi.PreemptDelay > 0 && vi.Strict {
		p.d.warnf(fl.preemptDelayPos, "preempt_delay", "(%s) preempt_delay is incompatible with strict mode - resetting", name)
		vi.PreemptDelay = 0
	}
	if vi.PreemptDelay > 0 && vi.Nopreempt {
		p.d.warnf(fl.preemptDelayPos, "preempt_delay", "(%s) preempt_delay is incompatible with nopreempt mode - resetting", name)
		vi.PreemptDelay = 0
	}
	// Accept_Mode (RFC 5798 §6.1): default on, except in strict mode
	// where only the address owner accepts.
	if !fl.acceptSet {
		vi.Accept = owner || !vi.Strict
	}
	if vi.Accept && !owner && vi.Strict && vi.Version == 2 {
		p.d.warnf(vi.Pos, "accept", "(%s) warning - accept mode for VRRP version 2 does not comply with RFC3768 - resetting", name)
		vi.Accept = false
	}
	p.garpDefaults(vi, fl)
	if !fl.lpnaSet {
		vi.LowerPrioNoAdvert = vi.Strict || g.VRRPLowerPrioNoAdvert
	} else if vi.Strict && !vi.LowerPrioNoAdvert {
		p.d.warnf(vi.Pos, "lower_prio_no_advert", "(%s) Strict mode requires no lower priority advert. resetting", name)
		vi.LowerPrioNoAdvert = true
	}
	if !fl.hpsaSet {
		vi.HigherPrioSendAdvert = !vi.Strict && g.VRRPHigherPrioSendAdvert
	} else if vi.Strict && vi.HigherPrioSendAdvert {
		p.d.warnf(vi.Pos, "higher_prio_send_advert", "(%s) strict mode requires higher_prio_send_advert to be clear. resetting", name)
		vi.HigherPrioSendAdvert = false
	}
	if !fl.smtpSet {
		vi.SMTPAlert = g.SMTPAlertVRRP || g.SMTPAlert
	}
	if !fl.notifyPrioSet {
		vi.NotifyPriorityChanges = g.VRRPNotifyPriorityChanges
	}
	if !fl.skipSet {
		vi.SkipCheckAdvAddr = g.VRRPSkipCheckAdvAddr
	}
	if !fl.dtaSet {
		vi.DownTimerAdverts = g.VRRPDownTimerAdverts
	}
	if vi.Strict {
		// reference §2.8: strict mode uses the RFC's 3 adverts and the
		// owner ignores adverts.
		vi.DownTimerAdverts = 3
		vi.OwnerIgnoreAdverts = true
	}
	if !fl.checkUcSet {
		vi.CheckUnicastSrc = g.VRRPCheckUnicastSrc
	}
	vi.AdvertInt = p.roundAdvert(vi, fl)
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
	// Trackers without "weight" take the tracked object's weight.
	for j := range vi.TrackScripts {
		p.inheritScriptWeight(&vi.TrackScripts[j])
	}
	for j := range vi.TrackFiles {
		p.inheritFileWeight(&vi.TrackFiles[j])
	}
	for j := range vi.TrackProcesses {
		p.inheritProcessWeight(&vi.TrackProcesses[j])
	}
}

// garpDefaults fills the GARP settings from global_defs (strict mode: no
// lower-priority repeats).
func (p *parser) garpDefaults(vi *VRRPInstance, fl *instFlags) {
	g := &p.cfg.Global
	if !fl.garpDelaySet {
		vi.GARPMasterDelay = g.VRRPGARPMasterDelay
	}
	if !fl.garpRepeatSet {
		vi.GARPMasterRepeat = g.VRRPGARPMasterRepeat
	}
	if !fl.garpRefreshSet {
		vi.GARPMasterRefresh = g.VRRPGARPMasterRefresh
	}
	if !fl.garpRefRepSet {
		vi.GARPMasterRefreshRepeat = g.VRRPGARPMasterRefreshRepeat
	}
	switch {
	case !fl.lpRepeatSet && vi.Strict:
		vi.GARPLowerPrioRepeat = 0
	case !fl.lpRepeatSet:
		vi.GARPLowerPrioRepeat = g.VRRPGARPLowerPrioRepeat
	case vi.Strict && vi.GARPLowerPrioRepeat != 0:
		p.d.warnf(vi.Pos, "garp_lower_prio_repeat", "(%s) Strict mode requires no repeat garps. resetting", vi.Name)
		vi.GARPLowerPrioRepeat = 0
	}
	switch {
	case !fl.lpDelaySet && vi.Strict:
		vi.GARPLowerPrioDelay = 0
	case !fl.lpDelaySet:
		vi.GARPLowerPrioDelay = g.VRRPGARPLowerPrioDelay
	case vi.Strict && vi.GARPLowerPrioDelay != 0:
		p.d.warnf(vi.Pos, "garp_lower_prio_delay", "(%s) Strict mode requires no repeat garp delay. resetting", vi.Name)
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
	p.d.warnf(vi.VIPs[maxAddr].Pos, "virtual_ipaddress", "(%s) Number of VIPs (%d) exceeds maximum/space available in packet (max %d addresses) - excess moved to eVIPs", vi.Name, len(vi.VIPs), maxAddr)
	keep := maxAddr - 1
	vi.EVIPs = append(append([]VIP(nil), vi.VIPs[keep:]...), vi.EVIPs...)
	vi.VIPs = vi.VIPs[:keep]
}

// roundAdvert applies keepalived's advert_int rounding: version 2 carries
// whole seconds (rounded, at least 1); version 3 centiseconds, at most 40.95.
func (p *parser) roundAdvert(vi *VRRPInstance, fl *instFlags) time.Duration {
	a := vi.AdvertInt
	if vi.Version == 2 {
		s := math.Round(a.Seconds())
		if s < 1 {
			s = 1
		}
		r := time.Duration(s) * time.Second
		if r != a {
			p.d.warnf(fl.advertPos, "advert_int", "(%s) VRRPv2 advertisement interval %fs must be an integer. rounding", vi.Name, a.Seconds())
		}
		return r
	}
	cs := math.Round(float64(a) / float64(10*time.Millisecond))
	if cs < 1 {
		cs = 1
	}
	if cs > 4095 {
		p.d.warnf(fl.advertPos, "advert_int", "(%s) VRRPv3 advertisement interval %.2fs is out of range. Must be less than 40.96s. Setting to 40.95s", vi.Name, a.Seconds())
		cs = 4095
	}
	r := time.Duration(cs) * 10 * time.Millisecond
	if r != a {
		p.d.warnf(fl.advertPos, "advert_int", "(%s) VRRPv3 advertisement interval %fs must be in units of 10ms - rounding", vi.Name, a.Seconds())
	}
	return r
}

func (p *parser) inheritScriptWeight(r *TrackRef) {
	if r.WeightSet {
		return
	}
	if s := p.cfg.Script(r.Name); s != nil {
		r.Weight, r.Reverse = s.Weight, s.Reverse
	}
}

func (p *parser) inheritFileWeight(r *TrackRef) {
	if r.WeightSet {
		return
	}
	for _, f := range p.cfg.TrackFiles {
		if f.Name == r.Name {
			r.Weight, r.Reverse = f.Weight, f.Reverse
		}
	}
}

func (p *parser) inheritProcessWeight(r *TrackRef) {
	if r.WeightSet {
		return
	}
	for _, f := range p.cfg.TrackProcesses {
		if f.Name == r.Name {
			r.Weight, r.Reverse = f.Weight, f.Reverse
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
			p.d.warnf(vs.Pos, "virtual_server", "virtual server %s already defined at %s; its real servers are merged into it", vsName(&vs), first.Pos)
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

// vsDefaults resolves the inherited checker timings and LVS defaults
// (check_parser.c, check_data.c: virtual server → real server → checker).
func (p *parser) vsDefaults(vs *VirtualServer) {
	if vs.Protocol == "" {
		if vs.FWMark == 0 {
			// check_data.c: "no protocol set - defaulting to UDP".
			p.d.warnf(vs.Pos, "virtual_server", "Virtual server %s: no protocol set - defaulting to UDP", vsName(vs))
			vs.Protocol = "UDP"
		} else {
			vs.Protocol = "TCP"
		}
	}
	if vs.LBAlgo == "" {
		vs.LBAlgo = "wlc"
	}
	if vs.LBKind == "" {
		vs.LBKind = "NAT"
	}
	if vs.ConnectTimeout == unset {
		vs.ConnectTimeout = 5 * time.Second
	}
	if vs.Warmup == unset {
		vs.Warmup = vs.DelayLoop
	}
	for i := range vs.RealServers {
		rs := &vs.RealServers[i]
		if rs.LBKind == "" {
			rs.LBKind = vs.LBKind
		}
		if rs.DelayLoop == unset {
			rs.DelayLoop = vs.DelayLoop
		}
		if rs.ConnectTimeout == unset {
			rs.ConnectTimeout = vs.ConnectTimeout
		}
		if rs.Retry == unset {
			rs.Retry = vs.Retry
		}
		if rs.DelayBeforeRetry == unset {
			rs.DelayBeforeRetry = vs.DelayBeforeRetry
		}
		if rs.Warmup == unset {
			rs.Warmup = vs.Warmup
		}
		if rs.Virtualhost == "" {
			rs.Virtualhost = vs.Virtualhost
		}
		for j := range rs.Checkers {
			ck := &rs.Checkers[j]
			if ck.DelayLoop == unset {
				ck.DelayLoop = rs.DelayLoop
			}
			if ck.ConnectTimeout == unset {
				ck.ConnectTimeout = rs.ConnectTimeout
			}
			if ck.Warmup == unset {
				ck.Warmup = rs.Warmup
			}
			if ck.Retry == unset {
				ck.Retry = rs.Retry
			}
			if ck.Retry == unset {
				switch ck.Kind {
				case "DNS_CHECK":
					ck.Retry = 3
				case "MISC_CHECK":
					ck.Retry = 0
				default:
					ck.Retry = 1
				}
			}
			if ck.DelayBeforeRetry == unset {
				ck.DelayBeforeRetry = rs.DelayBeforeRetry
			}
			if ck.DelayBeforeRetry == unset {
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
	}
	// After real servers resolved, the VS-level values are resolved too.
	if vs.Retry == unset {
		vs.Retry = 1
	}
	if vs.DelayBeforeRetry == unset {
		vs.DelayBeforeRetry = time.Second
	}
	for i := range vs.RealServers {
		rs := &vs.RealServers[i]
		if rs.Retry == unset {
			rs.Retry = vs.Retry
		}
		if rs.DelayBeforeRetry == unset {
			rs.DelayBeforeRetry = vs.DelayBeforeRetry
		}
	}
}

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

// instanceDefaults derives what keepalived derives (vrrp_parser.c,
// vrrp.c vrrp_complete_instance).
func (p *parser) instanceDefaults(vi *VRRPInstance, fl *instFlags) {
	g := &p.cfg.Global
	// keepalived.conf(5) "state": if priority is not set, MASTER gets 255;
	// if state is not set, priority 255 means MASTER.
	if !fl.stateSet {
		if vi.Priority == 255 {
			vi.State = "MASTER"
		} else {
			vi.State = "BACKUP"
		}
	} else if vi.State == "MASTER" && !fl.prioritySet {
		vi.Priority = 255
	}
	if vi.Interface == "" && !vi.UnicastSrcIP.IsValid() {
		vi.Interface = g.DefaultInterface
	}
	// Family from the first VIP (eVIPs may mix families).
	if len(vi.VIPs) > 0 {
		vi.IPv6 = vi.VIPs[0].Prefix.Addr().Is6()
	} else if vi.UnicastSrcIP.IsValid() {
		vi.IPv6 = vi.UnicastSrcIP.Is6()
	}
	if !fl.versionSet {
		vi.Version = g.VRRPVersion
	}
	if vi.IPv6 && vi.Version == 2 {
		if fl.versionSet {
			p.d.warnf(vi.Pos, "version", "(%s) IPv6 instances use VRRP version 3; version 2 overridden", vi.Name)
		}
		vi.Version = 3
	}
	if !fl.strictSet {
		vi.Strict = g.VRRPStrict
	}
	if !fl.skipSet {
		vi.SkipCheckAdvAddr = g.VRRPSkipCheckAdvAddr
	}
	if !fl.lpnaSet {
		vi.LowerPrioNoAdvert = g.VRRPLowerPrioNoAdvert
	}
	if !fl.hpsaSet {
		vi.HigherPrioSendAdvert = g.VRRPHigherPrioSendAdvert
	}
	if !fl.dtaSet {
		vi.DownTimerAdverts = g.VRRPDownTimerAdverts
	}
	if !fl.checkUcSet {
		vi.CheckUnicastSrc = g.VRRPCheckUnicastSrc
	}
	if !fl.smtpSet {
		vi.SMTPAlert = g.SMTPAlertVRRP || g.SMTPAlert
	}
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
	if !fl.lpDelaySet {
		if fl.garpDelaySet {
			vi.GARPLowerPrioDelay = vi.GARPMasterDelay
		} else {
			vi.GARPLowerPrioDelay = g.VRRPGARPLowerPrioDelay
		}
	}
	if !fl.lpRepeatSet {
		if fl.garpRepeatSet {
			vi.GARPLowerPrioRepeat = vi.GARPMasterRepeat
		} else {
			vi.GARPLowerPrioRepeat = g.VRRPGARPLowerPrioRepeat
		}
	}
	vi.GARPInterval = g.VRRPGARPInterval
	vi.GNAInterval = g.VRRPGNAInterval
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
	// nopreempt / preempt_delay with an initial MASTER state.
	if vi.Nopreempt && vi.Priority == 255 {
		p.d.warnf(fl.nopreemptPos, "nopreempt", "(%s) nopreempt is incompatible with priority 255. resetting nopreempt", vi.Name)
		vi.Nopreempt = false
	}
	if vi.Nopreempt && vi.State == "MASTER" {
		p.d.warnf(fl.nopreemptPos, "nopreempt", "(%s) Warning - nopreempt will not work with initial state MASTER - clearing", vi.Name)
		vi.Nopreempt = false
	}
	if vi.PreemptDelay > 0 && (vi.State == "MASTER" || vi.Nopreempt) {
		p.d.warnf(fl.preemptDelayPos, "preempt_delay", "(%s) preempt_delay is not used with state MASTER or nopreempt - clearing", vi.Name)
		vi.PreemptDelay = 0
	}
	p.strict(vi, fl)
	if !fl.acceptSet {
		vi.Accept = !vi.Strict || vi.Priority == 255
	}
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
			p.d.warnf(fl.advertPos, "advert_int", "(%s) VRRPv2 advertisement interval %.6fs must be an integer. rounding to %v", vi.Name, a.Seconds(), r)
		}
		return r
	}
	cs := math.Round(float64(a) / float64(10*time.Millisecond))
	if cs < 1 {
		cs = 1
	}
	if cs > 4095 {
		p.d.warnf(fl.advertPos, "advert_int", "(%s) VRRPv3 advert_int %v above 40.95s - using 40.95s", vi.Name, a)
		cs = 4095
	}
	r := time.Duration(cs) * 10 * time.Millisecond
	if r != a {
		p.d.warnf(fl.advertPos, "advert_int", "(%s) VRRPv3 advert_int %v rounded to %v", vi.Name, a, r)
	}
	return r
}

// strict applies vrrp_strict / strict_mode (reference §2.8).
func (p *parser) strict(vi *VRRPInstance, fl *instFlags) {
	if !vi.Strict {
		return
	}
	name := vi.Name
	if vi.AuthType != AuthNone {
		p.d.warnf(fl.authPos, "authentication", "(%s) strict mode does not support authentication. Ignoring.", name)
		vi.AuthType, vi.AuthPass = AuthNone, ""
	}
	if vi.State == "MASTER" && vi.Priority != 255 {
		p.d.warnf(fl.statePos, "state", "(%s) State MASTER must match being address owner (strict mode): starting as BACKUP", name)
		vi.State = "BACKUP"
	}
	if vi.PreemptDelay > 0 {
		p.d.warnf(fl.preemptDelayPos, "preempt_delay", "(%s) strict mode: preempt_delay not allowed - clearing", name)
		vi.PreemptDelay = 0
	}
	if vi.DownTimerAdverts != 3 {
		vi.DownTimerAdverts = 3
	}
	vi.LowerPrioNoAdvert = true
	vi.HigherPrioSendAdvert = false
	vi.GARPLowerPrioRepeat = 0
	vi.OwnerIgnoreAdverts = true
	if len(vi.VIPs) == 0 {
		p.d.errorf(vi.Pos, "vrrp_instance", "(%s) strict mode requires at least one virtual_ipaddress", name)
	}
	if vi.Accept && fl.acceptSet && vi.Version == 2 && vi.Priority != 255 {
		p.d.warnf(vi.Pos, "accept", "(%s) strict mode: accept mode is not allowed for VRRPv2 - clearing", name)
		vi.Accept = false
	}
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

package config

import (
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// sslKeywords is SSL { } (used by SSL_GET checkers).
var sslKeywords = newTable[SSLConfig]("SSL", nil, nil,
	strKw("password", func(s *SSLConfig) *string { return &s.Password }),
	strKw("ca", func(s *SSLConfig) *string { return &s.CA }),
	strKw("certificate", func(s *SSLConfig) *string { return &s.Certificate }),
	strKw("key", func(s *SSLConfig) *string { return &s.Key }),
)

func (p *parser) ssl(n *node, c *Config) bool {
	if !p.needBlock(n) {
		return false
	}
	s := &SSLConfig{Pos: n.pos()}
	var set keySet
	parseBlock(p, sslKeywords, n.children, s, &set, nil)
	c.SSL = s
	return true
}

func (p *parser) vsGroup(n *node, c *Config) bool {
	if !p.need(n) || !p.needBlock(n) {
		return false
	}
	g := VirtualServerGroup{Pos: n.pos(), Name: n.args[0].text}
	for _, l := range n.children {
		if l.kw.text == "fwmark" {
			if v, ok := p.int(l, 1, 1<<32-1); ok {
				g.FWMarks = append(g.FWMarks, uint32(v))
			}
			continue
		}
		first, last, ok := addrRange(l.kw.text)
		if !ok {
			p.d.errorf(CodeInvalidValue, l.pos(), n.kw.text, "invalid address or range %q (expected IP, IP-LAST or CIDR, or fwmark N)", l.kw.text)
			continue
		}
		a := VSGAddr{Pos: l.pos(), First: first, Last: last, Spec: l.kw.text}
		if len(l.args) > 0 {
			if v, ok := p.portArg(l, 0); ok {
				a.Port = v
			}
		}
		g.Addrs = append(g.Addrs, a)
	}
	c.VirtualServerGroups = append(c.VirtualServerGroups, g)
	return true
}

// addrRange parses a.b.c.d, a.b.c.d-e, a.b.c.d-e.f.g.h or a CIDR.
func addrRange(s string) (netip.Addr, netip.Addr, bool) {
	if strings.Contains(s, "/") {
		pf, err := netip.ParsePrefix(s)
		if err != nil {
			return netip.Addr{}, netip.Addr{}, false
		}
		return pf.Masked().Addr(), lastOf(pf), true
	}
	base, end, ok := strings.Cut(s, "-")
	a, err := netip.ParseAddr(base)
	if err != nil {
		return netip.Addr{}, netip.Addr{}, false
	}
	if !ok {
		return a, a, true
	}
	if b, err := netip.ParseAddr(end); err == nil {
		if b.Less(a) || b.Is4() != a.Is4() {
			return netip.Addr{}, netip.Addr{}, false
		}
		return a, b, true
	}
	// a.b.c.d-e: e replaces the last byte (IPv4) or the last group (IPv6).
	bs := a.AsSlice()
	if a.Is4() {
		v, err := strconv.ParseUint(end, 10, 8)
		if err != nil || byte(v) < bs[3] {
			return netip.Addr{}, netip.Addr{}, false
		}
		bs[3] = byte(v)
	} else {
		v, err := strconv.ParseUint(end, 16, 16)
		if err != nil || uint16(v) < uint16(bs[14])<<8|uint16(bs[15]) {
			return netip.Addr{}, netip.Addr{}, false
		}
		bs[14], bs[15] = byte(v>>8), byte(v)
	}
	b, _ := netip.AddrFromSlice(bs)
	return a, b, true
}

// lastOf is the highest address of pf.
func lastOf(pf netip.Prefix) netip.Addr {
	bs := pf.Masked().Addr().AsSlice()
	for i := pf.Bits(); i < len(bs)*8; i++ {
		bs[i/8] |= 1 << (7 - uint(i%8))
	}
	a, _ := netip.AddrFromSlice(bs)
	return a
}

// Check timings (CheckTiming): the rows a virtual server, a real server
// and a checker share, each level inheriting what it does not give
// (resolveTimings).
var timingNames = [...]string{"delay_loop", "connect_timeout", "retry", "delay_before_retry", "warmup"}

// timingRow is the row of one check timing keyword in the table of a block
// whose CheckTiming t returns.
func timingRow[B any](name string, t func(*B) *CheckTiming) keyword[B] {
	switch name {
	case "delay_loop":
		return timerKw(name, 0.000001, 1<<31, func(b *B) *time.Duration { return &t(b).DelayLoop })
	case "connect_timeout":
		return timerKw(name, 0.000001, 1<<31, func(b *B) *time.Duration { return &t(b).ConnectTimeout })
	case "retry":
		return intKw(name, 0, 1<<31-1, func(b *B) *int { return &t(b).Retry })
	case "nb_get_retry":
		// keepalived 2.2.7 knows it in HTTP_GET/SSL_GET only, with this
		// warning; we take its plain meaning everywhere.
		return aliasKw[B](name, "retry").deprecated("nb_get_retry is deprecated - please use 'retry'")
	case "delay_before_retry":
		return timerKw(name, 0, 1<<31, func(b *B) *time.Duration { return &t(b).DelayBeforeRetry })
	case "warmup":
		return timerKw(name, 0, 1<<31, func(b *B) *time.Duration { return &t(b).Warmup })
	}
	panic("config: no check timing " + name)
}

// timingGiven says which of the timingNames a block gave.
func timingGiven[B any](t *table[B], set *keySet) (given [len(timingNames)]bool) {
	for i, name := range timingNames {
		given[i] = set.has(t.key(name))
	}
	return given
}

// field returns a pointer to the timing timingNames[i].
func (c *CheckTiming) field(i int) any {
	switch i {
	case 0:
		return &c.DelayLoop
	case 1:
		return &c.ConnectTimeout
	case 2:
		return &c.Retry
	case 3:
		return &c.DelayBeforeRetry
	}
	return &c.Warmup
}

// inherit takes from the level above each timing this level did not give.
func (c *CheckTiming) inherit(given *[len(timingNames)]bool, from *CheckTiming, fromGiven [len(timingNames)]bool) {
	for i := range given {
		if !given[i] && fromGiven[i] {
			switch f := c.field(i).(type) {
			case *int:
				*f = *from.field(i).(*int)
			case *time.Duration:
				*f = *from.field(i).(*time.Duration)
			}
			given[i] = true
		}
	}
}

const (
	tDelayLoop = iota
	tConnectTimeout
	tRetry
	tDelayBeforeRetry
	tWarmup
)

func vsTiming(vs *VirtualServer) *CheckTiming { return &vs.CheckTiming }
func rsTiming(rs *RealServer) *CheckTiming    { return &rs.CheckTiming }
func ckTiming(ck *Checker) *CheckTiming       { return &ck.CheckTiming }

// vsKeywords is virtual_server IP PORT | fwmark N | group NAME { }.
var vsKeywords = newTable("virtual_server", func(vs *VirtualServer) *[]Directive { return &vs.Other }, []string{"snmp_name"},
	compoundKw("ip_family", func(p *parser, n *node, vs *VirtualServer) bool {
		s, ok := p.str(n)
		if !ok {
			return false
		}
		if s != "inet" && s != "inet6" {
			p.d.errorf(CodeInvalidValue, n.args[0].pos(), n.kw.text, "expected inet or inet6, got %q", s)
			return false
		}
		vs.IPFamily = s
		return true
	}, func(d *dumper, vs *VirtualServer) { d.kv("ip_family", vs.IPFamily) }),
	compoundKw("protocol", func(p *parser, n *node, vs *VirtualServer) bool {
		s, ok := p.str(n)
		if !ok {
			return false
		}
		switch strings.ToUpper(s) {
		case "TCP", "UDP", "SCTP":
			vs.Protocol = strings.ToUpper(s)
			return true
		}
		p.d.errorf(CodeInvalidValue, n.args[0].pos(), n.kw.text, "unknown protocol %q (expected TCP, UDP or SCTP)", s)
		return false
	}, func(d *dumper, vs *VirtualServer) { d.kv("protocol", vs.Protocol) }),
	compoundKw("lb_algo", (*parser).lbAlgo, func(d *dumper, vs *VirtualServer) {
		d.words(append([]string{"lb_algo", vs.LBAlgo}, vs.SchedFlags...))
	}),
	aliasKw[VirtualServer]("lvs_sched", "lb_algo"),
	compoundKw("lb_kind", func(p *parser, n *node, vs *VirtualServer) bool {
		m, tun, ok := p.lvsMethod(n, vs.Tunnel)
		if ok {
			vs.LBKind, vs.Tunnel = m, tun
		}
		return ok
	}, func(d *dumper, vs *VirtualServer) {
		d.words(append([]string{"lb_kind", vs.LBKind}, vs.Tunnel.words()...))
	}),
	aliasKw[VirtualServer]("lvs_method", "lb_kind"),
	compoundKw("persistence_timeout", (*parser).persistenceTimeout,
		func(d *dumper, vs *VirtualServer) { d.nonZero("persistence_timeout", vs.PersistenceTimeout) }),
	strKw("persistence_granularity", func(vs *VirtualServer) *string { return &vs.PersistenceGranularity }),
	strKw("persistence_engine", func(vs *VirtualServer) *string { return &vs.PersistenceEngine }),
	timingRow("delay_loop", vsTiming).or(60*time.Second),
	timingRow("connect_timeout", vsTiming),
	timingRow("retry", vsTiming),
	timingRow("nb_get_retry", vsTiming),
	timingRow("delay_before_retry", vsTiming),
	timingRow("warmup", vsTiming),
	compoundKw("sorry_server", (*parser).sorryServer, func(d *dumper, vs *VirtualServer) {
		if vs.SorryServer.IsValid() {
			d.line("sorry_server", vs.SorryServer.Addr().String(), itoa(int(vs.SorryServer.Port())))
		}
	}),
	boolKw("sorry_server_inhibit", func(vs *VirtualServer) *bool { return &vs.SorryServerInhibit }),
	compoundKw("sorry_server_lvs_method", func(p *parser, n *node, vs *VirtualServer) bool {
		m, tun, ok := p.lvsMethod(n, vs.SorryServerTunnel)
		if ok {
			vs.SorryServerLVSMethod, vs.SorryServerTunnel = m, tun
		}
		return ok
	}, func(d *dumper, vs *VirtualServer) {
		if vs.SorryServerLVSMethod != "" {
			d.words(append([]string{"sorry_server_lvs_method", vs.SorryServerLVSMethod}, vs.SorryServerTunnel.words()...))
		}
	}),
	intKw("quorum", 1, 1<<31-1, func(vs *VirtualServer) *int { return &vs.Quorum }).or(1),
	intKw("hysteresis", 0, 1<<31-1, func(vs *VirtualServer) *int { return &vs.Hysteresis }),
	notifyKw("quorum_up", func(vs *VirtualServer) *Notify { return &vs.QuorumUp }),
	notifyKw("quorum_down", func(vs *VirtualServer) *Notify { return &vs.QuorumDown }),
	boolKw("alpha", func(vs *VirtualServer) *bool { return &vs.Alpha }),
	boolKw("omega", func(vs *VirtualServer) *bool { return &vs.Omega }),
	boolKw("inhibit_on_failure", func(vs *VirtualServer) *bool { return &vs.InhibitOnFailure }),
	boolKw("ha_suspend", func(vs *VirtualServer) *bool { return &vs.HASuspend }),
	strKw("virtualhost", func(vs *VirtualServer) *string { return &vs.Virtualhost }),
	boolKw("smtp_alert", func(vs *VirtualServer) *bool { return &vs.SMTPAlert }).dumped(dumpOnOff).
		fromGlobal(func(g *GlobalDefs) any { return g.SMTPAlertChecker || g.SMTPAlert }),
	compoundKw("nat_mask", func(p *parser, n *node, vs *VirtualServer) bool {
		// Obsolete (removed from keepalived, still in tutorials: seed
		// 002). keepalived 2.2.7: "Unknown keyword 'nat_mask'".
		p.d.warnf(CodeUnknownKeyword, n.pos(), n.kw.text, "Unknown keyword 'nat_mask' (obsolete, removed from keepalived; ignored)")
		return false
	}, nil),
	// Real servers are written after the virtual server's own keywords.
	compoundKw("real_server", func(p *parser, n *node, vs *VirtualServer) bool {
		// Parsed in place: the slice has room for every real server.
		vs.RealServers = append(vs.RealServers, RealServer{})
		if !p.realServer(n, &vs.RealServers[len(vs.RealServers)-1]) {
			vs.RealServers = vs.RealServers[:len(vs.RealServers)-1]
			return false
		}
		return true
	}, nil),
	schedFlagKw("ops"), schedFlagKw("hashed"), schedFlagKw("flag-1"), schedFlagKw("flag-2"), schedFlagKw("flag-3"),
	schedFlagKw("sh-port"), schedFlagKw("sh-fallback"), schedFlagKw("mh-port"), schedFlagKw("mh-fallback"),
)

// schedFlagKw is a scheduler flag given as a keyword of its own.
func schedFlagKw(name string) keyword[VirtualServer] {
	return compoundKw(name, func(p *parser, n *node, vs *VirtualServer) bool {
		vs.SchedFlags = append(vs.SchedFlags, name)
		return true
	}, nil)
}

// rsKeywords is real_server IP [PORT] { }. alpha, inhibit_on_failure,
// smtp_alert, virtualhost and the check timings default to the virtual
// server's (completeVS, resolveTimings).
var rsKeywords = newTable("real_server", func(rs *RealServer) *[]Directive { return &rs.Other }, nil,
	intKw("weight", 0, 65535, func(rs *RealServer) *int { return &rs.Weight }).or(1),
	compoundKw("lvs_method", func(p *parser, n *node, rs *RealServer) bool {
		m, tun, ok := p.lvsMethod(n, rs.Tunnel)
		if ok {
			rs.LBKind, rs.Tunnel = m, tun
		}
		return ok
	}, func(d *dumper, rs *RealServer) {
		if rs.LBKind != "" {
			d.words(append([]string{"lvs_method", rs.LBKind}, rs.Tunnel.words()...))
		}
	}),
	notifyKw("notify_up", func(rs *RealServer) *Notify { return &rs.NotifyUp }),
	notifyKw("notify_down", func(rs *RealServer) *Notify { return &rs.NotifyDown }),
	intKw("uthreshold", 0, 1<<31-1, func(rs *RealServer) *int { return &rs.UThreshold }).dumped(dumpNonZero),
	intKw("lthreshold", 0, 1<<31-1, func(rs *RealServer) *int { return &rs.LThreshold }).dumped(dumpNonZero),
	boolKw("inhibit_on_failure", func(rs *RealServer) *bool { return &rs.InhibitOnFailure }).dumped(dumpOnOff),
	boolKw("alpha", func(rs *RealServer) *bool { return &rs.Alpha }).dumped(dumpOnOff),
	boolKw("smtp_alert", func(rs *RealServer) *bool { return &rs.SMTPAlert }).dumped(dumpOnOff),
	strKw("virtualhost", func(rs *RealServer) *string { return &rs.Virtualhost }),
	timingRow("delay_loop", rsTiming),
	timingRow("connect_timeout", rsTiming),
	timingRow("retry", rsTiming),
	timingRow("nb_get_retry", rsTiming),
	timingRow("delay_before_retry", rsTiming),
	timingRow("warmup", rsTiming),
	checkerKw("HTTP_GET"), checkerKw("SSL_GET"), checkerKw("TCP_CHECK"), checkerKw("SMTP_CHECK"),
	checkerKw("MISC_CHECK"), checkerKw("DNS_CHECK"), checkerKw("UDP_CHECK"), checkerKw("PING_CHECK"),
	checkerKw("FILE_CHECK"), checkerKw("BFD_CHECK"),
)

var (
	kRSAlpha     = rsKeywords.key("alpha")
	kRSInhibit   = rsKeywords.key("inhibit_on_failure")
	kRSSMTPAlert = rsKeywords.key("smtp_alert")
	kCkAlpha     = checkerKeywords.key("alpha")
)

// checkerKw is a checker block of a real server (written after the real
// server's own keywords).
func checkerKw(kind string) keyword[RealServer] {
	return compoundKw(kind, func(p *parser, n *node, rs *RealServer) bool {
		rs.Checkers = append(rs.Checkers, Checker{})
		if !p.checker(n, &rs.Checkers[len(rs.Checkers)-1]) {
			rs.Checkers = rs.Checkers[:len(rs.Checkers)-1]
			return false
		}
		return true
	}, nil)
}

// checkerKeywords are the options checkers share; checkerAccepts says
// which ones each kind takes, checkerSpecific parses the others.
var checkerKeywords = newTable[Checker]("checker", nil, nil,
	addrKw("connect_ip", func(ck *Checker) *netip.Addr { return &ck.ConnectIP }),
	compoundKw("connect_port", func(p *parser, n *node, ck *Checker) bool {
		return p.need(n) && p.setPort(n, &ck.ConnectPort)
	}, func(d *dumper, ck *Checker) { d.port("connect_port", ck.ConnectPort) }),
	addrKw("bindto", func(ck *Checker) *netip.Addr { return &ck.BindTo }),
	strKw("bind_if", func(ck *Checker) *string { return &ck.BindIf }),
	compoundKw("bind_port", func(p *parser, n *node, ck *Checker) bool {
		return p.need(n) && p.setPort(n, &ck.BindPort)
	}, func(d *dumper, ck *Checker) { d.port("bind_port", ck.BindPort) }),
	compoundKw("fwmark", func(p *parser, n *node, ck *Checker) bool {
		v, ok := p.int(n, 0, 1<<32-1)
		if ok {
			ck.FWMark = uint32(v)
		}
		return ok
	}, func(d *dumper, ck *Checker) {
		if ck.FWMark != 0 {
			d.line("fwmark", strconv.FormatUint(uint64(ck.FWMark), 10))
		}
	}),
	timingRow("connect_timeout", ckTiming),
	timingRow("retry", ckTiming),
	timingRow("nb_get_retry", ckTiming),
	timingRow("delay_before_retry", ckTiming),
	timingRow("warmup", ckTiming),
	timingRow("delay_loop", ckTiming),
	boolKw("alpha", func(ck *Checker) *bool { return &ck.Alpha }).dumped(dumpOnOff),
	boolKw("log_all_failures", func(ck *Checker) *bool { return &ck.LogAllFailures }),
)

func (p *parser) setPort(n *node, dst *uint16) bool {
	v, ok := p.portArg(n, 0)
	if ok {
		*dst = v
	}
	return ok
}

func (p *parser) virtualServer(n *node, c *Config) bool {
	// Parsed in place at the end of the list (no copy of the block's
	// model escapes), dropped again when its header is wrong.
	c.VirtualServers = append(c.VirtualServers, VirtualServer{})
	if !p.virtualServerInto(n, &c.VirtualServers[len(c.VirtualServers)-1]) {
		c.VirtualServers = c.VirtualServers[:len(c.VirtualServers)-1]
		return false
	}
	return true
}

func (p *parser) virtualServerInto(n *node, vs *VirtualServer) bool {
	vs.Pos = n.pos()
	vsKeywords.setDefaults(vs)
	switch {
	case len(n.args) >= 1 && n.args[0].text == "fwmark":
		v, ok := p.intArg(n, 1, 1, 1<<32-1)
		if !ok {
			return false
		}
		vs.FWMark = uint32(v)
	case len(n.args) >= 1 && n.args[0].text == "group":
		if len(n.args) < 2 {
			p.d.errorf(CodeMissingValue, n.pos(), n.kw.text, "missing group name")
			return false
		}
		vs.Group = n.args[1].text
	case len(n.args) >= 1:
		a, ok := p.addrArg(n, 0)
		if !ok {
			return false
		}
		vs.Addr = a
		if len(n.args) > 1 {
			if v, ok := p.portArg(n, 1); ok {
				vs.Port = v
			}
		}
	default:
		p.d.errorf(CodeMissingValue, n.pos(), n.kw.text, "expected IP PORT, fwmark N or group NAME")
		return false
	}
	if !p.needBlock(n) {
		return false
	}
	nrs := 0
	for _, c := range n.children {
		if c.kw.text == "real_server" {
			nrs++
		}
	}
	vs.RealServers = make([]RealServer, 0, nrs)
	parseBlock(p, vsKeywords, n.children, vs, &vs.set, nil)
	return true
}

func (p *parser) lbAlgo(n *node, vs *VirtualServer) bool {
	if !p.need(n) {
		return false
	}
	ok := validSched(n.args[0].text)
	if ok {
		vs.LBAlgo = n.args[0].text
	} else {
		p.d.errorf(CodeInvalidValue, n.args[0].pos(), n.kw.text, "Invalid lvs_scheduler '%s' (expected rr, wrr, lc, wlc, lblc, sh, mh, dh, fo, ovf, lblcr, sed, nq or twos)", n.args[0].text)
	}
	for _, a := range n.args[1:] {
		vs.SchedFlags = append(vs.SchedFlags, a.text)
	}
	return ok
}

func (p *parser) persistenceTimeout(n *node, vs *VirtualServer) bool {
	if len(n.args) == 0 {
		// keepalived.conf(5): no value means 360 seconds.
		vs.PersistenceTimeout = 360 * time.Second
		return true
	}
	v, ok := p.timer(n, 0, 2678400)
	if ok {
		// 0 (seeds 001, 002) plainly means no persistence; keepalived
		// 2.2.7 rejects it with a range error.
		vs.PersistenceTimeout = v.Truncate(time.Second)
	}
	return ok
}

func (p *parser) sorryServer(n *node, vs *VirtualServer) bool {
	a, ok := p.addrArg(n, 0)
	if !ok {
		return false
	}
	var port uint16
	if len(n.args) > 1 {
		port, _ = p.portArg(n, 1)
	}
	vs.SorryServer = netip.AddrPortFrom(a, port)
	return true
}

func validSched(s string) bool {
	switch s {
	case "rr", "wrr", "lc", "wlc", "lblc", "sh", "mh", "dh", "fo", "ovf", "lblcr", "sed", "nq", "twos":
		return true
	}
	return false
}

// lvsMethod reads a forwarding method and its tunnel options. As keepalived
// 2.2.7 svr_forwarding_handler, a bad tunnel option is an error that keeps
// the method and leaves the previous tunnel settings (prev).
func (p *parser) lvsMethod(c *node, prev Tunnel) (string, Tunnel, bool) {
	var tun Tunnel
	if !p.need(c) {
		return "", tun, false
	}
	m := strings.ToUpper(c.args[0].text)
	switch m {
	case "NAT", "DR", "TUN":
	case "PMTU", "MASQ":
		m = "NAT"
	default:
		p.d.errorf(CodeInvalidValue, c.args[0].pos(), c.kw.text, "unknown forwarding method %q (expected NAT, DR or TUN)", c.args[0].text)
		return "", tun, false
	}
	// keepalived 2.2.7 svr_forwarding_handler reads the tunnel options
	// after any method (they only matter for TUN); a bad one makes the
	// whole line an error and leaves the previous setting.
	args := c.args[1:]
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch a.text {
		case "type", "port":
			if i+1 == len(args) {
				p.d.errorf(CodeMissingValue, a.pos(), c.kw.text, "missing tunnel %s", a.text)
				return m, prev, true
			}
			v := args[i+1]
			i++
			if a.text == "type" {
				switch v.text {
				case "ipip":
					tun.Type = ""
				case "gue", "gre":
					tun.Type = v.text
				default:
					p.d.errorf(CodeInvalidValue, v.pos(), c.kw.text, "unknown tunnel type %q (expected ipip, gue or gre)", v.text)
					return m, prev, true
				}
				continue
			}
			n, err := strconv.ParseUint(v.text, 10, 16)
			if err != nil || n == 0 {
				p.d.errorf(CodeValueRange, v.pos(), c.kw.text, "invalid gue tunnel port %q (expected 1..65535)", v.text)
				return m, prev, true
			}
			tun.Port = uint16(n)
		case "nocsum":
			tun.Csum = ""
		case "csum", "remcsum":
			tun.Csum = a.text
		default:
			p.d.errorf(CodeUnknownOption, a.pos(), c.kw.text, "invalid tunnel option %q", a.text)
			return m, prev, true
		}
	}
	switch {
	case (tun.Type == "gue") != (tun.Port != 0):
		p.d.errorf(CodeConflict, c.pos(), c.kw.text, "gue tunnels require port, otherwise cannot have port")
		return m, prev, true
	case tun.Type == "" && tun.Csum != "":
		p.d.errorf(CodeConflict, c.pos(), c.kw.text, "ipip tunnels do not support checksum option")
		return m, prev, true
	case tun.Type == "gre" && tun.Csum == "remcsum":
		p.d.errorf(CodeConflict, c.pos(), c.kw.text, "gre tunnels do not support remote checksum option")
		return m, prev, true
	}
	return m, tun, true
}

// realServer parses real_server IP [PORT] { } into rs (a zero value).
func (p *parser) realServer(n *node, rs *RealServer) bool {
	rs.Pos = n.pos()
	rsKeywords.setDefaults(rs)
	a, ok := p.addrArg(n, 0)
	if !ok {
		return false
	}
	rs.Addr = a
	if len(n.args) > 1 {
		if v, ok := p.portArg(n, 1); ok {
			rs.Port = v
		}
	}
	parseBlock(p, rsKeywords, n.children, rs, &rs.set, nil)
	return true
}

// checker parses a checker block into ck (a zero value); false when
// keepalived drops it.
func (p *parser) checker(n *node, ck *Checker) bool {
	kind := n.kw.text
	ck.Pos, ck.Kind = n.pos(), kind
	for _, c := range n.children {
		if checkerAccepts(kind, c.kw.text) {
			parseOne(p, checkerKeywords, c, ck, &ck.set, nil)
		} else if !p.checkerSpecific(ck, c) {
			p.unknown(c)
		}
	}
	if (kind == "HTTP_GET" || kind == "SSL_GET") && len(ck.URLs) == 0 {
		p.d.warnf(CodeIgnored, n.pos(), kind, "HTTP/SSL_GET checker has no urls specified - ignoring")
		return false
	}
	if kind == "MISC_CHECK" && ck.MiscPath == "" {
		p.d.warnf(CodeIgnored, n.pos(), kind, "MISC_CHECK with no misc_path - ignoring")
		return false
	}
	return true
}

// checkerSpecific handles the keywords of one checker kind.
func (p *parser) checkerSpecific(ck *Checker, c *node) bool {
	kw := c.kw.text
	switch ck.Kind {
	case "HTTP_GET", "SSL_GET":
		switch kw {
		case "url":
			if p.needBlock(c) {
				if u, ok := p.url(c); ok {
					ck.URLs = append(ck.URLs, u)
				}
			}
		case "http_protocol":
			if s, ok := p.str(c); ok {
				switch s {
				case "1.0", "1.0C", "1.1", "1.0c":
					ck.HTTPProtocol = strings.ToUpper(s)
				default:
					p.d.errorf(CodeInvalidValue, c.args[0].pos(), kw, "expected 1.0, 1.0C or 1.1, got %q", s)
				}
			}
		case "virtualhost":
			ck.Virtualhost, _ = p.str(c)
		case "fast_recovery":
			setBool(p, c, &ck.FastRecovery)
		case "enable_sni":
			setBool(p, c, &ck.EnableSNI)
		default:
			return false
		}
	case "MISC_CHECK":
		switch kw {
		case "misc_path":
			if p.need(c) {
				ck.MiscPath = restString(c, 0)
				p.checkScriptPath(c, ck.MiscPath)
			}
		case "misc_timeout":
			setTimer(p, c, &ck.MiscTimeout, 0.000001, 1<<31)
		case "misc_dynamic":
			ck.MiscDynamic = true
		case "user":
			if p.need(c) {
				ck.User = c.args[0].text
				if len(c.args) > 1 {
					ck.Group = c.args[1].text
				}
			}
		default:
			return false
		}
	case "SMTP_CHECK":
		switch kw {
		case "helo_name":
			ck.HeloName, _ = p.str(c)
		case "host":
			p.ignored(c)
			ck.Other = append(ck.Other, keep(c))
		default:
			return false
		}
	case "DNS_CHECK":
		switch kw {
		case "type":
			if s, ok := p.str(c); ok {
				switch strings.ToUpper(s) {
				case "A", "NS", "CNAME", "SOA", "MX", "TXT", "AAAA":
					ck.DNSType = strings.ToUpper(s)
				default:
					p.d.errorf(CodeInvalidValue, c.args[0].pos(), kw, "unknown DNS type %q", s)
				}
			}
		case "name":
			ck.DNSName, _ = p.str(c)
		default:
			return false
		}
	case "UDP_CHECK":
		switch kw {
		case "payload":
			ck.Payload, _ = p.str(c)
		case "require_reply":
			ck.RequireReply = restString(c, 0)
			if ck.RequireReply == "" {
				ck.RequireReply = "*"
			}
		case "min_reply_length":
			ck.MinReplyLength, _ = p.int(c, 0, 65535)
		case "max_reply_length":
			ck.MaxReplyLength, _ = p.int(c, 0, 65535)
		default:
			return false
		}
	case "FILE_CHECK":
		switch kw {
		case "track_file":
			ck.TrackFile, _ = p.str(c)
		case "weight":
			p.trackWeight(c, &ck.Weight, &ck.Reverse)
		default:
			return false
		}
	case "BFD_CHECK":
		switch kw {
		case "name":
			ck.BFDName, _ = p.str(c)
		default:
			return false
		}
	default:
		return false
	}
	return true
}

func (p *parser) url(n *node) (URL, bool) {
	u := URL{Pos: n.pos()}
	for _, c := range n.children {
		switch c.kw.text {
		case "path":
			u.Path, _ = p.str(c)
		case "digest":
			u.Digest, _ = p.str(c)
		case "status_code":
			for i, a := range c.args {
				lo, hi, ok := strings.Cut(a.text, "-")
				l, err1 := strconv.Atoi(lo)
				h := l
				var err2 error
				if ok {
					h, err2 = strconv.Atoi(hi)
				}
				if err1 != nil || err2 != nil || l < 100 || h > 599 || h < l {
					p.d.errorf(CodeInvalidValue, c.args[i].pos(), c.kw.text, "invalid status code %q (expected 100-599 or a range)", a.text)
					continue
				}
				u.StatusCodes = append(u.StatusCodes, StatusRange{l, h})
			}
			if len(c.args) == 0 {
				p.d.errorf(CodeMissingValue, c.pos(), c.kw.text, "missing value")
			}
		case "virtualhost":
			u.Virtualhost, _ = p.str(c)
		case "regex":
			u.Regex, _ = p.str(c)
		case "regex_no_match":
			u.RegexNoMatch = true
		case "regex_options", "regex_min_offset", "regex_max_offset", "regex_stack":
			p.ignored(c)
			u.Other = append(u.Other, keep(c))
		default:
			p.unknown(c)
		}
	}
	if u.Path == "" {
		// keepalived 2.2.7 drops it (and crashes later when no url is
		// left: exit 139 recorded in testdata/keepalived).
		p.d.warnf(CodeIgnored, n.pos(), "url", "HTTP/SSL_GET checker url has no path - ignoring")
		return u, false
	}
	return u, true
}

// checkerAccepts says which common checker options keepalived 2.2.7 knows
// for each checker (measured: MISC_CHECK has no connection options,
// FILE_CHECK none at all, BFD_CHECK only alpha).
func checkerAccepts(kind, kw string) bool {
	switch kw {
	case "connect_ip", "connect_port", "bindto", "bind_if", "bind_port", "fwmark", "connect_timeout":
		switch kind {
		case "MISC_CHECK", "FILE_CHECK", "BFD_CHECK":
			return false
		}
		return true
	case "retry", "nb_get_retry", "delay_before_retry", "warmup", "delay_loop", "log_all_failures":
		return kind != "FILE_CHECK" && kind != "BFD_CHECK"
	case "alpha":
		return kind != "FILE_CHECK"
	}
	return false
}

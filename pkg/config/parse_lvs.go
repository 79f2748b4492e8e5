package config

import (
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// unset marks a checker timing not given at this level (inherited).
const unset = -1

func (p *parser) ssl(n *node) {
	if !p.needBlock(n) {
		return
	}
	s := &SSLConfig{Pos: n.pos()}
	for _, c := range n.children {
		switch c.kw.text {
		case "password":
			s.Password, _ = p.str(c)
		case "ca":
			s.CA, _ = p.str(c)
		case "certificate":
			s.Certificate, _ = p.str(c)
		case "key":
			s.Key, _ = p.str(c)
		default:
			p.unknown(c)
		}
	}
	p.cfg.SSL = s
}

func (p *parser) vsGroup(n *node) {
	if !p.need(n) || !p.needBlock(n) {
		return
	}
	g := VirtualServerGroup{Pos: n.pos(), Name: n.args[0].text}
	for _, c := range n.children {
		if c.kw.text == "fwmark" {
			if v, ok := p.int(c, 1, 1<<32-1); ok {
				g.FWMarks = append(g.FWMarks, uint32(v))
			}
			continue
		}
		first, last, ok := addrRange(c.kw.text)
		if !ok {
			p.d.errorf(CodeInvalidValue, c.pos(), n.kw.text, "invalid address or range %q (expected IP, IP-LAST or CIDR, or fwmark N)", c.kw.text)
			continue
		}
		a := VSGAddr{Pos: c.pos(), First: first, Last: last, Spec: c.kw.text}
		if len(c.args) > 0 {
			if v, ok := p.portArg(c, 0); ok {
				a.Port = v
			}
		}
		g.Addrs = append(g.Addrs, a)
	}
	p.cfg.VirtualServerGroups = append(p.cfg.VirtualServerGroups, g)
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

func (p *parser) virtualServer(n *node) {
	vs := VirtualServer{Pos: n.pos(), DelayLoop: 60 * time.Second, ConnectTimeout: unset, Retry: unset,
		DelayBeforeRetry: unset, Warmup: unset, Quorum: 1}
	switch {
	case len(n.args) >= 1 && n.args[0].text == "fwmark":
		if v, ok := p.intArg(n, 1, 1, 1<<32-1); ok {
			vs.FWMark = uint32(v)
		} else {
			return
		}
	case len(n.args) >= 1 && n.args[0].text == "group":
		if len(n.args) < 2 {
			p.d.errorf(CodeMissingValue, n.pos(), n.kw.text, "missing group name")
			return
		}
		vs.Group = n.args[1].text
	case len(n.args) >= 1:
		a, ok := p.addrArg(n, 0)
		if !ok {
			return
		}
		vs.Addr = a
		if len(n.args) > 1 {
			if v, ok := p.portArg(n, 1); ok {
				vs.Port = v
			}
		}
	default:
		p.d.errorf(CodeMissingValue, n.pos(), n.kw.text, "expected IP PORT, fwmark N or group NAME")
		return
	}
	if !p.needBlock(n) {
		return
	}
	nrs := 0
	for _, c := range n.children {
		if c.kw.text == "real_server" {
			nrs++
		}
	}
	vs.RealServers = make([]RealServer, 0, nrs)
	for _, c := range n.children {
		kw := c.kw.text
		switch kw {
		case "lb_algo", "lvs_sched":
			if p.need(c) {
				if validSched(c.args[0].text) {
					vs.LBAlgo = c.args[0].text
				} else {
					p.d.errorf(CodeInvalidValue, c.args[0].pos(), kw, "Invalid lvs_scheduler '%s' (expected rr, wrr, lc, wlc, lblc, sh, mh, dh, fo, ovf, lblcr, sed, nq or twos)", c.args[0].text)
				}
				for _, a := range c.args[1:] {
					vs.SchedFlags = append(vs.SchedFlags, a.text)
				}
			}
		case "lb_kind", "lvs_method":
			if m, ok := p.lvsMethod(c); ok {
				vs.LBKind = m
			}
		case "protocol":
			if s, ok := p.str(c); ok {
				switch strings.ToUpper(s) {
				case "TCP", "UDP", "SCTP":
					vs.Protocol = strings.ToUpper(s)
				default:
					p.d.errorf(CodeInvalidValue, c.args[0].pos(), kw, "unknown protocol %q (expected TCP, UDP or SCTP)", s)
				}
			}
		case "persistence_timeout":
			if len(c.args) == 0 {
				// keepalived.conf(5): no value means 360 seconds.
				vs.PersistenceTimeout = 360 * time.Second
			} else if v, ok := p.timer(c, 0, 2678400); ok {
				// 0 (seeds 001, 002) plainly means no persistence;
				// keepalived 2.2.7 rejects it with a range error.
				vs.PersistenceTimeout = v.Truncate(time.Second)
			}
		case "persistence_granularity":
			vs.PersistenceGranularity, _ = p.str(c)
		case "persistence_engine":
			vs.PersistenceEngine, _ = p.str(c)
		case "sorry_server":
			if a, ok := p.addrArg(c, 0); ok {
				var port uint16
				if len(c.args) > 1 {
					port, _ = p.portArg(c, 1)
				}
				vs.SorryServer = netip.AddrPortFrom(a, port)
			}
		case "sorry_server_inhibit":
			setBool(p, c, &vs.SorryServerInhibit)
		case "sorry_server_lvs_method":
			if m, ok := p.lvsMethod(c); ok {
				vs.SorryServerLVSMethod = m
			}
		case "quorum":
			setInt(p, c, &vs.Quorum, 1, 1<<31-1)
		case "hysteresis":
			setInt(p, c, &vs.Hysteresis, 0, 1<<31-1)
		case "quorum_up":
			vs.QuorumUp, _ = p.notify(c)
		case "quorum_down":
			vs.QuorumDown, _ = p.notify(c)
		case "alpha":
			setBool(p, c, &vs.Alpha)
		case "omega":
			setBool(p, c, &vs.Omega)
		case "inhibit_on_failure":
			setBool(p, c, &vs.InhibitOnFailure)
		case "ha_suspend":
			setBool(p, c, &vs.HASuspend)
		case "virtualhost":
			vs.Virtualhost, _ = p.str(c)
		case "smtp_alert":
			setBool(p, c, &vs.SMTPAlert)
			vs.smtpAlertSet = true
		case "ip_family":
			if s, ok := p.str(c); ok {
				if s != "inet" && s != "inet6" {
					p.d.errorf(CodeInvalidValue, c.args[0].pos(), kw, "expected inet or inet6, got %q", s)
				} else {
					vs.IPFamily = s
				}
			}
		case "nat_mask":
			// Obsolete (removed from keepalived, still in tutorials:
			// seed 002). keepalived 2.2.7: "Unknown keyword 'nat_mask'".
			p.d.warnf(CodeUnknownKeyword, c.pos(), kw, "Unknown keyword 'nat_mask' (obsolete, removed from keepalived; ignored)")
		case "real_server":
			if rs, ok := p.realServer(c); ok {
				vs.RealServers = append(vs.RealServers, rs)
			}
		case "ops", "hashed", "flag-1", "flag-2", "flag-3", "sh-port", "sh-fallback", "mh-port", "mh-fallback":
			vs.SchedFlags = append(vs.SchedFlags, kw)
		case "snmp_name":
			p.ignored(c)
			vs.Other = append(vs.Other, keep(c))
		default:
			if !p.timing(c, &vs.DelayLoop, &vs.ConnectTimeout, &vs.Retry, &vs.DelayBeforeRetry, &vs.Warmup) {
				p.unknown(c)
			}
		}
	}
	p.cfg.VirtualServers = append(p.cfg.VirtualServers, vs)
}

func validSched(s string) bool {
	switch s {
	case "rr", "wrr", "lc", "wlc", "lblc", "sh", "mh", "dh", "fo", "ovf", "lblcr", "sed", "nq", "twos":
		return true
	}
	return false
}

func (p *parser) lvsMethod(c *node) (string, bool) {
	if !p.need(c) {
		return "", false
	}
	m := strings.ToUpper(c.args[0].text)
	switch m {
	case "NAT", "DR", "TUN":
		return m, true
	case "PMTU", "MASQ":
		return "NAT", true
	}
	p.d.errorf(CodeInvalidValue, c.args[0].pos(), c.kw.text, "unknown forwarding method %q (expected NAT, DR or TUN)", c.args[0].text)
	return "", false
}

func (p *parser) realServer(n *node) (RealServer, bool) {
	rs := RealServer{Pos: n.pos(), Weight: 1, DelayLoop: unset, ConnectTimeout: unset, Retry: unset,
		DelayBeforeRetry: unset, Warmup: unset}
	a, ok := p.addrArg(n, 0)
	if !ok {
		return rs, false
	}
	rs.Addr = a
	if len(n.args) > 1 {
		if v, ok := p.portArg(n, 1); ok {
			rs.Port = v
		}
	}
	for _, c := range n.children {
		kw := c.kw.text
		switch kw {
		case "weight":
			setInt(p, c, &rs.Weight, 0, 65535)
		case "lvs_method":
			if m, ok := p.lvsMethod(c); ok {
				rs.LBKind = m
			}
		case "notify_up":
			rs.NotifyUp, _ = p.notify(c)
		case "notify_down":
			rs.NotifyDown, _ = p.notify(c)
		case "uthreshold":
			rs.UThreshold, _ = p.int(c, 0, 1<<31-1)
		case "lthreshold":
			rs.LThreshold, _ = p.int(c, 0, 1<<31-1)
		case "inhibit_on_failure":
			setBool(p, c, &rs.InhibitOnFailure)
			rs.inhibitSet = true
		case "alpha":
			setBool(p, c, &rs.Alpha)
			rs.alphaSet = true
		case "smtp_alert":
			setBool(p, c, &rs.SMTPAlert)
			rs.smtpAlertSet = true
		case "virtualhost":
			rs.Virtualhost, _ = p.str(c)
		case "HTTP_GET", "SSL_GET", "TCP_CHECK", "SMTP_CHECK", "MISC_CHECK", "DNS_CHECK", "UDP_CHECK",
			"PING_CHECK", "FILE_CHECK", "BFD_CHECK":
			if ck, ok := p.checker(c); ok {
				rs.Checkers = append(rs.Checkers, ck)
			}
		default:
			if !p.timing(c, &rs.DelayLoop, &rs.ConnectTimeout, &rs.Retry, &rs.DelayBeforeRetry, &rs.Warmup) {
				p.unknown(c)
			}
		}
	}
	return rs, true
}

func (p *parser) checker(n *node) (Checker, bool) {
	kind := n.kw.text
	ck := Checker{Pos: n.pos(), Kind: kind, ConnectTimeout: unset, Retry: unset, DelayBeforeRetry: unset,
		Warmup: unset, DelayLoop: unset}
	for _, c := range n.children {
		kw := c.kw.text
		if !checkerAccepts(kind, kw) {
			if !p.checkerSpecific(&ck, c) {
				p.unknown(c)
			}
			continue
		}
		switch kw {
		case "connect_ip":
			ck.ConnectIP, _ = p.addr(c)
		case "connect_port":
			if p.need(c) {
				ck.ConnectPort, _ = p.portArg(c, 0)
			}
		case "bindto":
			ck.BindTo, _ = p.addr(c)
		case "bind_if":
			ck.BindIf, _ = p.str(c)
		case "bind_port":
			if p.need(c) {
				ck.BindPort, _ = p.portArg(c, 0)
			}
		case "fwmark":
			if v, ok := p.int(c, 0, 1<<32-1); ok {
				ck.FWMark = uint32(v)
			}
		case "alpha":
			setBool(p, c, &ck.Alpha)
			ck.alphaSet = true
		case "log_all_failures":
			setBool(p, c, &ck.LogAllFailures)
		default:
			if !p.timing(c, &ck.DelayLoop, &ck.ConnectTimeout, &ck.Retry, &ck.DelayBeforeRetry, &ck.Warmup) &&
				!p.checkerSpecific(&ck, c) {
				p.unknown(c)
			}
		}
	}
	if (kind == "HTTP_GET" || kind == "SSL_GET") && len(ck.URLs) == 0 {
		p.d.warnf(CodeIgnored, n.pos(), kind, "HTTP/SSL_GET checker has no urls specified - ignoring")
		return ck, false
	}
	if kind == "MISC_CHECK" && ck.MiscPath == "" {
		p.d.warnf(CodeIgnored, n.pos(), kind, "MISC_CHECK with no misc_path - ignoring")
		return ck, false
	}
	return ck, true
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
			if v, ok := p.intArg(c, 0, -254, 254); ok {
				ck.Weight = v
			}
			if len(c.args) > 1 && c.args[1].text == "reverse" {
				ck.Reverse = true
			}
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

// deprecatedRetry warns about nb_get_retry, the old name of retry
// (keepalived 2.2.7: "nb_get_retry is deprecated - please use 'retry'";
// in TCP_CHECK 2.2.7 does not know it at all, we take its plain meaning).
// timing parses the check timings a virtual server, a real server and a
// checker each take (an inner level inherits what it leaves unset, see
// resolveTimings); false when c is none of them.
func (p *parser) timing(c *node, delayLoop, connectTimeout *time.Duration, retry *int, delayBeforeRetry, warmup *time.Duration) bool {
	switch c.kw.text {
	case "delay_loop":
		setTimer(p, c, delayLoop, 0.000001, 1<<31)
	case "connect_timeout":
		setTimer(p, c, connectTimeout, 0.000001, 1<<31)
	case "retry", "nb_get_retry":
		p.deprecatedRetry(c)
		setInt(p, c, retry, 0, 1<<31-1)
	case "delay_before_retry":
		setTimer(p, c, delayBeforeRetry, 0, 1<<31)
	case "warmup":
		setTimer(p, c, warmup, 0, 1<<31)
	default:
		return false
	}
	return true
}

func (p *parser) deprecatedRetry(c *node) {
	if c.kw.text == "nb_get_retry" {
		p.d.warnf(CodeDeprecated, c.pos(), c.kw.text, "nb_get_retry is deprecated - please use 'retry'")
	}
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

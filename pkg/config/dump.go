package config

import (
	"encoding/json"
	"fmt"
	"io"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// Dump writes the configuration in canonical keepalived syntax with every
// default spelled out. Parsing the output yields the same model (positions
// aside).
func Dump(w io.Writer, c *Config) error {
	d := &dumper{}
	d.config(c)
	_, err := io.WriteString(w, d.b.String())
	if err != nil {
		return fmt.Errorf("config: dump: %w", err)
	}
	return nil
}

// DumpJSON writes the model as indented JSON (durations in nanoseconds,
// addresses as strings).
func DumpJSON(w io.Writer, c *Config) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(c); err != nil {
		return fmt.Errorf("config: dump json: %w", err)
	}
	return nil
}

type dumper struct {
	b     strings.Builder
	depth int
	// g is the configuration's global_defs, for what an instance writes
	// only when it differs from the global value.
	g *GlobalDefs
}

// quote returns a word as keepalived reads it back: bare when it has no
// blank, brace, double quote or comment character, else between double
// quotes (keepalived 2.2.7 quoted strings are literal, so a double quote
// cannot be represented; the lexer never produces one inside a word).
func quote(s string) string {
	if s != "" && !strings.ContainsAny(s, " \t\"{}#!\v\f") && !strings.HasPrefix(s, "@") &&
		!strings.HasPrefix(s, "~") && !strings.HasPrefix(s, "$") && !strings.ContainsFunc(s, isUnicodeSpace) {
		return s
	}
	return `"` + strings.ReplaceAll(s, `"`, "") + `"`
}

func (d *dumper) line(words ...string) {
	d.b.WriteString(strings.Repeat("    ", d.depth))
	for i, w := range words {
		if i > 0 {
			d.b.WriteByte(' ')
		}
		d.b.WriteString(w)
	}
	d.b.WriteByte('\n')
}

func (d *dumper) open(words ...string) {
	d.line(append(words, "{")...)
	d.depth++
}

func (d *dumper) close() {
	d.depth--
	d.line("}")
}

func (d *dumper) kv(kw, v string) {
	if v != "" {
		d.line(kw, quote(v))
	}
}

func (d *dumper) flag(kw string, v bool) {
	if v {
		d.line(kw)
	}
}

func secs(t time.Duration) string {
	return strconv.FormatFloat(t.Seconds(), 'f', -1, 64)
}

func itoa(i int) string { return strconv.Itoa(i) }

func (d *dumper) dur(kw string, t time.Duration) { d.line(kw, secs(t)) }

func (d *dumper) nonZero(kw string, t time.Duration) {
	if t != 0 {
		d.dur(kw, t)
	}
}

func (d *dumper) addr(kw string, a netip.Addr) {
	if a.IsValid() {
		d.line(kw, a.String())
	}
}

func (d *dumper) notify(kw string, n Notify) {
	if n.Command == "" {
		return
	}
	user, group := scriptUser(n.User, n.Group, n.userInherited)
	if user == "" {
		d.line(kw, quote(n.Command))
		return
	}
	// Quoted, or the user would read as part of the command.
	w := []string{kw, `"` + n.Command + `"`, quote(user)}
	if group != "" {
		w = append(w, quote(group))
	}
	d.line(w...)
}

// scriptUser is the user and group a script line writes: none when they
// were inherited from script_user, which the dump's reader inherits again.
func scriptUser(user, group string, inherited bool) (string, string) {
	if inherited {
		return "", ""
	}
	return user, group
}

func (d *dumper) directives(ds []Directive) {
	for _, dv := range ds {
		w := []string{quote(dv.Keyword)}
		for _, a := range dv.Args {
			w = append(w, quote(a))
		}
		if dv.Block {
			d.open(w...)
			d.directives(dv.Children)
			d.close()
		} else {
			d.line(w...)
		}
	}
}

func (d *dumper) config(c *Config) {
	d.line("# gokeepalived canonical configuration: every default is spelled out.")
	d.g = &c.Global
	dumpBlock(d, topKeywords, c)
	d.directives(c.Other)
}

func (d *dumper) port(kw string, p uint16) {
	if p != 0 {
		d.line(kw, itoa(int(p)))
	}
}

func (d *dumper) words(ws []string) {
	q := make([]string, len(ws))
	for i, w := range ws {
		q[i] = quote(w)
	}
	d.line(q...)
}

func (d *dumper) weight(w int, reverse bool) {
	if reverse {
		d.line("weight", itoa(w), "reverse")
	} else {
		d.line("weight", itoa(w))
	}
}

func (d *dumper) global(g *GlobalDefs) {
	d.open("global_defs")
	dumpBlock(d, globalKeywords, g)
	d.directives(g.Other)
	d.close()
}

func (d *dumper) notificationEmail(g *GlobalDefs) {
	if len(g.NotificationEmail) > 0 {
		d.open("notification_email")
		for _, e := range g.NotificationEmail {
			d.line(quote(e))
		}
		d.close()
	}
}

func (d *dumper) smtpServer(g *GlobalDefs) {
	if g.SMTPServer != "" {
		d.line("smtp_server", quote(g.SMTPServer), itoa(int(g.SMTPPort)))
	}
}

func (d *dumper) dynamicInterfaces(g *GlobalDefs) {
	switch {
	case !g.DynamicInterfaces:
	case g.DynamicInterfacesChange:
		d.line("dynamic_interfaces", "allow_if_changes")
	default:
		d.line("dynamic_interfaces")
	}
}

func (d *dumper) lvsTimeouts(g *GlobalDefs) {
	if g.LVSTimeoutTCP != 0 || g.LVSTimeoutTCPFin != 0 || g.LVSTimeoutUDP != 0 {
		d.line("lvs_timeouts", "tcp", secs(g.LVSTimeoutTCP), "tcpfin", secs(g.LVSTimeoutTCPFin), "udp", secs(g.LVSTimeoutUDP))
	}
}

// kvOpt writes "kw v [opt]" (script_user USER [GROUP], a FIFO and its
// script), nothing when v is empty.
func (d *dumper) kvOpt(kw, v, opt string) {
	switch {
	case v == "":
	case opt == "":
		d.line(kw, quote(v))
	default:
		d.line(kw, quote(v), quote(opt))
	}
}

func (d *dumper) scripts(c *Config) {
	for i := range c.Scripts {
		d.open("vrrp_script", quote(c.Scripts[i].Name))
		dumpBlock(d, scriptKeywords, &c.Scripts[i])
		d.close()
	}
}

func (d *dumper) trackFiles(c *Config) {
	for i := range c.TrackFiles {
		d.open("track_file", quote(c.TrackFiles[i].Name))
		dumpBlock(d, trackFileKeywords, &c.TrackFiles[i])
		d.close()
	}
}

func (d *dumper) trackProcesses(c *Config) {
	for i := range c.TrackProcesses {
		d.open("vrrp_track_process", quote(c.TrackProcesses[i].Name))
		dumpBlock(d, processKeywords, &c.TrackProcesses[i])
		d.close()
	}
}

func (d *dumper) syncGroups(c *Config) {
	for i := range c.SyncGroups {
		d.open("vrrp_sync_group", quote(c.SyncGroups[i].Name))
		dumpBlock(d, syncGroupKeywords, &c.SyncGroups[i])
		d.close()
	}
}

func (d *dumper) tracks(kw string, refs []TrackRef) {
	if len(refs) == 0 {
		return
	}
	d.open(kw)
	for _, r := range refs {
		w := []string{quote(r.Name)}
		if r.WeightSet {
			w = append(w, "weight", itoa(r.Weight))
			if r.Reverse {
				w = append(w, "reverse")
			}
		}
		d.line(w...)
	}
	d.close()
}

// vipBlock, routeBlock and ruleBlock write a block of address, route or
// rule lines, or nothing when there are none.
func (d *dumper) vipBlock(kw string, vs []VIP) {
	if len(vs) == 0 {
		return
	}
	d.open(kw)
	for _, v := range vs {
		d.vip(v)
	}
	d.close()
}

func (d *dumper) routeBlock(kw string, rs []Route) {
	if len(rs) == 0 {
		return
	}
	d.open(kw)
	for _, r := range rs {
		d.words(r.Words)
	}
	d.close()
}

func (d *dumper) ruleBlock(kw string, rs []Rule) {
	if len(rs) == 0 {
		return
	}
	d.open(kw)
	for _, r := range rs {
		d.words(r.Words)
	}
	d.close()
}

func (d *dumper) vip(v VIP) {
	w := []string{v.Prefix.String()}
	if v.Brd != "" {
		w = append(w, "brd", v.Brd)
	}
	if v.Dev != "" {
		w = append(w, "dev", quote(v.Dev))
	}
	if v.Scope != "" {
		w = append(w, "scope", v.Scope)
	}
	if v.Label != "" {
		w = append(w, "label", quote(v.Label))
	}
	if v.Peer.IsValid() {
		w[0] = v.Prefix.Addr().String()
		w = append(w, "peer", v.Peer.String())
	}
	for _, f := range []struct {
		on bool
		kw string
	}{{v.Home, "home"}, {v.NoDAD, "-nodad"}, {v.MngTmpAddr, "mngtmpaddr"}, {v.NoPrefixRoute, "noprefixroute"},
		{v.AutoJoin, "autojoin"}, {v.NoTrack, "no_track"}, {v.UseVMAC, "use_vmac"}} {
		if f.on {
			w = append(w, f.kw)
		}
	}
	if v.PreferredLft != "" {
		w = append(w, "preferred_lft", quote(v.PreferredLft))
	}
	if v.TrackGroup != "" {
		w = append(w, "track_group", quote(v.TrackGroup))
	}
	d.line(w...)
}

func (d *dumper) instances(c *Config) {
	for i := range c.Instances {
		vi := &c.Instances[i]
		d.open("vrrp_instance", quote(vi.Name))
		dumpBlock(d, instanceKeywords, vi)
		d.directives(vi.Other)
		d.close()
	}
}

// mcastDst writes mcast_dst_ip when it is not the global group of the
// instance's family, which it is resolved to when not given.
func (d *dumper) mcastDst(vi *VRRPInstance) {
	group := d.g.VRRPMcastGroup4
	if vi.IPv6 {
		group = d.g.VRRPMcastGroup6
	}
	if vi.McastDstIP != group {
		d.addr("mcast_dst_ip", vi.McastDstIP)
	}
}

// checkUnicastSrc writes check_unicast_src unless it only repeats
// vrrp_check_unicast_src without unicast peers (a unicast keyword without
// peers makes keepalived warn).
func (d *dumper) checkUnicastSrc(vi *VRRPInstance) {
	if vi.CheckUnicastSrc && (len(vi.UnicastPeers) > 0 || !d.g.VRRPCheckUnicastSrc) {
		d.line("check_unicast_src")
	}
}

func (d *dumper) unicastPeers(vi *VRRPInstance) {
	if len(vi.UnicastPeers) == 0 {
		return
	}
	d.open("unicast_peer")
	for _, up := range vi.UnicastPeers {
		w := []string{up.Addr.String()}
		if up.MinTTL != 0 {
			w = append(w, "min_ttl", itoa(up.MinTTL))
		}
		if up.MaxTTL != 255 {
			w = append(w, "max_ttl", itoa(up.MaxTTL))
		}
		d.line(w...)
	}
	d.close()
}

func (d *dumper) auth(vi *VRRPInstance) {
	if vi.AuthType != AuthNone {
		d.open("authentication")
		d.line("auth_type", string(vi.AuthType))
		d.kv("auth_pass", vi.AuthPass)
		d.close()
	}
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

func (d *dumper) ssl(c *Config) {
	if c.SSL != nil {
		d.open("SSL")
		dumpBlock(d, sslKeywords, c.SSL)
		d.close()
	}
}

func (d *dumper) vsGroups(c *Config) {
	for _, g := range c.VirtualServerGroups {
		d.open("virtual_server_group", quote(g.Name))
		for _, a := range g.Addrs {
			if a.Port != 0 {
				d.line(a.Spec, itoa(int(a.Port)))
			} else {
				d.line(a.Spec)
			}
		}
		for _, m := range g.FWMarks {
			d.line("fwmark", strconv.FormatUint(uint64(m), 10))
		}
		d.close()
	}
}

func (d *dumper) virtualServers(c *Config) {
	for i := range c.VirtualServers {
		d.virtualServer(&c.VirtualServers[i])
	}
}

func (d *dumper) virtualServer(vs *VirtualServer) {
	switch {
	case vs.FWMark != 0:
		d.open("virtual_server", "fwmark", strconv.FormatUint(uint64(vs.FWMark), 10))
	case vs.Group != "":
		d.open("virtual_server", "group", quote(vs.Group))
	default:
		d.open("virtual_server", vs.Addr.String(), itoa(int(vs.Port)))
	}
	dumpBlock(d, vsKeywords, vs)
	d.directives(vs.Other)
	for i := range vs.RealServers {
		d.realServer(&vs.RealServers[i])
	}
	d.close()
}

func (d *dumper) realServer(rs *RealServer) {
	d.open("real_server", rs.Addr.String(), itoa(int(rs.Port)))
	dumpBlock(d, rsKeywords, rs)
	d.directives(rs.Other)
	for i := range rs.Checkers {
		d.checker(&rs.Checkers[i])
	}
	d.close()
}

func (d *dumper) checker(ck *Checker) {
	d.open(ck.Kind)
	switch ck.Kind {
	case "FILE_CHECK":
		d.kv("track_file", ck.TrackFile)
		d.weight(ck.Weight, ck.Reverse)
		d.close()
		return
	case "BFD_CHECK":
		d.kv("name", ck.BFDName)
		dumpNamed(d, checkerKeywords, ck, "alpha")
		d.close()
		return
	}
	if checkerAccepts(ck.Kind, "connect_ip") {
		dumpNamed(d, checkerKeywords, ck, "connect_ip", "connect_port", "bindto", "bind_if", "bind_port", "fwmark", "connect_timeout")
	}
	dumpNamed(d, checkerKeywords, ck, "retry", "delay_before_retry", "warmup", "delay_loop", "alpha", "log_all_failures")
	d.checkerRest(ck)
}

func (d *dumper) checkerRest(ck *Checker) {
	for _, u := range ck.URLs {
		d.open("url")
		d.kv("path", u.Path)
		d.kv("digest", u.Digest)
		if len(u.StatusCodes) > 0 {
			w := []string{"status_code"}
			for _, r := range u.StatusCodes {
				if r.Lo == r.Hi {
					w = append(w, itoa(r.Lo))
				} else {
					w = append(w, itoa(r.Lo)+"-"+itoa(r.Hi))
				}
			}
			d.line(w...)
		}
		d.kv("virtualhost", u.Virtualhost)
		d.kv("regex", u.Regex)
		d.flag("regex_no_match", u.RegexNoMatch)
		d.directives(u.Other)
		d.close()
	}
	d.kv("http_protocol", ck.HTTPProtocol)
	if ck.Kind == "HTTP_GET" || ck.Kind == "SSL_GET" {
		d.kv("virtualhost", ck.Virtualhost)
	}
	d.flag("fast_recovery", ck.FastRecovery)
	d.flag("enable_sni", ck.EnableSNI)
	if ck.MiscPath != "" {
		d.line("misc_path", quote(ck.MiscPath))
		d.dur("misc_timeout", ck.MiscTimeout)
	}
	d.flag("misc_dynamic", ck.MiscDynamic)
	user, group := scriptUser(ck.User, ck.Group, ck.userInherited)
	d.kvOpt("user", user, group)
	d.kv("helo_name", ck.HeloName)
	d.kv("type", ck.DNSType)
	d.kv("name", ck.DNSName)
	d.kv("payload", ck.Payload)
	if ck.RequireReply != "" && ck.RequireReply != "*" {
		d.line("require_reply", quote(ck.RequireReply))
	} else if ck.RequireReply == "*" {
		d.line("require_reply")
	}
	if ck.MinReplyLength != 0 {
		d.line("min_reply_length", itoa(ck.MinReplyLength))
	}
	if ck.MaxReplyLength != 0 {
		d.line("max_reply_length", itoa(ck.MaxReplyLength))
	}
	d.directives(ck.Other)
	d.close()
}

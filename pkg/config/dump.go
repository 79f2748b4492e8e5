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
	w := []string{kw, quote(n.Command)}
	if n.User != "" {
		w = append(w, quote(n.User))
		if n.Group != "" {
			w = append(w, quote(n.Group))
		}
	}
	d.line(w...)
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
	g := &c.Global
	if g.NetNamespace != "" {
		d.kv("net_namespace", g.NetNamespace)
	}
	if g.Instance != "" {
		d.kv("instance", g.Instance)
	}
	d.dur("child_wait_time", g.ChildWaitTime)
	d.global(g)
	d.vipBlock("static_ipaddress", c.StaticAddresses)
	d.routeBlock("static_routes", c.StaticRoutes)
	d.ruleBlock("static_rules", c.StaticRules)
	for _, s := range c.Scripts {
		d.script(s)
	}
	for _, t := range c.TrackFiles {
		d.open("track_file", quote(t.Name))
		d.kv("file", t.File)
		d.weight(t.Weight, t.Reverse)
		if t.InitFile {
			w := []string{"init_file", itoa(t.InitValue)}
			if t.InitOverwrite {
				w = append(w, "overwrite")
			}
			d.line(w...)
		}
		d.close()
	}
	for _, t := range c.TrackProcesses {
		d.open("vrrp_track_process", quote(t.Name))
		w := []string{"process", quote(t.Process)}
		for _, a := range t.Args {
			w = append(w, quote(a))
		}
		d.line(w...)
		d.kv("param_match", t.ParamMatch)
		d.weight(t.Weight, t.Reverse)
		d.line("quorum", itoa(t.Quorum))
		if t.QuorumMax > 0 {
			d.line("quorum_max", itoa(t.QuorumMax))
		}
		d.dur("delay", t.Delay)
		d.dur("fork_delay", t.ForkDelay)
		d.dur("terminate_delay", t.TerminateDelay)
		d.flag("full_command", t.FullCommand)
		d.close()
	}
	for _, s := range c.SyncGroups {
		d.syncGroup(s)
	}
	for i := range c.Instances {
		d.instance(&c.Instances[i], c.Global.VRRPCheckUnicastSrc)
	}
	if c.SSL != nil {
		d.open("SSL")
		d.kv("password", c.SSL.Password)
		d.kv("ca", c.SSL.CA)
		d.kv("certificate", c.SSL.Certificate)
		d.kv("key", c.SSL.Key)
		d.close()
	}
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
	for i := range c.VirtualServers {
		d.virtualServer(&c.VirtualServers[i])
	}
	d.directives(c.Other)
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
	d.kv("router_id", g.RouterID)
	if len(g.NotificationEmail) > 0 {
		d.open("notification_email")
		for _, e := range g.NotificationEmail {
			d.line(quote(e))
		}
		d.close()
	}
	d.kv("notification_email_from", g.NotificationEmailFrom)
	if g.SMTPServer != "" {
		d.line("smtp_server", quote(g.SMTPServer), itoa(int(g.SMTPPort)))
	}
	d.kv("smtp_helo_name", g.SMTPHeloName)
	d.dur("smtp_connect_timeout", g.SMTPConnectTimeout)
	d.flag("smtp_alert", g.SMTPAlert)
	d.flag("smtp_alert_vrrp", g.SMTPAlertVRRP)
	d.flag("smtp_alert_checker", g.SMTPAlertChecker)
	d.flag("no_email_faults", g.NoEmailFaults)
	d.flag("checker_log_all_failures", g.CheckerLogAllFailures)
	d.flag("enable_script_security", g.EnableScriptSecurity)
	d.kvOpt("script_user", g.ScriptUser, g.ScriptGroup)
	d.kv("default_interface", g.DefaultInterface)
	if g.DynamicInterfaces {
		if g.DynamicInterfacesChange {
			d.line("dynamic_interfaces", "allow_if_changes")
		} else {
			d.line("dynamic_interfaces")
		}
	}
	d.line("vrrp_version", itoa(g.VRRPVersion))
	d.addr("vrrp_mcast_group4", g.VRRPMcastGroup4)
	d.addr("vrrp_mcast_group6", g.VRRPMcastGroup6)
	d.flag("vrrp_skip_check_adv_addr", g.VRRPSkipCheckAdvAddr)
	d.flag("vrrp_strict", g.VRRPStrict)
	d.flag("vrrp_check_unicast_src", g.VRRPCheckUnicastSrc)
	d.flag("vrrp_lower_prio_no_advert", g.VRRPLowerPrioNoAdvert)
	d.flag("vrrp_higher_prio_send_advert", g.VRRPHigherPrioSendAdvert)
	d.line("vrrp_down_timer_adverts", itoa(g.VRRPDownTimerAdverts))
	// keepalived 2.2.7 rejects 0 for these three: 0 is the default.
	d.nonZero("vrrp_startup_delay", g.VRRPStartupDelay)
	d.nonZero("vrrp_garp_interval", g.VRRPGARPInterval)
	d.nonZero("vrrp_gna_interval", g.VRRPGNAInterval)
	if g.VRRPMinGARP {
		d.line("vrrp_min_garp")
	} else {
		d.dur("vrrp_garp_master_delay", g.VRRPGARPMasterDelay)
		d.line("vrrp_garp_master_repeat", itoa(g.VRRPGARPMasterRepeat))
		d.dur("vrrp_garp_lower_prio_delay", g.VRRPGARPLowerPrioDelay)
		d.line("vrrp_garp_lower_prio_repeat", itoa(g.VRRPGARPLowerPrioRepeat))
	}
	d.dur("vrrp_garp_master_refresh", g.VRRPGARPMasterRefresh)
	d.line("vrrp_garp_master_refresh_repeat", itoa(g.VRRPGARPMasterRefreshRepeat))
	d.kvOpt("vrrp_notify_fifo", g.VRRPNotifyFIFO, g.VRRPNotifyFIFOScript)
	d.kvOpt("notify_fifo", g.NotifyFIFO, g.NotifyFIFOScript)
	d.kvOpt("lvs_notify_fifo", g.LVSNotifyFIFO, g.LVSNotifyFIFOScript)
	d.flag("vrrp_notify_priority_changes", g.VRRPNotifyPriorityChanges)
	d.kv("startup_script", g.StartupScript)
	d.dur("startup_script_timeout", g.StartupScriptTimeout)
	d.kv("shutdown_script", g.ShutdownScript)
	d.dur("shutdown_script_timeout", g.ShutdownScriptTimeout)
	d.flag("lvs_flush", g.LVSFlush)
	d.flag("lvs_flush_on_stop", g.LVSFlushOnStop)
	if g.LVSTimeoutTCP != 0 || g.LVSTimeoutTCPFin != 0 || g.LVSTimeoutUDP != 0 {
		d.line("lvs_timeouts", "tcp", secs(g.LVSTimeoutTCP), "tcpfin", secs(g.LVSTimeoutTCPFin), "udp", secs(g.LVSTimeoutUDP))
	}
	if len(g.LVSSyncDaemon) > 0 {
		d.words(append([]string{"lvs_sync_daemon"}, g.LVSSyncDaemon...))
	}
	if g.MaxAutoPriority >= 0 {
		d.line("max_auto_priority", itoa(g.MaxAutoPriority))
	}
	d.directives(g.Other)
	d.close()
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

func (d *dumper) script(s VRRPScript) {
	d.open("vrrp_script", quote(s.Name))
	d.line("script", quote(s.Script))
	d.dur("interval", s.Interval)
	d.dur("timeout", s.Timeout)
	d.weight(s.Weight, s.Reverse)
	d.line("rise", itoa(s.Rise))
	d.line("fall", itoa(s.Fall))
	d.kvOpt("user", s.User, s.Group)
	d.flag("init_fail", s.InitFail)
	d.close()
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

func (d *dumper) syncGroup(g SyncGroup) {
	d.open("vrrp_sync_group", quote(g.Name))
	d.open("group")
	for _, m := range g.Group {
		d.line(quote(m))
	}
	d.close()
	d.tracks("track_interface", g.TrackInterfaces)
	d.tracks("track_script", g.TrackScripts)
	d.tracks("track_file", g.TrackFiles)
	d.tracks("track_process", g.TrackProcesses)
	d.tracks("track_bfd", g.TrackBFDs)
	d.notify("notify_master", g.NotifyMaster)
	d.notify("notify_backup", g.NotifyBackup)
	d.notify("notify_fault", g.NotifyFault)
	d.notify("notify_stop", g.NotifyStop)
	d.notify("notify", g.Notify)
	d.flag("smtp_alert", g.SMTPAlert)
	d.flag("notify_priority_changes", g.NotifyPriorityChanges)
	if g.GlobalTracking {
		d.line("global_tracking")
	} else {
		d.flag("sync_group_tracking_weight", g.TrackingWeight)
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

func (d *dumper) instance(vi *VRRPInstance, globalCheckUnicastSrc bool) {
	d.open("vrrp_instance", quote(vi.Name))
	d.line("state", vi.State)
	d.kv("interface", vi.Interface)
	d.line("virtual_router_id", itoa(vi.VRID))
	d.line("priority", itoa(vi.Priority))
	d.dur("advert_int", vi.AdvertInt)
	d.line("version", itoa(vi.Version))
	d.flag("nopreempt", vi.Nopreempt)
	d.dur("preempt_delay", vi.PreemptDelay)
	d.addr("mcast_src_ip", vi.McastSrcIP)
	d.addr("mcast_dst_ip", vi.McastDstIP)
	d.addr("unicast_src_ip", vi.UnicastSrcIP)
	if len(vi.UnicastPeers) > 0 {
		d.open("unicast_peer")
		for _, up := range vi.UnicastPeers {
			w := []string{up.Addr.String()}
			if up.MinTTL != 0 {
				w = append(w, "min_ttl", itoa(up.MinTTL))
			}
			if up.MaxTTL != 0 {
				w = append(w, "max_ttl", itoa(up.MaxTTL))
			}
			d.line(w...)
		}
		d.close()
	}
	if len(vi.UnicastPeers) > 0 {
		// keepalived: "Cannot use unicast_ttl without unicast peers".
		d.line("unicast_ttl", itoa(vi.UnicastTTL))
	}
	if vi.CheckUnicastSrc && (len(vi.UnicastPeers) > 0 || !globalCheckUnicastSrc) {
		// A unicast keyword without peers makes keepalived warn.
		d.line("check_unicast_src")
	}
	d.flag("unicast_fault_no_peer", vi.UnicastFaultNoPeer)
	if vi.AuthType != AuthNone {
		d.open("authentication")
		d.line("auth_type", string(vi.AuthType))
		d.kv("auth_pass", vi.AuthPass)
		d.close()
	}
	d.vipBlock("virtual_ipaddress", vi.VIPs)
	d.vipBlock("virtual_ipaddress_excluded", vi.EVIPs)
	d.routeBlock("virtual_routes", vi.VirtualRoutes)
	d.ruleBlock("virtual_rules", vi.VirtualRules)
	d.tracks("track_interface", vi.TrackInterfaces)
	d.tracks("track_script", vi.TrackScripts)
	d.tracks("track_file", vi.TrackFiles)
	d.tracks("track_process", vi.TrackProcesses)
	d.tracks("track_bfd", vi.TrackBFDs)
	d.flag("track_src_ip", vi.TrackSrcIP)
	d.flag("dont_track_primary", vi.DontTrackPrimary)
	d.notify("notify_master", vi.NotifyMaster)
	d.notify("notify_backup", vi.NotifyBackup)
	d.notify("notify_fault", vi.NotifyFault)
	d.notify("notify_stop", vi.NotifyStop)
	d.notify("notify_deleted", vi.NotifyDeleted)
	d.notify("notify_master_rx_lower_pri", vi.NotifyMasterRxLowerPri)
	d.notify("notify", vi.Notify)
	d.flag("notify_priority_changes", vi.NotifyPriorityChanges)
	d.line("smtp_alert", onOff(vi.SMTPAlert))
	d.dur("garp_master_delay", vi.GARPMasterDelay)
	d.line("garp_master_repeat", itoa(vi.GARPMasterRepeat))
	d.dur("garp_master_refresh", vi.GARPMasterRefresh)
	d.line("garp_master_refresh_repeat", itoa(vi.GARPMasterRefreshRepeat))
	d.dur("garp_lower_prio_delay", vi.GARPLowerPrioDelay)
	d.line("garp_lower_prio_repeat", itoa(vi.GARPLowerPrioRepeat))
	d.line("skip_check_adv_addr", onOff(vi.SkipCheckAdvAddr))
	d.line("strict_mode", onOff(vi.Strict))
	if vi.Accept {
		d.line("accept")
	} else {
		d.line("no_accept")
	}
	d.line("lower_prio_no_advert", onOff(vi.LowerPrioNoAdvert))
	d.line("higher_prio_send_advert", onOff(vi.HigherPrioSendAdvert))
	d.line("down_timer_adverts", itoa(vi.DownTimerAdverts))
	if vi.UseVMAC {
		if vi.VMACName != "" {
			d.line("use_vmac", quote(vi.VMACName))
		} else {
			d.line("use_vmac")
		}
	}
	d.flag("vmac_xmit_base", vi.VMACXmitBase)
	d.flag("promote_secondaries", vi.PromoteSecondaries)
	d.kv("lvs_sync_daemon_interface", vi.LVSSyncDaemonInterface)
	if vi.Debug != 0 {
		d.line("debug", itoa(vi.Debug))
	}
	d.directives(vi.Other)
	d.close()
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

func (d *dumper) timing(delayLoop, connect time.Duration, retry int, dbr, warmup time.Duration) {
	d.dur("delay_loop", delayLoop)
	d.dur("connect_timeout", connect)
	d.line("retry", itoa(retry))
	d.dur("delay_before_retry", dbr)
	d.dur("warmup", warmup)
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
	d.kv("ip_family", vs.IPFamily)
	d.kv("protocol", vs.Protocol)
	d.words(append([]string{"lb_algo", vs.LBAlgo}, vs.SchedFlags...))
	d.line("lb_kind", vs.LBKind)
	d.nonZero("persistence_timeout", vs.PersistenceTimeout)
	d.kv("persistence_granularity", vs.PersistenceGranularity)
	d.kv("persistence_engine", vs.PersistenceEngine)
	d.timing(vs.DelayLoop, vs.ConnectTimeout, vs.Retry, vs.DelayBeforeRetry, vs.Warmup)
	if vs.SorryServer.IsValid() {
		d.line("sorry_server", vs.SorryServer.Addr().String(), itoa(int(vs.SorryServer.Port())))
	}
	d.flag("sorry_server_inhibit", vs.SorryServerInhibit)
	d.kv("sorry_server_lvs_method", vs.SorryServerLVSMethod)
	d.line("quorum", itoa(vs.Quorum))
	d.line("hysteresis", itoa(vs.Hysteresis))
	d.notify("quorum_up", vs.QuorumUp)
	d.notify("quorum_down", vs.QuorumDown)
	d.flag("alpha", vs.Alpha)
	d.flag("omega", vs.Omega)
	d.flag("inhibit_on_failure", vs.InhibitOnFailure)
	d.flag("ha_suspend", vs.HASuspend)
	d.kv("virtualhost", vs.Virtualhost)
	d.line("smtp_alert", onOff(vs.SMTPAlert))
	d.directives(vs.Other)
	for i := range vs.RealServers {
		d.realServer(&vs.RealServers[i])
	}
	d.close()
}

func (d *dumper) realServer(rs *RealServer) {
	d.open("real_server", rs.Addr.String(), itoa(int(rs.Port)))
	d.line("weight", itoa(rs.Weight))
	d.kv("lvs_method", rs.LBKind)
	d.notify("notify_up", rs.NotifyUp)
	d.notify("notify_down", rs.NotifyDown)
	if rs.UThreshold != 0 {
		d.line("uthreshold", itoa(rs.UThreshold))
	}
	if rs.LThreshold != 0 {
		d.line("lthreshold", itoa(rs.LThreshold))
	}
	d.line("inhibit_on_failure", onOff(rs.InhibitOnFailure))
	d.line("alpha", onOff(rs.Alpha))
	d.line("smtp_alert", onOff(rs.SMTPAlert))
	d.kv("virtualhost", rs.Virtualhost)
	d.timing(rs.DelayLoop, rs.ConnectTimeout, rs.Retry, rs.DelayBeforeRetry, rs.Warmup)
	d.directives(rs.Other)
	for i := range rs.Checkers {
		d.checker(&rs.Checkers[i])
	}
	d.close()
}

func (d *dumper) checker(ck *Checker) {
	d.open(ck.Kind)
	if ck.Kind == "FILE_CHECK" {
		d.kv("track_file", ck.TrackFile)
		d.weight(ck.Weight, ck.Reverse)
		d.close()
		return
	}
	if ck.Kind == "BFD_CHECK" {
		d.kv("name", ck.BFDName)
		d.line("alpha", onOff(ck.Alpha))
		d.close()
		return
	}
	if checkerAccepts(ck.Kind, "connect_ip") {
		d.connOpts(ck)
	}
	d.line("retry", itoa(ck.Retry))
	d.dur("delay_before_retry", ck.DelayBeforeRetry)
	d.dur("warmup", ck.Warmup)
	d.dur("delay_loop", ck.DelayLoop)
	d.checkerRest(ck)
}

func (d *dumper) connOpts(ck *Checker) {
	d.addr("connect_ip", ck.ConnectIP)
	if ck.ConnectPort != 0 {
		d.line("connect_port", itoa(int(ck.ConnectPort)))
	}
	d.addr("bindto", ck.BindTo)
	d.kv("bind_if", ck.BindIf)
	if ck.BindPort != 0 {
		d.line("bind_port", itoa(int(ck.BindPort)))
	}
	if ck.FWMark != 0 {
		d.line("fwmark", strconv.FormatUint(uint64(ck.FWMark), 10))
	}
	d.dur("connect_timeout", ck.ConnectTimeout)
}

func (d *dumper) checkerRest(ck *Checker) {
	d.line("alpha", onOff(ck.Alpha))
	d.flag("log_all_failures", ck.LogAllFailures)
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
	d.kvOpt("user", ck.User, ck.Group)
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

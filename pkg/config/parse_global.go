package config

import (
	"net/netip"
	"time"
)

// topKeywords is the top level of keepalived.conf: three plain keywords
// keepalived 2.2.7 takes only there (not inside global_defs), then the
// blocks, in the order -d writes them.
var topKeywords = newTable("top level", func(c *Config) *[]Directive { return &c.Other },
	[]string{"bfd_instance", "garp_group", "track_group", "linkbeat_interfaces", "net_namespace_ipvs",
		"namespace_with_ipsets", "use_pid_dir", "linkbeat_use_polling"},
	strKw("net_namespace", func(c *Config) *string { return &c.Global.NetNamespace }),
	strKw("instance", func(c *Config) *string { return &c.Global.Instance }),
	timerKw("child_wait_time", 0, 1<<31, func(c *Config) *time.Duration { return &c.Global.ChildWaitTime }).or(5*time.Second),
	compoundKw("global_defs", (*parser).globalDefs, func(d *dumper, c *Config) { d.global(&c.Global) }),
	compoundKw("static_ipaddress", func(p *parser, n *node, c *Config) bool {
		c.StaticAddresses = append(c.StaticAddresses, p.vipBlock(n)...)
		return true
	}, func(d *dumper, c *Config) { d.vipBlock("static_ipaddress", c.StaticAddresses) }),
	compoundKw("static_routes", func(p *parser, n *node, c *Config) bool {
		c.StaticRoutes = append(c.StaticRoutes, p.routeBlock(n)...)
		return true
	}, func(d *dumper, c *Config) { d.routeBlock("static_routes", c.StaticRoutes) }),
	compoundKw("static_rules", func(p *parser, n *node, c *Config) bool {
		c.StaticRules = append(c.StaticRules, p.ruleBlock(n)...)
		return true
	}, func(d *dumper, c *Config) { d.ruleBlock("static_rules", c.StaticRules) }),
	compoundKw("vrrp_script", (*parser).vrrpScript, (*dumper).scripts),
	compoundKw("track_file", (*parser).trackFileDef, (*dumper).trackFiles),
	aliasKw[Config]("vrrp_track_file", "track_file"),
	compoundKw("vrrp_track_process", (*parser).trackProcessDef, (*dumper).trackProcesses),
	compoundKw("vrrp_sync_group", (*parser).syncGroup, (*dumper).syncGroups),
	compoundKw("vrrp_instance", (*parser).instance, (*dumper).instances),
	compoundKw("SSL", (*parser).ssl, (*dumper).ssl),
	compoundKw("virtual_server_group", (*parser).vsGroup, (*dumper).vsGroups),
	compoundKw("virtual_server", (*parser).virtualServer, (*dumper).virtualServers),
)

// globalAccepted are the global_defs keywords keepalived 2.2.7 knows that
// gokeepalived accepts, keeps and ignores (process tuning, SNMP, DBus,
// nftables, ...).
var globalAccepted = []string{"no_checker_emails", "vrrp_garp_extra_if", "vrrp_iptables", "nftables",
	"nftables_priority", "nftables_counters", "nftables_ifindex", "nftables_ipvs", "nftables_ipvs_priority",
	"nftables_ipvs_start_fwmark", "disable_local_igmp", "vrrp_priority", "vrrp_rt_priority", "vrrp_no_swap",
	"vrrp_cpu_affinity", "vrrp_rlimit_rttime", "checker_priority", "checker_rt_priority", "checker_no_swap",
	"checker_cpu_affinity", "checker_rlimit_rttime", "bfd_priority", "bfd_rt_priority", "bfd_no_swap",
	"bfd_cpu_affinity", "bfd_rlimit_rttime", "min_auto_priority_delay", "vrrp_netlink_cmd_rcv_bufs",
	"vrrp_netlink_cmd_rcv_bufs_force", "vrrp_netlink_monitor_rcv_bufs", "vrrp_netlink_monitor_rcv_bufs_force",
	"lvs_netlink_cmd_rcv_bufs", "lvs_netlink_cmd_rcv_bufs_force", "lvs_netlink_monitor_rcv_bufs",
	"lvs_netlink_monitor_rcv_bufs_force", "process_monitor_rcv_bufs", "process_monitor_rcv_bufs_force",
	"vrrp_rx_bufs_policy", "vrrp_rx_bufs_multiplier", "snmp_socket", "enable_snmp_vrrp", "enable_snmp_keepalived",
	"enable_snmp_checker", "enable_snmp_rfc", "enable_snmp_rfcv2", "enable_snmp_rfcv3", "enable_traps",
	"enable_dbus", "dbus_service_name", "reload_check_config", "reload_time_file", "reload_repeat", "reload_file",
	"config_save_dir", "tmp_config_directory", "include_check", "process_names", "process_name",
	"vrrp_process_name", "checker_process_name", "bfd_process_name", "umask", "random_seed", "data_use_instance",
	"vmac_prefix", "vmac_addr_prefix", "log_unknown_vrids", "rs_init_notifies", "fifo_write_vrrp_states_on_reload"}

// notMinGARP: vrrp_min_garp replaces the four GARP burst keywords.
func notMinGARP(g *GlobalDefs) bool { return !g.VRRPMinGARP }

// globalKeywords is global_defs { } with keepalived 2.2.7's defaults
// (global_data.c init_global_data / set_vrrp_defaults).
var globalKeywords = newTable("global_defs", func(g *GlobalDefs) *[]Directive { return &g.Other }, globalAccepted,
	strKw("router_id", func(g *GlobalDefs) *string { return &g.RouterID }),
	compoundKw("notification_email", (*parser).notificationEmail, (*dumper).notificationEmail),
	strKw("notification_email_from", func(g *GlobalDefs) *string { return &g.NotificationEmailFrom }),
	compoundKw("smtp_server", (*parser).smtpServer, (*dumper).smtpServer).withDefault(func(g *GlobalDefs) any { return &g.SMTPPort }, uint16(25)),
	strKw("smtp_helo_name", func(g *GlobalDefs) *string { return &g.SMTPHeloName }),
	timerKw("smtp_connect_timeout", 1, 1<<31, func(g *GlobalDefs) *time.Duration { return &g.SMTPConnectTimeout }).or(30*time.Second),
	boolKw("smtp_alert", func(g *GlobalDefs) *bool { return &g.SMTPAlert }),
	boolKw("smtp_alert_vrrp", func(g *GlobalDefs) *bool { return &g.SMTPAlertVRRP }),
	boolKw("smtp_alert_checker", func(g *GlobalDefs) *bool { return &g.SMTPAlertChecker }),
	boolKw("no_email_faults", func(g *GlobalDefs) *bool { return &g.NoEmailFaults }),
	boolKw("checker_log_all_failures", func(g *GlobalDefs) *bool { return &g.CheckerLogAllFailures }),
	boolKw("enable_script_security", func(g *GlobalDefs) *bool { return &g.EnableScriptSecurity }),
	compoundKw("script_user", func(p *parser, n *node, g *GlobalDefs) bool {
		return p.userGroup(n, &g.ScriptUser, &g.ScriptGroup)
	}, func(d *dumper, g *GlobalDefs) { d.kvOpt("script_user", g.ScriptUser, g.ScriptGroup) }),
	strKw("default_interface", func(g *GlobalDefs) *string { return &g.DefaultInterface }).or("eth0"),
	compoundKw("dynamic_interfaces", (*parser).dynamicInterfaces, (*dumper).dynamicInterfaces),
	intKw("vrrp_version", 2, 3, func(g *GlobalDefs) *int { return &g.VRRPVersion }).or(2),
	addrKw("vrrp_mcast_group4", func(g *GlobalDefs) *netip.Addr { return &g.VRRPMcastGroup4 }).
		mustBe(func(a netip.Addr) bool { return a.Is4() && a.IsMulticast() }, "an IPv4 multicast address").
		or(netip.AddrFrom4([4]byte{224, 0, 0, 18})), // RFC 5798 §5.1.1.2
	addrKw("vrrp_mcast_group6", func(g *GlobalDefs) *netip.Addr { return &g.VRRPMcastGroup6 }).
		mustBe(func(a netip.Addr) bool { return a.Is6() && a.IsMulticast() }, "an IPv6 multicast address").
		or(netip.AddrFrom16([16]byte{0: 0xff, 1: 0x02, 15: 0x12})), // RFC 5798 §5.1.2.2
	boolKw("vrrp_skip_check_adv_addr", func(g *GlobalDefs) *bool { return &g.VRRPSkipCheckAdvAddr }),
	boolKw("vrrp_strict", func(g *GlobalDefs) *bool { return &g.VRRPStrict }),
	boolKw("vrrp_check_unicast_src", func(g *GlobalDefs) *bool { return &g.VRRPCheckUnicastSrc }),
	boolKw("vrrp_lower_prio_no_advert", func(g *GlobalDefs) *bool { return &g.VRRPLowerPrioNoAdvert }),
	boolKw("vrrp_higher_prio_send_advert", func(g *GlobalDefs) *bool { return &g.VRRPHigherPrioSendAdvert }),
	// RFC 5798 §6.1: Master_Down_Interval is 3 × Master_Adver_Interval.
	intKw("vrrp_down_timer_adverts", 1, 100, func(g *GlobalDefs) *int { return &g.VRRPDownTimerAdverts }).or(3),
	// keepalived 2.2.7 rejects 0 for the next three: 0 is the default,
	// so the dump leaves it out.
	timerKw("vrrp_startup_delay", 0, 3600, func(g *GlobalDefs) *time.Duration { return &g.VRRPStartupDelay }).dumped(dumpNonZero),
	// keepalived 2.2.7 rejects 0 ("outside range"); 0 plainly means no
	// spacing, which is also the default (seed 002).
	timerKw("vrrp_garp_interval", 0, 1, func(g *GlobalDefs) *time.Duration { return &g.VRRPGARPInterval }).dumped(dumpNonZero),
	timerKw("vrrp_gna_interval", 0, 1, func(g *GlobalDefs) *time.Duration { return &g.VRRPGNAInterval }).dumped(dumpNonZero),
	boolKw("vrrp_min_garp", func(g *GlobalDefs) *bool { return &g.VRRPMinGARP }),
	timerKw("vrrp_garp_master_delay", 0, 255, func(g *GlobalDefs) *time.Duration { return &g.VRRPGARPMasterDelay }).
		or(5*time.Second).dumpIf(notMinGARP),
	intKw("vrrp_garp_master_repeat", 1, 255, func(g *GlobalDefs) *int { return &g.VRRPGARPMasterRepeat }).
		or(5).dumpIf(notMinGARP),
	// The two lower-priority settings default to the master ones (finish).
	timerKw("vrrp_garp_lower_prio_delay", 0, 255, func(g *GlobalDefs) *time.Duration { return &g.VRRPGARPLowerPrioDelay }).
		dumpIf(notMinGARP),
	intKw("vrrp_garp_lower_prio_repeat", 0, 255, func(g *GlobalDefs) *int { return &g.VRRPGARPLowerPrioRepeat }).
		dumpIf(notMinGARP),
	timerKw("vrrp_garp_master_refresh", 0, 1<<31, func(g *GlobalDefs) *time.Duration { return &g.VRRPGARPMasterRefresh }),
	intKw("vrrp_garp_master_refresh_repeat", 1, 255, func(g *GlobalDefs) *int { return &g.VRRPGARPMasterRefreshRepeat }).or(1),
	compoundKw("vrrp_notify_fifo", func(p *parser, n *node, g *GlobalDefs) bool {
		return p.fifo(n, &g.VRRPNotifyFIFO, &g.VRRPNotifyFIFOScript)
	}, func(d *dumper, g *GlobalDefs) { d.kvOpt("vrrp_notify_fifo", g.VRRPNotifyFIFO, g.VRRPNotifyFIFOScript) }),
	compoundKw("vrrp_notify_fifo_script", func(p *parser, n *node, g *GlobalDefs) bool {
		g.VRRPNotifyFIFOScript = restString(n, 0)
		return true
	}, nil),
	compoundKw("notify_fifo", func(p *parser, n *node, g *GlobalDefs) bool {
		return p.fifo(n, &g.NotifyFIFO, &g.NotifyFIFOScript)
	}, func(d *dumper, g *GlobalDefs) { d.kvOpt("notify_fifo", g.NotifyFIFO, g.NotifyFIFOScript) }),
	compoundKw("notify_fifo_script", func(p *parser, n *node, g *GlobalDefs) bool {
		g.NotifyFIFOScript = restString(n, 0)
		return true
	}, nil),
	compoundKw("lvs_notify_fifo", func(p *parser, n *node, g *GlobalDefs) bool {
		return p.fifo(n, &g.LVSNotifyFIFO, &g.LVSNotifyFIFOScript)
	}, func(d *dumper, g *GlobalDefs) { d.kvOpt("lvs_notify_fifo", g.LVSNotifyFIFO, g.LVSNotifyFIFOScript) }),
	compoundKw("lvs_notify_fifo_script", func(p *parser, n *node, g *GlobalDefs) bool {
		g.LVSNotifyFIFOScript = restString(n, 0)
		return true
	}, nil),
	boolKw("vrrp_notify_priority_changes", func(g *GlobalDefs) *bool { return &g.VRRPNotifyPriorityChanges }),
	compoundKw("startup_script", func(p *parser, n *node, g *GlobalDefs) bool {
		g.StartupScript = restString(n, 0)
		return true
	}, func(d *dumper, g *GlobalDefs) { d.kv("startup_script", g.StartupScript) }),
	timerKw("startup_script_timeout", 1, 1000, func(g *GlobalDefs) *time.Duration { return &g.StartupScriptTimeout }).or(10*time.Second),
	compoundKw("shutdown_script", func(p *parser, n *node, g *GlobalDefs) bool {
		g.ShutdownScript = restString(n, 0)
		return true
	}, func(d *dumper, g *GlobalDefs) { d.kv("shutdown_script", g.ShutdownScript) }),
	timerKw("shutdown_script_timeout", 1, 1000, func(g *GlobalDefs) *time.Duration { return &g.ShutdownScriptTimeout }).or(10*time.Second),
	boolKw("lvs_flush", func(g *GlobalDefs) *bool { return &g.LVSFlush }),
	flagKw("lvs_flush_on_stop", func(g *GlobalDefs) *bool { return &g.LVSFlushOnStop }),
	compoundKw("lvs_timeouts", (*parser).lvsTimeouts, (*dumper).lvsTimeouts),
	compoundKw("lvs_sync_daemon", func(p *parser, n *node, g *GlobalDefs) bool {
		if !p.need(n) {
			return false
		}
		g.LVSSyncDaemon = argTexts(n)
		// keepalived 2.2.7 starts the kernel's IPVS sync daemon for the
		// MASTER of the named instance (ipvswrapper.c ipvs_syncd_cmd);
		// gokeepalived does not (the moby/ipvs backend has no daemon
		// commands).
		p.d.warnf(CodeNotImplemented, n.pos(), n.kw.text,
			"'lvs_sync_daemon' is not supported by gokeepalived: no IPVS connection synchronisation daemon is started")
		return true
	}, func(d *dumper, g *GlobalDefs) {
		if len(g.LVSSyncDaemon) > 0 {
			d.words(append([]string{"lvs_sync_daemon"}, g.LVSSyncDaemon...))
		}
	}),
	// max_auto_priority [N]: -1 is "not set", no value is 99.
	compoundKw("max_auto_priority", (*parser).maxAutoPriority, func(d *dumper, g *GlobalDefs) {
		if g.MaxAutoPriority >= 0 {
			d.line("max_auto_priority", itoa(g.MaxAutoPriority))
		}
	}).withDefault(func(g *GlobalDefs) any { return &g.MaxAutoPriority }, -1),
)

func (p *parser) globalDefs(n *node, c *Config) bool {
	if !p.needBlock(n) {
		return false
	}
	if c.Global.Pos.Line == 0 {
		c.Global.Pos = n.pos()
	}
	parseBlock(p, globalKeywords, n.children, &c.Global, &c.Global.set, nil)
	return true
}

func (p *parser) notificationEmail(n *node, g *GlobalDefs) bool {
	if n.block && len(n.args) > 0 {
		p.d.warnf(CodeExtraText, n.args[0].pos(), n.kw.text, "text %q before the block ignored", restString(n, 0))
	} else {
		g.NotificationEmail = append(g.NotificationEmail, argTexts(n)...)
	}
	for _, c := range n.children {
		g.NotificationEmail = append(g.NotificationEmail, c.kw.text)
		g.NotificationEmail = append(g.NotificationEmail, argTexts(c)...)
	}
	return true
}

func (p *parser) smtpServer(n *node, g *GlobalDefs) bool {
	if !p.need(n) {
		return false
	}
	g.SMTPServer = n.args[0].text
	if _, err := netip.ParseAddr(g.SMTPServer); err != nil {
		p.d.warnf(CodeInvalidValue, n.args[0].pos(), n.kw.text, "Invalid smtp server %s: keepalived 2.2.7 takes an IP address; the name is kept for the daemon to resolve", g.SMTPServer)
	}
	if len(n.args) > 1 {
		if v, ok := p.portArg(n, 1); ok {
			g.SMTPPort = v
		}
	}
	return true
}

func (p *parser) dynamicInterfaces(n *node, g *GlobalDefs) bool {
	g.DynamicInterfaces = true
	if len(n.args) > 0 && n.args[0].text == "allow_if_changes" {
		g.DynamicInterfacesChange = true
	}
	return true
}

func (p *parser) maxAutoPriority(n *node, g *GlobalDefs) bool {
	if len(n.args) == 0 {
		g.MaxAutoPriority = 99
		return true
	}
	v, ok := p.int(n, -1, 99)
	if ok {
		g.MaxAutoPriority = v
	}
	return ok
}

// userGroup reads USER [GROUP] (script_user, a vrrp_script's or a
// MISC_CHECK's user).
func (p *parser) userGroup(n *node, user, group *string) bool {
	if !p.need(n) {
		return false
	}
	*user = n.args[0].text
	if len(n.args) > 1 {
		*group = n.args[1].text
	}
	return true
}

func (p *parser) fifo(n *node, path, script *string) bool {
	if !p.need(n) {
		return false
	}
	*path = n.args[0].text
	if len(n.args) > 1 {
		*script = restString(n, 1)
	}
	return true
}

func (p *parser) lvsTimeouts(n *node, g *GlobalDefs) bool {
	for i := 0; i < len(n.args); i += 2 {
		var dst *time.Duration
		switch n.args[i].text {
		case "tcp":
			dst = &g.LVSTimeoutTCP
		case "tcpfin":
			dst = &g.LVSTimeoutTCPFin
		case "udp":
			dst = &g.LVSTimeoutUDP
		default:
			p.d.errorf(CodeUnknownOption, n.args[i].pos(), n.kw.text, "unknown timeout %q (expected tcp, tcpfin or udp)", n.args[i].text)
			continue
		}
		if v, ok := p.timerArg(n, i+1, 0, 86400*365); ok {
			*dst = v
		}
	}
	return true
}

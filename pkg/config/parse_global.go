package config

import (
	"net/netip"
	"time"
)

// defaultGlobal is global_defs with keepalived 2.2.7's defaults
// (global_data.c init_global_data / set_vrrp_defaults).
func defaultGlobal() GlobalDefs {
	return GlobalDefs{
		SMTPPort:                    25,
		SMTPConnectTimeout:          30 * time.Second,
		DefaultInterface:            "eth0",
		VRRPVersion:                 2,
		VRRPMcastGroup4:             netip.MustParseAddr("224.0.0.18"),
		VRRPMcastGroup6:             netip.MustParseAddr("ff02::12"),
		VRRPDownTimerAdverts:        3,
		VRRPGARPMasterDelay:         5 * time.Second,
		VRRPGARPMasterRepeat:        5,
		VRRPGARPMasterRefreshRepeat: 1,
		VRRPGARPLowerPrioDelay:      -1,
		VRRPGARPLowerPrioRepeat:     -1,
		StartupScriptTimeout:        10 * time.Second,
		ShutdownScriptTimeout:       10 * time.Second,
		MaxAutoPriority:             -1,
		ChildWaitTime:               5 * time.Second,
	}
}

func isGlobalAccepted(kw string) bool {
	switch kw {
	case "no_checker_emails", "vrrp_garp_extra_if", "vrrp_iptables", "nftables", "nftables_priority", "nftables_counters", "nftables_ifindex", "nftables_ipvs", "nftables_ipvs_priority", "nftables_ipvs_start_fwmark", "disable_local_igmp", "vrrp_priority", "vrrp_rt_priority", "vrrp_no_swap", "vrrp_cpu_affinity", "vrrp_rlimit_rttime", "checker_priority", "checker_rt_priority", "checker_no_swap", "checker_cpu_affinity", "checker_rlimit_rttime", "bfd_priority", "bfd_rt_priority", "bfd_no_swap", "bfd_cpu_affinity", "bfd_rlimit_rttime", "min_auto_priority_delay", "vrrp_netlink_cmd_rcv_bufs", "vrrp_netlink_cmd_rcv_bufs_force", "vrrp_netlink_monitor_rcv_bufs", "vrrp_netlink_monitor_rcv_bufs_force", "lvs_netlink_cmd_rcv_bufs", "lvs_netlink_cmd_rcv_bufs_force", "lvs_netlink_monitor_rcv_bufs", "lvs_netlink_monitor_rcv_bufs_force", "process_monitor_rcv_bufs", "process_monitor_rcv_bufs_force", "vrrp_rx_bufs_policy", "vrrp_rx_bufs_multiplier", "snmp_socket", "enable_snmp_vrrp", "enable_snmp_keepalived", "enable_snmp_checker", "enable_snmp_rfc", "enable_snmp_rfcv2", "enable_snmp_rfcv3", "enable_traps", "enable_dbus", "dbus_service_name", "reload_check_config", "reload_time_file", "reload_repeat", "reload_file", "config_save_dir", "tmp_config_directory", "include_check", "process_names", "process_name", "vrrp_process_name", "checker_process_name", "bfd_process_name", "umask", "random_seed", "data_use_instance", "vmac_prefix", "vmac_addr_prefix", "log_unknown_vrids", "rs_init_notifies", "fifo_write_vrrp_states_on_reload":
		return true
	}
	return false
}

func (p *parser) globalDefs(nodes []*node) {
	g := &p.cfg.Global
	for _, n := range nodes {
		switch kw := n.kw.text; kw {
		case "router_id":
			setStr(p, n, &g.RouterID)
		case "notification_email":
			if n.block && len(n.args) > 0 {
				p.d.warnf(CodeExtraText, n.args[0].pos(), kw, "text %q before the block ignored", restString(n, 0))
			} else {
				for _, a := range n.args {
					g.NotificationEmail = append(g.NotificationEmail, a.text)
				}
			}
			for _, c := range n.children {
				g.NotificationEmail = append(g.NotificationEmail, c.kw.text)
				for _, a := range c.args {
					g.NotificationEmail = append(g.NotificationEmail, a.text)
				}
			}
		case "notification_email_from":
			setStr(p, n, &g.NotificationEmailFrom)
		case "smtp_server":
			if p.need(n) {
				g.SMTPServer = n.args[0].text
				if _, err := netip.ParseAddr(g.SMTPServer); err != nil {
					p.d.warnf(CodeInvalidValue, n.args[0].pos(), kw, "Invalid smtp server %s: keepalived 2.2.7 takes an IP address; the name is kept for the daemon to resolve", g.SMTPServer)
				}
				if len(n.args) > 1 {
					if v, ok := p.portArg(n, 1); ok {
						g.SMTPPort = v
					}
				}
			}
		case "smtp_helo_name":
			setStr(p, n, &g.SMTPHeloName)
		case "smtp_connect_timeout":
			setTimer(p, n, &g.SMTPConnectTimeout, 1, 1<<31)
		case "smtp_alert":
			setBool(p, n, &g.SMTPAlert)
			g.smtpAlertSet = true
		case "smtp_alert_vrrp":
			setBool(p, n, &g.SMTPAlertVRRP)
		case "smtp_alert_checker":
			setBool(p, n, &g.SMTPAlertChecker)
			g.smtpAlertCheckerSet = true
		case "no_email_faults":
			setBool(p, n, &g.NoEmailFaults)
		case "checker_log_all_failures":
			setBool(p, n, &g.CheckerLogAllFailures)
		case "enable_script_security":
			setBool(p, n, &g.EnableScriptSecurity)
		case "script_user":
			if p.need(n) {
				g.ScriptUser = n.args[0].text
				if len(n.args) > 1 {
					g.ScriptGroup = n.args[1].text
				}
			}
		case "default_interface":
			setStr(p, n, &g.DefaultInterface)
		case "dynamic_interfaces":
			g.DynamicInterfaces = true
			if len(n.args) > 0 && n.args[0].text == "allow_if_changes" {
				g.DynamicInterfacesChange = true
			}
		case "vrrp_version":
			setInt(p, n, &g.VRRPVersion, 2, 3)
		case "vrrp_mcast_group4":
			if a, ok := p.addr(n); ok {
				if !a.Is4() || !a.IsMulticast() {
					p.d.errorf(CodeInvalidValue, n.args[0].pos(), kw, "%s is not an IPv4 multicast address", a)
				} else {
					g.VRRPMcastGroup4 = a
				}
			}
		case "vrrp_mcast_group6":
			if a, ok := p.addr(n); ok {
				if !a.Is6() || !a.IsMulticast() {
					p.d.errorf(CodeInvalidValue, n.args[0].pos(), kw, "%s is not an IPv6 multicast address", a)
				} else {
					g.VRRPMcastGroup6 = a
				}
			}
		case "vrrp_skip_check_adv_addr":
			setBool(p, n, &g.VRRPSkipCheckAdvAddr)
		case "vrrp_strict":
			setBool(p, n, &g.VRRPStrict)
		case "vrrp_check_unicast_src":
			setBool(p, n, &g.VRRPCheckUnicastSrc)
		case "vrrp_lower_prio_no_advert":
			setBool(p, n, &g.VRRPLowerPrioNoAdvert)
		case "vrrp_higher_prio_send_advert":
			setBool(p, n, &g.VRRPHigherPrioSendAdvert)
		case "vrrp_down_timer_adverts":
			setInt(p, n, &g.VRRPDownTimerAdverts, 1, 100)
		case "vrrp_startup_delay":
			setTimer(p, n, &g.VRRPStartupDelay, 0, 3600)
		case "vrrp_garp_interval":
			// keepalived 2.2.7 rejects 0 ("outside range"); 0 plainly
			// means no spacing, which is also the default (seed 002).
			setTimer(p, n, &g.VRRPGARPInterval, 0, 1)
		case "vrrp_gna_interval":
			setTimer(p, n, &g.VRRPGNAInterval, 0, 1)
		case "vrrp_garp_master_delay":
			setTimer(p, n, &g.VRRPGARPMasterDelay, 0, 255)
		case "vrrp_garp_master_repeat":
			setInt(p, n, &g.VRRPGARPMasterRepeat, 1, 255)
		case "vrrp_garp_master_refresh":
			setTimer(p, n, &g.VRRPGARPMasterRefresh, 0, 1<<31)
		case "vrrp_garp_master_refresh_repeat":
			setInt(p, n, &g.VRRPGARPMasterRefreshRepeat, 1, 255)
		case "vrrp_garp_lower_prio_delay":
			setTimer(p, n, &g.VRRPGARPLowerPrioDelay, 0, 255)
		case "vrrp_garp_lower_prio_repeat":
			setInt(p, n, &g.VRRPGARPLowerPrioRepeat, 0, 255)
		case "vrrp_min_garp":
			setBool(p, n, &g.VRRPMinGARP)
		case "vrrp_notify_fifo":
			p.fifo(n, &g.VRRPNotifyFIFO, &g.VRRPNotifyFIFOScript)
		case "vrrp_notify_fifo_script":
			g.VRRPNotifyFIFOScript = restString(n, 0)
		case "notify_fifo":
			p.fifo(n, &g.NotifyFIFO, &g.NotifyFIFOScript)
		case "notify_fifo_script":
			g.NotifyFIFOScript = restString(n, 0)
		case "lvs_notify_fifo":
			p.fifo(n, &g.LVSNotifyFIFO, &g.LVSNotifyFIFOScript)
		case "lvs_notify_fifo_script":
			g.LVSNotifyFIFOScript = restString(n, 0)
		case "vrrp_notify_priority_changes":
			setBool(p, n, &g.VRRPNotifyPriorityChanges)
		case "startup_script":
			g.StartupScript = restString(n, 0)
		case "startup_script_timeout":
			setTimer(p, n, &g.StartupScriptTimeout, 1, 1000)
		case "shutdown_script":
			g.ShutdownScript = restString(n, 0)
		case "shutdown_script_timeout":
			setTimer(p, n, &g.ShutdownScriptTimeout, 1, 1000)
		case "lvs_flush":
			setBool(p, n, &g.LVSFlush)
		case "lvs_flush_on_stop":
			g.LVSFlushOnStop = true
		case "lvs_timeouts":
			p.lvsTimeouts(n)
		case "lvs_sync_daemon":
			if p.need(n) {
				g.LVSSyncDaemon = nil
				for _, a := range n.args {
					g.LVSSyncDaemon = append(g.LVSSyncDaemon, a.text)
				}
			}
		case "max_auto_priority":
			if len(n.args) == 0 {
				g.MaxAutoPriority = 99
			} else if v, ok := p.int(n, -1, 99); ok {
				g.MaxAutoPriority = v
			}
		default:
			if isGlobalAccepted(kw) {
				p.ignored(n)
				g.Other = append(g.Other, keep(n))
				continue
			}
			p.unknown(n)
		}
	}
}

func (p *parser) fifo(n *node, path, script *string) {
	if !p.need(n) {
		return
	}
	*path = n.args[0].text
	if len(n.args) > 1 {
		*script = restString(n, 1)
	}
}

func (p *parser) lvsTimeouts(n *node) {
	g := &p.cfg.Global
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
}

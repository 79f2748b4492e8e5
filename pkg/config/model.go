package config

import (
	"net/netip"
	"time"
)

// Config is one keepalived.conf with its includes, with keepalived 2.2.7's
// defaults filled in. Lists keep the order of the file.
type Config struct {
	// Files are the files read, the main file first, then includes in the
	// order they were read.
	Files []string `json:"files"`

	Global GlobalDefs `json:"global"`

	// StaticAddresses is static_ipaddress { }: addresses set at start and
	// never moved by VRRP (same line syntax as virtual_ipaddress).
	StaticAddresses []VIP `json:"static_addresses,omitempty"`
	// StaticRoutes is static_routes { }.
	StaticRoutes []Route `json:"static_routes,omitempty"`
	// StaticRules is static_rules { }.
	StaticRules []Rule `json:"static_rules,omitempty"`

	// Scripts is every vrrp_script NAME { }.
	Scripts []VRRPScript `json:"scripts,omitempty"`
	// TrackFiles is every track_file NAME { } (and the old vrrp_track_file).
	TrackFiles []TrackFileDef `json:"track_files,omitempty"`
	// TrackProcesses is every vrrp_track_process NAME { }.
	TrackProcesses []TrackProcessDef `json:"track_processes,omitempty"`
	// SyncGroups is every vrrp_sync_group NAME { }.
	SyncGroups []SyncGroup `json:"sync_groups,omitempty"`
	// Instances is every vrrp_instance NAME { }.
	Instances []VRRPInstance `json:"instances,omitempty"`

	// VirtualServerGroups is every virtual_server_group NAME { }.
	VirtualServerGroups []VirtualServerGroup `json:"virtual_server_groups,omitempty"`
	// VirtualServers is every virtual_server { }. Two blocks for the same
	// address, protocol and port are merged into the first (warning).
	VirtualServers []VirtualServer `json:"virtual_servers,omitempty"`
	// SSL is the SSL { } block used by SSL_GET checkers (nil if absent).
	SSL *SSLConfig `json:"ssl,omitempty"`

	// Other holds the top-level blocks and keywords that are accepted and
	// kept but not modelled (bfd_instance, garp_group, track_group,
	// net_namespace, ...), so that Dump writes them back.
	Other []Directive `json:"other,omitempty"`
}

// Directive is a keyword kept verbatim: its words and, for a block, its
// children. Used for accepted keywords the model does not interpret.
type Directive struct {
	Pos      Pos         `json:"-"`
	Keyword  string      `json:"keyword"`
	Args     []string    `json:"args,omitempty"`
	Block    bool        `json:"block,omitempty"`
	Children []Directive `json:"children,omitempty"`
}

// GlobalDefs is global_defs { } plus the top-level global keywords.
type GlobalDefs struct {
	Pos Pos `json:"-"`

	// RouterID is router_id; default: the short host name (left empty here:
	// the daemon fills it in, the parser does no I/O).
	RouterID string `json:"router_id,omitempty"`
	// NotificationEmail is notification_email { addr... }.
	NotificationEmail []string `json:"notification_email,omitempty"`
	// NotificationEmailFrom is notification_email_from; default
	// keepalived@<local host name> (filled by the daemon).
	NotificationEmailFrom string `json:"notification_email_from,omitempty"`
	// SMTPServer is smtp_server ADDR|NAME [PORT]; SMTPPort defaults to 25.
	SMTPServer string `json:"smtp_server,omitempty"`
	SMTPPort   uint16 `json:"smtp_port"`
	// SMTPHeloName is smtp_helo_name; default: local host name.
	SMTPHeloName string `json:"smtp_helo_name,omitempty"`
	// SMTPConnectTimeout is smtp_connect_timeout; default 30s.
	SMTPConnectTimeout time.Duration `json:"smtp_connect_timeout"`
	// SMTPAlert, SMTPAlertVRRP, SMTPAlertChecker: smtp_alert,
	// smtp_alert_vrrp, smtp_alert_checker; default off.
	SMTPAlert        bool `json:"smtp_alert,omitempty"`
	SMTPAlertVRRP    bool `json:"smtp_alert_vrrp,omitempty"`
	SMTPAlertChecker bool `json:"smtp_alert_checker,omitempty"`
	// NoEmailFaults is no_email_faults.
	NoEmailFaults bool `json:"no_email_faults,omitempty"`
	// CheckerLogAllFailures is checker_log_all_failures.
	CheckerLogAllFailures bool `json:"checker_log_all_failures,omitempty"`

	// EnableScriptSecurity is enable_script_security; default off.
	EnableScriptSecurity bool `json:"enable_script_security,omitempty"`
	// ScriptUser / ScriptGroup are script_user USER [GROUP]; default
	// keepalived_script if that user exists, else root (daemon decides).
	ScriptUser  string `json:"script_user,omitempty"`
	ScriptGroup string `json:"script_group,omitempty"`

	// DefaultInterface is default_interface; default eth0.
	DefaultInterface string `json:"default_interface"`
	// DynamicInterfaces is dynamic_interfaces [allow_if_changes].
	DynamicInterfaces       bool `json:"dynamic_interfaces,omitempty"`
	DynamicInterfacesChange bool `json:"dynamic_interfaces_allow_if_changes,omitempty"`

	// VRRPVersion is vrrp_version 2|3; default 2.
	VRRPVersion int `json:"vrrp_version"`
	// VRRPMcastGroup4 is vrrp_mcast_group4; default 224.0.0.18.
	VRRPMcastGroup4 netip.Addr `json:"vrrp_mcast_group4"`
	// VRRPMcastGroup6 is vrrp_mcast_group6; default ff02::12.
	VRRPMcastGroup6 netip.Addr `json:"vrrp_mcast_group6"`
	// VRRPSkipCheckAdvAddr is vrrp_skip_check_adv_addr; default off.
	VRRPSkipCheckAdvAddr bool `json:"vrrp_skip_check_adv_addr,omitempty"`
	// VRRPStrict is vrrp_strict; default off.
	VRRPStrict bool `json:"vrrp_strict,omitempty"`
	// VRRPCheckUnicastSrc is vrrp_check_unicast_src.
	VRRPCheckUnicastSrc bool `json:"vrrp_check_unicast_src,omitempty"`
	// VRRPLowerPrioNoAdvert is vrrp_lower_prio_no_advert [BOOL].
	VRRPLowerPrioNoAdvert bool `json:"vrrp_lower_prio_no_advert,omitempty"`
	// VRRPHigherPrioSendAdvert is vrrp_higher_prio_send_advert [BOOL].
	VRRPHigherPrioSendAdvert bool `json:"vrrp_higher_prio_send_advert,omitempty"`
	// VRRPDownTimerAdverts is vrrp_down_timer_adverts 1..100; default 3.
	VRRPDownTimerAdverts int `json:"vrrp_down_timer_adverts"`
	// VRRPStartupDelay is vrrp_startup_delay; default 0.
	VRRPStartupDelay time.Duration `json:"vrrp_startup_delay,omitempty"`

	// VRRPGARPInterval is vrrp_garp_interval; default 0 (no spacing).
	// keepalived 2.2.7 rejects 0; we accept it with its plain meaning.
	VRRPGARPInterval time.Duration `json:"vrrp_garp_interval"`
	// VRRPGNAInterval is vrrp_gna_interval; default 0 (as above).
	VRRPGNAInterval time.Duration `json:"vrrp_gna_interval"`
	// VRRPGARPMasterDelay is vrrp_garp_master_delay; default 5s.
	VRRPGARPMasterDelay time.Duration `json:"vrrp_garp_master_delay"`
	// VRRPGARPMasterRepeat is vrrp_garp_master_repeat; default 5.
	VRRPGARPMasterRepeat int `json:"vrrp_garp_master_repeat"`
	// VRRPGARPMasterRefresh is vrrp_garp_master_refresh; default 0 (off).
	VRRPGARPMasterRefresh time.Duration `json:"vrrp_garp_master_refresh"`
	// VRRPGARPMasterRefreshRepeat is vrrp_garp_master_refresh_repeat; default 1.
	VRRPGARPMasterRefreshRepeat int `json:"vrrp_garp_master_refresh_repeat"`
	// VRRPGARPLowerPrioDelay is vrrp_garp_lower_prio_delay; default = master delay.
	VRRPGARPLowerPrioDelay time.Duration `json:"vrrp_garp_lower_prio_delay"`
	// VRRPGARPLowerPrioRepeat is vrrp_garp_lower_prio_repeat; default = master repeat.
	VRRPGARPLowerPrioRepeat int `json:"vrrp_garp_lower_prio_repeat"`
	// VRRPMinGARP is vrrp_min_garp: repeat 1, no second burst.
	VRRPMinGARP bool `json:"vrrp_min_garp,omitempty"`

	// VRRPNotifyFIFO, NotifyFIFO, LVSNotifyFIFO are the *_notify_fifo
	// paths, with their optional *_script.
	VRRPNotifyFIFO       string `json:"vrrp_notify_fifo,omitempty"`
	VRRPNotifyFIFOScript string `json:"vrrp_notify_fifo_script,omitempty"`
	NotifyFIFO           string `json:"notify_fifo,omitempty"`
	NotifyFIFOScript     string `json:"notify_fifo_script,omitempty"`
	LVSNotifyFIFO        string `json:"lvs_notify_fifo,omitempty"`
	LVSNotifyFIFOScript  string `json:"lvs_notify_fifo_script,omitempty"`
	// VRRPNotifyPriorityChanges is vrrp_notify_priority_changes.
	VRRPNotifyPriorityChanges bool `json:"vrrp_notify_priority_changes,omitempty"`

	// StartupScript / ShutdownScript and their timeouts (default 10s).
	StartupScript         string        `json:"startup_script,omitempty"`
	StartupScriptTimeout  time.Duration `json:"startup_script_timeout"`
	ShutdownScript        string        `json:"shutdown_script,omitempty"`
	ShutdownScriptTimeout time.Duration `json:"shutdown_script_timeout"`

	// LVSFlush is lvs_flush; LVSFlushOnStop is lvs_flush_on_stop.
	LVSFlush       bool `json:"lvs_flush,omitempty"`
	LVSFlushOnStop bool `json:"lvs_flush_on_stop,omitempty"`
	// LVSTimeouts is lvs_timeouts [tcp N] [tcpfin N] [udp N] (0 = unchanged).
	LVSTimeoutTCP    time.Duration `json:"lvs_timeout_tcp,omitempty"`
	LVSTimeoutTCPFin time.Duration `json:"lvs_timeout_tcpfin,omitempty"`
	LVSTimeoutUDP    time.Duration `json:"lvs_timeout_udp,omitempty"`
	// LVSSyncDaemon is lvs_sync_daemon IF [inst VI] ... kept as words.
	LVSSyncDaemon []string `json:"lvs_sync_daemon,omitempty"`

	// MaxAutoPriority is max_auto_priority [N] (-1: not set).
	MaxAutoPriority int `json:"max_auto_priority"`
	// ChildWaitTime is the top-level child_wait_time; default 5s.
	ChildWaitTime time.Duration `json:"child_wait_time"`
	// NetNamespace is the top-level net_namespace.
	NetNamespace string `json:"net_namespace,omitempty"`
	// Instance is the top-level instance NAME.
	Instance string `json:"instance,omitempty"`

	// Other keeps the accepted global keywords the model does not
	// interpret (tuning, SNMP, DBus, nftables ...), for Dump.
	Other []Directive `json:"other,omitempty"`

	// set records the global_defs keywords given (globalKeywords rows).
	set keySet
}

// Notify is a notify script: the command line (one quoted string or the
// remaining words) and the user/group it runs as: the line's, else
// global_defs' script_user (empty without one: the daemon's default).
type Notify struct {
	Command string `json:"command"`
	User    string `json:"user,omitempty"`
	Group   string `json:"group,omitempty"`

	userInherited bool // User/Group are script_user's (Dump leaves them out)
}

// TrackRef is one entry of track_script / track_interface / track_file /
// track_process / track_bfd: NAME [weight W [reverse|noreverse]].
type TrackRef struct {
	Pos  Pos    `json:"-"`
	Name string `json:"name"`
	// Weight is the weight given on the line, or the tracked object's
	// default weight when WeightSet is false (vrrp_script weight, etc.;
	// 0 for interfaces).
	Weight int `json:"weight"`
	// WeightSet is true when the line had "weight W".
	WeightSet bool `json:"weight_set,omitempty"`
	// Reverse is "reverse" (or the tracked object's reverse when the line
	// gives no weight).
	Reverse bool `json:"reverse,omitempty"`
}

// VRRPScript is vrrp_script NAME { }.
type VRRPScript struct {
	Pos  Pos    `json:"-"`
	Name string `json:"name"`
	// Script is script "PATH ARGS" (the command line, unquoted).
	Script string `json:"script"`
	// Interval is interval; default 1s (2.2.7: whole seconds).
	Interval time.Duration `json:"interval"`
	// Timeout is timeout; default = Interval.
	Timeout time.Duration `json:"timeout"`
	// Weight is weight -253..253; default 0 (failure → FAULT).
	Weight int `json:"weight"`
	// Reverse is the "reverse" flag after weight.
	Reverse bool `json:"reverse,omitempty"`
	// Rise and Fall are rise / fall; default 1 each.
	Rise int `json:"rise"`
	Fall int `json:"fall"`
	// User / Group are user USER [GROUP]; resolved: global_defs'
	// script_user when not given (empty without one: the daemon's default).
	User  string `json:"user,omitempty"`
	Group string `json:"group,omitempty"`
	// InitFail is init_fail: start in the failed state.
	InitFail bool `json:"init_fail,omitempty"`

	set           keySet // scriptKeywords rows given
	userInherited bool   // User/Group are script_user's (Dump leaves them out)
}

// TrackFileDef is track_file NAME { file PATH; weight W [reverse]; init_file [VALUE] [overwrite] }.
type TrackFileDef struct {
	Pos     Pos    `json:"-"`
	Name    string `json:"name"`
	File    string `json:"file"`
	Weight  int    `json:"weight"` // default 1
	Reverse bool   `json:"reverse,omitempty"`
	// InitFile is init_file: create the file if missing; InitValue is the
	// value written (default 0); InitOverwrite is "overwrite".
	InitFile      bool `json:"init_file,omitempty"`
	InitValue     int  `json:"init_value,omitempty"`
	InitOverwrite bool `json:"init_overwrite,omitempty"`
}

// TrackProcessDef is vrrp_track_process NAME { }.
type TrackProcessDef struct {
	Pos Pos `json:"-"`
	// Name is the block name.
	Name string `json:"name"`
	// Process is process NAME; Args the optional arguments matched.
	Process string   `json:"process"`
	Args    []string `json:"args,omitempty"`
	// ParamMatch is param_match initial|partial ("" = exact).
	ParamMatch string `json:"param_match,omitempty"`
	// Weight is weight -254..254; default 0.
	Weight  int  `json:"weight"`
	Reverse bool `json:"reverse,omitempty"`
	// Quorum is quorum; default 1. QuorumMax is quorum_max; 0 = none.
	Quorum    int `json:"quorum"`
	QuorumMax int `json:"quorum_max,omitempty"`
	// Delay, ForkDelay, TerminateDelay: delay / fork_delay / terminate_delay.
	Delay          time.Duration `json:"delay,omitempty"`
	ForkDelay      time.Duration `json:"fork_delay,omitempty"`
	TerminateDelay time.Duration `json:"terminate_delay,omitempty"`
	// FullCommand is full_command (match on the command line, not comm).
	FullCommand bool `json:"full_command,omitempty"`

	set keySet // processKeywords rows given
}

// SyncGroup is vrrp_sync_group NAME { group { ... } ... }.
type SyncGroup struct {
	Pos  Pos    `json:"-"`
	Name string `json:"name"`
	// Group is group { VI_1 VI_2 }: instance names.
	Group []string `json:"group"`

	TrackInterfaces []TrackRef `json:"track_interface,omitempty"`
	TrackScripts    []TrackRef `json:"track_script,omitempty"`
	TrackFiles      []TrackRef `json:"track_file,omitempty"`
	TrackProcesses  []TrackRef `json:"track_process,omitempty"`
	TrackBFDs       []TrackRef `json:"track_bfd,omitempty"`

	NotifyMaster Notify `json:"notify_master,omitzero"`
	NotifyBackup Notify `json:"notify_backup,omitzero"`
	NotifyFault  Notify `json:"notify_fault,omitzero"`
	NotifyStop   Notify `json:"notify_stop,omitzero"`
	Notify       Notify `json:"notify,omitzero"`

	SMTPAlert             bool `json:"smtp_alert,omitempty"`
	NotifyPriorityChanges bool `json:"notify_priority_changes,omitempty"`
	// TrackingWeight is sync_group_tracking_weight: without it members
	// ignore non-zero tracker weights.
	TrackingWeight bool `json:"sync_group_tracking_weight,omitempty"`
	// GlobalTracking is the deprecated global_tracking.
	GlobalTracking bool `json:"global_tracking,omitempty"`

	set keySet // syncGroupKeywords rows given
}

// VIP is one line of virtual_ipaddress, virtual_ipaddress_excluded or
// static_ipaddress:
//
//	ADDR[/LEN] [brd ADDR|+|-] [dev IF] [scope S] [label L] [peer ADDR]
//	[home] [-nodad] [mngtmpaddr] [noprefixroute] [autojoin] [no_track]
//	[preferred_lft N|forever] [use_vmac] [track_group G]
type VIP struct {
	Pos Pos `json:"-"`
	// Prefix is the address with its length (default /32 or /128).
	Prefix netip.Prefix `json:"prefix"`
	// Brd is brd: an address, "+" or "-" ("" when not given).
	Brd string `json:"brd,omitempty"`
	// Dev is dev; default: the instance's interface (filled in).
	Dev string `json:"dev,omitempty"`
	// Scope is scope site|link|host|nowhere|global or a number; "" = global.
	Scope string `json:"scope,omitempty"`
	// Label is label. keepalived 2.2.7 does not require it to start with
	// Dev (only iproute2 does); -t warns when it does not.
	Label string `json:"label,omitempty"`
	// Peer is peer ADDR (point-to-point; keepalived 2.2.7 takes no
	// prefix length on either side then).
	Peer          netip.Addr `json:"peer,omitzero"`
	Home          bool       `json:"home,omitempty"`
	NoDAD         bool       `json:"nodad,omitempty"`
	MngTmpAddr    bool       `json:"mngtmpaddr,omitempty"`
	NoPrefixRoute bool       `json:"noprefixroute,omitempty"`
	AutoJoin      bool       `json:"autojoin,omitempty"`
	// NoTrack is no_track: external deletion does not make MASTER leave.
	NoTrack bool `json:"no_track,omitempty"`
	// PreferredLft is preferred_lft N|forever ("" when not given).
	PreferredLft string `json:"preferred_lft,omitempty"`
	UseVMAC      bool   `json:"use_vmac,omitempty"`
	TrackGroup   string `json:"track_group,omitempty"`
}

// Route is one line of virtual_routes / static_routes, in `ip route`
// syntax. Words are kept; the frequently needed parts are decoded.
type Route struct {
	Pos   Pos      `json:"-"`
	Words []string `json:"words"`
	// Dst is the destination (the word after "to", or the first address).
	Dst netip.Prefix `json:"dst,omitzero"`
	// Src, Via, Dev are src / via|gw / dev when present.
	Src     netip.Addr `json:"src,omitzero"`
	Via     netip.Addr `json:"via,omitzero"`
	Dev     string     `json:"dev,omitempty"`
	NoTrack bool       `json:"no_track,omitempty"`
}

// Rule is one line of virtual_rules / static_rules in `ip rule` syntax.
type Rule struct {
	Pos     Pos      `json:"-"`
	Words   []string `json:"words"`
	NoTrack bool     `json:"no_track,omitempty"`
}

// UnicastPeer is one line of unicast_peer { ADDR [min_ttl N] [max_ttl N] }.
type UnicastPeer struct {
	Pos    Pos        `json:"-"`
	Addr   netip.Addr `json:"addr"`
	MinTTL int        `json:"min_ttl,omitempty"` // default 0
	MaxTTL int        `json:"max_ttl"`           // default 255

}

// AuthType is authentication { auth_type }.
type AuthType string

// Authentication types (VRRPv2 only).
const (
	AuthNone AuthType = ""
	AuthPass AuthType = "PASS"
	AuthAH   AuthType = "AH"
)

// VRRPInstance is vrrp_instance NAME { }.
type VRRPInstance struct {
	Pos  Pos    `json:"-"`
	Name string `json:"name"`

	// State is state MASTER|BACKUP: the wanted initial state only. When
	// absent it is derived from the priority (255 → MASTER, else BACKUP).
	State string `json:"state"`
	// Interface is interface; may be empty for unicast with unicast_src_ip.
	Interface string `json:"interface,omitempty"`
	// VRID is virtual_router_id 1..255 (required).
	VRID int `json:"virtual_router_id"`
	// Priority is priority 1..255; default 100, or 255 when state MASTER
	// is given without a priority.
	Priority int `json:"priority"`
	// AdvertInt is advert_int; default 1s. Version 2: whole seconds
	// (rounded, at least 1s); version 3: centiseconds, 0.01..40.95s.
	AdvertInt time.Duration `json:"advert_int"`
	// Version is version 2|3; default vrrp_version (2), 3 for IPv6.
	Version int `json:"version"`
	// IPv6 is true when the VIPs are IPv6 (the instance family).
	IPv6 bool `json:"ipv6,omitempty"`

	// Nopreempt is nopreempt (cleared, with a warning, when state MASTER).
	Nopreempt bool `json:"nopreempt,omitempty"`
	// PreemptDelay is preempt_delay 0..1000s; default 0.
	PreemptDelay time.Duration `json:"preempt_delay,omitempty"`

	// McastSrcIP is mcast_src_ip; default: the interface's primary address.
	McastSrcIP netip.Addr `json:"mcast_src_ip,omitzero"`
	// McastDstIP is mcast_dst_ip, where multicast adverts go; resolved:
	// vrrp_mcast_group4 or vrrp_mcast_group6 (by the instance's family)
	// when not given. Unicast instances send to UnicastPeers instead.
	McastDstIP netip.Addr `json:"mcast_dst_ip,omitzero"`
	// UnicastSrcIP is unicast_src_ip.
	UnicastSrcIP netip.Addr `json:"unicast_src_ip,omitzero"`
	// UnicastPeers is unicast_peer { }. Non-empty means unicast mode.
	UnicastPeers []UnicastPeer `json:"unicast_peer,omitempty"`
	// UnicastTTL is unicast_ttl: the TTL / hop limit of unicast adverts.
	// Default 255 for IPv4; for IPv6, 0 when not given: keepalived sets no
	// IPV6_HOPLIMIT and the kernel's default hop limit applies
	// (vrrp.c vrrp_complete_instance, vrrp_build_ancillary_data).
	UnicastTTL int `json:"unicast_ttl"`
	// CheckUnicastSrc is check_unicast_src (or vrrp_check_unicast_src).
	CheckUnicastSrc bool `json:"check_unicast_src,omitempty"`
	// UnicastFaultNoPeer is unicast_fault_no_peer.
	UnicastFaultNoPeer bool `json:"unicast_fault_no_peer,omitempty"`

	// AuthType and AuthPass are authentication { auth_type; auth_pass }.
	// AuthPass is kept whole; the wire uses its first 8 bytes.
	AuthType AuthType `json:"auth_type,omitempty"`
	AuthPass string   `json:"auth_pass,omitempty"`

	// VIPs is virtual_ipaddress { }: carried in adverts.
	VIPs []VIP `json:"virtual_ipaddress,omitempty"`
	// EVIPs is virtual_ipaddress_excluded { }: set with the VIPs, not advertised.
	EVIPs []VIP `json:"virtual_ipaddress_excluded,omitempty"`
	// VirtualRoutes is virtual_routes { } and VirtualRules virtual_rules { }.
	VirtualRoutes []Route `json:"virtual_routes,omitempty"`
	VirtualRules  []Rule  `json:"virtual_rules,omitempty"`

	// Trackers. A line without weight takes the tracked object's weight.
	TrackInterfaces []TrackRef `json:"track_interface,omitempty"`
	TrackScripts    []TrackRef `json:"track_script,omitempty"`
	TrackFiles      []TrackRef `json:"track_file,omitempty"`
	TrackProcesses  []TrackRef `json:"track_process,omitempty"`
	TrackBFDs       []TrackRef `json:"track_bfd,omitempty"`
	// TrackSrcIP is track_src_ip.
	TrackSrcIP bool `json:"track_src_ip,omitempty"`
	// DontTrackPrimary is dont_track_primary.
	DontTrackPrimary bool `json:"dont_track_primary,omitempty"`

	// Notify scripts: notify_master, notify_backup, notify_fault,
	// notify_stop, notify_deleted, notify_master_rx_lower_pri, notify.
	NotifyMaster           Notify `json:"notify_master,omitzero"`
	NotifyBackup           Notify `json:"notify_backup,omitzero"`
	NotifyFault            Notify `json:"notify_fault,omitzero"`
	NotifyStop             Notify `json:"notify_stop,omitzero"`
	NotifyDeleted          Notify `json:"notify_deleted,omitzero"`
	NotifyMasterRxLowerPri Notify `json:"notify_master_rx_lower_pri,omitzero"`
	Notify                 Notify `json:"notify,omitzero"`
	// NotifyPriorityChanges is notify_priority_changes.
	NotifyPriorityChanges bool `json:"notify_priority_changes,omitempty"`
	// SMTPAlert is smtp_alert; default smtp_alert_vrrp / smtp_alert.
	SMTPAlert bool `json:"smtp_alert,omitempty"`

	// GARP: garp_master_delay (default vrrp_garp_master_delay, 5s),
	// garp_master_repeat (5), garp_master_refresh (0 = off),
	// garp_master_refresh_repeat (1), garp_lower_prio_delay (= master
	// delay), garp_lower_prio_repeat (= master repeat). GARPInterval and
	// GNAInterval are the global vrrp_garp_interval / vrrp_gna_interval
	// (keepalived 2.2.7 has no per-instance keyword for them).
	GARPMasterDelay         time.Duration `json:"garp_master_delay"`
	GARPMasterRepeat        int           `json:"garp_master_repeat"`
	GARPMasterRefresh       time.Duration `json:"garp_master_refresh"`
	GARPMasterRefreshRepeat int           `json:"garp_master_refresh_repeat"`
	GARPLowerPrioDelay      time.Duration `json:"garp_lower_prio_delay"`
	GARPLowerPrioRepeat     int           `json:"garp_lower_prio_repeat"`
	GARPInterval            time.Duration `json:"garp_interval"`
	GNAInterval             time.Duration `json:"gna_interval"`

	// SkipCheckAdvAddr is skip_check_adv_addr; default vrrp_skip_check_adv_addr.
	SkipCheckAdvAddr bool `json:"skip_check_adv_addr,omitempty"`
	// Strict is strict_mode; default vrrp_strict.
	Strict bool `json:"strict_mode,omitempty"`
	// Accept is RFC 5798 Accept_Mode: accept / no_accept; default true
	// unless strict (then only for the address owner).
	Accept bool `json:"accept"`
	// LowerPrioNoAdvert is lower_prio_no_advert; default vrrp_lower_prio_no_advert.
	LowerPrioNoAdvert bool `json:"lower_prio_no_advert,omitempty"`
	// HigherPrioSendAdvert is higher_prio_send_advert; default vrrp_higher_prio_send_advert.
	HigherPrioSendAdvert bool `json:"higher_prio_send_advert,omitempty"`
	// DownTimerAdverts is down_timer_adverts 1..100; default vrrp_down_timer_adverts (3).
	DownTimerAdverts int `json:"down_timer_adverts"`

	// UseVMAC is use_vmac [NAME]; VMACName the interface name given.
	UseVMAC      bool   `json:"use_vmac,omitempty"`
	VMACName     string `json:"vmac_name,omitempty"`
	VMACXmitBase bool   `json:"vmac_xmit_base,omitempty"`
	// PromoteSecondaries is promote_secondaries.
	PromoteSecondaries bool `json:"promote_secondaries,omitempty"`
	// LVSSyncDaemonInterface is the deprecated lvs_sync_daemon_interface.
	LVSSyncDaemonInterface string `json:"lvs_sync_daemon_interface,omitempty"`
	// Debug is debug [LEVEL].
	Debug int `json:"debug,omitempty"`

	// Other keeps accepted keywords the model does not interpret.
	Other []Directive `json:"other,omitempty"`

	set keySet // instanceKeywords rows given
}

// VirtualServerGroup is virtual_server_group NAME { }.
type VirtualServerGroup struct {
	Pos  Pos    `json:"-"`
	Name string `json:"name"`
	// Addrs are the IP [PORT] and range lines (a.b.c.d-e, CIDR), kept with
	// their first and last address.
	Addrs []VSGAddr `json:"addrs,omitempty"`
	// FWMarks are the fwmark N lines.
	FWMarks []uint32 `json:"fwmarks,omitempty"`
}

// VSGAddr is one address line of a virtual_server_group.
type VSGAddr struct {
	Pos   Pos        `json:"-"`
	First netip.Addr `json:"first"`
	Last  netip.Addr `json:"last"`
	// Spec is the address as written (a.b.c.d, a.b.c.d-e or CIDR).
	Spec string `json:"spec"`
	Port uint16 `json:"port,omitempty"`
}

// VirtualServer is virtual_server IP PORT | fwmark N | group NAME { }.
type VirtualServer struct {
	Pos Pos `json:"-"`
	// Exactly one of Addr (with Port), FWMark or Group is set.
	Addr   netip.Addr `json:"addr,omitzero"`
	Port   uint16     `json:"port,omitempty"`
	FWMark uint32     `json:"fwmark,omitempty"`
	Group  string     `json:"group,omitempty"`
	// IPFamily is ip_family inet|inet6 (fwmark services), "" = derived.
	IPFamily string `json:"ip_family,omitempty"`

	// Protocol is protocol TCP|UDP|SCTP; keepalived defaults to UDP (with
	// a warning) when it is missing on an address service.
	Protocol string `json:"protocol"`
	// LBAlgo is lb_algo / lvs_sched; default wlc.
	LBAlgo string `json:"lb_algo"`
	// LBKind is lb_kind / lvs_method NAT|DR|TUN; default NAT.
	LBKind string `json:"lb_kind"`
	// Tunnel holds lb_kind TUN's options (type ipip|gue|gre, port, csum).
	Tunnel Tunnel `json:"tunnel,omitzero"`
	// SchedFlags are the scheduler flags (flag-1, sh-port, ops, ...).
	SchedFlags []string `json:"sched_flags,omitempty"`
	// Persistence is true when persistence_timeout is given with a non-zero
	// value (or no value: 360s). PersistenceTimeout 0 means none.
	PersistenceTimeout time.Duration `json:"persistence_timeout,omitempty"`
	// PersistenceGranularity is persistence_granularity MASK.
	PersistenceGranularity string `json:"persistence_granularity,omitempty"`
	// PersistenceEngine is persistence_engine NAME.
	PersistenceEngine string `json:"persistence_engine,omitempty"`

	// CheckTiming is inherited by the real servers and their checkers
	// (resolved: delay_loop 60s, connect_timeout 5s, retry 1,
	// delay_before_retry 1s, warmup = delay_loop when not given).
	CheckTiming

	// SorryServer is sorry_server IP PORT.
	SorryServer          netip.AddrPort `json:"sorry_server,omitzero"`
	SorryServerInhibit   bool           `json:"sorry_server_inhibit,omitempty"`
	SorryServerLVSMethod string         `json:"sorry_server_lvs_method,omitempty"`
	SorryServerTunnel    Tunnel         `json:"sorry_server_tunnel,omitzero"`
	Quorum               int            `json:"quorum"` // default 1
	Hysteresis           int            `json:"hysteresis,omitempty"`
	QuorumUp             Notify         `json:"quorum_up,omitzero"`
	QuorumDown           Notify         `json:"quorum_down,omitzero"`
	Alpha                bool           `json:"alpha,omitempty"`
	Omega                bool           `json:"omega,omitempty"`
	InhibitOnFailure     bool           `json:"inhibit_on_failure,omitempty"`
	HASuspend            bool           `json:"ha_suspend,omitempty"`
	Virtualhost          string         `json:"virtualhost,omitempty"`
	SMTPAlert            bool           `json:"smtp_alert,omitempty"`
	RealServers          []RealServer   `json:"real_servers,omitempty"`
	MergedFrom           []Pos          `json:"-"`
	Other                []Directive    `json:"other,omitempty"`

	set keySet // vsKeywords rows given
}

// RealServer is real_server IP [PORT] { }.
type RealServer struct {
	Pos  Pos        `json:"-"`
	Addr netip.Addr `json:"addr"`
	Port uint16     `json:"port,omitempty"`
	// Weight is weight; default 1.
	Weight int `json:"weight"`
	// LBKind is lvs_method / lb_kind; default the virtual server's.
	LBKind string `json:"lb_kind,omitempty"`
	// Tunnel holds lvs_method TUN's options; default the virtual
	// server's when LBKind is inherited.
	Tunnel           Tunnel `json:"tunnel,omitzero"`
	NotifyUp         Notify `json:"notify_up,omitzero"`
	NotifyDown       Notify `json:"notify_down,omitzero"`
	UThreshold       int    `json:"uthreshold,omitempty"`
	LThreshold       int    `json:"lthreshold,omitempty"`
	InhibitOnFailure bool   `json:"inhibit_on_failure,omitempty"`
	Alpha            bool   `json:"alpha,omitempty"`
	SMTPAlert        bool   `json:"smtp_alert,omitempty"`
	Virtualhost      string `json:"virtualhost,omitempty"`
	// CheckTiming is resolved: what the real server gives, else the
	// virtual server's (retry 1, delay_before_retry 1s, warmup =
	// delay_loop when neither gives them).
	CheckTiming
	Checkers []Checker   `json:"checkers,omitempty"`
	Other    []Directive `json:"other,omitempty"`

	set keySet // rsKeywords rows given
}

// CheckTiming is the check timing a virtual server, a real server and a
// checker each take; an inner level inherits what it does not give
// (check_data.c). The fields are promoted into VirtualServer, RealServer
// and Checker.
type CheckTiming struct {
	// DelayLoop is delay_loop: seconds between checks.
	DelayLoop time.Duration `json:"delay_loop"`
	// ConnectTimeout is connect_timeout.
	ConnectTimeout time.Duration `json:"connect_timeout"`
	// Retry is retry (or the deprecated nb_get_retry).
	Retry int `json:"retry"`
	// DelayBeforeRetry is delay_before_retry.
	DelayBeforeRetry time.Duration `json:"delay_before_retry"`
	// Warmup is warmup: the longest random delay before the first check.
	Warmup time.Duration `json:"warmup"`
}

// Checker is one health checker block of a real server.
type Checker struct {
	Pos Pos `json:"-"`
	// Kind is HTTP_GET, SSL_GET, TCP_CHECK, SMTP_CHECK, MISC_CHECK,
	// DNS_CHECK, UDP_CHECK, PING_CHECK, FILE_CHECK or BFD_CHECK.
	Kind string `json:"kind"`

	// Common options. ConnectIP/ConnectPort default to the real server's.
	ConnectIP   netip.Addr `json:"connect_ip,omitzero"`
	ConnectPort uint16     `json:"connect_port,omitempty"`
	BindTo      netip.Addr `json:"bindto,omitzero"`
	BindIf      string     `json:"bind_if,omitempty"`
	BindPort    uint16     `json:"bind_port,omitempty"`
	FWMark      uint32     `json:"fwmark,omitempty"`
	// CheckTiming is resolved: what the checker gives, else the real
	// server's, else the checker's own default (retry 1, DNS 3, MISC 0;
	// delay_before_retry 1s, HTTP/SSL 3s, DNS delay_loop; warmup =
	// delay_loop).
	CheckTiming
	Alpha          bool `json:"alpha,omitempty"`
	LogAllFailures bool `json:"log_all_failures,omitempty"`

	// HTTP_GET / SSL_GET.
	URLs         []URL  `json:"urls,omitempty"`
	HTTPProtocol string `json:"http_protocol,omitempty"` // default 1.0
	Virtualhost  string `json:"virtualhost,omitempty"`
	FastRecovery bool   `json:"fast_recovery,omitempty"`
	EnableSNI    bool   `json:"enable_sni,omitempty"`

	// MISC_CHECK.
	MiscPath    string        `json:"misc_path,omitempty"`
	MiscTimeout time.Duration `json:"misc_timeout,omitempty"`
	MiscDynamic bool          `json:"misc_dynamic,omitempty"`
	// User / Group: the checker's user, else global_defs' script_user.
	User  string `json:"user,omitempty"`
	Group string `json:"group,omitempty"`

	// SMTP_CHECK.
	HeloName string `json:"helo_name,omitempty"`
	// DNS_CHECK: type (default SOA) and name (default ".").
	DNSType string `json:"type,omitempty"`
	DNSName string `json:"name,omitempty"`
	// UDP_CHECK.
	Payload        string `json:"payload,omitempty"`
	RequireReply   string `json:"require_reply,omitempty"`
	MinReplyLength int    `json:"min_reply_length,omitempty"`
	MaxReplyLength int    `json:"max_reply_length,omitempty"`
	// FILE_CHECK: track_file NAME, weight [reverse].
	TrackFile string `json:"track_file,omitempty"`
	Weight    int    `json:"weight,omitempty"`
	Reverse   bool   `json:"reverse,omitempty"`
	// BFD_CHECK: name.
	BFDName string `json:"bfd_name,omitempty"`

	Other []Directive `json:"other,omitempty"`

	set           keySet // checkerKeywords rows given
	userInherited bool   // User/Group are script_user's (Dump leaves them out)
}

// URL is url { path; digest; status_code; virtualhost; regex ... }.
type URL struct {
	Pos    Pos    `json:"-"`
	Path   string `json:"path"`
	Digest string `json:"digest,omitempty"`
	// StatusCodes are status_code values and ranges; empty means 200-299.
	StatusCodes  []StatusRange `json:"status_code,omitempty"`
	Virtualhost  string        `json:"virtualhost,omitempty"`
	Regex        string        `json:"regex,omitempty"`
	RegexNoMatch bool          `json:"regex_no_match,omitempty"`
	Other        []Directive   `json:"other,omitempty"`
}

// StatusRange is one status_code value or range (200, 200-299).
type StatusRange struct {
	Lo int `json:"lo"`
	Hi int `json:"hi"`
}

// SSLConfig is the SSL { password; ca; certificate; key } block.
type SSLConfig struct {
	Pos         Pos    `json:"-"`
	Password    string `json:"password,omitempty"`
	CA          string `json:"ca,omitempty"`
	Certificate string `json:"certificate,omitempty"`
	Key         string `json:"key,omitempty"`
}

// Instance returns the vrrp_instance with that name, or nil.
func (c *Config) Instance(name string) *VRRPInstance {
	for i := range c.Instances {
		if c.Instances[i].Name == name {
			return &c.Instances[i]
		}
	}
	return nil
}

// Script returns the vrrp_script with that name, or nil.
func (c *Config) Script(name string) *VRRPScript {
	for i := range c.Scripts {
		if c.Scripts[i].Name == name {
			return &c.Scripts[i]
		}
	}
	return nil
}

// SyncGroupOf returns the sync group the instance belongs to, or nil.
func (c *Config) SyncGroupOf(instance string) *SyncGroup {
	for i := range c.SyncGroups {
		for _, m := range c.SyncGroups[i].Group {
			if m == instance {
				return &c.SyncGroups[i]
			}
		}
	}
	return nil
}

// Tunnel is the rest of `lb_kind TUN [type ipip|gue|gre] [port N]
// [nocsum|csum|remcsum]` (keepalived 2.2.7 check_parser.c
// svr_forwarding_handler). The zero value is keepalived's default: ipip,
// no port, nocsum.
type Tunnel struct {
	// Type is "" (ipip), "gue" or "gre".
	Type string `json:"type,omitempty"`
	// Port is the GUE port (required for gue, refused otherwise).
	Port uint16 `json:"port,omitempty"`
	// Csum is "" (nocsum), "csum" or "remcsum".
	Csum string `json:"csum,omitempty"`
}

// words are the options as written after TUN, defaults omitted.
func (t Tunnel) words() []string {
	var w []string
	if t.Type != "" {
		w = append(w, "type", t.Type)
	}
	if t.Port != 0 {
		w = append(w, "port", itoa(int(t.Port)))
	}
	if t.Csum != "" {
		w = append(w, t.Csum)
	}
	return w
}

package linuxplat

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"github.com/gokeepalived/gokeepalived/pkg/config"
	"github.com/gokeepalived/gokeepalived/pkg/vrrp"
)

// keepalived's state dumps (SIGUSR1, SIGUSR2, SIGRTMIN+2), written by the
// VRRP process into $TMPDIR (default /tmp) under keepalived's names. The
// stats file is keepalived 2.2.7's format line for line (vrrp_print.c
// vrrp_print_stats); the JSON file has keepalived's field names and order
// (vrrp_json.c), with the fields gokeepalived has; the data file follows
// keepalived's layout for the fields gokeepalived has (keepalived itself
// calls its format not stable).
const (
	DataFile  = "keepalived.data"
	StatsFile = "keepalived.stats"
	JSONFile  = "keepalived.json"
)

// TmpDir is keepalived's tmp_dir: $TMPDIR when absolute, else /tmp
// (lib/utils.c set_tmp_dir).
func TmpDir() string {
	if d := os.Getenv("TMPDIR"); strings.HasPrefix(d, "/") {
		return d
	}
	return "/tmp"
}

// keepalived's numeric states (vrrp.h VRRP_STATE_*).
func kaState(s vrrp.State) int {
	switch s {
	case vrrp.StateBackup:
		return 1
	case vrrp.StateMaster:
		return 2
	case vrrp.StateFault:
		return 3
	case vrrp.StateStopped:
		return 98
	}
	return 0
}

// WriteStats writes keepalived's stats dump; clear resets the counters
// afterwards (SIGSTATS_CLEAR). Call it on the reactor (Host.Do).
func (h *Host) WriteStats(w io.Writer, clear bool) error {
	p := h.P
	var b strings.Builder
	for _, in := range h.cfg.Instances {
		st := p.stats.inst(in.Name)
		fmt.Fprintf(&b, "VRRP Instance: %s\n", in.Name)
		fmt.Fprintf(&b, "  Advertisements:\n    Received: %d\n    Sent: %d\n", st.AdvertRcvd, st.AdvertSent)
		fmt.Fprintf(&b, "  Became master: %d\n  Released master: %d\n", st.BecomeMaster, st.ReleaseMaster)
		fmt.Fprintf(&b, "  Packet Errors:\n    Length: %d\n    TTL: %d\n    Invalid Type: %d\n    Advertisement Interval: %d\n    Address List: %d\n",
			st.PacketLenErr, st.IPTTLErr, st.InvalidTypeRcvd, st.AdvertIntErr, st.AddrListErr)
		fmt.Fprintf(&b, "  Authentication Errors:\n    Invalid Type: %d\n    Type Mismatch: %d\n    Failure: %d\n",
			st.InvalidAuthType, st.AuthTypeMismatch, st.AuthFailure)
		fmt.Fprintf(&b, "  Priority Zero:\n    Received: %d\n    Sent: %d\n", st.PriZeroRcvd, st.PriZeroSent)
		if clear {
			state, at := st.State, st.LastTransition
			*st = InstanceStats{Rejected: map[string]uint64{}, State: state, LastTransition: at}
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

type jsonData struct {
	Iname                string   `json:"iname"`
	DontTrackPrimary     int      `json:"dont_track_primary"`
	SkipCheckAdvAddr     int      `json:"skip_check_adv_addr"`
	StrictMode           int      `json:"strict_mode"`
	VMACIfname           string   `json:"vmac_ifname"`
	IfpIfname            string   `json:"ifp_ifname"`
	MasterPriority       int      `json:"master_priority"`
	LastTransition       float64  `json:"last_transition"`
	GARPDelay            float64  `json:"garp_delay"`
	GARPRefresh          int      `json:"garp_refresh"`
	GARPRep              int      `json:"garp_rep"`
	GARPRefreshRep       int      `json:"garp_refresh_rep"`
	GARPLowerPrioDelay   int      `json:"garp_lower_prio_delay"`
	GARPLowerPrioRep     int      `json:"garp_lower_prio_rep"`
	LowerPrioNoAdvert    int      `json:"lower_prio_no_advert"`
	HigherPrioSendAdvert int      `json:"higher_prio_send_advert"`
	VRID                 int      `json:"vrid"`
	BasePriority         int      `json:"base_priority"`
	EffectivePriority    int      `json:"effective_priority"`
	VIPSet               bool     `json:"vipset"`
	PromoteSecondaries   bool     `json:"promote_secondaries"`
	AdverInt             float64  `json:"adver_int"`
	MasterAdverInt       float64  `json:"master_adver_int"`
	Accept               int      `json:"accept"`
	Nopreempt            bool     `json:"nopreempt"`
	PreemptDelay         int      `json:"preempt_delay"`
	State                int      `json:"state"`
	WantState            int      `json:"wantstate"`
	Version              int      `json:"version"`
	SMTPAlert            bool     `json:"smtp_alert"`
	NotifyDeleted        bool     `json:"notify_deleted"`
	ScriptBackup         string   `json:"script_backup,omitempty"`
	ScriptMaster         string   `json:"script_master,omitempty"`
	ScriptFault          string   `json:"script_fault,omitempty"`
	ScriptStop           string   `json:"script_stop,omitempty"`
	ScriptDeleted        string   `json:"script_deleted,omitempty"`
	Script               string   `json:"script,omitempty"`
	ScriptMasterRxLower  string   `json:"script_master_rx_lower_pri,omitempty"`
	VIPs                 []string `json:"vips,omitempty"`
	EVIPs                []string `json:"evips,omitempty"`
	TrackIfp             []string `json:"track_ifp,omitempty"`
	TrackScript          []string `json:"track_script,omitempty"`
	AuthType             int      `json:"auth_type"`
	AuthData             string   `json:"auth_data,omitempty"`
}

type jsonStats struct {
	AdvertRcvd       uint64 `json:"advert_rcvd"`
	AdvertSent       uint64 `json:"advert_sent"`
	BecomeMaster     uint64 `json:"become_master"`
	ReleaseMaster    uint64 `json:"release_master"`
	PacketLenErr     uint64 `json:"packet_len_err"`
	AdvertIntervlErr uint64 `json:"advert_interval_err"`
	IPTTLErr         uint64 `json:"ip_ttl_err"`
	InvalidTypeRcvd  uint64 `json:"invalid_type_rcvd"`
	AddrListErr      uint64 `json:"addr_list_err"`
	InvalidAuthtype  uint64 `json:"invalid_authtype"`
	AuthtypeMismatch uint64 `json:"authtype_mismatch"`
	AuthFailure      uint64 `json:"auth_failure"`
	PriZeroRcvd      uint64 `json:"pri_zero_rcvd"`
	PriZeroSent      uint64 `json:"pri_zero_sent"`
	// Rejected is gokeepalived's: every rejected advert by typed reason.
	Rejected map[string]uint64 `json:"rejected,omitempty"`
}

type jsonEntry struct {
	Data  jsonData  `json:"data"`
	Stats jsonStats `json:"stats"`
}

func secs(d time.Duration) float64 { return d.Seconds() }

func unixFloat(t time.Time) float64 {
	if t.IsZero() {
		return 0
	}
	return float64(t.UnixMicro()) / 1e6
}

func vipLine(v config.VIP, set bool) string {
	s := v.Prefix.String()
	if v.Prefix.Bits() == v.Prefix.Addr().BitLen() {
		s = v.Prefix.Addr().String()
	}
	s += " dev " + v.Dev
	scope := v.Scope
	if scope == "" {
		scope = "global"
	}
	s += " scope " + scope
	if v.Label != "" {
		s += " label " + v.Label
	}
	if set {
		return s + " set"
	}
	return s
}

// WriteJSON writes keepalived's JSON dump (vrrp_json.c). Call it on the
// reactor (Host.Do).
func (h *Host) WriteJSON(w io.Writer) error {
	out := []jsonEntry{}
	for i := range h.cfg.Instances {
		in := &h.cfg.Instances[i]
		st, _ := h.drv.Status(in.Name)
		ps := h.P.stats.inst(in.Name)
		master := st.State == vrrp.StateMaster
		d := jsonData{
			Iname: in.Name, DontTrackPrimary: b2i(in.DontTrackPrimary), SkipCheckAdvAddr: b2i(in.SkipCheckAdvAddr),
			StrictMode: b2i(in.Strict), IfpIfname: in.Interface, LastTransition: unixFloat(ps.LastTransition),
			GARPDelay: secs(in.GARPMasterDelay), GARPRefresh: int(in.GARPMasterRefresh / time.Second),
			GARPRep: in.GARPMasterRepeat, GARPRefreshRep: in.GARPMasterRefreshRepeat,
			GARPLowerPrioDelay: int(in.GARPLowerPrioDelay / time.Second), GARPLowerPrioRep: in.GARPLowerPrioRepeat,
			LowerPrioNoAdvert: b2i(in.LowerPrioNoAdvert), HigherPrioSendAdvert: b2i(in.HigherPrioSendAdvert),
			VRID: in.VRID, BasePriority: int(st.BasePriority), EffectivePriority: int(st.EffectivePriority),
			VIPSet: master, PromoteSecondaries: in.PromoteSecondaries, AdverInt: secs(in.AdvertInt),
			MasterAdverInt: secs(st.MasterAdvertInt), Accept: b2i(in.Accept), Nopreempt: in.Nopreempt,
			PreemptDelay: int(in.PreemptDelay / time.Second), State: kaState(st.State), WantState: kaState(st.State),
			Version: in.Version, SMTPAlert: in.SMTPAlert,
			ScriptBackup: in.NotifyBackup.Command, ScriptMaster: in.NotifyMaster.Command, ScriptFault: in.NotifyFault.Command,
			ScriptStop: in.NotifyStop.Command, ScriptDeleted: in.NotifyDeleted.Command, Script: in.Notify.Command,
			ScriptMasterRxLower: in.NotifyMasterRxLowerPri.Command,
		}
		if st.MasterAddr.IsValid() {
			d.MasterPriority = int(st.EffectivePriority)
		}
		for _, v := range in.VIPs {
			d.VIPs = append(d.VIPs, vipLine(v, master))
		}
		for _, v := range in.EVIPs {
			d.EVIPs = append(d.EVIPs, vipLine(v, master))
		}
		for _, t := range in.TrackInterfaces {
			d.TrackIfp = append(d.TrackIfp, t.Name)
		}
		for _, t := range in.TrackScripts {
			if s := h.cfg.Script(t.Name); s != nil {
				d.TrackScript = append(d.TrackScript, s.Script)
			}
		}
		switch in.AuthType {
		case config.AuthPass:
			d.AuthType, d.AuthData = 1, in.AuthPass
		case config.AuthAH:
			d.AuthType, d.AuthData = 2, in.AuthPass
		}
		out = append(out, jsonEntry{Data: d, Stats: jsonStats{
			AdvertRcvd: ps.AdvertRcvd, AdvertSent: ps.AdvertSent, BecomeMaster: ps.BecomeMaster, ReleaseMaster: ps.ReleaseMaster,
			PacketLenErr: ps.PacketLenErr, AdvertIntervlErr: ps.AdvertIntErr, IPTTLErr: ps.IPTTLErr,
			InvalidTypeRcvd: ps.InvalidTypeRcvd, AddrListErr: ps.AddrListErr, InvalidAuthtype: ps.InvalidAuthType,
			AuthtypeMismatch: ps.AuthTypeMismatch, AuthFailure: ps.AuthFailure, PriZeroRcvd: ps.PriZeroRcvd,
			PriZeroSent: ps.PriZeroSent, Rejected: ps.Rejected,
		}})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// WriteData writes keepalived's data dump (SIGUSR1; vrrp_data.c
// dump_data_vrrp layout). Call it on the reactor (Host.Do).
func (h *Host) WriteData(w io.Writer) error {
	var b strings.Builder
	g := &h.cfg.Global
	line := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	onOff := func(v bool) string { return map[bool]string{false: "false", true: "true"}[v] }
	line("------< Global definitions >------")
	line(" Network namespace = %s", orDefault(g.NetNamespace, "(default)"))
	rid := g.RouterID
	if rid == "" {
		rid, _ = os.Hostname()
		rid, _, _ = strings.Cut(rid, ".")
	}
	line(" Router ID = %s", rid)
	line(" Default smtp_alert = %s", onOff(g.SMTPAlert))
	line(" Dynamic interfaces = %s", onOff(g.DynamicInterfaces))
	line(" Default interface = %s", g.DefaultInterface)
	line(" VRRP notify priority changes = %s", onOff(g.VRRPNotifyPriorityChanges))
	line(" VRRP IPv4 mcast group = %s", g.VRRPMcastGroup4)
	line(" VRRP IPv6 mcast group = %s", g.VRRPMcastGroup6)
	line(" Gratuitous ARP delay = %d", int(g.VRRPGARPMasterDelay/time.Second))
	line(" Gratuitous ARP repeat = %d", g.VRRPGARPMasterRepeat)
	line(" Gratuitous ARP refresh timer = %d", int(g.VRRPGARPMasterRefresh/time.Second))
	line(" Gratuitous ARP refresh repeat = %d", g.VRRPGARPMasterRefreshRepeat)
	line(" Gratuitous ARP lower priority delay = %d", int(g.VRRPGARPLowerPrioDelay/time.Second))
	line(" Gratuitous ARP lower priority repeat = %d", g.VRRPGARPLowerPrioRepeat)
	line(" Num adverts before down = %d", g.VRRPDownTimerAdverts)
	line(" Send advert after receive lower priority advert = %s", onOff(!g.VRRPLowerPrioNoAdvert))
	line(" Send advert after receive higher priority advert = %s", onOff(g.VRRPHigherPrioSendAdvert))
	line(" Gratuitous ARP interval = %f", g.VRRPGARPInterval.Seconds())
	line(" Gratuitous NA interval = %f", g.VRRPGNAInterval.Seconds())
	line(" VRRP default protocol version = %d", g.VRRPVersion)
	line(" VRRP check unicast_src = %s", onOff(g.VRRPCheckUnicastSrc))
	line(" VRRP skip check advert addresses = %s", onOff(g.VRRPSkipCheckAdvAddr))
	line(" VRRP strict mode = %s", onOff(g.VRRPStrict))
	if g.EnableScriptSecurity {
		line(" Script security enabled")
	} else {
		line(" Script security disabled")
	}
	line("------< VRRP Topology >------")
	for i := range h.cfg.Instances {
		in := &h.cfg.Instances[i]
		st, _ := h.drv.Status(in.Name)
		ps := h.P.stats.inst(in.Name)
		line(" VRRP Instance = %s", in.Name)
		line("   VRRP Version = %d", in.Version)
		line("   State = %s", st.State)
		if !ps.LastTransition.IsZero() {
			t := ps.LastTransition
			line("   Last transition = %d.%06d (%s)", t.Unix(), t.Nanosecond()/1000, t.Format("Mon Jan _2 15:04:05.000000 2006"))
		}
		line("   Interface = %s", in.Interface)
		if len(in.UnicastPeers) > 0 {
			if in.UnicastSrcIP.IsValid() {
				line("   Using src_ip = %s", in.UnicastSrcIP)
			}
			line("   Unicast Peers = %d", len(in.UnicastPeers))
			for _, p := range in.UnicastPeers {
				line("     %s", p.Addr)
			}
		} else {
			grp := in.McastDstIP
			if !grp.IsValid() {
				grp = g.VRRPMcastGroup4
				if in.IPv6 {
					grp = g.VRRPMcastGroup6
				}
			}
			line("   Multicast address %s", grp)
		}
		line("   Down timer adverts = %d", in.DownTimerAdverts)
		line("   Virtual Router ID = %d", in.VRID)
		line("   Priority = %d", in.Priority)
		line("   Effective priority = %d", st.EffectivePriority)
		if in.Version == 3 {
			line("   Advert interval = %d milli-sec", in.AdvertInt.Milliseconds())
		} else {
			line("   Advert interval = %d sec", int(in.AdvertInt/time.Second))
		}
		if st.MasterAddr.IsValid() && st.State == vrrp.StateBackup {
			line("   Master router = %s", st.MasterAddr)
		}
		line("   Preempt = %s", map[bool]string{true: "disabled", false: "enabled"}[in.Nopreempt])
		auth := "none"
		switch in.AuthType {
		case config.AuthPass:
			auth = "SIMPLE_PASSWORD"
		case config.AuthAH:
			auth = "IPSEC_AH"
		}
		line("   Authentication type = %s", auth)
		line("   Virtual IP (%d):", len(in.VIPs))
		for _, v := range in.VIPs {
			line("     %s", vipLine(v, st.State == vrrp.StateMaster))
		}
		if len(in.EVIPs) > 0 {
			line("   Virtual IP Excluded (%d):", len(in.EVIPs))
			for _, v := range in.EVIPs {
				line("     %s", vipLine(v, st.State == vrrp.StateMaster))
			}
		}
	}
	line("------< VRRP Sockpool >------")
	for _, r := range h.P.Receivers() {
		state := "open"
		if !r.Open {
			state = "pending: " + r.Pending
		}
		line(" %s (%s), %d datagrams received", r.Socket, state, r.Datagrams)
	}
	line("------< Interfaces >------")
	names := make([]string, 0, len(h.P.links))
	for n := range h.P.links {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		l := h.P.links[n]
		line(" Name = %s", n)
		line("   index = %d", l.index)
		if a, err := h.P.PrimaryAddr(n, false); err == nil {
			line("   IPv4 address = %s", a)
		} else {
			line("   IPv4 address = (none)")
		}
		if a, err := h.P.PrimaryAddr(n, true); err == nil {
			line("   IPv6 address = %s", a)
		} else {
			line("   IPv6 address = (none)")
		}
		if len(l.mac) > 0 {
			line("   MAC = %s", l.mac)
		}
		line("   State = %s", map[bool]string{true: "UP, RUNNING", false: "not UP or not RUNNING"}[l.up])
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

// WriteDumpFile writes one dump to TmpDir()/name with fn, as keepalived
// opens it (created or truncated, mode 0644).
func (h *Host) WriteDumpFile(name string, fn func(io.Writer) error) error {
	path := TmpDir() + "/" + name
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC|unix.O_NOFOLLOW, 0o644)
	if err != nil {
		return fmt.Errorf("can't open %s: %w", path, err)
	}
	werr := fn(f)
	cerr := f.Close()
	if werr != nil {
		return fmt.Errorf("write %s: %w", path, werr)
	}
	return cerr
}

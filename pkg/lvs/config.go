package lvs

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/gokeepalived/gokeepalived/pkg/config"
)

// MaxGroupServices bounds how many IPVS services one virtual_server_group
// may expand to (a /8 range would otherwise ask for 16 million). keepalived
// has no bound; we refuse with an error naming the group.
const MaxGroupServices = 65536

// persistentDefault is IPVS_SVC_PERSISTENT_TIMEOUT (libipvs.h): the
// persistence timeout when only persistence_granularity is given.
const persistentDefault = 360

// Script is a notify or quorum command line with the user it runs as.
type Script struct {
	Command string
	User    string
	Group   string
}

// Config is the LVS part of one daemon's configuration, resolved: every
// default filled, groups expanded into IPVS services.
type Config struct {
	VirtualServers []VirtualServer
	// FlushOnStart is lvs_flush: clear the whole IPVS table at start.
	FlushOnStart bool
	// FlushOnStop is lvs_flush_on_stop: clear the whole table at stop
	// (instead of deleting each real server, then each virtual server).
	FlushOnStop bool
	// Timeouts are lvs_timeouts (0 = leave the kernel's value).
	TimeoutTCP, TimeoutTCPFin, TimeoutUDP time.Duration
}

// VirtualServer is one virtual_server block.
type VirtualServer struct {
	// Name is keepalived's FMT_VS: "[10.0.0.1]:tcp:80", "FWM 8" or
	// "[GROUP]:0".
	Name string
	// Service holds the scheduling attributes every service of this
	// virtual server gets (its Key is unused; Netmask 0 means the
	// family's per-client default: 0xffffffff or 128).
	Service Service
	// Keys are the IPVS services: one, or one per address/fwmark of a
	// virtual_server_group.
	Keys        []ServiceKey
	RealServers []RealServer
	// Sorry is sorry_server (nil if none).
	Sorry *RealServer
	// Quorum and Hysteresis: quorum is gained when the alive weight
	// reaches Quorum+Hysteresis and lost below Quorum-Hysteresis.
	Quorum, Hysteresis int64
	QuorumUp           Script
	QuorumDown         Script
	// Omega runs quorum_down / notify_down on shutdown.
	Omega bool
	// HASuspend suspends this virtual server's checkers while none of
	// Addrs is local (the VRRP instance holding the VIP is not MASTER).
	HASuspend bool
	Addrs     []netip.Addr
}

// RealServer is one real_server (or the sorry_server).
type RealServer struct {
	// Name is keepalived's FMT_RS: "[10.0.0.91]:tcp:80".
	Name string
	Addr netip.Addr
	// Port is the configured port (NAT); DR and TUN use the service's.
	Port    uint16
	Forward Forward
	TunType TunType
	TunPort uint16
	// TunFlags are the tunnel checksum flags.
	TunFlags uint16
	// Weight is the configured weight (iweight), 0..2147483647.
	Weight     int64
	UThreshold uint32
	LThreshold uint32
	// Inhibit is inhibit_on_failure (for the sorry server:
	// sorry_server_inhibit): keep it with weight 0 instead of removing it.
	Inhibit    bool
	NotifyUp   Script
	NotifyDown Script
	// Checkers are the real server's checkers in file order; Alpha says
	// the checker starts failed.
	Checkers []CheckerRef
	// Source is the real_server block this was resolved from (nil for the
	// sorry server): the checker driver builds probes from it.
	Source *config.RealServer
}

// CheckerRef is what the LVS core knows of one checker.
type CheckerRef struct {
	Kind  string
	Alpha bool
	// Key identifies the checker across a reload: two checkers with the
	// same Kind and Key are "the same checker" (keepalived's
	// checker_funcs->compare: connection options and the kind's own
	// options, not the timing), so the new one takes over the old one's
	// state (migrate_checkers).
	Key string
	// Source is the checker block (the checker driver builds its probe
	// and its retry timing from it).
	Source *config.Checker
}

// FromConfig resolves the virtual servers of c. Errors name the block
// (file:line:col) and are joined; the virtual servers without errors are
// returned with them.
func FromConfig(c *config.Config) (Config, error) {
	out := Config{
		FlushOnStart:  c.Global.LVSFlush,
		FlushOnStop:   c.Global.LVSFlushOnStop,
		TimeoutTCP:    c.Global.LVSTimeoutTCP,
		TimeoutTCPFin: c.Global.LVSTimeoutTCPFin,
		TimeoutUDP:    c.Global.LVSTimeoutUDP,
	}
	groups := map[string]*config.VirtualServerGroup{}
	for i := range c.VirtualServerGroups {
		groups[c.VirtualServerGroups[i].Name] = &c.VirtualServerGroups[i]
	}
	var errs []error
	for i := range c.VirtualServers {
		vs, err := fromVS(&c.VirtualServers[i], groups)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: virtual_server %s: %w", c.VirtualServers[i].Pos, vsName(&c.VirtualServers[i]), err))
			continue
		}
		out.VirtualServers = append(out.VirtualServers, vs)
	}
	return out, errors.Join(errs...)
}

func vsName(v *config.VirtualServer) string {
	switch {
	case v.Group != "":
		return "[" + v.Group + "]:" + strconv.Itoa(int(v.Port))
	case v.FWMark != 0:
		return "FWM " + strconv.FormatUint(uint64(v.FWMark), 10)
	}
	return trio(v.Addr, protocol(v.Protocol), v.Port)
}

func protocol(s string) Protocol {
	switch strings.ToUpper(s) {
	case "TCP":
		return TCP
	case "SCTP":
		return SCTP
	case "UDP":
		return UDP
	}
	return 0
}

func forward(s string) Forward {
	switch strings.ToUpper(s) {
	case "DR":
		return Route
	case "TUN":
		return Tunnel
	}
	return Masq
}

// tunType and tunFlags are lb_kind TUN's options as IPVS takes them
// (keepalived 2.2.7 check_parser.c svr_forwarding_handler parses them
// after any method, ipvswrapper.c ipvs_set_drule copies tun_type,
// tun_port and tun_flags into every destination; pkg/config has resolved
// the real servers' and the sorry server's from the virtual server's).
func tunType(t config.Tunnel) TunType {
	switch t.Type {
	case "gue":
		return TunGUE
	case "gre":
		return TunGRE
	}
	return TunIPIP
}

func tunFlags(t config.Tunnel) uint16 {
	switch t.Csum {
	case "csum":
		return TunCsum
	case "remcsum":
		return TunRemCsum
	}
	return TunNoCsum
}

func fromVS(v *config.VirtualServer, groups map[string]*config.VirtualServerGroup) (VirtualServer, error) {
	out := VirtualServer{
		Name:       vsName(v),
		Quorum:     int64(v.Quorum),
		Hysteresis: int64(v.Hysteresis),
		QuorumUp:   script(v.QuorumUp),
		QuorumDown: script(v.QuorumDown),
		Omega:      v.Omega,
		HASuspend:  v.HASuspend,
	}
	proto := protocol(v.Protocol)
	fam := vsFamily(v)

	svc, err := serviceAttrs(v, fam)
	if err != nil {
		return out, err
	}
	out.Service = svc

	switch {
	case v.Group != "":
		g := groups[v.Group]
		if g == nil {
			return out, fmt.Errorf("virtual_server_group %s does not exist", v.Group)
		}
		keys, err := expandGroup(g, proto, fam)
		if err != nil {
			return out, err
		}
		out.Keys = keys
	case v.FWMark != 0:
		out.Keys = []ServiceKey{{Family: fam, FWMark: v.FWMark}}
	default:
		out.Keys = []ServiceKey{{Family: fam, Protocol: proto, Addr: v.Addr, Port: v.Port}}
	}
	for _, k := range out.Keys {
		if k.FWMark == 0 {
			out.Addrs = append(out.Addrs, k.Addr)
		}
	}

	for i := range v.RealServers {
		r := &v.RealServers[i]
		rs := RealServer{
			Name:       trio(r.Addr, proto, r.Port),
			Addr:       r.Addr,
			Port:       r.Port,
			Forward:    forward(r.LBKind),
			TunType:    tunType(r.Tunnel),
			TunPort:    r.Tunnel.Port,
			TunFlags:   tunFlags(r.Tunnel),
			Weight:     int64(r.Weight),
			UThreshold: uint32(max(r.UThreshold, 0)),
			LThreshold: uint32(max(r.LThreshold, 0)),
			Inhibit:    r.InhibitOnFailure,
			NotifyUp:   script(r.NotifyUp),
			NotifyDown: script(r.NotifyDown),
			Source:     r,
		}
		for k := range r.Checkers {
			ck := &r.Checkers[k]
			rs.Checkers = append(rs.Checkers, CheckerRef{Kind: ck.Kind, Alpha: ck.Alpha, Key: checkerKey(ck), Source: ck})
		}
		out.RealServers = append(out.RealServers, rs)
	}
	if ss := v.SorryServer; ss.IsValid() {
		// alloc_ssvr: weight 1, the virtual server's forwarding method
		// unless sorry_server_lvs_method says otherwise.
		kind, tun := v.SorryServerLVSMethod, v.SorryServerTunnel
		if kind == "" {
			kind, tun = v.LBKind, v.Tunnel
		}
		out.Sorry = &RealServer{
			Name:     trio(ss.Addr(), proto, ss.Port()),
			Addr:     ss.Addr(),
			Port:     ss.Port(),
			Forward:  forward(kind),
			TunType:  tunType(tun),
			TunPort:  tun.Port,
			TunFlags: tunFlags(tun),
			Weight:   1,
			Inhibit:  v.SorryServerInhibit,
		}
	}
	return out, nil
}

func script(n config.Notify) Script {
	return Script{Command: n.Command, User: n.User, Group: n.Group}
}

// vsFamily: the address's, else ip_family, else the first non-tunnelled
// real (or sorry) server's, else IPv4 (ipvswrapper.c: "We default to IPv4
// if cannot determine the family").
func vsFamily(v *config.VirtualServer) Family {
	if v.Addr.IsValid() {
		return FamilyOf(v.Addr)
	}
	switch v.IPFamily {
	case "inet":
		return Inet
	case "inet6":
		return Inet6
	}
	if v.SorryServer.IsValid() && v.SorryServerLVSMethod != "TUN" {
		return FamilyOf(v.SorryServer.Addr())
	}
	for _, rs := range v.RealServers {
		if rs.LBKind != "TUN" {
			return FamilyOf(rs.Addr)
		}
	}
	if len(v.RealServers) > 0 {
		return FamilyOf(v.RealServers[0].Addr)
	}
	return Inet
}

// serviceAttrs is ipvs_set_srule: scheduler, flags, persistence.
func serviceAttrs(v *config.VirtualServer, fam Family) (Service, error) {
	// Netmask 0: per client address, filled per service family by
	// Engine.Desired (a group may mix IPv4 and IPv6 services).
	s := Service{Scheduler: v.LBAlgo}
	for _, f := range v.SchedFlags {
		// check_parser.c lbflags_handler: sh-* only for sh, mh-* only
		// for mh (otherwise "only applies to sh scheduler - ignoring");
		// "hashed" sets nothing.
		switch {
		case f == "ops":
			s.Flags |= FlagOnePacket
		case f == "flag-1":
			s.Flags |= FlagSched1
		case f == "flag-2":
			s.Flags |= FlagSched2
		case f == "flag-3":
			s.Flags |= FlagSched3
		case f == "sh-fallback" && s.Scheduler == "sh", f == "mh-fallback" && s.Scheduler == "mh":
			s.Flags |= FlagSched1
		case f == "sh-port" && s.Scheduler == "sh", f == "mh-port" && s.Scheduler == "mh":
			s.Flags |= FlagSched2
		}
	}
	timeout := uint32(v.PersistenceTimeout / time.Second)
	if v.PersistenceGranularity != "" {
		mask, err := granularity(v.PersistenceGranularity, fam)
		if err != nil {
			return s, err
		}
		// pgr_handler: granularity without a timeout means 360 s.
		if timeout == 0 {
			timeout = persistentDefault
		}
		s.Netmask = mask
	}
	if timeout > 0 {
		s.Flags |= FlagPersistent
		s.Timeout = timeout
		s.PEName = v.PersistenceEngine
	} else {
		s.Netmask = 0
	}
	return s, nil
}

// granularity parses persistence_granularity: an IPv4 netmask (solid or
// not: keepalived and the kernel accept any) or an IPv6 prefix length.
func granularity(g string, fam Family) (uint32, error) {
	if fam == Inet6 {
		n, err := strconv.ParseUint(g, 10, 8)
		if err != nil || n < 1 || n > 128 {
			return 0, fmt.Errorf("invalid IPv6 persistence_granularity %q (expected 1-128)", g)
		}
		return uint32(n), nil
	}
	a, err := netip.ParseAddr(g)
	if err != nil || !a.Is4() {
		return 0, fmt.Errorf("invalid IPv4 persistence_granularity %q (expected a netmask such as 255.255.255.0)", g)
	}
	b := a.As4()
	return uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3]), nil
}

// expandGroup is ipvs_group_cmd's walk: every address of every range (an
// IPv6 range varies the last 16 bits only), then every fwmark.
func expandGroup(g *config.VirtualServerGroup, proto Protocol, fam Family) ([]ServiceKey, error) {
	var keys []ServiceKey
	for _, a := range g.Addrs {
		first, last := a.First, a.Last
		if !first.IsValid() || !last.IsValid() || last.Less(first) {
			return nil, fmt.Errorf("virtual_server_group %s: bad range %s", g.Name, a.Spec)
		}
		if first.Is6() {
			// ipvs_group_range_cmd: only s6_addr16[7] is incremented.
			fb, lb := first.As16(), last.As16()
			lb[14], lb[15] = fb[14], fb[15]
			if fb != lb {
				return nil, fmt.Errorf("virtual_server_group %s: IPv6 range %s may only vary the last 16 bits", g.Name, a.Spec)
			}
		}
		for addr := first; ; addr = addr.Next() {
			if len(keys) >= MaxGroupServices {
				return nil, fmt.Errorf("virtual_server_group %s expands to more than %d services", g.Name, MaxGroupServices)
			}
			keys = append(keys, ServiceKey{Family: FamilyOf(addr), Protocol: proto, Addr: addr, Port: a.Port})
			if addr == last {
				break
			}
		}
	}
	for _, m := range g.FWMarks {
		keys = append(keys, ServiceKey{Family: fam, FWMark: m})
	}
	return keys, nil
}

// checkerKey is what keepalived's compare functions look at
// (compare_conn_opts: destination, bindto, bind_if, connect_timeout,
// fwmark; and each kind's own, e.g. compare_http_check's URLs): not the
// position, nor the timing (delay_loop, retry, delay_before_retry,
// warmup: a reload adjusts retry_it instead), nor alpha. Built by hand:
// a reload of thousands of checkers computes one each.
func checkerKey(ck *config.Checker) string {
	b := make([]byte, 0, 128)
	str := func(s string) { b = append(b, s...); b = append(b, 0) }
	num := func(n int64) { b = strconv.AppendInt(b, n, 10); b = append(b, 0) }
	flag := func(f bool) { b = strconv.AppendBool(b, f); b = append(b, 0) }
	str(ck.Kind)
	str(ck.ConnectIP.String())
	num(int64(ck.ConnectPort))
	str(ck.BindTo.String())
	str(ck.BindIf)
	num(int64(ck.BindPort))
	num(int64(ck.FWMark))
	num(int64(ck.ConnectTimeout))
	str(ck.HTTPProtocol)
	str(ck.Virtualhost)
	flag(ck.FastRecovery)
	flag(ck.EnableSNI)
	for _, u := range ck.URLs {
		str(u.Path)
		str(u.Digest)
		for _, r := range u.StatusCodes {
			num(int64(r.Lo))
			num(int64(r.Hi))
		}
		str(u.Virtualhost)
		str(u.Regex)
		flag(u.RegexNoMatch)
	}
	str(ck.MiscPath)
	num(int64(ck.MiscTimeout))
	flag(ck.MiscDynamic)
	str(ck.User)
	str(ck.Group)
	str(ck.HeloName)
	str(ck.DNSType)
	str(ck.DNSName)
	str(ck.Payload)
	str(ck.RequireReply)
	num(int64(ck.MinReplyLength))
	num(int64(ck.MaxReplyLength))
	str(ck.TrackFile)
	num(int64(ck.Weight))
	flag(ck.Reverse)
	str(ck.BFDName)
	return string(b)
}

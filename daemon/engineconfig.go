package daemon

import (
	"fmt"
	"log/slog"
	"net/netip"
	"slices"

	"github.com/gokeepalived/gokeepalived/pkg/config"
	"github.com/gokeepalived/gokeepalived/pkg/vrrp"
)

// instanceMeta is what the driver keeps per instance beyond the engine's
// view: where adverts go, which addresses to set, which scripts to notify.
type instanceMeta struct {
	cfg   *config.VRRPInstance
	name  string
	iface string
	ipv6  bool
	src   netip.Addr
	// dsts are the advert destinations: the multicast group, or every
	// unicast peer (one packet each, like keepalived).
	dsts []netip.Addr
	// ttl is 255 (RFC 5798 §5.1.1.3), or unicast_ttl for unicast peers:
	// 0 for IPv6 without it, the kernel's default (Datagram.TTL).
	ttl uint8
	// addrs are the VIPs then the eVIPs, each with its device resolved.
	addrs []config.VIP
	// wire is the driver's per-instance wire state (receive.go).
	wire *wireState
}

// BuildEngineConfig converts a parsed keepalived.conf into the engine's
// configuration. keepalived 2.2.7's defaults, ranges and derived values are
// pkg/config's, resolved in the model (version, advert_int,
// down_timer_adverts, the GARP settings, each VIP's device, the multicast
// destination, the unicast TTL, every tracker's weight); this only maps
// them and applies no default of its own. Values the engine cannot run
// are its errors (vrrp.NewEngine).
// The advert source is unicast_src_ip, else mcast_src_ip, else the primary
// address of the instance's interface (asked of links).
func BuildEngineConfig(cfg *config.Config, links Links) (vrrp.EngineConfig, error) {
	ec, _, err := buildEngineConfig(cfg, links, nil)
	return ec, err
}

func buildEngineConfig(cfg *config.Config, links Links, log *slog.Logger) (vrrp.EngineConfig, []*instanceMeta, error) {
	if cfg == nil {
		return vrrp.EngineConfig{}, nil, fmt.Errorf("daemon: nil configuration")
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	scripts := map[string]bool{}
	for _, s := range cfg.Scripts {
		scripts[s.Name] = true
	}
	files := map[string]bool{}
	for _, f := range cfg.TrackFiles {
		files[f.Name] = true
	}

	// The driver logs keepalived's lines for events without another action
	// ("received lower priority (98) advert from 10.0.0.50 - discarding").
	ec := vrrp.EngineConfig{LogActions: true, StartupDelay: cfg.Global.VRRPStartupDelay}
	var metas []*instanceMeta
	ours := ourAddresses(cfg)
	for i := range cfg.Instances {
		in := &cfg.Instances[i]
		ic, meta, err := buildInstance(in, scripts, files, ours, links, log)
		if err != nil {
			return vrrp.EngineConfig{}, nil, err
		}
		ec.Instances = append(ec.Instances, ic)
		metas = append(metas, meta)
	}
	for i := range cfg.SyncGroups {
		sg := &cfg.SyncGroups[i]
		sc := vrrp.SyncGroupConfig{Name: sg.Name, Members: append([]string(nil), sg.Group...), TrackingWeight: sg.TrackingWeight}
		sc.Trackers = trackers(sg.Name, sg.TrackScripts, sg.TrackInterfaces, sg.TrackFiles, scripts, files, log)
		ec.SyncGroups = append(ec.SyncGroups, sc)
	}
	return ec, metas, nil
}

func buildInstance(in *config.VRRPInstance, scripts, files map[string]bool, ours ourAddrs, links Links, log *slog.Logger) (vrrp.InstanceConfig, *instanceMeta, error) {
	// Fields of one byte on the wire: a model built by hand could hold
	// more; never let a conversion wrap silently.
	for _, f := range []struct {
		kw string
		v  int
	}{{"virtual_router_id", in.VRID}, {"priority", in.Priority}, {"version", in.Version}, {"unicast_ttl", in.UnicastTTL}} {
		if f.v != int(uint8(f.v)) {
			return vrrp.InstanceConfig{}, nil, fmt.Errorf("daemon: vrrp_instance %s: %s %d does not fit in a byte", in.Name, f.kw, f.v)
		}
	}
	iface := in.Interface
	unicast := len(in.UnicastPeers) > 0
	m := &instanceMeta{cfg: in, name: in.Name, iface: iface, ipv6: in.IPv6, ttl: vrrp.TTLRequired, wire: &wireState{}}

	// Advert source: unicast_src_ip, mcast_src_ip, or the interface's primary address.
	switch {
	case unicast && in.UnicastSrcIP.IsValid():
		m.src = in.UnicastSrcIP
	case in.McastSrcIP.IsValid():
		m.src = in.McastSrcIP
	case in.UnicastSrcIP.IsValid():
		m.src = in.UnicastSrcIP
	default:
		if links != nil {
			a, err := links.PrimaryAddr(iface, in.IPv6)
			if err != nil {
				log.Warn(fmt.Sprintf("(%s) no %s address for interface %s", in.Name, family(in.IPv6), iface), "err", err)
			} else {
				m.src = sourceAddr(links, iface, in, ours, a)
			}
		}
	}
	if unicast {
		for _, p := range in.UnicastPeers {
			m.dsts = append(m.dsts, p.Addr)
		}
		m.ttl = uint8(in.UnicastTTL)
	} else {
		m.dsts = []netip.Addr{in.McastDstIP}
	}
	m.addrs = append(slices.Clone(in.VIPs), in.EVIPs...)

	ic := vrrp.InstanceConfig{
		Name:                 in.Name,
		VRID:                 uint8(in.VRID),
		Version:              uint8(in.Version),
		IPv6:                 in.IPv6,
		Priority:             uint8(in.Priority),
		WantMaster:           in.State == "MASTER",
		AdvertInt:            in.AdvertInt,
		Nopreempt:            in.Nopreempt,
		PreemptDelay:         in.PreemptDelay,
		SrcAddr:              m.src,
		Unicast:              unicast,
		CheckUnicastSrc:      in.CheckUnicastSrc,
		DownTimerAdverts:     in.DownTimerAdverts,
		LowerPrioNoAdvert:    in.LowerPrioNoAdvert,
		HigherPrioSendAdvert: in.HigherPrioSendAdvert,
		SkipCheckAdvAddr:     in.SkipCheckAdvAddr,

		GARPMasterDelay:         in.GARPMasterDelay,
		GARPMasterRepeat:        in.GARPMasterRepeat,
		GARPMasterRefresh:       in.GARPMasterRefresh,
		GARPMasterRefreshRepeat: in.GARPMasterRefreshRepeat,
		GARPLowerPrioDelay:      in.GARPLowerPrioDelay,
		GARPLowerPrioRepeat:     in.GARPLowerPrioRepeat,
		DontTrackPrimary:        in.DontTrackPrimary,
	}
	for _, v := range in.VIPs {
		ic.VIPs = append(ic.VIPs, v.Prefix.Addr())
	}
	for _, p := range in.UnicastPeers {
		ic.Peers = append(ic.Peers, vrrp.Peer{Addr: p.Addr, MinTTL: uint8(p.MinTTL), MaxTTL: uint8(p.MaxTTL)})
	}
	switch in.AuthType {
	case config.AuthPass:
		ic.AuthType = vrrp.AuthPass
		copy(ic.AuthPass[:], in.AuthPass) // the wire carries the first 8 bytes
	case config.AuthAH:
		ic.AuthType = vrrp.AuthAH
		copy(ic.AuthPass[:], in.AuthPass)
	}
	ic.Trackers = trackers(in.Name, in.TrackScripts, in.TrackInterfaces, in.TrackFiles, scripts, files, log)
	// keepalived (reference §2.9): the interface of a VIP or eVIP other
	// than the instance's own is tracked unweighted unless no_track.
	for _, v := range m.addrs {
		id := ifaceID(v.Dev)
		if v.Dev == iface || v.NoTrack || slices.ContainsFunc(ic.Trackers, func(t vrrp.TrackerRef) bool { return t.ID() == id }) {
			continue
		}
		if links != nil {
			if _, err := links.LinkUp(v.Dev); err != nil {
				log.Warn(fmt.Sprintf("(%s) WARNING - interface %s for ip address %s doesn't exist", in.Name, v.Dev, v.Prefix))
				continue
			}
		}
		ic.Trackers = append(ic.Trackers, vrrp.TrackerRef{Name: v.Dev, Kind: vrrp.TrackInterface})
	}
	if len(in.TrackProcesses) > 0 || len(in.TrackBFDs) > 0 {
		log.Warn(fmt.Sprintf("(%s) track_process / track_bfd are not supported yet; ignored", in.Name))
	}
	return ic, m, nil
}

// trackers maps track_script, track_interface and track_file entries to
// the engine's trackers; their weights are resolved in the model (an entry
// without "weight" has the tracked object's). Entries naming nothing are
// skipped, as keepalived does.
func trackers(owner string, scr, ifs, fls []config.TrackRef, scripts, files map[string]bool, log *slog.Logger) []vrrp.TrackerRef {
	var out []vrrp.TrackerRef
	for _, r := range scr {
		if !scripts[r.Name] {
			log.Warn(fmt.Sprintf("(%s) track_script %s not found, ignoring...", owner, r.Name))
			continue
		}
		out = append(out, vrrp.TrackerRef{Name: r.Name, Kind: vrrp.TrackScript, Weight: r.Weight, Reverse: r.Reverse})
	}
	for _, r := range ifs {
		out = append(out, vrrp.TrackerRef{Name: r.Name, Kind: vrrp.TrackInterface, Weight: r.Weight, Reverse: r.Reverse})
	}
	for _, r := range fls {
		if !files[r.Name] {
			log.Warn(fmt.Sprintf("(%s) track_file %s not found, ignoring...", owner, r.Name))
			continue
		}
		out = append(out, vrrp.TrackerRef{Name: r.Name, Kind: vrrp.TrackFile, Weight: r.Weight, Reverse: r.Reverse})
	}
	return out
}

func family(v6 bool) string {
	if v6 {
		return "IPv6"
	}
	return "IPv4"
}

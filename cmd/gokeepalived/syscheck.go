package main

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"strings"

	"github.com/gokeepalived/gokeepalived/daemon/linux"
	"github.com/gokeepalived/gokeepalived/pkg/config"
)

// systemDiags are the configuration test's checks against the running
// system, in the current network namespace (keepalived 2.2.7 -t, which
// reads the interfaces: "WARNING - interface eth9 for vrrp_instance VI_1
// doesn't exist", then "Non-existent interface specified in
// configuration", exit 5). gokeepalived adds two that keepalived only
// finds when it runs: an instance whose interface lacks an address of
// the instance's family (no IPv4 address, or IPv6 disabled / no
// link-local address) cannot send adverts, and a script that exists but
// is not executable by the user it runs as.
func systemDiags(cfg *config.Config) config.Diagnostics {
	var out config.Diagnostics
	missing := false
	warn := func(pos config.Pos, kw, format string, args ...any) {
		out = append(out, config.Diagnostic{Pos: pos, Severity: config.Warning, Keyword: kw, Msg: fmt.Sprintf(format, args...)})
	}
	for i := range cfg.Instances {
		in := &cfg.Instances[i]
		if in.Interface == "" {
			continue
		}
		ifi, err := net.InterfaceByName(in.Interface)
		if err != nil {
			missing = true
			warn(in.Pos, "interface", "WARNING - interface %s for vrrp_instance %s doesn't exist", in.Interface, in.Name)
			continue
		}
		if why := familyProblem(ifi, in); why != "" {
			warn(in.Pos, "interface", "(%s) interface %s %s: the instance cannot send %s adverts", in.Name, in.Interface, why, family(in.IPv6))
		}
		for _, vs := range [][]config.VIP{in.VIPs, in.EVIPs} {
			for _, v := range vs {
				if v.Dev == "" || v.Dev == in.Interface {
					continue
				}
				if _, err := net.InterfaceByName(v.Dev); err != nil {
					missing = true
					warn(v.Pos, "dev", "(%s) WARNING - interface %s for ip address %s doesn't exist", in.Name, v.Dev, v.Prefix)
				}
			}
		}
		for _, t := range in.TrackInterfaces {
			if _, err := net.InterfaceByName(t.Name); err != nil {
				missing = true
				warn(t.Pos, "track_interface", "(%s) WARNING - interface %s for track_interface doesn't exist", in.Name, t.Name)
			}
		}
	}
	for _, s := range cfg.Scripts {
		out = append(out, scriptDiag(cfg, s.Pos, "script", s.Script, s.User, s.Group)...)
	}
	if missing {
		file := ""
		if len(cfg.Files) > 0 {
			file = cfg.Files[0]
		}
		warn(config.Pos{File: file}, "", "Non-existent interface specified in configuration")
	}
	return out
}

// familyProblem says why an interface cannot carry the instance's adverts.
func familyProblem(ifi *net.Interface, in *config.VRRPInstance) string {
	if in.IPv6 {
		if b, err := os.ReadFile("/proc/sys/net/ipv6/conf/" + ifi.Name + "/disable_ipv6"); err != nil || strings.TrimSpace(string(b)) == "1" {
			return "has IPv6 disabled"
		}
	}
	addrs, err := ifi.Addrs()
	if err != nil {
		return ""
	}
	for _, a := range addrs {
		n, ok := a.(*net.IPNet)
		if !ok {
			continue
		}
		ip, ok := netip.AddrFromSlice(n.IP)
		if !ok {
			continue
		}
		ip = ip.Unmap()
		if !in.IPv6 && ip.Is4() {
			return ""
		}
		if in.IPv6 && ip.Is6() && (ip.IsLinkLocalUnicast() || len(in.UnicastPeers) > 0) {
			return ""
		}
	}
	if in.IPv6 {
		return "has no IPv6 link-local address"
	}
	if in.McastSrcIP.IsValid() || in.UnicastSrcIP.IsValid() {
		return ""
	}
	return "has no IPv4 address"
}

// scriptDiag checks that an existing script is executable by its user
// (pkg/config already reports a missing one).
func scriptDiag(cfg *config.Config, pos config.Pos, kw, cmd, user, group string) config.Diagnostics {
	argv, err := linux.Argv(cmd)
	if err != nil || !strings.HasPrefix(argv[0], "/") {
		return nil
	}
	if _, err := os.Stat(argv[0]); err != nil {
		return nil
	}
	if user == "" {
		user, group = cfg.Global.ScriptUser, cfg.Global.ScriptGroup
	}
	uid, gid := uint32(0), uint32(0)
	if user != "" {
		c, err := linux.LookupUser(user, group)
		if err != nil {
			return config.Diagnostics{{Pos: pos, Severity: config.Warning, Keyword: kw, Msg: err.Error()}}
		}
		uid, gid = c.Uid, c.Gid
	}
	if _, err := linux.CheckScriptSecure(argv[0], uid, gid, false); errors.Is(err, linux.ErrScriptNotExecutable) {
		return config.Diagnostics{{Pos: pos, Severity: config.Warning, Keyword: kw, Msg: err.Error()}}
	}
	return nil
}

func family(v6 bool) string {
	if v6 {
		return "IPv6"
	}
	return "IPv4"
}

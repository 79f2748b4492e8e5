package config

import (
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strings"
	"syscall"
)

// validate makes the cross-reference checks keepalived makes once the
// whole file is read.
func (p *parser) validate() {
	c := p.cfg
	names := map[string]Pos{}
	type vridKey struct {
		ifname string
		v6     bool
		vrid   int
		group  string
	}
	vrids := map[vridKey]*VRRPInstance{}
	for i := range c.Instances {
		vi := &c.Instances[i]
		fl := &p.instFlags[i]
		if prev, ok := names[vi.Name]; ok {
			p.d.errorf(CodeDuplicate, vi.Pos, "vrrp_instance", "vrrp_instance %s already defined at %s", vi.Name, prev)
		}
		names[vi.Name] = vi.Pos
		if !vi.set.has(kVRID) {
			pos := fl.pos(kVRID)
			if pos.Line == 0 {
				pos = vi.Pos
			}
			p.d.errorf(CodeMissingRequired, pos, "virtual_router_id", "(%s) the virtual router id must be set", vi.Name)
		} else if len(vi.UnicastPeers) == 0 {
			k := vridKey{vi.Interface, vi.IPv6, vi.VRID, vi.McastDstIP.String()}
			if o, ok := vrids[k]; ok {
				p.d.errorf(CodeDuplicate, fl.pos(kVRID), "virtual_router_id", "(%s) VRID %d is already used by %s on interface %s for the same address family", vi.Name, vi.VRID, o.Name, vi.Interface)
			} else {
				vrids[k] = vi
			}
		}
		p.checkAddresses(vi, fl)
		for _, r := range vi.TrackScripts {
			if c.Script(r.Name) == nil {
				p.d.warnf(CodeUndefinedReference, r.Pos, "track_script", "(%s) track script %s not found, ignoring...", vi.Name, r.Name)
			}
		}
		for _, r := range vi.TrackFiles {
			if !hasTrackFile(c, r.Name) {
				p.d.warnf(CodeUndefinedReference, r.Pos, "track_file", "(%s) track file %s not found, ignoring...", vi.Name, r.Name)
			}
		}
		for _, r := range vi.TrackProcesses {
			if !hasTrackProcess(c, r.Name) {
				p.d.warnf(CodeUndefinedReference, r.Pos, "track_process", "(%s) track process %s not found, ignoring...", vi.Name, r.Name)
			}
		}
		if vi.Interface != "" {
			// vrrp.c: the instance's own interface is always tracked
			// (unless dont_track_primary); an explicit entry is dropped.
			kept := vi.TrackInterfaces[:0]
			for _, r := range vi.TrackInterfaces {
				if r.Name == vi.Interface {
					p.d.warnf(CodeIgnored, r.Pos, "track_interface", "(%s) Ignoring track_interface %s since own interface", vi.Name, r.Name)
					continue
				}
				kept = append(kept, r)
			}
			vi.TrackInterfaces = kept
		}
		if vi.AuthType == AuthAH && vi.IPv6 {
			p.d.errorf(CodeConflict, fl.pos(kAuth), "auth_type", "(%s) AH authentication is IPv4 only", vi.Name)
		}
		if len(vi.UnicastPeers) == 0 && (fl.pos(kUnicastPeer).Line != 0 || vi.UnicastSrcIP.IsValid()) && !vi.UnicastFaultNoPeer {
			pos := fl.pos(kUnicastPeer)
			if pos.Line == 0 {
				pos = fl.pos(kUnicastSrc)
			}
			p.d.warnf(CodeDeprecated, pos, "unicast_peer", "(%s) A unicast keyword has been specified without any unicast peers. Defaulting to multicast. This usage is deprecated - please update your configuration.", vi.Name)
		}
	}
	for gi := range c.SyncGroups {
		g := &c.SyncGroups[gi]
		kept := g.Group[:0]
		for _, m := range g.Group {
			if c.Instance(m) == nil {
				p.d.warnf(CodeUndefinedReference, g.Pos, "vrrp_sync_group", "Virtual router %s specified in sync group %s doesn't exist - ignoring", m, g.Name)
				continue
			}
			if o := c.SyncGroupOf(m); o != nil && o != g {
				p.d.errorf(CodeDuplicate, g.Pos, "vrrp_sync_group", "Virtual router %s cannot exist in more than one sync group; ignoring %s (already in %s)", m, g.Name, o.Name)
				continue
			}
			kept = append(kept, m)
		}
		g.Group = kept
		if len(g.Group) == 0 {
			p.d.warnf(CodeIgnored, g.Pos, "vrrp_sync_group", "Sync group %s has no virtual router(s). removing", g.Name)
			continue
		}
		if len(g.Group) == 1 {
			p.d.warnf(CodeSuspicious, g.Pos, "vrrp_sync_group", "Sync group %s has only 1 virtual router(s) - this probably isn't what you want", g.Name)
		}
		if !g.TrackingWeight {
			for _, m := range g.Group {
				vi := c.Instance(m)
				for _, r := range vi.TrackScripts {
					if r.Weight != 0 {
						p.d.warnf(CodeIgnored, r.Pos, "track_script", "(%s) ignoring tracked script %s with weights due to SYNC group", vi.Name, r.Name)
					}
				}
				for _, r := range vi.TrackInterfaces {
					if r.Weight != 0 {
						p.d.warnf(CodeIgnored, r.Pos, "track_interface", "(%s) ignoring tracked interface %s with weights due to SYNC group", vi.Name, r.Name)
					}
				}
			}
		}
		for _, r := range g.TrackScripts {
			if c.Script(r.Name) == nil {
				p.d.warnf(CodeUndefinedReference, r.Pos, "track_script", "(%s) track script %s not found, ignoring...", g.Name, r.Name)
			}
		}
	}
	groups := c.SyncGroups[:0]
	for _, g := range c.SyncGroups {
		if len(g.Group) > 0 {
			groups = append(groups, g)
		}
	}
	c.SyncGroups = groups
	p.scriptSecurity()
	p.checkScriptPerms()
}

func hasTrackFile(c *Config, name string) bool {
	for _, f := range c.TrackFiles {
		if f.Name == name {
			return true
		}
	}
	return false
}

func hasTrackProcess(c *Config, name string) bool {
	for _, f := range c.TrackProcesses {
		if f.Name == name {
			return true
		}
	}
	return false
}

// checkAddresses checks VIP families, labels, and unicast addresses.
func (p *parser) checkAddresses(vi *VRRPInstance, fl *instFlags) {
	for _, v := range vi.VIPs {
		if v.Prefix.Addr().Is6() != vi.IPv6 {
			p.d.errorf(CodeConflict, v.Pos, "virtual_ipaddress", "(%s) address family of %s does not match the instance's first VIP (use virtual_ipaddress_excluded to mix families)", vi.Name, v.Prefix)
		}
	}
	for _, list := range [][]VIP{vi.VIPs, vi.EVIPs} {
		for _, v := range list {
			if v.Label != "" && v.Dev != "" && !strings.HasPrefix(v.Label, v.Dev) {
				p.d.warnf(CodeSuspicious, v.Pos, "label", "(%s) label %s for VIP %s does not start with its interface name %s", vi.Name, v.Label, v.Prefix, v.Dev)
			}
		}
	}
	if vi.UnicastSrcIP.IsValid() && vi.UnicastSrcIP.Is6() != vi.IPv6 && len(vi.VIPs) > 0 {
		p.d.errorf(CodeConflict, vi.Pos, "unicast_src_ip", "(%s) unicast_src_ip %s is not of the instance's address family", vi.Name, vi.UnicastSrcIP)
	}
	for _, up := range vi.UnicastPeers {
		if up.Addr.Is6() != vi.IPv6 && len(vi.VIPs) > 0 {
			p.d.errorf(CodeConflict, up.Pos, "unicast_peer", "(%s) unicast peer %s is not of the instance's address family", vi.Name, up.Addr)
		}
	}
	if vi.McastSrcIP.IsValid() && vi.McastSrcIP.Is6() != vi.IPv6 && len(vi.VIPs) > 0 {
		p.d.errorf(CodeConflict, vi.Pos, "mcast_src_ip", "(%s) mcast_src_ip %s is not of the instance's address family", vi.Name, vi.McastSrcIP)
	}
}

// scriptSecurity reports scripts configured without enable_script_security
// (keepalived: "SECURITY VIOLATION - scripts are being executed but
// script_security not enabled.").
func (p *parser) scriptSecurity() {
	if p.cfg.Global.EnableScriptSecurity || !p.hasScripts() {
		return
	}
	pos := p.cfg.Global.Pos
	if pos.Line == 0 && len(p.cfg.Scripts) > 0 {
		pos = p.cfg.Scripts[0].Pos
	}
	if pos.Line == 0 && len(p.cfg.Files) > 0 {
		pos = Pos{File: p.cfg.Files[0], Line: 1, Col: 1}
	}
	p.d.warnf(CodeScriptSecurity, pos, "enable_script_security", securityViolation)
}

// securityViolation is keepalived's message, word for word.
const securityViolation = "SECURITY VIOLATION - scripts are being executed but script_security not enabled."

func (p *parser) hasScripts() bool {
	c := p.cfg
	var cmds []string
	for _, s := range c.Scripts {
		cmds = append(cmds, s.Script)
	}
	for _, vi := range c.Instances {
		for _, n := range []Notify{vi.NotifyMaster, vi.NotifyBackup, vi.NotifyFault, vi.NotifyStop, vi.NotifyDeleted, vi.NotifyMasterRxLowerPri, vi.Notify} {
			cmds = append(cmds, n.Command)
		}
	}
	for _, g := range c.SyncGroups {
		for _, n := range []Notify{g.NotifyMaster, g.NotifyBackup, g.NotifyFault, g.NotifyStop, g.Notify} {
			cmds = append(cmds, n.Command)
		}
	}
	for _, vs := range c.VirtualServers {
		cmds = append(cmds, vs.QuorumUp.Command, vs.QuorumDown.Command)
		for _, rs := range vs.RealServers {
			cmds = append(cmds, rs.NotifyUp.Command, rs.NotifyDown.Command)
			for _, ck := range rs.Checkers {
				cmds = append(cmds, ck.MiscPath)
			}
		}
	}
	for _, cmd := range cmds {
		if cmd != "" && p.scriptUsable(cmd) {
			return true
		}
	}
	return false
}

// scriptUsable: keepalived 2.2.7 silently drops a script whose program it
// cannot find, and only usable scripts count for the security check. Without
// Options.CheckScripts the file system is not consulted and every script
// counts.
func (p *parser) scriptUsable(cmd string) bool {
	if !p.opt.CheckScripts {
		return true
	}
	prog := firstWord(cmd)
	if strings.HasPrefix(prog, "/") {
		_, err := os.Stat(prog)
		return err == nil
	}
	_, err := exec.LookPath(prog)
	return err == nil
}

// typographic are the quote characters word processors and web pages put
// in place of ASCII quotes.
func typographicQuote(s string) (rune, bool) {
	for _, r := range s {
		switch r {
		case '\u201c', '\u201d', '\u2018', '\u2019', '\u201e', '\u201a', '\u00ab', '\u00bb', '\u2033', '\u2032', '\uff02':
			return r, true
		}
	}
	return 0, false
}

// checkTypographic names a typographic quote in a path.
func (p *parser) checkTypographic(n *node, path string) bool {
	if r, ok := typographicQuote(path); ok {
		clean := strings.Map(func(c rune) rune {
			if _, bad := typographicQuote(string(c)); bad {
				return -1
			}
			return c
		}, path)
		p.d.warnf(CodeTypographicQuote, n.pos(), n.kw.text, "path %q contains the typographic quote %q (U+%04X), probably pasted from a web page; did you mean %q?", firstWord(path), r, r, firstWord(clean))
		return true
	}
	return false
}

func firstWord(s string) string {
	f := strings.Fields(s)
	if len(f) == 0 {
		return s
	}
	return f[0]
}

// checkScriptPath checks the program of a script command line: typographic
// quotes always; existence only in config-test mode (Options.CheckScripts).
func (p *parser) checkScriptPath(n *node, cmd string) {
	typo := p.checkTypographic(n, cmd)
	if !p.opt.CheckScripts {
		return
	}
	prog := firstWord(cmd)
	if !strings.HasPrefix(prog, "/") {
		// keepalived execs the program without a shell, through PATH.
		if _, err := exec.LookPath(prog); err != nil {
			if isShellSyntax(prog) {
				// Deliberate difference: gokeepalived runs such a command
				// through a shell (as keepalived 1.x's system() did), so
				// seed 000's touch-down check works; 2.2.7 would drop it.
				p.d.warnf(CodeShellSyntax, n.pos(), n.kw.text, "script %s is shell syntax: keepalived 2.2.7 runs scripts without a shell and would disable it; gokeepalived runs it through a shell", prog)
				return
			}
			p.d.warnf(CodeScriptNotFound, n.pos(), n.kw.text, "script %s not found in PATH: disabling it", prog)
		}
		return
	}
	st, err := os.Stat(prog)
	if err != nil {
		hint := ""
		if typo {
			hint = " (the path contains a typographic quote)"
		}
		p.d.warnf(CodeScriptNotFound, n.pos(), n.kw.text, "script %s not found%s: disabling it", prog, hint)
		return
	}
	if st.Mode()&0o111 == 0 {
		p.d.warnf(CodeScriptNotExecutable, n.pos(), n.kw.text, "script %s is not executable", prog)
	}
	p.scriptRefs = append(p.scriptRefs, scriptRef{pos: n.pos(), kw: n.kw.text, prog: prog})
}

// scriptRef is an existing absolute script program, for the security check
// made once enable_script_security is known.
type scriptRef struct {
	pos  Pos
	kw   string
	prog string
}

// checkScriptPerms is keepalived's check_script_secure with
// enable_script_security: a script run as root must not be replaceable by
// another user, so the file and every directory above it must be owned by
// root and not writable by group or others (sticky directories excepted).
func (p *parser) checkScriptPerms() {
	if !p.opt.CheckScripts || !p.cfg.Global.EnableScriptSecurity {
		return
	}
	if p.cfg.Global.ScriptUser == "" {
		// keepalived runs scripts as keepalived_script when no
		// script_user is given; without that user it drops them.
		if _, err := user.Lookup("keepalived_script"); err != nil {
			for _, s := range p.cfg.Scripts {
				if s.User == "" {
					p.d.warnf(CodeScriptUser, s.Pos, "vrrp_script", "Unable to set default user keepalived_script for vrrp script %s - removing (set script_user in global_defs or create the user)", s.Name)
				}
			}
		}
	}
	for _, r := range p.scriptRefs {
		if bad, why := insecurePath(r.prog); bad != "" {
			p.d.warnf(CodeScriptInsecure, r.pos, r.kw, "Disabling script %s due to insecure permissions: %s %s", r.prog, bad, why)
		}
	}
}

func insecurePath(prog string) (string, string) {
	real, err := filepath.EvalSymlinks(prog)
	if err != nil {
		return "", ""
	}
	for path := real; ; path = filepath.Dir(path) {
		st, err := os.Stat(path)
		if err != nil {
			return "", ""
		}
		mode := st.Mode()
		sticky := mode.IsDir() && mode&os.ModeSticky != 0
		if sys, ok := st.Sys().(*syscall.Stat_t); ok {
			if sys.Uid != 0 {
				return path, "is not owned by root"
			}
			if mode&0o020 != 0 && sys.Gid != 0 && !sticky {
				return path, "is group-writable"
			}
		}
		if mode&0o002 != 0 && !sticky {
			return path, "is world-writable"
		}
		if path == "/" || path == "." {
			return "", ""
		}
	}
}

func isShellSyntax(w string) bool {
	switch w {
	case "[[", "[", "if", "test", "!", "{", "(", "for", "while", "case":
		return true
	}
	return strings.ContainsAny(w, "|&;<>()$`")
}

package linuxplat

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"os/user"
	"slices"
	"strings"

	"github.com/gokeepalived/gokeepalived/daemon"
	"github.com/gokeepalived/gokeepalived/daemon/linux"
	"github.com/gokeepalived/gokeepalived/pkg/config"
)

// defaultScriptUser is the user keepalived runs scripts as when no
// script_user is configured and it exists (global_data.c
// set_default_script_user); otherwise root.
const defaultScriptUser = "keepalived_script"

type userEntry struct {
	cred *linux.Credential // nil: root (no change)
	err  error
}

type scriptCheck struct {
	path string
	err  error
}

// RunScript runs a vrrp_script or notify script as keepalived 2.2.7 runs
// it: without a shell (config.SplitCommand splits the line), as
// script_user (or the script's own user), checked by
// check_script_secure when enable_script_security is set, in its own
// process group, a timeout ending the whole group. A command whose first
// word is shell syntax (config.IsShellSyntax) and no program is run by
// /bin/sh -c, the same exception the simulator makes (see
// docs/config-reference.md). A check script's result comes back through
// done on the reactor; a notify script runs on its own (at most
// MaxNotify at once; beyond that it is not run and a warning says so).
func (p *Platform) RunScript(req daemon.ScriptRequest, done func(daemon.ScriptResult)) {
	s, err := p.prepareScript(req)
	if err != nil {
		p.log.Warn(fmt.Sprintf("Cannot run %s script %q: %v", req.Name, req.Cmd, err))
		if done != nil {
			p.r.Post(func() { done(daemon.ScriptResult{ExitCode: -1, Err: err}) })
		}
		return
	}
	if req.Kind == daemon.ScriptNotify || done == nil {
		if int(p.notifyRunning.Load()) >= p.opt.MaxNotify {
			p.stats.NotifySkipped++
			p.log.Warn(fmt.Sprintf("notify script %q not run: %d notify scripts are still running", req.Cmd, p.opt.MaxNotify))
			return
		}
		p.notifyRunning.Add(1)
		p.notifyWG.Add(1)
		go func() {
			defer p.notifyWG.Done()
			defer p.notifyRunning.Add(-1)
			res := p.runScript(p.notifyCtx, s)
			if res.Err != nil || res.ExitCode != 0 {
				p.log.Debug(fmt.Sprintf("notify script %q: exit %d", req.Cmd, res.ExitCode), "err", res.Err, "output", clip(res.Output))
			}
		}()
		return
	}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		res := p.runScript(p.ctx, s)
		if len(res.Output) > 0 || res.OutputDropped > 0 {
			p.log.Debug(fmt.Sprintf("script %s output", req.Name), "output", clip(res.Output), "dropped", res.OutputDropped)
		}
		p.r.Post(func() {
			done(daemon.ScriptResult{ExitCode: res.ExitCode, TimedOut: res.TimedOut, Err: res.Err})
		})
	}()
}

// runScript forks in the platform's namespace.
func (p *Platform) runScript(ctx context.Context, s linux.Script) linux.ScriptResult {
	var res linux.ScriptResult
	if err := p.inNS(func() error { res = linux.RunScript(ctx, s); return nil }); err != nil {
		res = linux.ScriptResult{ExitCode: -1, Err: err}
	}
	return res
}

// prepareScript resolves the command line, the user and the security
// check of one run.
func (p *Platform) prepareScript(req daemon.ScriptRequest) (linux.Script, error) {
	s := linux.Script{Timeout: req.Timeout}
	var g *config.GlobalDefs
	if p.cfg != nil {
		g = &p.cfg.Global
	}
	u, err := p.scriptUser(req.User, g)
	if err != nil {
		return s, err
	}
	s.User = u
	argv, err := linux.Argv(req.Cmd, req.Args...)
	if err != nil {
		return s, err
	}
	if shellCommand(argv[0]) {
		s.Shell = req.Cmd
		for _, a := range req.Args {
			s.Shell += " " + shellQuote(a)
		}
		return s, nil
	}
	uid, gid := uint32(0), uint32(0)
	if u != nil {
		uid, gid = u.Uid, u.Gid
	}
	enforce := g != nil && g.EnableScriptSecurity
	key := fmt.Sprintf("%s\x00%d:%d:%v", argv[0], uid, gid, enforce)
	c, ok := p.secure[key]
	if !ok {
		chk, err := linux.CheckScriptSecure(argv[0], uid, gid, enforce)
		c = scriptCheck{path: chk.Path, err: err}
		if err == nil && chk.Insecure != "" {
			p.log.Warn(fmt.Sprintf("WARNING - script %s is insecure (%s) and enable_script_security is not set", argv[0], chk.Insecure))
		}
		p.secure[key] = c
	}
	if c.err != nil {
		return s, c.err
	}
	s.Argv = append([]string{c.path}, argv[1:]...)
	return s, nil
}

// shellCommand is the documented exception: the first word is shell
// syntax and not a program.
func shellCommand(prog string) bool {
	if !config.IsShellSyntax(prog) {
		return false
	}
	if strings.Contains(prog, "/") {
		return true
	}
	_, err := exec.LookPath(prog)
	return err != nil
}

func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// scriptUser is the credential a script runs with: its own `user`, else
// script_user, else keepalived_script when that user exists, else root.
func (p *Platform) scriptUser(name string, g *config.GlobalDefs) (*linux.Credential, error) {
	group := ""
	if name == "" && g != nil {
		name, group = g.ScriptUser, g.ScriptGroup
	}
	if name == "" {
		if _, err := user.Lookup(defaultScriptUser); err != nil {
			return nil, nil
		}
		name = defaultScriptUser
	}
	if name == "root" && group == "" {
		return nil, nil
	}
	key := name + ":" + group
	e, ok := p.users[key]
	if !ok {
		c, err := linux.LookupUser(name, group)
		if err == nil {
			e.cred = &c
		}
		e.err = err
		p.users[key] = e
	}
	return e.cred, e.err
}

// configureFiles watches the track_file files with inotify and pushes
// their changes to the driver (which also polls them every second).
func (p *Platform) configureFiles(cfg *config.Config) {
	var paths []string
	for _, f := range cfg.TrackFiles {
		if f.File != "" && !slices.Contains(paths, f.File) {
			paths = append(paths, f.File)
		}
	}
	if p.watcher != nil {
		p.watcher.Close()
		p.watcher = nil
	}
	if len(paths) == 0 {
		return
	}
	w, err := linux.WatchFiles(paths)
	if err != nil {
		p.log.Warn("track_file: cannot watch the files; they are polled every second", "err", err)
		return
	}
	p.watcher = w
	resolved := w.Paths()
	byResolved := map[string]string{}
	for i, rp := range resolved {
		byResolved[rp] = paths[i]
	}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		err := w.Run(p.ctx, func(ev linux.FileEvent) {
			path := byResolved[ev.Path]
			p.r.Post(func() {
				if p.files != nil && path != "" {
					p.stats.FileEvents++
					p.files.FileChanged(path)
				}
			})
		})
		if err != nil && !errors.Is(err, context.Canceled) {
			p.log.Warn("track_file: watching stopped; files are polled every second", "err", err)
		}
	}()
}

// ReadFile reads a tracked file.
func (p *Platform) ReadFile(path string) ([]byte, error) { return readFile(path) }

// clip is the start of a script's output, for a log line.
func clip(b []byte) string {
	const n = 200
	if len(b) > n {
		return string(b[:n]) + "…"
	}
	return string(b)
}

package sim

import (
	"fmt"
	"io"
	"io/fs"
	"strings"

	"github.com/gokeepalived/gokeepalived/daemon"
	"github.com/gokeepalived/gokeepalived/pkg/config"
)

// newDriver parses the node's keepalived.conf (includes resolved in the
// node's filesystem) and builds a fresh daemon.Driver on a new platform.
func (n *node) newDriver() (driver, error) {
	cfg, err := n.loadConfig()
	if err != nil {
		return nil, err
	}
	plat := &platform{n: n, gen: n.gen}
	drv, err := daemon.New(cfg, plat, n.w.log.With("node", n.name),
		daemon.RephaseOnRejected(!n.model.NoRephaseOnRejected))
	if err != nil {
		return nil, err
	}
	return n.withChecker(cfg, plat, drv)
}

// loadConfig parses the node's keepalived.conf, recording the diagnostics
// as typed observations (and logging them).
func (n *node) loadConfig() (*config.Config, error) {
	src, err := n.fs.read(ConfigPath)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", ConfigPath, err)
	}
	cfg, diags, err := config.Parse(n.name, src, config.Options{FS: nodeFS{n.fs}})
	lg := n.w.diagLog.With("node", n.name)
	for _, d := range diags {
		n.w.obs.diagnostic(n.name, d)
		lg.Warn(d.String())
	}
	if err != nil {
		return nil, fmt.Errorf("parse %s: %w", ConfigPath, err)
	}
	if cfg == nil {
		return nil, fmt.Errorf("parse %s: no configuration", ConfigPath)
	}
	return cfg, nil
}

func (n *node) reload() error {
	p := n.proc
	if p == nil {
		return fmt.Errorf("sim: %s: %w: no daemon running", n.name, ErrDaemonState)
	}
	if p.paused {
		return fmt.Errorf("sim: %s: %w: daemon is paused (SIGHUP is held until SIGCONT)", n.name, ErrDaemonState)
	}
	if p.starting {
		// Not up yet: the daemon will start with the new configuration
		// (the driver is built again; nothing of the old one ran).
		drv, err := n.newDriver()
		if err != nil {
			return fmt.Errorf("sim: %s: reload: %w", n.name, err)
		}
		p.drv = drv
		n.w.obs.event(n.name, "", "daemon", "reload (SIGHUP) before the daemon is up: it starts with the new configuration")
		return nil
	}
	cfg, err := n.loadConfig()
	if err != nil {
		return fmt.Errorf("sim: %s: reload: %w", n.name, err)
	}
	n.w.obs.event(n.name, "", "daemon", "reload (SIGHUP)")
	if err := p.drv.Reload(cfg); err != nil {
		return fmt.Errorf("sim: %s: %w", n.name, err)
	}
	return nil
}

// nodeFS exposes a node's filesystem as an fs.FS (paths without the
// leading slash) for config includes.
type nodeFS struct{ m *memFS }

func (f nodeFS) Open(name string) (fs.File, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrInvalid}
	}
	p := "/" + name
	if name == "." {
		p = "/"
	}
	fi, err := f.m.stat(p)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	if fi.IsDir() {
		ents, _ := f.m.list(p)
		return &memDir{fi: fi, ents: ents}, nil
	}
	b, _ := f.m.read(p)
	return &memOpenFile{fi: fi, r: strings.NewReader(string(b))}, nil
}

type memOpenFile struct {
	fi fs.FileInfo
	r  *strings.Reader
}

func (f *memOpenFile) Stat() (fs.FileInfo, error) { return f.fi, nil }
func (f *memOpenFile) Read(b []byte) (int, error) { return f.r.Read(b) }
func (f *memOpenFile) Close() error               { return nil }

type memDir struct {
	fi   fs.FileInfo
	ents []fs.DirEntry
	off  int
}

func (d *memDir) Stat() (fs.FileInfo, error) { return d.fi, nil }
func (d *memDir) Read([]byte) (int, error) {
	return 0, &fs.PathError{Op: "read", Path: d.fi.Name(), Err: fs.ErrInvalid}
}
func (d *memDir) Close() error { return nil }
func (d *memDir) ReadDir(n int) ([]fs.DirEntry, error) {
	rest := d.ents[d.off:]
	if n <= 0 {
		d.off = len(d.ents)
		return rest, nil
	}
	if len(rest) == 0 {
		return nil, io.EOF
	}
	if n > len(rest) {
		n = len(rest)
	}
	d.off += n
	return rest[:n], nil
}

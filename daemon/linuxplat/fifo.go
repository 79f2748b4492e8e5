package linuxplat

import (
	"errors"
	"fmt"
	"os"

	"golang.org/x/sys/unix"

	"github.com/gokeepalived/gokeepalived/daemon"
	"github.com/gokeepalived/gokeepalived/pkg/config"
	"github.com/gokeepalived/gokeepalived/pkg/vrrp"
)

// notifyFIFO is notify_fifo / vrrp_notify_fifo as keepalived 2.2.7 keeps
// them (lib/notify.c fifo_open, vrrp_notify.c notify_fifo): the FIFO is
// created (0644) if missing, its notify_fifo_script is started with the
// FIFO's name as last argument, and every instance and sync group state
// change is written as `INSTANCE "VI_1" MASTER 100` / `GROUP "G" BACKUP
// 0`, without blocking (a reader that does not keep up loses lines, as
// with keepalived's non-blocking write).
type notifyFIFO struct {
	path    string
	f       *os.File
	created bool
}

func (p *Platform) openFIFOs(cfg *config.Config) {
	p.closeFIFOs()
	g := &cfg.Global
	for _, spec := range []struct{ path, script string }{
		{g.NotifyFIFO, g.NotifyFIFOScript},
		{g.VRRPNotifyFIFO, g.VRRPNotifyFIFOScript},
	} {
		if spec.path == "" {
			continue
		}
		ff := &notifyFIFO{path: spec.path}
		err := unix.Mkfifo(spec.path, 0o644)
		switch {
		case err == nil:
			ff.created = true
		case !errors.Is(err, unix.EEXIST):
			p.log.Warn(fmt.Sprintf("Unable to create notify fifo %s", spec.path), "err", err)
			continue
		}
		if spec.script != "" {
			p.RunScript(daemon.ScriptRequest{Kind: daemon.ScriptNotify, Name: "notify_fifo_script", Cmd: spec.script, Args: []string{spec.path}}, nil)
		}
		f, err := os.OpenFile(spec.path, os.O_RDWR|unix.O_NONBLOCK|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
		if err != nil {
			p.log.Warn(fmt.Sprintf("Unable to open notify fifo %s", spec.path), "err", err)
			if ff.created {
				_ = os.Remove(spec.path)
			}
			continue
		}
		ff.f = f
		p.fifos = append(p.fifos, ff)
	}
}

// writeFIFO writes a state change to the FIFOs.
func (p *Platform) writeFIFO(r daemon.Report) {
	if len(p.fifos) == 0 {
		return
	}
	var line string
	switch {
	case r.Kind == daemon.ReportState && r.Cause != vrrp.CauseResumed:
		// A resumed MASTER changed nothing for the world (no notify
		// script runs either).
		line = fmt.Sprintf("INSTANCE %q %s %d\n", r.Instance, r.To, r.Priority)
	case r.Kind == daemon.ReportGroupState:
		line = fmt.Sprintf("GROUP %q %s 0\n", r.Instance, r.To)
	default:
		return
	}
	for _, ff := range p.fifos {
		_, _ = ff.f.WriteString(line)
	}
}

func (p *Platform) closeFIFOs() {
	for _, ff := range p.fifos {
		// Unlink first, so that a script reopening it in a loop cannot.
		if ff.created {
			_ = os.Remove(ff.path)
		}
		ff.f.Close()
	}
	p.fifos = nil
}

package linuxplat

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/gokeepalived/gokeepalived/daemon"
	"github.com/gokeepalived/gokeepalived/daemon/reactor"
	"github.com/gokeepalived/gokeepalived/pkg/config"
	"github.com/gokeepalived/gokeepalived/pkg/vrrp"
)

// readyTimeout bounds the wait for the netlink monitor's first view.
const readyTimeout = 10 * time.Second

// ErrClosed is returned by Host methods after the host has ended.
var ErrClosed = errors.New("linux platform: host closed")

// Host runs one daemon.Driver on a Platform: the reactor goroutine, the
// platform's watchers and the driver, in one network namespace. It is
// what one gokeepalived VRRP process runs; tests run two in one process,
// one per namespace.
type Host struct {
	R *reactor.Reactor
	P *Platform

	drv    *daemon.Driver
	cfg    *config.Config
	cancel context.CancelFunc
	done   chan struct{}
	closed bool
}

// StartHost builds the platform, waits for its first view of the
// interfaces, opens the sockets cfg needs, installs the static addresses,
// routes and rules, and starts the driver; resume lists the instances a
// dead predecessor held as MASTER (daemon.Driver.StartResume).
func StartHost(cfg *config.Config, opt Options, resume []vrrp.Resume) (*Host, error) {
	p, err := New(opt)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	h := &Host{R: p.Reactor(), P: p, cfg: cfg, cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(h.done)
		_ = p.Run(ctx)
	}()
	p.Start()
	select {
	case <-p.Ready():
	case err := <-p.MonitorFailed():
		h.close()
		return nil, fmt.Errorf("linux platform: %w", err)
	case <-time.After(readyTimeout):
		h.close()
		return nil, fmt.Errorf("linux platform: no netlink view of the interfaces after %v", readyTimeout)
	}
	err = h.Do(func() error {
		p.Configure(cfg)
		p.InstallStatic(cfg)
		d, err := daemon.New(cfg, p, opt.Log)
		if err != nil {
			return err
		}
		p.Attach(d)
		h.drv = d
		return d.StartResume(resume)
	})
	if err != nil {
		if h.drv == nil {
			_ = h.Do(func() error { p.RemoveStatic(); return nil })
		}
		h.close()
		return nil, err
	}
	return h, nil
}

// Do runs fn on the reactor and waits for it.
func (h *Host) Do(fn func() error) error {
	errc := make(chan error, 1)
	h.R.Post(func() { errc <- fn() })
	select {
	case err := <-errc:
		return err
	case <-h.done:
		select {
		case err := <-errc:
			return err
		default:
			return ErrClosed
		}
	}
}

// Driver is the host's driver; use it only inside Do.
func (h *Host) Driver() *daemon.Driver { return h.drv }

// Config is the configuration in force; use it only inside Do.
func (h *Host) Config() *config.Config { return h.cfg }

// Reload applies cfg (SIGHUP): the driver keeps the running state, the
// platform opens and closes sockets and static items as cfg says. On
// error nothing changed.
func (h *Host) Reload(cfg *config.Config) error {
	return h.Do(func() error {
		if err := h.drv.Reload(cfg); err != nil {
			return err
		}
		h.cfg = cfg
		h.P.Configure(cfg)
		h.P.InstallStatic(cfg)
		return nil
	})
}

// Status is the engine's snapshot of one instance.
func (h *Host) Status(name string) (vrrp.Status, bool) {
	var st vrrp.Status
	var ok bool
	_ = h.Do(func() error { st, ok = h.drv.Status(name); return nil })
	return st, ok
}

// Stop is SIGTERM: every MASTER sends priority 0 and releases its
// addresses, notify_stop runs, static items are removed; then the host
// ends, giving notify scripts up to notifyGrace to finish before they are
// killed.
func (h *Host) Stop(notifyGrace time.Duration) {
	if h.closed {
		return
	}
	_ = h.Do(func() error {
		h.drv.Stop()
		h.P.RemoveStatic()
		return nil
	})
	h.closeWith(notifyGrace)
}

// Abandon ends the host without stopping the driver: addresses stay in
// the kernel, no priority-0 advert is sent. It is what a killed process
// leaves behind (its scripts die with it).
func (h *Host) Abandon() { h.close() }

// Done is closed when the host has ended.
func (h *Host) Done() <-chan struct{} { return h.done }

func (h *Host) close() { h.closeWith(0) }

func (h *Host) closeWith(notifyGrace time.Duration) {
	if h.closed {
		return
	}
	h.closed = true
	h.cancel()
	h.P.Stop()
	<-h.done
	h.P.Close(notifyGrace)
}

// Release sends one priority-0 advert for each named instance and
// removes its addresses, routes and rules (daemon.Driver.Release), with
// a platform of its own that lives only for that: the supervisor's clean
// failover when the VRRP worker keeps dying or had to be killed.
func Release(cfg *config.Config, opt Options, masters []vrrp.Resume) error {
	p, err := New(opt)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(context.Background())
	h := &Host{R: p.Reactor(), P: p, cfg: cfg, cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(h.done)
		_ = p.Run(ctx)
	}()
	defer h.close()
	p.Start()
	select {
	case <-p.Ready():
	case err := <-p.MonitorFailed():
		return fmt.Errorf("release: %w", err)
	case <-time.After(readyTimeout):
		return fmt.Errorf("release: no netlink view of the interfaces after %v", readyTimeout)
	}
	return h.Do(func() error {
		p.cfg = cfg
		d, err := daemon.New(cfg, p, opt.Log)
		if err != nil {
			return err
		}
		names := make([]string, len(masters))
		seq := map[string]uint32{}
		for i, m := range masters {
			names[i] = m.Instance
			seq[m.Instance] = m.AHSeq
		}
		d.Release(names, seq)
		return nil
	})
}

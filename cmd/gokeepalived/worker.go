package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/gokeepalived/gokeepalived/daemon/klog"
	"github.com/gokeepalived/gokeepalived/daemon/linuxplat"
	"github.com/gokeepalived/gokeepalived/daemon/supervise"
	"github.com/gokeepalived/gokeepalived/pkg/config"
)

// notifyGrace is how long a stopping worker lets its notify_stop scripts
// run (keepalived's children exit and their scripts get SIGTERM through
// PR_SET_PDEATHSIG); the stop stays within the 1 s keepalived users
// expect.
const notifyGrace = 500 * time.Millisecond

// runWorker is the VRRP process: the Linux platform and the driver,
// signals, the dumps, and the supervisor's lifeline.
func runWorker(o *options, w *supervise.Worker) int {
	tuneRuntime()
	log, err := openLog(o, "Keepalived_vrrp", os.Stderr)
	if err != nil {
		fmt.Fprintf(os.Stderr, "gokeepalived: %v\n", err)
		return supervise.ExitConfig
	}
	defer log.Close()
	if w.Role != supervise.RoleVRRP {
		log.Error("unknown worker role " + w.Role)
		return supervise.ExitFatal
	}
	pf, err := supervise.LockPIDFile(o.vrrpPID)
	if err != nil {
		log.Error(err.Error())
		return supervise.ExitFatal
	}
	defer pf.Remove()
	if err := pf.Write(os.Getpid()); err != nil {
		log.Error(err.Error())
		return supervise.ExitFatal
	}
	cfg, err := loadConfig(o, log.Logger)
	if err != nil {
		log.Error("the configuration does not load: " + err.Error())
		return supervise.ExitConfig
	}
	ns, err := namespace(o)
	if err != nil {
		log.Error(err.Error())
		return supervise.ExitFatal
	}
	// Signals first: a SIGTERM that arrives while the host starts is
	// handled once it has started.
	sigs := make(chan os.Signal, 8)
	signal.Notify(sigs, daemonSignals...)
	life := w.Lifeline()
	h, err := linuxplat.StartHost(cfg, linuxplat.Options{Namespace: ns, Log: log.Logger, OnReport: w.Report, TimerSlack: timerSlack(cfg)}, w.Resume)
	if err != nil {
		log.Error("cannot start: " + err.Error())
		return supervise.ExitFatal
	}
	w.Ready()
	settle()
	for {
		select {
		case <-life:
			log.Warn("the supervisor process is gone: stopping")
			h.Stop(notifyGrace)
			return supervise.ExitOK
		case <-h.Done():
			log.Error("the VRRP process's event loop ended")
			return supervise.ExitFatal
		case err := <-h.P.MonitorFailed():
			// A respawned worker resumes what this one holds.
			log.Error("netlink monitor failed: " + err.Error())
			h.Abandon()
			return supervise.ExitFatal
		case sig := <-sigs:
			switch sig {
			case syscall.SIGTERM, syscall.SIGINT:
				log.Info("Stopping")
				h.Stop(notifyGrace)
				return supervise.ExitOK
			case syscall.SIGHUP:
				reload(o, h, log)
			case syscall.SIGUSR1:
				log.Info(fmt.Sprintf("Printing VRRP data for process(%d) on signal", os.Getpid()))
				dump(h, log, linuxplat.DataFile, h.WriteData)
			case syscall.SIGUSR2:
				log.Info(fmt.Sprintf("Printing VRRP stats for process(%d) on signal", os.Getpid()))
				dump(h, log, linuxplat.StatsFile, func(w io.Writer) error { return h.WriteStats(w, false) })
			case sigStatsClear:
				log.Info(fmt.Sprintf("Printing VRRP stats for process(%d) on signal", os.Getpid()))
				dump(h, log, linuxplat.StatsFile, func(w io.Writer) error { return h.WriteStats(w, true) })
			case sigJSON:
				log.Info(fmt.Sprintf("Printing VRRP as json for process(%d) on signal", os.Getpid()))
				dump(h, log, linuxplat.JSONFile, h.WriteJSON)
			}
		}
	}
}

func reload(o *options, h *linuxplat.Host, log *klog.Logger) {
	cfg, err := loadConfig(o, log.Logger)
	if err != nil {
		log.Error("Reload failed, the running configuration is kept: " + err.Error())
		return
	}
	if err := h.Reload(cfg); err != nil {
		log.Error("Reload failed, the running configuration is kept: " + err.Error())
	}
}

func dump(h *linuxplat.Host, log *klog.Logger, name string, fn func(io.Writer) error) {
	err := h.Do(func() error { return h.WriteDumpFile(name, fn) })
	if err != nil && !errors.Is(err, linuxplat.ErrClosed) {
		log.Error(err.Error())
	}
}

// maxTimerSlack bounds how late the VRRP process lets a timer run so that
// timers due close together share one wake-up: with 1,000 instances
// their adverts fall every millisecond, and one wake-up per advert costs
// more than the advert (docs/operations.md). 5 ms is 0.5 % of the
// default advert_int and far below Skew_Time.
const maxTimerSlack = 5 * time.Millisecond

// timerSlack is maxTimerSlack, or a twentieth of the shortest advert_int
// when that is shorter (VRRPv3 allows 10 ms); GKL_TIMER_SLACK (a
// duration) overrides it.
func timerSlack(cfg *config.Config) time.Duration {
	if d, err := time.ParseDuration(os.Getenv("GKL_TIMER_SLACK")); err == nil {
		return d
	}
	slack := maxTimerSlack
	for _, in := range cfg.Instances {
		if in.AdvertInt > 0 {
			slack = min(slack, in.AdvertInt/20)
		}
	}
	return slack
}

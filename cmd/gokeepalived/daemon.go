package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"slices"
	"strings"
	"syscall"

	"github.com/vishvananda/netns"

	"github.com/gokeepalived/gokeepalived/daemon/klog"
	"github.com/gokeepalived/gokeepalived/daemon/linuxplat"
	"github.com/gokeepalived/gokeepalived/daemon/supervise"
	"github.com/gokeepalived/gokeepalived/pkg/config"
	"github.com/gokeepalived/gokeepalived/pkg/vrrp"
)

// envDetached marks the process a detaching gokeepalived started (it
// inherited the locked pid file as descriptor 3).
const envDetached = "GOKEEPALIVED_DETACHED"

const versionString = "gokeepalived (keepalived 2.2.7 compatible)"

// daemonSignals are the signals the supervisor and the workers handle.
var daemonSignals = []os.Signal{syscall.SIGHUP, syscall.SIGTERM, syscall.SIGINT, syscall.SIGUSR1, syscall.SIGUSR2, sigJSON, sigStatsClear}

// openLog opens keepalived's outputs for one process.
func openLog(o *options, ident string, stderr io.Writer) (*klog.Logger, error) {
	opt := klog.Options{Ident: ident, Syslog: !o.noSyslog, Console: o.logConsole, Stderr: stderr,
		File: o.logFile, Detail: o.logDetail, JSON: o.logJSON}
	if o.facility != "" {
		f, err := klog.ParseFacility(o.facility)
		if err != nil {
			return nil, err
		}
		opt.Facility = f
	}
	return klog.New(opt)
}

// loadConfig loads the configuration; errors (not warnings) refuse it,
// each named by file:line:col.
func loadConfig(o *options, log *slog.Logger) (*config.Config, error) {
	id := o.configID
	if id == "" {
		id = shortHostname()
	}
	cfg, diags, err := config.Load(o.file, config.Options{ConfigID: id})
	for _, d := range diags {
		if d.Severity == config.Error {
			log.Error(d.String())
		} else {
			log.Warn(d.String())
		}
	}
	if err != nil {
		var le *config.LoadError
		if errors.As(err, &le) && len(le.Errors) > 0 {
			return nil, fmt.Errorf("%s (and %d more errors)", le.Errors[0], len(le.Errors)-1)
		}
		return nil, err
	}
	if cfg == nil {
		return nil, fmt.Errorf("config: %s: nothing loaded", o.file)
	}
	return cfg, nil
}

// namespace opens -s NAME (/run/netns/NAME); nil for the process's own.
func namespace(o *options) (*netns.NsHandle, error) {
	if o.namespace == "" {
		return nil, nil
	}
	ns, err := netns.GetFromName(o.namespace)
	if err != nil {
		return nil, fmt.Errorf("network namespace %s: %w", o.namespace, err)
	}
	return &ns, nil
}

// runDaemon is the supervisor: keepalived's parent process.
func runDaemon(o *options, stderr io.Writer) int {
	tuneRuntime()
	detached := os.Getenv(envDetached) != ""
	var pf *supervise.PIDFile
	var err error
	if detached {
		_ = os.Unsetenv(envDetached)
		pf, err = supervise.AdoptPIDFile(3, o.pidFile)
	} else {
		pf, err = supervise.LockPIDFile(o.pidFile)
	}
	if err != nil {
		fmt.Fprintf(stderr, "gokeepalived: %v\n", err)
		return supervise.ExitFatal
	}
	if !o.dontFork && !detached {
		// keepalived xdaemon: the daemon runs in a new session, the
		// command returns. The pid file's lock goes with it.
		return detach(o, pf, stderr)
	}
	log, err := openLog(o, "Keepalived", stderr)
	if err != nil {
		fmt.Fprintf(stderr, "gokeepalived: %v\n", err)
		pf.Close()
		return supervise.ExitConfig
	}
	defer log.Close()
	if err := pf.Write(os.Getpid()); err != nil {
		log.Error(err.Error())
		pf.Close()
		return supervise.ExitFatal
	}
	defer pf.Remove()
	log.Info("Starting " + versionString)
	log.Info("Command line: " + quoteArgs(os.Args))
	for _, opt := range o.ignored {
		log.Warn(fmt.Sprintf("option %s is not supported by gokeepalived; ignored", opt))
	}
	log.Info("Configuration file " + o.file)
	cfg, err := loadConfig(o, log.Logger)
	if err != nil {
		log.Error("Stopping: the configuration does not load: " + err.Error())
		return supervise.ExitConfig
	}
	if o.dump {
		dumpConfig(log.Logger, cfg)
	}
	ns, err := namespace(o)
	if err != nil {
		log.Error(err.Error())
		return supervise.ExitFatal
	}
	var roles []string
	if !o.checkOnly && (len(cfg.Instances) > 0 || o.all) {
		roles = append(roles, supervise.RoleVRRP)
	}
	if !o.vrrpOnly && (len(cfg.VirtualServers) > 0 || o.all) {
		// The slot of issue 12's checker process.
		log.Warn("the LVS health-checker process is not part of gokeepalived yet: virtual_server blocks are not run")
	}
	for _, in := range cfg.Instances {
		if len(in.TrackBFDs) > 0 {
			log.Warn(fmt.Sprintf("(%s) track_bfd is not supported by gokeepalived: ignored", in.Name))
		}
		if in.UseVMAC {
			log.Warn(fmt.Sprintf("(%s) use_vmac is not supported by gokeepalived yet: the instance runs on %s itself, with its own MAC", in.Name, in.Interface))
		}
	}
	notifyWarnings(log.Logger, cfg)
	sigs := make(chan os.Signal, 8)
	signal.Notify(sigs, daemonSignals...)
	defer signal.Stop(sigs)
	logger := log.Logger
	sup := supervise.New(supervise.Spec{
		Exe: "/proc/self/exe", Args: os.Args[1:], Env: os.Environ(),
		Stdout: os.Stdout, Stderr: os.Stderr,
		Roles: roles, Log: logger, Config: cfg,
		Load: func() (*config.Config, error) { return loadConfig(o, logger) },
		Release: func(cfg *config.Config, masters []vrrp.Resume) error {
			return linuxplat.Release(cfg, linuxplat.Options{Namespace: ns, Log: logger}, masters)
		},
		ChildWait: cfg.Global.ChildWaitTime,
		OnSpawn:   func(string, int) { settle() },
	})
	if err := sup.Run(context.Background(), sigs); err != nil {
		log.Error(err.Error())
		return supervise.ExitFatal
	}
	log.Info("Stopped " + versionString)
	return supervise.ExitOK
}

// detach starts the daemon in a new session with the locked pid file as
// descriptor 3 and standard streams on /dev/null, and returns.
func detach(o *options, pf *supervise.PIDFile, stderr io.Writer) int {
	devnull, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
	if err != nil {
		fmt.Fprintf(stderr, "gokeepalived: %v\n", err)
		return supervise.ExitFatal
	}
	defer devnull.Close()
	cmd := exec.Command("/proc/self/exe", os.Args[1:]...)
	cmd.Env = append(os.Environ(), envDetached+"=1")
	cmd.ExtraFiles = []*os.File{pf.File()}
	cmd.Stdin, cmd.Stdout, cmd.Stderr = devnull, devnull, devnull
	cmd.Dir = "/"
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		fmt.Fprintf(stderr, "gokeepalived: cannot start the daemon: %v\n", err)
		return supervise.ExitFatal
	}
	pf.Close()
	_ = cmd.Process.Release()
	return supervise.ExitOK
}

func quoteArgs(args []string) string {
	q := make([]string, len(args))
	for i, a := range args {
		q[i] = "'" + a + "'"
	}
	return strings.Join(q, " ")
}

func dumpConfig(log *slog.Logger, cfg *config.Config) {
	var b strings.Builder
	if err := config.Dump(&b, cfg); err != nil {
		log.Warn("dump configuration", "err", err)
		return
	}
	for _, l := range strings.Split(strings.TrimRight(b.String(), "\n"), "\n") {
		log.Info(l)
	}
}

// notifyWarnings says which notification channels are not sent yet, so
// that nothing configured is silently ignored.
func notifyWarnings(log *slog.Logger, cfg *config.Config) {
	g := &cfg.Global
	smtp := g.SMTPAlert || g.SMTPAlertVRRP || slices.ContainsFunc(cfg.Instances, func(in config.VRRPInstance) bool { return in.SMTPAlert }) ||
		slices.ContainsFunc(cfg.SyncGroups, func(sg config.SyncGroup) bool { return sg.SMTPAlert })
	if smtp {
		log.Warn("smtp_alert: gokeepalived does not send SMTP alerts yet; no email will be sent (notify scripts and notify_fifo work)")
	}
}

package main

import (
	"fmt"
	"io"
	"os"
	"syscall"

	"github.com/gokeepalived/gokeepalived/daemon/supervise"
	"github.com/gokeepalived/gokeepalived/pkg/config"
)

// keepalived's signal functions (lib/signals.h, --signum): SIGJSON is
// SIGRTMIN+2 and SIGSTATS_CLEAR SIGRTMAX-1, with glibc's SIGRTMIN 34 and
// SIGRTMAX 64 (measured: keepalived 2.2.7 --signum=JSON prints 36).
const (
	sigJSON       = syscall.Signal(36)
	sigStatsClear = syscall.Signal(63)
)

var sigFuncs = map[string]syscall.Signal{
	"STOP": syscall.SIGTERM, "RELOAD": syscall.SIGHUP, "DATA": syscall.SIGUSR1,
	"STATS": syscall.SIGUSR2, "STATS_CLEAR": sigStatsClear, "JSON": sigJSON,
}

// dispatch is the whole command: a worker started by a supervisor, the
// configuration test (-t: the original run()), --signum, or the daemon.
func dispatch(args []string, stdout, stderr io.Writer) int {
	w, isWorker, err := supervise.WorkerFromEnv()
	if err != nil {
		fmt.Fprintf(stderr, "gokeepalived: %v\n", err)
		return supervise.ExitFatal
	}
	o, err := parseOptions(args)
	if err != nil {
		fmt.Fprintf(stderr, "gokeepalived: %v\n%s", err, usage)
		return exitUsage
	}
	if isWorker {
		return runWorker(o, w)
	}
	switch {
	case o.help:
		fmt.Fprint(stdout, usage)
		return exitOK
	case o.signum != "":
		sig, ok := sigFuncs[o.signum]
		if !ok {
			fmt.Fprintf(stderr, "Unknown sigfunc %s\n", o.signum)
			return 1
		}
		fmt.Fprintln(stdout, int(sig))
		return exitOK
	case o.version:
		return run([]string{"-v"}, stdout, stderr)
	case o.test:
		return configTest(o, stdout, stderr)
	}
	return runDaemon(o, stderr)
}

// configTest is -t: run() (the configuration test pkg/config drives), then
// keepalived's checks against the running system (syscheck.go); a finding
// there makes a clean configuration exit 5, as keepalived's "Non-existent
// interface specified in configuration" does.
func configTest(o *options, stdout, stderr io.Writer) int {
	errw := stderr
	if o.testLog != "" {
		f, err := os.OpenFile(o.testLog, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
		if err != nil {
			fmt.Fprintf(stderr, "gokeepalived: %v\n", err)
			return exitCannotRun
		}
		defer f.Close()
		errw = f
	}
	args := []string{"-t", "-f", o.file}
	if o.configID != "" {
		args = append(args, "-i", o.configID)
	}
	if o.dump {
		args = append(args, "-d")
	}
	if o.dumpJSON {
		args = append(args, "--dump-json")
	}
	code := run(args, stdout, errw)
	if code == exitCannotRun {
		return code
	}
	id := o.configID
	if id == "" {
		id = shortHostname()
	}
	cfg, _, _ := config.Load(o.file, config.Options{ConfigID: id})
	if cfg == nil {
		return code
	}
	sys := systemDiags(cfg)
	for _, d := range sys {
		fmt.Fprintln(errw, d.String())
	}
	if code == exitOK && len(sys) > 0 {
		return exitConfigErrors
	}
	return code
}

package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/gokeepalived/gokeepalived/pkg/config"
)

// Exit codes of the configuration test, as keepalived 2.2.7 really
// returns them (measured with /usr/sbin/keepalived -t; the HEAD man page
// documents 3/4/5 for the same cases):
const (
	exitOK = 0
	// exitCannotRun: the configuration cannot be read at all (missing
	// main file). keepalived 2.2.7 exits 0 here; we do not.
	exitCannotRun = 3
	// exitConfigErrors: keepalived reported configuration errors
	// (KEEPALIVED_EXIT_CONFIG_TEST in 2.2.7). keepalived counts unknown
	// keywords as errors for this purpose, so warnings count too (not
	// our not-implemented notes: config.Diagnostics.KeepalivedReports).
	exitConfigErrors = 5
	// exitScriptSecurity: scripts configured without
	// enable_script_security (whatever else is wrong).
	exitScriptSecurity = 6
	// exitUsage: bad command line.
	exitUsage = 2
)

const defaultConfigFile = "/etc/keepalived/keepalived.conf"

func main() {
	os.Exit(dispatch(os.Args[1:], os.Stdout, os.Stderr))
}

// run is the whole program with its arguments and output streams, so that
// tests can drive it.
func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("gokeepalived", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		test, dump, dumpJSON, version bool
		file, configID                string
	)
	fs.BoolVar(&test, "t", false, "check the configuration and exit")
	fs.BoolVar(&test, "config-test", false, "same as -t")
	fs.StringVar(&file, "f", defaultConfigFile, "configuration file")
	fs.StringVar(&file, "use-file", defaultConfigFile, "same as -f")
	fs.BoolVar(&dump, "d", false, "print the effective configuration (canonical keepalived syntax)")
	fs.BoolVar(&dump, "dump-conf", false, "same as -d")
	fs.BoolVar(&dumpJSON, "dump-json", false, "print the configuration model as JSON")
	fs.StringVar(&configID, "i", "", "config id for @ID lines (default: short host name)")
	fs.StringVar(&configID, "config-id", "", "same as -i")
	fs.BoolVar(&version, "v", false, "print the version")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	if version {
		fmt.Fprintln(stdout, "gokeepalived (keepalived 2.2.7 configuration compatible)")
		return exitOK
	}
	if !test {
		fmt.Fprintln(stderr, "gokeepalived: only the configuration test (-t) is implemented yet")
		return exitUsage
	}
	if configID == "" {
		configID = shortHostname()
	}
	cfg, diags, err := config.Load(file, config.Options{ConfigID: configID, CheckScripts: true})
	if cfg == nil {
		fmt.Fprintf(stderr, "gokeepalived: %v\n", err)
		return exitCannotRun
	}
	for _, d := range diags {
		// The code is for tools: they match it, never the message.
		fmt.Fprintf(stderr, "%s [%s]\n", d, d.Code)
	}
	if dump {
		if err := config.Dump(stdout, cfg); err != nil {
			fmt.Fprintf(stderr, "gokeepalived: %v\n", err)
		}
	}
	if dumpJSON {
		if err := config.DumpJSON(stdout, cfg); err != nil {
			fmt.Fprintf(stderr, "gokeepalived: %v\n", err)
		}
	}
	return exitCode(diags)
}

// exitCode maps diagnostics to keepalived 2.2.7's -t exit status: the
// script security violation wins over other findings (measured: a config
// with both an unknown keyword and unsecured scripts exits 6).
func exitCode(diags config.Diagnostics) int {
	switch {
	case diags.ScriptSecurityViolation():
		return exitScriptSecurity
	case diags.KeepalivedReports():
		return exitConfigErrors
	}
	return exitOK
}

func shortHostname() string {
	h, err := os.Hostname()
	if err != nil {
		return ""
	}
	short, _, _ := strings.Cut(h, ".")
	return short
}

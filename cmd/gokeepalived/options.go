package main

import (
	"fmt"
	"strings"
)

// options is keepalived's command line (keepalived/core/main.c
// parse_cmdline, keepalived.8), parsed with getopt_long's rules: short
// options cluster (-nlD), a short option's argument may be attached
// (-fFILE) or follow (-f FILE), long options take --name=VALUE or
// --name VALUE, and "--" ends the options.
type options struct {
	file        string // -f, --use-file
	vrrpOnly    bool   // -P, --vrrp
	checkOnly   bool   // -C, --check
	all         bool   // --all
	dontFork    bool   // -n, --dont-fork
	logConsole  bool   // -l, --log-console
	logDetail   bool   // -D, --log-detail
	facility    string // -S, --log-facility
	noSyslog    bool   // -G, --no-syslog
	logFile     string // -g, --log-file
	logJSON     bool   // --log-json (gokeepalived)
	pidFile     string // -p, --pid
	vrrpPID     string // -r, --vrrp_pid
	checkersPID string // -c, --checkers_pid
	configID    string // -i, --config-id
	namespace   string // -s, --namespace
	test        bool   // -t, --config-test[=LOG_FILE]
	testLog     string
	dump        bool   // -d, --dump-conf
	dumpJSON    bool   // --dump-json (gokeepalived)
	version     bool   // -v, --version
	help        bool   // -h, --help
	signum      string // --signum=SIGFUNC
	ignored     []string
}

// optSpec is one option: its short letter (0: long only), long name and
// whether it takes an argument (1 required, 2 optional: attached only).
type optSpec struct {
	short byte
	long  string
	arg   int
	set   func(o *options, v string)
}

var optSpecs = []optSpec{
	{'f', "use-file", 1, func(o *options, v string) { o.file = v }},
	{'P', "vrrp", 0, func(o *options, _ string) { o.vrrpOnly = true }},
	{'C', "check", 0, func(o *options, _ string) { o.checkOnly = true }},
	{0, "all", 0, func(o *options, _ string) { o.all = true }},
	{'n', "dont-fork", 0, func(o *options, _ string) { o.dontFork = true }},
	{'l', "log-console", 0, func(o *options, _ string) { o.logConsole = true }},
	{'D', "log-detail", 0, func(o *options, _ string) { o.logDetail = true }},
	{'S', "log-facility", 1, func(o *options, v string) { o.facility = v }},
	{'G', "no-syslog", 0, func(o *options, _ string) { o.noSyslog = true }},
	{'g', "log-file", 1, func(o *options, v string) { o.logFile = v }},
	{0, "log-json", 0, func(o *options, _ string) { o.logJSON = true }},
	{'p', "pid", 1, func(o *options, v string) { o.pidFile = v }},
	{'r', "vrrp_pid", 1, func(o *options, v string) { o.vrrpPID = v }},
	{'c', "checkers_pid", 1, func(o *options, v string) { o.checkersPID = v }},
	{'i', "config-id", 1, func(o *options, v string) { o.configID = v }},
	{'s', "namespace", 1, func(o *options, v string) { o.namespace = v }},
	{'t', "config-test", 2, func(o *options, v string) { o.test, o.testLog = true, v }},
	{'d', "dump-conf", 0, func(o *options, _ string) { o.dump = true }},
	{0, "dump-json", 0, func(o *options, _ string) { o.dumpJSON = true }},
	{'v', "version", 0, func(o *options, _ string) { o.version = true }},
	{'h', "help", 0, func(o *options, _ string) { o.help = true }},
	{0, "signum", 1, func(o *options, v string) { o.signum = v }},
	// Accepted for compatibility, not implemented (a warning says so).
	{'B', "no_bfd", 0, nil},
	{'X', "release-vips", 0, nil},
	{'V', "dont-release-vrrp", 0, nil},
	{'I', "dont-release-ipvs", 0, nil},
	{'R', "dont-respawn", 0, nil},
	{'a', "address-monitoring", 0, nil},
	{'m', "core-dump", 0, nil},
	{'M', "core-dump-pattern", 2, nil},
	{'e', "all-config", 0, nil},
	{'u', "umask", 1, nil},
	{'x', "snmp", 0, nil},
	{'A', "snmp-agent-socket", 1, nil},
	{'b', "bfd_pid", 1, nil},
}

// Default pid files (keepalived: RUNSTATEDIR "/keepalived.pid" etc.).
const (
	defaultPIDFile      = "/run/keepalived.pid"
	defaultVRRPPIDFile  = "/run/keepalived_vrrp.pid"
	defaultCheckPIDFile = "/run/keepalived_checkers.pid"
)

func parseOptions(args []string) (*options, error) {
	o := &options{file: defaultConfigFile, pidFile: defaultPIDFile, vrrpPID: defaultVRRPPIDFile, checkersPID: defaultCheckPIDFile}
	apply := func(s *optSpec, v string) {
		if s.set != nil {
			s.set(o, v)
			return
		}
		name := "--" + s.long
		if s.short != 0 {
			name = "-" + string(s.short)
		}
		o.ignored = append(o.ignored, name)
	}
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			if i+1 < len(args) {
				return nil, fmt.Errorf("unexpected argument %q", args[i+1])
			}
			return o, nil
		case strings.HasPrefix(a, "--"):
			name, val, hasVal := strings.Cut(a[2:], "=")
			s := findLong(name)
			if s == nil {
				return nil, fmt.Errorf("unrecognized option '--%s'", name)
			}
			switch {
			case s.arg == 0 && hasVal:
				return nil, fmt.Errorf("option '--%s' doesn't allow an argument", name)
			case s.arg == 1 && !hasVal:
				if i+1 >= len(args) {
					return nil, fmt.Errorf("option '--%s' requires an argument", name)
				}
				i++
				val = args[i]
			}
			apply(s, val)
		case strings.HasPrefix(a, "-") && len(a) > 1:
			for j := 1; j < len(a); j++ {
				s := findShort(a[j])
				if s == nil {
					return nil, fmt.Errorf("invalid option -- '%c'", a[j])
				}
				if s.arg == 0 {
					apply(s, "")
					continue
				}
				val := a[j+1:]
				if val == "" && s.arg == 1 {
					if i+1 >= len(args) {
						return nil, fmt.Errorf("option requires an argument -- '%c'", a[j])
					}
					i++
					val = args[i]
				}
				apply(s, val)
				break
			}
		default:
			return nil, fmt.Errorf("unexpected argument %q", a)
		}
	}
	return o, nil
}

func findLong(name string) *optSpec {
	for i := range optSpecs {
		if optSpecs[i].long == name {
			return &optSpecs[i]
		}
	}
	return nil
}

func findShort(c byte) *optSpec {
	for i := range optSpecs {
		if optSpecs[i].short == c {
			return &optSpecs[i]
		}
	}
	return nil
}

const usage = `Usage: gokeepalived [OPTION...]
  -f, --use-file=FILE          Use the specified configuration file
                                default '/etc/keepalived/keepalived.conf'
  -P, --vrrp                   Only run with VRRP subsystem
  -C, --check                  Only run with Health-checker subsystem
      --all                    Force all child processes to run, even if have no configuration
  -l, --log-console            Log messages to local console
  -D, --log-detail             Detailed log messages
  -S, --log-facility=([0-7]|local[0-7]|user|daemon)
                               Set syslog facility to LOG_LOCAL[0-7], user or daemon (default)
  -G, --no-syslog              Don't log via syslog
  -g, --log-file=FILE          Also log to FILE
      --log-json               Console and file log lines as JSON
  -n, --dont-fork              Don't fork the daemon process
  -d, --dump-conf              Dump the configuration data
      --dump-json              Dump the configuration model as JSON (with -t)
  -p, --pid=FILE               Use specified pidfile for parent process
  -r, --vrrp_pid=FILE          Use specified pidfile for VRRP child process
  -c, --checkers_pid=FILE      Use specified pidfile for checkers child process
  -s, --namespace=NAME         Run in network namespace NAME
  -i, --config-id id           Skip any configuration lines beginning '@' that don't match id
                                or any lines beginning @^ that do match.
                                The config-id defaults to the node name if option not used
      --signum=SIGFUNC         Return signal number for STOP, RELOAD, DATA, STATS, STATS_CLEAR, JSON
  -t, --config-test[=LOG_FILE] Check the configuration for obvious errors, output to
                                stderr by default
  -v, --version                Display the version number
  -h, --help                   Display this help message
`

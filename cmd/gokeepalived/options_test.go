package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// keepalived's command line follows getopt_long: clustered short options,
// attached or separate arguments, --long=value and --long value.
func TestParseOptions(t *testing.T) {
	o, err := parseOptions([]string{"-nlD", "-fconf", "-S", "local3", "--pid=/p", "--vrrp_pid", "/r", "-P", "-i", "lb01", "-tlog", "--signum=JSON", "-X"})
	if err != nil {
		t.Fatal(err)
	}
	if !o.dontFork || !o.logConsole || !o.logDetail || o.file != "conf" || o.facility != "local3" || o.pidFile != "/p" ||
		o.vrrpPID != "/r" || !o.vrrpOnly || o.configID != "lb01" || !o.test || o.testLog != "log" || o.signum != "JSON" {
		t.Errorf("parsed %+v", o)
	}
	if len(o.ignored) != 1 || o.ignored[0] != "-X" {
		t.Errorf("ignored %v, want [-X]", o.ignored)
	}
	d, _ := parseOptions(nil)
	if d.file != "/etc/keepalived/keepalived.conf" || d.pidFile != "/run/keepalived.pid" || d.vrrpPID != "/run/keepalived_vrrp.pid" || d.checkersPID != "/run/keepalived_checkers.pid" {
		t.Errorf("defaults %+v", d)
	}
	for _, bad := range [][]string{{"-q"}, {"--nope"}, {"-f"}, {"--use-file"}, {"--dont-fork=1"}, {"stray"}} {
		if _, err := parseOptions(bad); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
}

// keepalived --signum prints the signal numbers (measured with 2.2.7:
// STOP 15, RELOAD 1, DATA 10, STATS 12, STATS_CLEAR 63, JSON 36).
func TestSignum(t *testing.T) {
	for name, want := range map[string]string{"STOP": "15", "RELOAD": "1", "DATA": "10", "STATS": "12", "STATS_CLEAR": "63", "JSON": "36"} {
		var out, errb bytes.Buffer
		if code := dispatch([]string{"--signum=" + name}, &out, &errb); code != 0 || strings.TrimSpace(out.String()) != want {
			t.Errorf("--signum=%s: %d %q, want %s", name, code, out.String(), want)
		}
	}
	var out, errb bytes.Buffer
	if code := dispatch([]string{"--signum=TDATA"}, &out, &errb); code != 1 || !strings.Contains(errb.String(), "Unknown sigfunc TDATA") {
		t.Errorf("--signum=TDATA: %d %q", code, errb.String())
	}
}

// keepalived 2.2.7 -t reads the interfaces of the current namespace: a
// missing one is "WARNING - interface X for vrrp_instance Y doesn't
// exist" and "Non-existent interface specified in configuration", exit 5.
// gokeepalived adds an interface without an address of the instance's
// family and a script the script user cannot execute.
func TestConfigTestChecksTheSystem(t *testing.T) {
	dir := t.TempDir()
	script := filepath.Join(dir, "chk.sh")
	if err := os.WriteFile(script, []byte("#!/bin/sh\nexit 0\n"), 0o744); err != nil {
		t.Fatal(err)
	}
	conf := `global_defs {
	enable_script_security
	script_user nobody
}
vrrp_script chk {
	script "` + script + `"
}
vrrp_instance VI_1 {
	interface gkl-none0
	virtual_router_id 1
	virtual_ipaddress {
		192.0.2.1
	}
}
vrrp_instance VI_6 {
	interface lo
	virtual_router_id 2
	virtual_ipaddress {
		fd00::1
	}
}
`
	var out, errb bytes.Buffer
	code := dispatch([]string{"-t", "-f", write(t, conf)}, &out, &errb)
	for _, want := range []string{
		":8:1: warning: interface: WARNING - interface gkl-none0 for vrrp_instance VI_1 doesn't exist",
		"Non-existent interface specified in configuration",
		"(VI_6) interface lo has no IPv6 link-local address: the instance cannot send IPv6 adverts",
		"is not executable for uid:gid",
	} {
		if !strings.Contains(errb.String(), want) {
			t.Errorf("-t output lacks %q:\n%s", want, errb.String())
		}
	}
	if code != exitConfigErrors {
		t.Errorf("exit %d, want %d", code, exitConfigErrors)
	}
	// -t=FILE writes the findings there.
	log := filepath.Join(dir, "t.log")
	errb.Reset()
	dispatch([]string{"-t" + log, "-f", write(t, conf)}, &out, &errb)
	if b, err := os.ReadFile(log); err != nil || !strings.Contains(string(b), "gkl-none0") || errb.Len() != 0 {
		t.Errorf("-tFILE: %q, %v; stderr %q", b, err, errb.String())
	}
}

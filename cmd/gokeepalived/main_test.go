package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func write(t *testing.T, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "keepalived.conf")
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

const okConf = "vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 30\n virtual_ipaddress {\n  10.0.0.3\n }\n}\n"

// keepalived 2.2.7 -t exit codes, measured (pkg/config/testdata/keepalived):
// 0 clean, 5 configuration errors (unknown keywords included), 6 scripts
// without enable_script_security.
func TestConfigTestExitCodes(t *testing.T) {
	for _, tc := range []struct {
		name, conf string
		want       int
		stderr     string // a line of the diagnostics, code included
	}{
		{"clean", okConf, exitOK, ""},
		{"unknown keyword", strings.Replace(okConf, " interface eth0\n", " interface eth0\n foo 1\n", 1), exitConfigErrors, "warning: foo: Unknown keyword 'foo' [unknown-keyword]"},
		{"bad vrid", strings.Replace(okConf, "30", "300", 1), exitConfigErrors, "number 300 outside range [1, 255] [value-range]"},
		{"scripts without security", "vrrp_script s {\n script \"/bin/true\"\n}\n" + okConf, exitScriptSecurity, "[script-security]"},
		{"lvs_sync_daemon: not supported, exit as keepalived", "global_defs {\n lvs_sync_daemon eth0 VI_1\n}\n" + okConf, exitOK, "[not-implemented]"},
		{"scripts with security", "global_defs {\n enable_script_security\n script_user root\n}\nvrrp_script s {\n script \"/bin/true\"\n}\n" + okConf, exitOK, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			if got := run([]string{"-t", "-f", write(t, tc.conf)}, &out, &errb); got != tc.want {
				t.Errorf("exit %d, want %d; stderr:\n%s", got, tc.want, errb.String())
			}
			if !strings.Contains(errb.String(), tc.stderr) || (tc.stderr == "") != (errb.Len() == 0) {
				t.Errorf("stderr does not have %q:\n%s", tc.stderr, errb.String())
			}
		})
	}
	var out, errb bytes.Buffer
	if got := run([]string{"-t", "-f", "/nonexistent/keepalived.conf"}, &out, &errb); got != exitCannotRun {
		t.Errorf("missing file: exit %d", got)
	}
}

func TestDumpFlags(t *testing.T) {
	var out, errb bytes.Buffer
	if got := run([]string{"-t", "-d", "-f", write(t, okConf)}, &out, &errb); got != exitOK {
		t.Fatalf("exit %d: %s", got, errb.String())
	}
	for _, want := range []string{"vrrp_instance VI_1 {", "priority 100", "state BACKUP", "advert_int 1"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("-d output lacks %q:\n%s", want, out.String())
		}
	}
	out.Reset()
	if got := run([]string{"-t", "--dump-json", "-f", write(t, okConf)}, &out, &errb); got != exitOK || !strings.Contains(out.String(), `"virtual_router_id": 30`) {
		t.Errorf("--dump-json: exit %d\n%s", got, out.String())
	}
	out.Reset()
	conf := "@lb01 global_defs {\n@lb01  router_id one\n@lb01 }\n@^lb01 global_defs {\n@^lb01  router_id other\n@^lb01 }\n" + okConf
	run([]string{"-t", "-d", "-i", "lb01", "-f", write(t, conf)}, &out, &errb)
	if !strings.Contains(out.String(), "router_id one") {
		t.Errorf("-i lb01 should select the @lb01 lines:\n%s", out.String())
	}
}

// keepalived check_script_secure: with enable_script_security, a script in
// a directory others can write to is refused.
func TestScriptSecurityPermissions(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("ownership checks need root-owned files")
	}
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	script := filepath.Join(dir, "check.sh")
	if err := os.WriteFile(script, []byte("#!/bin/sh\nexit 0\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	conf := "global_defs {\n enable_script_security\n}\nvrrp_script s {\n script \"" + script + "\"\n}\n" + okConf
	var out, errb bytes.Buffer
	if got := run([]string{"-t", "-f", write(t, conf)}, &out, &errb); got != exitConfigErrors || !strings.Contains(errb.String(), "insecure permissions") {
		t.Errorf("exit %d, stderr:\n%s", got, errb.String())
	}
}

package linux

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// enable_script_security (notify.c check_script_secure / check_security):
// a script run as root must not be replaceable by anyone but root.
func TestCheckScriptSecure(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to chown test files")
	}
	base := t.TempDir()
	probe := filepath.Join(base, "probe")
	must(t, os.WriteFile(probe, nil, 0o755))
	if why, err := insecureComponent(probe); err != nil || why != "" {
		t.Skipf("temporary directory %s is not a root-only path (%s %v)", base, why, err)
	}
	type setup func(dir, script string)
	chmod := func(p string, m os.FileMode) { must(t, os.Chmod(p, m)) }
	chown := func(p string, uid, gid int) { must(t, os.Chown(p, uid, gid)) }
	cases := []struct {
		name     string
		setup    setup
		uid, gid uint32
		insecure string // suffix of Insecure; "" for safe
		err      error  // with enforce
	}{
		{"root-only", func(d, s string) {}, 0, 0, "", nil},
		{"group-writable, group root", func(d, s string) { chmod(s, 0o775) }, 0, 0, "", nil},
		{"group-writable, other group", func(d, s string) { chmod(s, 0o775); chown(s, 0, 1000) }, 0, 0, "script is group-writable", ErrScriptInsecure},
		{"world-writable file", func(d, s string) { chmod(s, 0o757) }, 0, 0, "script is world-writable", ErrScriptInsecure},
		{"world-writable directory", func(d, s string) { chmod(d, 0o777) }, 0, 0, "dir is world-writable", ErrScriptInsecure},
		{"sticky world-writable directory", func(d, s string) { chmod(d, os.ModeSticky|0o777) }, 0, 0, "", nil},
		{"file owned by nobody", func(d, s string) { chown(s, 65534, 0) }, 0, 0, "script is not owned by root", ErrScriptInsecure},
		{"directory owned by nobody", func(d, s string) { chown(d, 65534, 0) }, 0, 0, "dir is not owned by root", ErrScriptInsecure},
		{"run as nobody: not checked", func(d, s string) { chmod(s, 0o757) }, 65534, 65534, "", nil},
		{"not executable for nobody", func(d, s string) { chmod(s, 0o744) }, 65534, 65534, "", ErrScriptNotExecutable},
		{"not executable at all", func(d, s string) { chmod(s, 0o644) }, 0, 0, "", ErrScriptNotExecutable},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(base, strings.Repeat("d", i+1), "dir")
			must(t, os.MkdirAll(dir, 0o755))
			script := filepath.Join(dir, "script")
			must(t, os.WriteFile(script, []byte("#!/bin/sh\nexit 0\n"), 0o755))
			tc.setup(dir, script)
			for _, enforce := range []bool{false, true} {
				res, err := CheckScriptSecure(script, tc.uid, tc.gid, enforce)
				wantErr := tc.err
				if !enforce && errors.Is(tc.err, ErrScriptInsecure) {
					wantErr = nil // reported, not refused
				}
				if (wantErr == nil) != (err == nil) || (wantErr != nil && !errors.Is(err, wantErr)) {
					t.Errorf("enforce %v: error %v, want %v", enforce, err, wantErr)
				}
				if !strings.HasSuffix(res.Insecure, tc.insecure) || (tc.insecure == "") != (res.Insecure == "") {
					t.Errorf("enforce %v: Insecure %q, want ...%q", enforce, res.Insecure, tc.insecure)
				}
			}
		})
	}
}

// The configured name of a link to the script is kept when it names the
// same file (replace_cmd_name); a bare name is found in PATH; a missing
// script is reported.
func TestCheckScriptSecurePaths(t *testing.T) {
	dir := t.TempDir()
	script := filepath.Join(dir, "script")
	must(t, os.WriteFile(script, []byte("#!/bin/sh\n"), 0o755))
	alias := filepath.Join(dir, "alias")
	must(t, os.Symlink("script", alias))
	other := filepath.Join(t.TempDir(), "other")
	must(t, os.Symlink(script, other))
	for _, tc := range []struct{ in, want string }{
		{alias, alias},
		{other, script},
		{script, script},
	} {
		res, err := CheckScriptSecure(tc.in, 65534, 65534, true)
		must(t, err, "%s", tc.in)
		if res.Path != tc.want {
			t.Errorf("%s: Path %s, want %s", tc.in, res.Path, tc.want)
		}
	}
	if res, err := CheckScriptSecure("sh", 65534, 65534, true); err != nil || !filepath.IsAbs(res.Path) {
		t.Errorf("bare sh: %+v %v", res, err)
	}
	if _, err := CheckScriptSecure(filepath.Join(dir, "missing"), 0, 0, true); !errors.Is(err, ErrScriptNotFound) {
		t.Errorf("missing script: %v", err)
	}
	if _, err := CheckScriptSecure("gkl-lnx-no-such-command", 0, 0, true); !errors.Is(err, ErrScriptNotFound) {
		t.Errorf("missing command: %v", err)
	}
}

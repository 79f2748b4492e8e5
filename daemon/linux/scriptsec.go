package linux

import (
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"
)

// Errors of CheckScriptSecure.
var (
	// ErrScriptNotFound: keepalived "Cannot find script %s in path" /
	// "Script %s cannot be accessed" (SC_NOTFOUND).
	ErrScriptNotFound = errors.New("script not found")
	// ErrScriptNotExecutable: "script '%s' is not executable for uid:gid".
	ErrScriptNotExecutable = errors.New("script not executable")
	// ErrScriptInsecure: "Unsafe permissions found for script" with
	// enable_script_security (SC_INHIBIT).
	ErrScriptInsecure = errors.New("unsafe permissions")
)

// ScriptCheck is what CheckScriptSecure found.
type ScriptCheck struct {
	// Path is the program to execute: the real path, keeping the
	// configured file name when it is a link to the same file (notify.c
	// check_script_secure / replace_cmd_name).
	Path string
	// Insecure names the first path component another user could
	// replace, and why ("/etc/ka is world-writable"); "" when safe or not
	// checked (the script runs neither as root nor setuid/setgid root).
	Insecure string
}

// CheckScriptSecure is keepalived 2.2.7's check_script_secure for a
// script run as uid:gid: a bare name is looked up in PATH; the path is
// resolved; the file must be executable for uid:gid. When the script will
// have root's powers (uid or gid 0, or a setuid/setgid-root file), every
// component of the configured path and of the resolved path (check_security)
// must be owned by root and not writable by group (unless the group is
// root) or others — a sticky directory excepted — and the last must be a
// regular file or a link. An unsafe script is an ErrScriptInsecure error
// when enforce (enable_script_security) is set, else reported in
// ScriptCheck.Insecure only (keepalived logs it and runs the script).
//
// Unlike keepalived, the path is resolved with the daemon's permissions,
// not seteuid to the script user (seteuid changes one thread in Go).
func CheckScriptSecure(path string, uid, gid uint32, enforce bool) (ScriptCheck, error) {
	var res ScriptCheck
	// "</path": a bash redirection checking a file is openable, run
	// through system() — nothing to exec.
	if strings.HasPrefix(path, "<") && strings.HasPrefix(strings.TrimLeft(path[1:], " \t"), "/") {
		return ScriptCheck{Path: path}, nil
	}
	orig := path
	if !strings.Contains(path, "/") {
		p, err := exec.LookPath(path)
		if err != nil {
			return res, fmt.Errorf("script %s: cannot find it in PATH: %w", path, ErrScriptNotFound)
		}
		orig = p
	}
	real, err := filepath.EvalSymlinks(orig)
	if err == nil {
		real, err = filepath.Abs(real)
	}
	if err != nil {
		return res, fmt.Errorf("script %s cannot be accessed: %w (%w)", orig, ErrScriptNotFound, err)
	}
	res.Path = real
	if filepath.Base(orig) != filepath.Base(real) {
		// Keep the configured file name when it names the same file:
		// some programs behave by the name they were called by.
		alt := filepath.Join(filepath.Dir(real), filepath.Base(orig))
		if same(alt, real) {
			res.Path = alt
		}
	}
	var st unix.Stat_t
	if err := unix.Stat(real, &st); err != nil {
		return res, fmt.Errorf("script %s: %w (%w)", orig, ErrScriptNotFound, err)
	}
	if !executable(&st, uid, gid) {
		return res, fmt.Errorf("script %s is not executable for uid:gid %d:%d: %w", orig, uid, gid, ErrScriptNotExecutable)
	}
	protect := uid == 0 || gid == 0 ||
		(st.Uid == 0 && st.Mode&unix.S_IXUSR != 0 && st.Mode&unix.S_ISUID != 0) ||
		(st.Gid == 0 && st.Mode&unix.S_IXGRP != 0 && st.Mode&unix.S_ISGID != 0)
	if !protect {
		return res, nil
	}
	for _, p := range []string{orig, real} {
		why, err := insecureComponent(p)
		if err != nil {
			return res, fmt.Errorf("script %s: %w", orig, err)
		}
		if why != "" {
			res.Insecure = why
			if enforce {
				return res, fmt.Errorf("script %s: %s: %w", orig, why, ErrScriptInsecure)
			}
			return res, nil
		}
	}
	return res, nil
}

func same(a, b string) bool {
	var sa, sb unix.Stat_t
	return unix.Stat(a, &sa) == nil && unix.Stat(b, &sb) == nil && sa.Dev == sb.Dev && sa.Ino == sb.Ino
}

// executable is notify.c is_executable.
func executable(st *unix.Stat_t, uid, gid uint32) bool {
	m := st.Mode
	return (uid == 0 && m&(unix.S_IXUSR|unix.S_IXGRP|unix.S_IXOTH) != 0) ||
		(uid == st.Uid && m&unix.S_IXUSR != 0) ||
		(uid != st.Uid && ((gid == st.Gid && m&unix.S_IXGRP != 0) || (gid != st.Gid && m&unix.S_IXOTH != 0)))
}

// insecureComponent is notify.c check_security: each prefix of path, from
// "/" to the file, lstat'ed (links not followed).
func insecureComponent(path string) (string, error) {
	if !filepath.IsAbs(path) {
		abs, err := filepath.Abs(path)
		if err != nil {
			return "", err
		}
		path = abs
	}
	path = filepath.Clean(path)
	prefixes := []string{"/"}
	for i := 1; i < len(path); i++ {
		if path[i] == '/' {
			prefixes = append(prefixes, path[:i])
		}
	}
	if path != "/" {
		prefixes = append(prefixes, path)
	}
	for i, p := range prefixes {
		last := i == len(prefixes)-1
		var st unix.Stat_t
		if err := unix.Lstat(p, &st); err != nil {
			return "", fmt.Errorf("%s: %w (%w)", p, ErrScriptNotFound, err)
		}
		typ := st.Mode & unix.S_IFMT
		isDir, isReg := typ == unix.S_IFDIR, typ == unix.S_IFREG
		if (!last && !isDir) || (last && !isReg && typ != unix.S_IFLNK) {
			return "", fmt.Errorf("wrong file type found in script path %s (%s)", path, p)
		}
		if st.Uid != 0 {
			return p + " is not owned by root", nil
		}
		if (isDir && st.Mode&unix.S_ISVTX == 0) || isReg {
			if st.Gid != 0 && st.Mode&unix.S_IWGRP != 0 {
				return p + " is group-writable", nil
			}
			if st.Mode&unix.S_IWOTH != 0 {
				return p + " is world-writable", nil
			}
		}
	}
	return "", nil
}

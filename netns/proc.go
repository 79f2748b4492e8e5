package netns

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// procStartTime is field 22 of /proc/PID/stat (clock ticks since boot): a
// pid plus its start time names one process even after the pid is reused.
func procStartTime(pid int) (uint64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The command name (field 2) may hold blanks and parentheses: fields
	// after it are counted from the last ')'.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, fmt.Errorf("/proc/%d/stat: no ')'", pid)
	}
	f := strings.Fields(string(b[i+1:]))
	// f[0] is field 3 (state); field 22 is f[19].
	if len(f) < 20 {
		return 0, fmt.Errorf("/proc/%d/stat: %d fields", pid, len(f)+2)
	}
	return strconv.ParseUint(f[19], 10, 64)
}

// procState is field 3 of /proc/PID/stat ('R', 'S', 'T', 'Z', …).
func procState(pid int) (byte, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	i := bytes.LastIndexByte(b, ')')
	if i < 0 || i+2 >= len(b) {
		return 0, fmt.Errorf("/proc/%d/stat: malformed", pid)
	}
	return b[i+2], nil
}

// alive reports whether pid runs (a zombie does not count).
func alive(pid int) bool {
	st, err := procState(pid)
	return err == nil && st != 'Z' && st != 'X'
}

// sameProcess reports whether pid is still the process that had start
// time start.
func sameProcess(pid int, start uint64) bool {
	st, err := procStartTime(pid)
	return err == nil && st == start && alive(pid)
}

// nsInode is the inode of /proc/PID/ns/KIND: two processes share a
// namespace exactly when these are equal.
func nsInode(pid int, kind string) (uint64, error) {
	var st unix.Stat_t
	if err := unix.Stat(fmt.Sprintf("/proc/%d/ns/%s", pid, kind), &st); err != nil {
		return 0, err
	}
	return st.Ino, nil
}

// nsPIDs is the NSpid line of /proc/PID/status: the pid in every pid
// namespace from the host's down to the process's own.
func nsPIDs(pid int) ([]int, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return nil, err
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		rest, ok := strings.CutPrefix(line, "NSpid:")
		if !ok {
			continue
		}
		var out []int
		for _, f := range strings.Fields(rest) {
			n, err := strconv.Atoi(f)
			if err != nil {
				return nil, fmt.Errorf("/proc/%d/status: NSpid %q", pid, rest)
			}
			out = append(out, n)
		}
		return out, nil
	}
	return nil, fmt.Errorf("/proc/%d/status: no NSpid line", pid)
}

// allPIDs lists the host's processes.
func allPIDs() ([]int, error) {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return nil, err
	}
	var out []int
	for _, e := range ents {
		if n, err := strconv.Atoi(e.Name()); err == nil {
			out = append(out, n)
		}
	}
	return out, nil
}

// pidsInPidns lists the live processes of the pid namespace with inode
// ino, as host pid → pid inside that namespace.
func pidsInPidns(ino uint64) (map[int]int, error) {
	pids, err := allPIDs()
	if err != nil {
		return nil, err
	}
	out := map[int]int{}
	for _, p := range pids {
		i, err := nsInode(p, "pid")
		if err != nil || i != ino || !alive(p) {
			continue
		}
		ns, err := nsPIDs(p)
		if err != nil || len(ns) == 0 {
			continue
		}
		out[p] = ns[len(ns)-1]
	}
	return out, nil
}

// hostPID translates a pid read inside the pid namespace with inode ino
// (from a pid file the daemon wrote) into the host's pid.
func hostPID(ino uint64, inner int) (int, error) {
	m, err := pidsInPidns(ino)
	if err != nil {
		return 0, err
	}
	for host, in := range m {
		if in == inner {
			return host, nil
		}
	}
	return 0, fmt.Errorf("no live process with pid %d in the node's pid namespace", inner)
}

// childrenOf lists the children of pid's main thread
// (/proc/PID/task/PID/children, CONFIG_PROC_CHILDREN).
func childrenOf(pid int) ([]int, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/children", pid, pid))
	if err != nil {
		return nil, err
	}
	var out []int
	for _, f := range strings.Fields(string(b)) {
		if n, err := strconv.Atoi(f); err == nil {
			out = append(out, n)
		}
	}
	return out, nil
}

// readPIDFile reads a pid file written by a daemon.
func readPIDFile(path string) (int, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	n, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("pid file %s: %q is not a pid", path, bytes.TrimSpace(b))
	}
	return n, nil
}

// signalPID sends sig to pid; a process already gone is not an error.
func signalPID(pid int, sig unix.Signal) error {
	if err := unix.Kill(pid, sig); err != nil && !errors.Is(err, unix.ESRCH) {
		return fmt.Errorf("netns: kill -%d %d: %w", sig, pid, err)
	}
	return nil
}

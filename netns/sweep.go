package netns

import (
	"bufio"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// creatingGrace is how long a run directory without an owner file is
// taken to be a lab being created (the owner file is written right after
// the directory) rather than a stale one.
const creatingGrace = time.Minute

// Sweep removes what labs whose owning process has died left behind, and
// only that: for each run directory under RunBase whose owner (pid and
// start time in its owner file) is gone, it kills the processes named by
// its holder pid files (still the same processes: pid and start time
// match), unmounts anything mounted under it, removes the named network
// namespaces of that run and the directory. A namespace in NetnsDir
// whose name starts with Prefix but whose run has no directory any more
// is removed too. Labs of live owners, in this process or another, are
// left alone. It returns what it removed.
func Sweep(logger *slog.Logger) ([]string, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	var removed []string
	var errs []error
	ents, err := os.ReadDir(RunBase)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("netns: sweep: %w", err)
	}
	live := map[string]bool{}
	for _, e := range ents {
		id := e.Name()
		if !e.IsDir() || !runIDRE.MatchString(id) {
			continue
		}
		dir := filepath.Join(RunBase, id)
		stale, err := runIsStale(dir)
		if err != nil {
			errs = append(errs, err)
			live[id] = true
			continue
		}
		if !stale {
			live[id] = true
			continue
		}
		logger.Info("sweeping stale lab", "run", id)
		got, err := sweepRun(id)
		removed = append(removed, got...)
		errs = append(errs, err)
	}
	// Namespaces whose run directory is gone (or was just swept).
	nents, err := os.ReadDir(NetnsDir)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		errs = append(errs, fmt.Errorf("netns: sweep: %w", err))
	}
	for _, e := range nents {
		id := runIDOfNetns(e.Name())
		if id == "" || live[id] {
			continue
		}
		if _, err := os.Stat(filepath.Join(RunBase, id)); err == nil {
			continue // a lab being created since the listing above
		}
		p := filepath.Join(NetnsDir, e.Name())
		if err := deleteNetns(p); err != nil {
			errs = append(errs, err)
			continue
		}
		logger.Info("removed stale namespace", "netns", e.Name())
		removed = append(removed, p)
	}
	return removed, errors.Join(errs...)
}

// runIsStale reports whether the owner recorded in dir is gone.
func runIsStale(dir string) (bool, error) {
	b, err := os.ReadFile(filepath.Join(dir, "owner"))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return false, fmt.Errorf("netns: sweep: %w", err)
	}
	pid, start, ok := parsePIDStart(string(b))
	if !ok {
		// No owner file yet (New writes it right after the directory), or
		// an unreadable one: stale only once it has been so for a while.
		st, serr := os.Stat(dir)
		if serr != nil {
			return false, nil // removed meanwhile
		}
		return time.Since(st.ModTime()) > creatingGrace, nil
	}
	return !sameProcess(pid, start), nil
}

func parsePIDStart(s string) (int, uint64, bool) {
	f := strings.Fields(s)
	if len(f) != 2 {
		return 0, 0, false
	}
	pid, err1 := strconv.Atoi(f[0])
	start, err2 := strconv.ParseUint(f[1], 10, 64)
	return pid, start, err1 == nil && err2 == nil && pid > 0
}

// sweepRun removes one stale run.
func sweepRun(id string) ([]string, error) {
	n := names{runID: id}
	dir := n.runDir()
	var removed []string
	var errs []error
	// Holders first: killing a node's PID 1 kills the whole node.
	hents, _ := os.ReadDir(filepath.Join(dir, "holders"))
	var killed []int
	for _, h := range hents {
		b, err := os.ReadFile(filepath.Join(dir, "holders", h.Name()))
		if err != nil {
			continue
		}
		pid, start, ok := parsePIDStart(string(b))
		if !ok || !sameProcess(pid, start) {
			continue
		}
		if err := signalPID(pid, unix.SIGKILL); err != nil {
			errs = append(errs, err)
			continue
		}
		killed = append(killed, pid)
		removed = append(removed, fmt.Sprintf("process %d (holder of node %s)", pid, h.Name()))
	}
	if err := waitGone(killed, 10*time.Second); err != nil {
		errs = append(errs, fmt.Errorf("netns: sweep %s: %w", id, err))
	}
	// Mounts: the lab mounts nothing under its run directory in the host's
	// mount namespace, but a crash of a future version might; and the
	// namespaces of the run.
	mounts, err := mountPoints()
	if err != nil {
		errs = append(errs, err)
	}
	slices.SortFunc(mounts, func(a, b string) int { return len(b) - len(a) }) // children first
	for _, m := range mounts {
		inRun := m == dir || strings.HasPrefix(m, dir+"/")
		inNetns := strings.HasPrefix(m, filepath.Join(NetnsDir, n.prefix()))
		if !inRun && !inNetns {
			continue
		}
		if err := unix.Unmount(m, unix.MNT_DETACH); err != nil && !errors.Is(err, unix.EINVAL) {
			errs = append(errs, fmt.Errorf("netns: sweep: unmount %s: %w", m, err))
			continue
		}
		removed = append(removed, "mount "+m)
	}
	nents, _ := os.ReadDir(NetnsDir)
	for _, e := range nents {
		if !strings.HasPrefix(e.Name(), n.prefix()) {
			continue
		}
		p := filepath.Join(NetnsDir, e.Name())
		if err := deleteNetns(p); err != nil {
			errs = append(errs, err)
			continue
		}
		removed = append(removed, p)
	}
	if err := os.RemoveAll(dir); err != nil {
		errs = append(errs, fmt.Errorf("netns: sweep: %w", err))
	} else {
		removed = append(removed, dir)
	}
	return removed, errors.Join(errs...)
}

// mountPoints lists the mount points of the caller's mount namespace
// (field 5 of /proc/self/mountinfo, octal escapes decoded).
func mountPoints() ([]string, error) {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return nil, fmt.Errorf("netns: %w", err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		fs := strings.Fields(sc.Text())
		if len(fs) < 5 {
			continue
		}
		out = append(out, unescapeMount(fs[4]))
	}
	return out, sc.Err()
}

// unescapeMount decodes mountinfo's \ooo escapes (blank, tab, newline,
// backslash).
func unescapeMount(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+4 <= len(s) {
			if v, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(v))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

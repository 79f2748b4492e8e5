package netns

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// Files inside NodeLabDir.
const (
	notifyFIFO       = NodeLabDir + "/notify.fifo"        // the daemon's notify_fifo
	notifyScriptFIFO = NodeLabDir + "/notify-script.fifo" // written by NotifyScript
	serviceBinDir    = NodeLabDir + "/bin"
)

// notifyScriptText is NotifyScript: one line per call, "<EPOCHREALTIME>\t<argv joined by tabs>",
// written to a FIFO the lab keeps open (so the write never blocks while
// the lab runs); a first argument that is an executable path is run with
// the rest.
const notifyScriptText = `#!/bin/bash
# Installed by the gokeepalived namespace lab: records every call.
IFS=$'\t'
printf '%s\t%s\n' "$EPOCHREALTIME" "$*" > ` + notifyScriptFIFO + `
if [[ $# -gt 0 && $1 == /* && -x $1 ]]; then exec "$@"; fi
exit 0
`

// hostPath maps a path inside node n to the host file backing it; the
// path must lie in one of n's private directories.
func (n *node) hostPath(p string) (string, error) {
	c := path.Clean(p)
	if !path.IsAbs(c) {
		return "", fmt.Errorf("netns: node %s: path %q is not absolute", n.name, p)
	}
	best := ""
	for _, d := range n.dirs {
		if (c == d || strings.HasPrefix(c, d+"/")) && len(d) > len(best) {
			best = d
		}
	}
	if best == "" {
		return "", fmt.Errorf("netns: node %s: %s is not in a private directory of the node (%s); add its directory to Node.PrivateDirs", n.name, p, strings.Join(n.dirs, ", "))
	}
	return filepath.Join(n.root, c), nil
}

// WriteFile writes data to path as node sees it (creating parent
// directories inside the private directory), replacing it atomically.
func (l *Lab) WriteFile(node, p string, data []byte, mode fs.FileMode) error {
	n, err := l.node(node)
	if err != nil {
		return err
	}
	hp, err := n.hostPath(p)
	if err != nil {
		return err
	}
	l.action(node, "", "write %s (%d bytes, mode %#o)", p, len(data), mode.Perm())
	return writeAtomic(hp, data, mode)
}

func writeAtomic(hp string, data []byte, mode fs.FileMode) error {
	if err := os.MkdirAll(filepath.Dir(hp), 0o755); err != nil {
		return fmt.Errorf("netns: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(hp), ".gkl-lab-*")
	if err != nil {
		return fmt.Errorf("netns: %w", err)
	}
	_, werr := tmp.Write(data)
	cerr := tmp.Close()
	if err := errors.Join(werr, cerr, os.Chmod(tmp.Name(), mode.Perm())); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("netns: write %s: %w", hp, err)
	}
	if err := os.Rename(tmp.Name(), hp); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("netns: %w", err)
	}
	return nil
}

// RemoveFile removes path as node sees it; a missing file is not an error.
func (l *Lab) RemoveFile(node, p string) error {
	n, err := l.node(node)
	if err != nil {
		return err
	}
	hp, err := n.hostPath(p)
	if err != nil {
		return err
	}
	l.action(node, "", "rm %s", p)
	if err := os.Remove(hp); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("netns: node %s: %w", node, err)
	}
	return nil
}

// ReadFile reads path as node sees it.
func (l *Lab) ReadFile(node, p string) ([]byte, error) {
	n, err := l.node(node)
	if err != nil {
		return nil, err
	}
	hp, err := n.hostPath(p)
	if err != nil {
		return nil, err
	}
	return os.ReadFile(hp)
}

// prepareNodeLabDir installs NodeLabDir in the node's private /run: the
// notify wrapper and the two FIFOs, which the lab opens read-write (a
// FIFO opened so never reports end of file, and a writer never blocks)
// and reads for the lab's lifetime.
func (l *Lab) prepareNodeLabDir(n *node) error {
	dir, err := n.hostPath(NodeLabDir)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Join(dir, "bin"), 0o755); err != nil {
		return fmt.Errorf("netns: node %s: %w", n.name, err)
	}
	sp, _ := n.hostPath(NotifyScript)
	if err := writeAtomic(sp, []byte(notifyScriptText), 0o755); err != nil {
		return err
	}
	for _, f := range []struct {
		path string
		read func(*node, *os.File)
	}{{notifyFIFO, l.readStateFIFO}, {notifyScriptFIFO, l.readNotifyFIFO}} {
		hp, _ := n.hostPath(f.path)
		if err := unix.Mkfifo(hp, 0o600); err != nil {
			return fmt.Errorf("netns: node %s: mkfifo %s: %w", n.name, f.path, err)
		}
		fh, err := os.OpenFile(hp, os.O_RDWR, 0)
		if err != nil {
			return fmt.Errorf("netns: node %s: %w", n.name, err)
		}
		n.fifos = append(n.fifos, fh)
		l.wg.Add(1)
		go func() {
			defer l.wg.Done()
			f.read(n, fh)
		}()
	}
	return nil
}

// readStateFIFO turns notify FIFO lines into events: keepalived writes
// `INSTANCE "VI_1" MASTER 100` and `GROUP "VG1" BACKUP 0` for VRRP, other
// lines (VS, RS) for its checker.
func (l *Lab) readStateFIFO(n *node, f *os.File) {
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		now := time.Now()
		line := sc.Text()
		e, ok := parseStateLine(line)
		if !ok {
			l.emit(Event{Kind: KindFIFO, Node: n.name, Text: line}, now, nil)
			continue
		}
		e.Node = n.name
		l.emit(e, now, func() {
			// keepalived also reports events that are not states
			// (MASTER_RX_LOWER_PRI): they do not change the instance's state.
			switch e.State {
			case "MASTER", "BACKUP", "FAULT", "STOP", "DELETED":
				n.states[e.Instance] = e
			}
		})
	}
}

// parseStateLine parses `INSTANCE "VI_1" MASTER 100`.
func parseStateLine(line string) (Event, bool) {
	kind, rest, ok := strings.Cut(line, " ")
	if !ok || (kind != "INSTANCE" && kind != "GROUP") || !strings.HasPrefix(rest, `"`) {
		return Event{}, false
	}
	end := strings.Index(rest[1:], `"`)
	if end < 0 {
		return Event{}, false
	}
	name := rest[1 : end+1]
	f := strings.Fields(rest[end+2:])
	if len(f) != 2 {
		return Event{}, false
	}
	prio, err := strconv.Atoi(f[1])
	if err != nil {
		return Event{}, false
	}
	return Event{Kind: KindState, Instance: name, State: f[0], Priority: prio, Text: kind}, true
}

// readNotifyFIFO turns NotifyScript lines into events stamped with the
// script's own clock reading.
func (l *Lab) readNotifyFIFO(n *node, f *os.File) {
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		now := time.Now()
		ts, argv, ok := parseNotifyLine(sc.Text())
		if !ok {
			l.emit(Event{Kind: KindWarning, Node: n.name, Text: "notify wrapper: unreadable line " + strconv.Quote(sc.Text())}, now, nil)
			continue
		}
		l.emit(Event{Kind: KindNotify, Node: n.name, Argv: argv}, ts, nil)
	}
}

// parseNotifyLine parses "<seconds.micros>\t<arg>\t<arg>…".
func parseNotifyLine(line string) (time.Time, []string, bool) {
	f := strings.Split(line, "\t")
	sec, frac, ok := strings.Cut(f[0], ".")
	if !ok {
		return time.Time{}, nil, false
	}
	s, err1 := strconv.ParseInt(sec, 10, 64)
	us, err2 := strconv.ParseInt(frac, 10, 64)
	if err1 != nil || err2 != nil || len(frac) != 6 {
		return time.Time{}, nil, false
	}
	argv := f[1:]
	if len(argv) == 1 && argv[0] == "" {
		argv = nil
	}
	return time.Unix(s, us*1000), argv, true
}

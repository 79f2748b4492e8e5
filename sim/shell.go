package sim

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"mvdan.cc/sh/v3/expand"
	"mvdan.cc/sh/v3/interp"
	"mvdan.cc/sh/v3/syntax"
)

// Scripts run as written, through mvdan.cc/sh's pure-Go bash interpreter,
// with every file operation mapped onto the node's private filesystem:
// `[[ -f /etc/keepalived/down ]]` on lvs1 sees lvs1's files only. External
// commands are executable files in that filesystem (run by the same
// interpreter) or one of a few built-in utilities (touch, rm, cat, sleep,
// mkdir, logger here; grep, wc and the process tools ps, pidof, pgrep,
// killall, pkill, systemctl, service in procs.go); anything else exits 127
// "command not found". `sleep` advances the script's virtual runtime
// instead of the real clock.

// errTooManySteps stops a script that runs too many commands.
var errTooManySteps = errors.New("script ran more than 10000 commands (endless loop?)")

const (
	maxScriptSteps = 10000           // commands per run, see errTooManySteps
	maxScriptDepth = 16              // nested script calls
	maxScriptSleep = time.Hour       // virtual sleep cap per run
	scriptWallCap  = 5 * time.Second // safety net against endless loops
)

// scriptPath is the PATH scripts run with.
const scriptPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

type shellResult struct {
	timedOut bool // never finished (see errTooManySteps)
	exit     int
	slept    time.Duration
	err      error // could not run at all
	stdout   string
	stderr   string
}

// shellRun is the state of one script run (shared by nested scripts).
type shellRun struct {
	n      *node
	mu     sync.Mutex // pipeline sides run on goroutines
	slept  time.Duration
	steps  int
	after  []func() // world effects, run once the script is over
	stdout lockedBuffer
	stderr lockedBuffer
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// runShell runs cmd (a command line or shell text) with args appended as
// further words.
func (n *node) runShell(cmd string, args []string) shellResult {
	text := cmd
	for _, a := range args {
		q, err := syntax.Quote(a, syntax.LangBash)
		if err != nil {
			return shellResult{exit: 2, err: fmt.Errorf("quote %q: %w", a, err)}
		}
		text += " " + q
	}
	sr := &shellRun{n: n}
	ctx, cancel := context.WithTimeout(context.Background(), scriptWallCap)
	defer cancel()
	code, err := sr.run(ctx, text, "", nil, 0)
	res := shellResult{exit: code, slept: sr.slept, err: err, stdout: sr.stdout.String(), stderr: sr.stderr.String(),
		timedOut: errors.Is(err, errTooManySteps)}
	if res.timedOut {
		res.err = nil
	}
	// Effects on the world (stopping keepalived...) happen after the
	// script, on the simulator's own goroutine.
	for _, fn := range sr.after {
		n.w.schedule(n.w.now, fn)
	}
	return res
}

func (sr *shellRun) run(ctx context.Context, text, name string, params []string, depth int) (int, error) {
	if depth > maxScriptDepth {
		return 126, errors.New("script nesting too deep")
	}
	file, err := syntax.NewParser(syntax.Variant(syntax.LangBash)).Parse(strings.NewReader(text), name)
	if err != nil {
		fmt.Fprintf(&sr.stderr, "%v\n", err)
		return 2, nil
	}
	opts := []interp.RunnerOption{
		interp.Env(expand.ListEnviron("PATH="+scriptPath, "HOME=/root", "SHELL=/bin/sh", "USER=root")),
		interp.Dir("/"),
		interp.StdIO(nil, &sr.stdout, &sr.stderr),
		interp.OpenHandler(sr.open),
		interp.StatHandler(sr.stat),
		interp.ReadDirHandler2(sr.readDir),
		interp.AccessHandler(sr.access),
		interp.CallHandler(func(ctx context.Context, args []string) ([]string, error) {
			// A deterministic bound instead of the wall clock: a script
			// looping without sleeping is stopped after maxScriptSteps
			// commands and treated as timed out.
			sr.mu.Lock()
			sr.steps++
			over := sr.steps > maxScriptSteps
			sr.mu.Unlock()
			if over {
				return nil, errTooManySteps
			}
			return args, nil
		}),
		interp.ExecHandlers(func(interp.ExecHandlerFunc) interp.ExecHandlerFunc {
			return func(ctx context.Context, args []string) error { return sr.exec(ctx, args, depth) }
		}),
	}
	if len(params) > 0 {
		opts = append(opts, interp.Params(append([]string{"--"}, params...)...))
	}
	r, err := interp.New(opts...)
	if err != nil {
		return 126, fmt.Errorf("shell: %w", err)
	}
	err = r.Run(ctx, file)
	if err == nil {
		return 0, nil
	}
	var st interp.ExitStatus
	if errors.As(err, &st) {
		return int(st), nil
	}
	if errors.Is(err, errTooManySteps) {
		return 124, errTooManySteps
	}
	if ctx.Err() != nil {
		return 124, errors.New("script did not finish (endless loop?)")
	}
	fmt.Fprintf(&sr.stderr, "%v\n", err)
	return 1, nil
}

func (sr *shellRun) abs(ctx context.Context, p string) string {
	if !strings.HasPrefix(p, "/") {
		p = path.Join(interp.HandlerCtx(ctx).Dir, p)
	}
	return path.Clean(p)
}

func (sr *shellRun) stat(ctx context.Context, name string, _ bool) (fs.FileInfo, error) {
	fi, err := sr.n.fs.stat(sr.abs(ctx, name))
	if err != nil {
		return nil, &fs.PathError{Op: "stat", Path: name, Err: err}
	}
	return fi, nil
}

func (sr *shellRun) readDir(ctx context.Context, name string) ([]fs.DirEntry, error) {
	return sr.n.fs.list(sr.abs(ctx, name))
}

func (sr *shellRun) access(ctx context.Context, name string, mode interp.AccessMode) error {
	fi, err := sr.n.fs.stat(sr.abs(ctx, name))
	if err != nil {
		return &fs.PathError{Op: "access", Path: name, Err: err}
	}
	if mode&interp.AccessExec != 0 && fi.Mode()&0o111 == 0 {
		return &fs.PathError{Op: "access", Path: name, Err: fs.ErrPermission}
	}
	return nil
}

func (sr *shellRun) open(ctx context.Context, name string, flag int, _ os.FileMode) (io.ReadWriteCloser, error) {
	p := sr.abs(ctx, name)
	if p == "/dev/null" {
		return nullFile{}, nil
	}
	m := sr.n.fs
	if flag&(os.O_WRONLY|os.O_RDWR) == 0 {
		b, err := m.read(p)
		if err != nil {
			return nil, &fs.PathError{Op: "open", Path: name, Err: err}
		}
		return &memHandle{r: bytes.NewReader(b)}, nil
	}
	if m.isDir(p) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: errors.New("is a directory")}
	}
	var init []byte
	if old, err := m.read(p); err == nil {
		if flag&os.O_APPEND != 0 {
			init = old
		} else if flag&os.O_TRUNC == 0 {
			init = old
		}
	} else if flag&os.O_CREATE == 0 {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	h := &memHandle{fs: m, path: p}
	h.w.Write(init)
	// Create the file now (as open(2) would), content on every write.
	if err := m.write(p, init, 0o644); err != nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	return h, nil
}

// exec runs an external command: an executable file of the node's
// filesystem (found by path or in PATH), else one of the built-in
// utilities (init scripts under /etc/init.d map to `service NAME`).
func (sr *shellRun) exec(ctx context.Context, args []string, depth int) error {
	hc := interp.HandlerCtx(ctx)
	name := args[0]
	p := ""
	if strings.Contains(name, "/") {
		p = sr.abs(ctx, name)
	} else {
		for _, dir := range strings.Split(scriptPath, ":") {
			if fi, err := sr.n.fs.stat(path.Join(dir, name)); err == nil && !fi.IsDir() {
				p = path.Join(dir, name)
				break
			}
		}
	}
	var fi fs.FileInfo
	err := fs.ErrNotExist
	if p != "" {
		fi, err = sr.n.fs.stat(p)
	}
	if err != nil {
		uargs := slices.Clone(args)
		uargs[0] = path.Base(name)
		if path.Dir(name) == "/etc/init.d" {
			uargs = append([]string{"service"}, uargs...)
		}
		if code, ok := sr.utility(ctx, uargs); ok {
			return exitStatus(code)
		}
		if strings.Contains(name, "/") {
			fmt.Fprintf(hc.Stderr, "%s: No such file or directory\n", name)
		} else {
			fmt.Fprintf(hc.Stderr, "%s: command not found\n", name)
		}
		return interp.ExitStatus(127)
	}
	if fi.IsDir() || fi.Mode()&0o111 == 0 {
		fmt.Fprintf(hc.Stderr, "%s: Permission denied\n", name)
		return interp.ExitStatus(126)
	}
	body, _ := sr.n.fs.read(p)
	code, err := sr.run(ctx, string(body), p, args[1:], depth+1)
	if err != nil {
		return err
	}
	return exitStatus(code)
}

func exitStatus(code int) error {
	if code == 0 {
		return nil
	}
	return interp.ExitStatus(uint8(code))
}

// utility implements the few external commands scripts commonly use.
func (sr *shellRun) utility(ctx context.Context, args []string) (int, bool) {
	hc := interp.HandlerCtx(ctx)
	m := sr.n.fs
	switch args[0] {
	case "sleep":
		var total time.Duration
		for _, a := range args[1:] {
			d, err := parseSleep(a)
			if err != nil {
				fmt.Fprintf(hc.Stderr, "sleep: invalid time interval '%s'\n", a)
				return 1, true
			}
			total += d
		}
		sr.mu.Lock()
		sr.slept = min(sr.slept+total, maxScriptSleep)
		sr.mu.Unlock()
		return 0, true
	case "touch":
		for _, a := range operands(args) {
			p := sr.abs(ctx, a)
			if _, err := m.read(p); err == nil {
				continue
			}
			if err := m.write(p, nil, 0o644); err != nil {
				fmt.Fprintf(hc.Stderr, "touch: cannot touch '%s': %v\n", a, err)
				return 1, true
			}
		}
		return 0, true
	case "rm":
		force := false
		code := 0
		for _, a := range args[1:] {
			if strings.HasPrefix(a, "-") {
				force = force || strings.Contains(a, "f")
				continue
			}
			if !m.remove(sr.abs(ctx, a)) && !force {
				fmt.Fprintf(hc.Stderr, "rm: cannot remove '%s': No such file or directory\n", a)
				code = 1
			}
		}
		return code, true
	case "cat":
		code := 0
		for _, a := range operands(args) {
			b, err := m.read(sr.abs(ctx, a))
			if err != nil {
				fmt.Fprintf(hc.Stderr, "cat: %s: No such file or directory\n", a)
				code = 1
				continue
			}
			hc.Stdout.Write(b)
		}
		return code, true
	case "mkdir":
		for _, a := range operands(args) {
			m.mkdirAll(sr.abs(ctx, a))
		}
		return 0, true
	case "logger":
		fmt.Fprintln(hc.Stdout, strings.Join(operands(args), " "))
		return 0, true
	}
	return sr.procUtility(ctx, args)
}

func operands(args []string) []string {
	var out []string
	for _, a := range args[1:] {
		if !strings.HasPrefix(a, "-") {
			out = append(out, a)
		}
	}
	return out
}

func parseSleep(s string) (time.Duration, error) {
	mult := time.Second
	switch {
	case strings.HasSuffix(s, "s"):
		s = s[:len(s)-1]
	case strings.HasSuffix(s, "m"):
		s, mult = s[:len(s)-1], time.Minute
	case strings.HasSuffix(s, "h"):
		s, mult = s[:len(s)-1], time.Hour
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f < 0 {
		return 0, fmt.Errorf("invalid interval %q", s)
	}
	return time.Duration(f * float64(mult)), nil
}

type nullFile struct{}

func (nullFile) Read([]byte) (int, error)    { return 0, io.EOF }
func (nullFile) Write(b []byte) (int, error) { return len(b), nil }
func (nullFile) Close() error                { return nil }

// memHandle is an open file of the node filesystem.
type memHandle struct {
	r    *bytes.Reader
	fs   *memFS
	path string
	w    bytes.Buffer
}

func (h *memHandle) Read(b []byte) (int, error) {
	if h.r == nil {
		return 0, errors.New("file not open for reading")
	}
	return h.r.Read(b)
}

func (h *memHandle) Write(b []byte) (int, error) {
	if h.fs == nil {
		return 0, errors.New("file not open for writing")
	}
	n, _ := h.w.Write(b)
	if err := h.fs.write(h.path, h.w.Bytes(), 0o644); err != nil {
		return 0, err
	}
	return n, nil
}

func (h *memHandle) Close() error { return nil }

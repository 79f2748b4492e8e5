package sim

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
	"sync"

	"mvdan.cc/sh/v3/interp"
)

// procTable is a node's simulated process list: the services a check
// script looks for (nginx, httpd...) plus keepalived itself while its
// daemon runs. Scripts see it through ps, pidof, pgrep, killall, pkill,
// systemctl and service; scenarios set it with StartProcess/StopProcess.
type procTable struct {
	mu    sync.Mutex
	procs map[string]int // name → pid
	next  int
}

func (t *procTable) list() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	names := make([]string, 0, len(t.procs))
	for n := range t.procs {
		names = append(names, n)
	}
	slices.SortFunc(names, func(a, b string) int { return t.procs[a] - t.procs[b] })
	return names
}

func (t *procTable) pid(name string) (int, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	p, ok := t.procs[name]
	return p, ok
}

func (t *procTable) set(name string, running bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.procs == nil {
		t.procs = map[string]int{}
		t.next = 1000
	}
	if !running {
		delete(t.procs, name)
		return
	}
	if _, ok := t.procs[name]; !ok {
		t.next++
		t.procs[name] = t.next
	}
}

// StartProcess marks a service as running on node (for ps, pidof,
// systemctl is-active... in check scripts).
func (w *World) StartProcess(node, name string) error {
	n, err := w.node(node)
	if err != nil {
		return err
	}
	n.procs.set(name, true)
	w.obs.event(node, "", "process", "start "+name)
	return nil
}

// StopProcess marks a service as stopped on node.
func (w *World) StopProcess(node, name string) error {
	n, err := w.node(node)
	if err != nil {
		return err
	}
	n.procs.set(name, false)
	w.obs.event(node, "", "process", "stop "+name)
	return nil
}

// running reports whether name runs on the node (keepalived: the daemon).
func (sr *shellRun) running(name string) (int, bool) {
	if name == "keepalived" {
		return 1, sr.n.proc != nil
	}
	return sr.n.procs.pid(name)
}

// control asks for a service action; keepalived's own is done on the
// world after the script (the daemon is the one running the script).
func (sr *shellRun) control(name, action string) int {
	if name == "keepalived" {
		n := sr.n
		var fn func()
		switch action {
		case "stop":
			fn = func() {
				if n.proc != nil && !n.proc.paused {
					n.stop()
				}
			}
		case "kill":
			fn = func() {
				if n.proc != nil {
					n.kill()
				}
			}
		case "start":
			fn = func() {
				if n.proc == nil {
					n.start()
				}
			}
		case "restart":
			fn = func() { n.restart() }
		default:
			return 1
		}
		sr.mu.Lock()
		sr.after = append(sr.after, fn)
		sr.mu.Unlock()
		return 0
	}
	switch action {
	case "stop", "kill":
		sr.n.procs.set(name, false)
	case "start", "restart":
		sr.n.procs.set(name, true)
	default:
		return 1
	}
	return 0
}

func (sr *shellRun) procNames() []string {
	names := sr.n.procs.list()
	if sr.n.proc != nil {
		names = append([]string{"keepalived"}, names...)
	}
	return names
}

// procUtility implements the process and text utilities check scripts use.
func (sr *shellRun) procUtility(ctx context.Context, args []string) (int, bool) {
	hc := interp.HandlerCtx(ctx)
	ops := operands(args)
	switch args[0] {
	case "ps":
		fmt.Fprintln(hc.Stdout, "UID          PID    PPID  C STIME TTY          TIME CMD")
		for _, name := range sr.procNames() {
			pid, _ := sr.running(name)
			cmd := name
			if name == "nginx" {
				cmd = "nginx: master process /usr/sbin/nginx"
			}
			fmt.Fprintf(hc.Stdout, "root     %6d       1  0 00:00 ?        00:00:00 %s\n", pid, cmd)
			if name == "nginx" {
				fmt.Fprintf(hc.Stdout, "nginx    %6d  %6d  0 00:00 ?        00:00:00 nginx: worker process\n", pid+1, pid)
			}
		}
		return 0, true
	case "pidof", "pgrep":
		code := 1
		for _, name := range ops {
			if pid, ok := sr.running(name); ok {
				fmt.Fprintln(hc.Stdout, pid)
				code = 0
			}
		}
		return code, true
	case "killall", "pkill":
		if len(ops) == 0 {
			return 1, true
		}
		probe := slices.Contains(args[1:], "-0")
		kill9 := slices.Contains(args[1:], "-9") || slices.Contains(args[1:], "-KILL")
		code := 0
		for _, name := range ops {
			if _, ok := sr.running(name); !ok {
				if !probe {
					fmt.Fprintf(hc.Stderr, "%s: no process found\n", name)
				}
				code = 1
				continue
			}
			switch {
			case probe:
			case kill9:
				sr.control(name, "kill")
			default:
				sr.control(name, "stop")
			}
		}
		return code, true
	case "systemctl":
		if len(ops) < 2 {
			return 1, true
		}
		action, name := ops[0], strings.TrimSuffix(ops[1], ".service")
		if action == "is-active" {
			if _, ok := sr.running(name); ok {
				fmt.Fprintln(hc.Stdout, "active")
				return 0, true
			}
			fmt.Fprintln(hc.Stdout, "inactive")
			return 3, true
		}
		return sr.control(name, action), true
	case "service":
		if len(ops) < 2 {
			return 1, true
		}
		name, action := ops[0], ops[1]
		if action == "status" {
			if _, ok := sr.running(name); ok {
				return 0, true
			}
			return 3, true
		}
		return sr.control(name, action), true
	case "grep":
		return grep(hc, args[1:]), true
	case "wc":
		return wc(hc, args[1:]), true
	}
	return 0, false
}

// grep supports -v -q -c -i -E -F and reading stdin or files from the
// node's filesystem... stdin only here (the common pipeline use).
func grep(hc interp.HandlerContext, args []string) int {
	var invert, quiet, count, icase, fixed bool
	var pattern string
	have := false
	for _, a := range args {
		if strings.HasPrefix(a, "-") && len(a) > 1 && !have {
			for _, c := range a[1:] {
				switch c {
				case 'v':
					invert = true
				case 'q':
					quiet = true
				case 'c':
					count = true
				case 'i':
					icase = true
				case 'F':
					fixed = true
				}
			}
			continue
		}
		if !have {
			pattern, have = a, true
		}
	}
	if !have {
		fmt.Fprintln(hc.Stderr, "usage: grep [-vqciEF] PATTERN")
		return 2
	}
	if fixed {
		pattern = regexp.QuoteMeta(pattern)
	}
	if icase {
		pattern = "(?i)" + pattern
	}
	re, err := regexp.Compile(pattern)
	if err != nil {
		fmt.Fprintf(hc.Stderr, "grep: %v\n", err)
		return 2
	}
	n := 0
	if hc.Stdin != nil {
		sc := bufio.NewScanner(hc.Stdin)
		for sc.Scan() {
			if re.MatchString(sc.Text()) != invert {
				n++
				if !quiet && !count {
					fmt.Fprintln(hc.Stdout, sc.Text())
				}
			}
		}
	}
	if count {
		fmt.Fprintln(hc.Stdout, n)
	}
	if n == 0 {
		return 1
	}
	return 0
}

// wc counts stdin: -l lines (default), -w words, -c bytes.
func wc(hc interp.HandlerContext, args []string) int {
	var b []byte
	if hc.Stdin != nil {
		b, _ = io.ReadAll(hc.Stdin)
	}
	switch {
	case slices.Contains(args, "-w"):
		fmt.Fprintln(hc.Stdout, len(strings.Fields(string(b))))
	case slices.Contains(args, "-c"):
		fmt.Fprintln(hc.Stdout, len(b))
	default:
		fmt.Fprintln(hc.Stdout, strings.Count(string(b), "\n"))
	}
	return 0
}

package klog

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"log/syslog"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// consoleTime is keepalived's console and log-file timestamp
// (lib/logger.c: "%a %b %e %T %Y").
const consoleTime = "Mon Jan _2 15:04:05 2006"

// Options says where the log goes.
type Options struct {
	// Ident is the syslog tag: "Keepalived" for the supervisor,
	// "Keepalived_vrrp" for the VRRP process, as keepalived names them.
	Ident string
	// Syslog sends records to syslog (keepalived's default; -G turns it
	// off). SyslogAddr, when set, is the socket ("unixgram" network) to
	// use instead of the system's /dev/log (tests).
	Syslog     bool
	SyslogAddr string
	// Facility is -S: daemon (default), user or local0..local7.
	Facility syslog.Priority
	// Console is -l: records to Stderr as well.
	Console bool
	Stderr  io.Writer
	// File is -g: records appended to this file as well.
	File string
	// Detail is -D: debug records too, and the records' attributes.
	Detail bool
	// JSON writes the console and file output as JSON lines (the slog
	// JSON handler's form, plus "proc": Ident).
	JSON bool
}

// ParseFacility reads keepalived's -S value: 0..7 (local0..local7),
// local0..local7, user or daemon.
func ParseFacility(s string) (syslog.Priority, error) {
	switch s {
	case "daemon":
		return syslog.LOG_DAEMON, nil
	case "user":
		return syslog.LOG_USER, nil
	}
	n := strings.TrimPrefix(s, "local")
	if v, err := strconv.Atoi(n); err == nil && v >= 0 && v <= 7 && len(n) == 1 {
		return syslog.LOG_LOCAL0 + syslog.Priority(v)<<3, nil
	}
	return 0, fmt.Errorf("log facility %q: want 0-7, local0-7, user or daemon", s)
}

// Logger is an open log: its slog.Logger and what to close at exit.
type Logger struct {
	*slog.Logger
	closers []io.Closer
}

// Close closes syslog and the log file.
func (l *Logger) Close() error {
	var errs []error
	for _, c := range l.closers {
		errs = append(errs, c.Close())
	}
	return errors.Join(errs...)
}

// New opens the outputs opt names. A syslog that cannot be reached (no
// /dev/log in a container) is not an error: the console still works, and
// the returned warning says so.
func New(opt Options) (*Logger, error) {
	if opt.Stderr == nil {
		opt.Stderr = os.Stderr
	}
	if opt.Facility == 0 {
		opt.Facility = syslog.LOG_DAEMON
	}
	h := &handler{opt: opt, mu: &sync.Mutex{}}
	l := &Logger{}
	var warn error
	if opt.Syslog {
		w, err := dialSyslog(opt)
		if err != nil {
			warn = fmt.Errorf("syslog unavailable: %w", err)
		} else {
			h.sys = w
			l.closers = append(l.closers, w)
		}
	}
	if opt.Console {
		h.console = opt.Stderr
	}
	if opt.File != "" {
		f, err := os.OpenFile(opt.File, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o640)
		if err != nil {
			l.Close()
			return nil, fmt.Errorf("log file: %w", err)
		}
		h.file = f
		l.closers = append(l.closers, f)
	}
	l.Logger = slog.New(h)
	if warn != nil && opt.Console {
		l.Warn(warn.Error())
	}
	return l, nil
}

func dialSyslog(opt Options) (*syslog.Writer, error) {
	if opt.SyslogAddr != "" {
		return syslog.Dial("unixgram", opt.SyslogAddr, opt.Facility|syslog.LOG_INFO, opt.Ident)
	}
	return syslog.New(opt.Facility|syslog.LOG_INFO, opt.Ident)
}

// handler writes each record to every output.
type handler struct {
	opt     Options
	mu      *sync.Mutex
	sys     *syslog.Writer
	console io.Writer
	file    io.Writer
	attrs   []slog.Attr
	group   string
}

func (h *handler) Enabled(_ context.Context, l slog.Level) bool {
	if h.opt.Detail {
		return l >= slog.LevelDebug
	}
	return l >= slog.LevelInfo
}

func (h *handler) WithAttrs(as []slog.Attr) slog.Handler {
	c := *h
	c.attrs = append([]slog.Attr(nil), h.attrs...)
	for _, a := range as {
		if h.group != "" {
			a.Key = h.group + "." + a.Key
		}
		c.attrs = append(c.attrs, a)
	}
	return &c
}

func (h *handler) WithGroup(name string) slog.Handler {
	c := *h
	if c.group != "" {
		name = c.group + "." + name
	}
	c.group = name
	return &c
}

func (h *handler) Handle(_ context.Context, r slog.Record) error {
	attrs := append([]slog.Attr(nil), h.attrs...)
	r.Attrs(func(a slog.Attr) bool {
		if h.group != "" {
			a.Key = h.group + "." + a.Key
		}
		attrs = append(attrs, a)
		return true
	})
	text := r.Message
	if h.opt.Detail {
		for _, a := range attrs {
			text += " " + a.Key + "=" + quote(a.Value.String())
		}
	}
	var line []byte
	if h.console != nil || h.file != nil {
		if h.opt.JSON {
			line = jsonLine(r, h.opt.Ident, attrs)
		} else {
			line = []byte(r.Time.Format(consoleTime) + ": " + text + "\n")
		}
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	var errs []error
	if h.sys != nil {
		errs = append(errs, sysWrite(h.sys, r.Level, text))
	}
	if h.console != nil {
		_, err := h.console.Write(line)
		errs = append(errs, err)
	}
	if h.file != nil {
		_, err := h.file.Write(line)
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

func sysWrite(w *syslog.Writer, l slog.Level, msg string) error {
	switch {
	case l >= slog.LevelError:
		return w.Err(msg)
	case l >= slog.LevelWarn:
		return w.Warning(msg)
	case l >= slog.LevelInfo:
		return w.Info(msg)
	}
	return w.Debug(msg)
}

func quote(s string) string {
	if s == "" || strings.ContainsAny(s, " \t\"=") {
		return strconv.Quote(s)
	}
	return s
}

func jsonLine(r slog.Record, proc string, attrs []slog.Attr) []byte {
	m := map[string]any{"time": r.Time.Format(time.RFC3339Nano), "level": r.Level.String(), "msg": r.Message}
	if proc != "" {
		m["proc"] = proc
	}
	for _, a := range attrs {
		m[a.Key] = a.Value.Resolve().Any()
		if err, ok := m[a.Key].(error); ok {
			m[a.Key] = err.Error()
		}
	}
	b, err := json.Marshal(m)
	if err != nil {
		b, _ = json.Marshal(map[string]string{"msg": r.Message, "error": err.Error()})
	}
	return append(b, '\n')
}

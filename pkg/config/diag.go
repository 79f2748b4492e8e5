package config

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Pos is a position in a configuration file. Line and Col are 1-based; Col
// counts bytes of the line after parameter substitution.
type Pos struct {
	File string `json:"file"`
	Line int    `json:"line"`
	Col  int    `json:"col"`
}

func (p Pos) String() string {
	if p.Line == 0 {
		return p.File
	}
	return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Col)
}

// Severity of a diagnostic.
type Severity uint8

const (
	// Warning: keepalived logs it and runs with the configuration.
	Warning Severity = iota
	// Error: an invalid value or an inconsistent configuration.
	Error
)

func (s Severity) String() string {
	if s == Error {
		return "error"
	}
	return "warning"
}

// MarshalText makes Severity appear as "error"/"warning" in JSON.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// Diagnostic is one problem found in the configuration.
type Diagnostic struct {
	Pos      Pos      `json:"pos"`
	Severity Severity `json:"severity"`
	// Code says what kind of problem it is, in a word that does not change
	// when the message is reworded: callers test Code, never Msg.
	Code Code `json:"code"`
	// Keyword is the keyword the diagnostic is about (the statement's first
	// word, or the block keyword for checks made on a whole block).
	Keyword string `json:"keyword"`
	Msg     string `json:"msg"`
}

// String formats the diagnostic as file:line:col: error|warning: keyword: message.
func (d Diagnostic) String() string {
	kw := d.Keyword
	if kw != "" {
		kw += ": "
	}
	return fmt.Sprintf("%s: %s: %s%s", d.Pos, d.Severity, kw, d.Msg)
}

// Diagnostics is the list of warnings and errors of one load, in the order
// they were found.
type Diagnostics []Diagnostic

// HasErrors reports whether any diagnostic is an error.
func (ds Diagnostics) HasErrors() bool {
	for _, d := range ds {
		if d.Severity == Error {
			return true
		}
	}
	return false
}

// ScriptSecurityViolation reports whether ds holds keepalived's "SECURITY
// VIOLATION" finding (CodeScriptSecurity): scripts configured without
// enable_script_security, for which keepalived 2.2.7 -t exits 6 whatever
// else is wrong.
func (ds Diagnostics) ScriptSecurityViolation() bool { return ds.Has(CodeScriptSecurity) }

// KeepalivedReports reports whether keepalived 2.2.7 would report any of
// ds as a configuration problem, which makes its -t exit with status 5
// (KEEPALIVED_EXIT_CONFIG_TEST): every diagnostic except the
// not-implemented notes (CodeNotImplemented), which name keywords
// keepalived accepts without a word (measured: lvs_sync_daemon and
// linkbeat_use_polling, -t exit 0).
func (ds Diagnostics) KeepalivedReports() bool {
	for _, d := range ds {
		if d.Code != CodeNotImplemented {
			return true
		}
	}
	return false
}

// Has reports whether any diagnostic has the code c.
func (ds Diagnostics) Has(c Code) bool {
	for _, d := range ds {
		if d.Code == c {
			return true
		}
	}
	return false
}

// Errors returns only the errors.
func (ds Diagnostics) Errors() Diagnostics { return ds.filter(Error) }

// Warnings returns only the warnings.
func (ds Diagnostics) Warnings() Diagnostics { return ds.filter(Warning) }

func (ds Diagnostics) filter(s Severity) Diagnostics {
	var out Diagnostics
	for _, d := range ds {
		if d.Severity == s {
			out = append(out, d)
		}
	}
	return out
}

func (ds Diagnostics) String() string {
	var b strings.Builder
	for _, d := range ds {
		b.WriteString(d.String())
		b.WriteByte('\n')
	}
	return b.String()
}

// LoadError is the error Parse and Load return when the configuration has
// errors. It carries the error diagnostics.
type LoadError struct {
	Errors Diagnostics
}

func (e *LoadError) Error() string {
	if len(e.Errors) == 0 {
		return "config: invalid configuration"
	}
	if len(e.Errors) == 1 {
		return e.Errors[0].String()
	}
	return fmt.Sprintf("%s (and %d more errors)", e.Errors[0], len(e.Errors)-1)
}

// MaxDiagnostics is how many diagnostics one load keeps; the others are
// counted in a last too-many-diagnostics one (an error if any of them was).
const MaxDiagnostics = 10_000

// maxQuoted is how much of a word or value of the configuration a
// diagnostic quotes (a line may hold a megabyte).
const maxQuoted = 200

// diags collects diagnostics during one load.
type diags struct {
	list Diagnostics
	// dropped and droppedErrors count what went past MaxDiagnostics.
	dropped, droppedErrors int
}

func (d *diags) warnf(c Code, p Pos, kw, format string, args ...any) {
	d.add(Warning, c, p, kw, format, args)
}

func (d *diags) errorf(c Code, p Pos, kw, format string, args ...any) {
	d.add(Error, c, p, kw, format, args)
}

func (d *diags) add(sev Severity, c Code, p Pos, kw, format string, args []any) {
	if len(d.list) >= MaxDiagnostics {
		d.dropped++
		if sev == Error {
			d.droppedErrors++
		}
		return
	}
	for i, a := range args {
		if s, ok := a.(string); ok {
			args[i] = clip(s)
		}
	}
	d.list = append(d.list, Diagnostic{Pos: p, Severity: sev, Code: c, Keyword: clip(kw), Msg: fmt.Sprintf(format, args...)})
}

// summary is the diagnostic that stands for those past MaxDiagnostics.
func (d *diags) summary(file string) (Diagnostic, bool) {
	if d.dropped == 0 {
		return Diagnostic{}, false
	}
	sev := Warning
	if d.droppedErrors > 0 {
		sev = Error
	}
	return Diagnostic{Pos: Pos{File: file}, Severity: sev, Code: CodeTooManyDiagnostics,
		Msg: fmt.Sprintf("%d more diagnostics not shown (%d of them errors): only the first %d are kept", d.dropped, d.droppedErrors, MaxDiagnostics)}, true
}

// clip shortens configuration text quoted in a diagnostic to maxQuoted
// bytes (on a rune boundary), saying how long it was.
func clip(s string) string {
	if len(s) <= maxQuoted {
		return s
	}
	n := maxQuoted
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return fmt.Sprintf("%s…(%d bytes)", s[:n], len(s))
}

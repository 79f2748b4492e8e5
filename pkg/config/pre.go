package config

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// srcLine is one logical line after pre-processing, with its position:
// text starts in column col+1 of line line of file (a line replicated by
// ~SEQ/~LST is the text after the closing parenthesis).
type srcLine struct {
	file      string
	text      string
	line, col int32
}

// The limits of one load. Each is far above any real configuration (the
// 100,000-line benchmark of 2,000 virtual servers × 10 real servers and 500
// instances reads 99,004 lines, 2.4 MB, from 1 file, and expands nothing)
// and stops hostile input (fan-out includes, a glob matching its own file,
// a macro used a million times, nested ~SEQ) with a budget-exceeded error
// naming the file:line where it happened, before it costs more than a
// fraction of a second and a few tens of MB (TestBudgets). Going past a
// load-wide limit stops the pre-processing and drops what it produced: the
// load is that error. A configuration within the limits costs time and
// memory in proportion to its size (TestParseLinear).
// docs/config-reference.md "Limits" lists them.
const (
	// MaxFileBytes is the size of the largest file read; a larger one is
	// refused before it is read (CodeFileTooLarge).
	MaxFileBytes = 32 << 20
	// MaxReadBytes is how many bytes one load may read from files (a
	// file included again is not read again).
	MaxReadBytes = 64 << 20
	// MaxLoadFiles is how many file inclusions one load may make: every
	// file an include reads or refuses, and every include that matches
	// nothing, counted each time (the main file included).
	MaxLoadFiles = 10_000
	// MaxLoadLines is how many lines one load may produce in all.
	MaxLoadLines = 1_000_000
	// MaxExpandedLines is how many of those lines may come from
	// expansion rather than from reading a file: lines made by ~SEQ/~LST
	// and by multi-line parameters, and the lines of a file included
	// more than once.
	MaxExpandedLines = 250_000
	// MaxExpandedBytes is how many bytes the expanded lines may hold,
	// plus what $NAME substitution adds to lines (every pass counted: a
	// macro used many times, a macro of macros).
	MaxExpandedBytes = 16 << 20
	// MaxReplicated is how many times ~SEQ / ~LST may replicate a line in
	// one load, whether or not the copies produce output.
	MaxReplicated = 1_000_000
	// MaxGlobEntries is how many directory entries include globs may
	// examine in one load.
	MaxGlobEntries = 100_000
	// MaxLineBytes is the longest line, as read or after substitution.
	MaxLineBytes = 1 << 20
	// MaxIncludeDepth is how deep includes may nest.
	MaxIncludeDepth = 16
	// MaxParamDepth bounds nested parameter substitution and line
	// replication.
	MaxParamDepth = 16
	// MaxBraceAlternatives is how many patterns the {a,b} alternatives
	// of one include may expand to.
	MaxBraceAlternatives = 1024
)

// limits are the load-wide budgets a pre-processor enforces: the Max*
// constants, scaled down by fuzz targets so each input runs fast.
type limits struct {
	readBytes, inclusions, lines, expandedLines, expandedBytes, replicated, globEntries int
}

var defaultLimits = limits{
	readBytes: MaxReadBytes, inclusions: MaxLoadFiles, lines: MaxLoadLines, expandedLines: MaxExpandedLines,
	expandedBytes: MaxExpandedBytes, replicated: MaxReplicated, globEntries: MaxGlobEntries,
}

// pre is the pre-processor of one load: includes, @ID lines, $NAME
// parameters, ~SEQ/~LST replication, comments and Unicode spaces.
type pre struct {
	d        *diags
	configID string
	fs       fileSystem
	params   map[string]string
	files    []string
	active   map[string]bool
	out      []srcLine
	depth    int
	// pwd is the directory of the file being read (${_PWD}).
	pwd string
	// lim is the load's budget, used what was read and produced so far.
	lim, used limits
	// again counts the files being read that were read before in this
	// load: their lines are expanded lines.
	again int
	// stopped: a budget was exceeded; nothing more is read or produced.
	stopped bool
	// contents and globs cache what the load read: a file included many
	// times is read once, a glob repeated is not walked again.
	contents map[string][]byte
	globs    map[string][]string
}

func newPre(d *diags, opt Options) *pre {
	return &pre{d: d, configID: opt.ConfigID, fs: newFileSystem(opt), params: map[string]string{},
		active: map[string]bool{}, contents: map[string][]byte{}, globs: map[string][]string{}, lim: defaultLimits}
}

// exceed reports that a load-wide limit was passed at pos and stops the
// pre-processing: what it produced is dropped, the load is this error.
func (p *pre) exceed(pos Pos, kw, format string, args ...any) {
	if p.stopped {
		return
	}
	p.stopped = true
	p.out = nil
	p.d.errorf(CodeBudgetExceeded, pos, kw, format, args...)
}

// main pre-processes the main file, counted as the first file read.
func (p *pre) main(name string, src []byte) {
	if len(src) > MaxFileBytes {
		p.d.errorf(CodeFileTooLarge, Pos{File: name}, "", "Configuration file '%s' has %d bytes, more than the %d a configuration file may have - skipping (not read)", name, len(src), MaxFileBytes)
		return
	}
	p.used.inclusions++
	p.used.readBytes += len(src)
	p.file(name, src)
}

// emit appends one produced line, within the budget; expanded says it
// comes from expansion rather than from reading a file.
func (p *pre) emit(file string, ln, col int, text string, expanded bool) {
	p.used.lines++
	if expanded {
		p.used.expandedLines++
		p.used.expandedBytes += len(text)
	}
	pos := Pos{file, ln, 1}
	switch {
	case p.used.lines > p.lim.lines:
		p.exceed(pos, "", "more than %d lines in this load", p.lim.lines)
	case p.used.expandedLines > p.lim.expandedLines:
		p.exceed(pos, "", "more than %d lines made by ~SEQ/~LST, multi-line parameters and files included again in this load", p.lim.expandedLines)
	case p.used.expandedBytes > p.lim.expandedBytes:
		p.exceed(pos, "", "more than %d bytes made by ~SEQ/~LST, parameters and files included again in this load", p.lim.expandedBytes)
	default:
		if len(p.out) == cap(p.out) {
			// Double: append's growth of large slices (1.25×) would
			// copy the output five times over.
			p.out = slices.Grow(p.out, max(len(p.out), 1024))
		}
		p.out = append(p.out, srcLine{file, text, int32(ln), int32(col)})
	}
}

// file pre-processes the text of one file.
func (p *pre) file(name string, src []byte) {
	p.files = append(p.files, name)
	p.active[name] = true
	oldPwd := p.pwd
	p.pwd = filepath.Dir(name)
	defer func() { p.pwd = oldPwd }()
	defer delete(p.active, name)
	p.depth++
	defer func() { p.depth-- }()

	// Room for the file's lines, as many as the budget allows: most
	// lines of a configuration are output lines.
	if p.again == 0 {
		n := min(bytes.Count(src, []byte{'\n'})+1, p.lim.lines-len(p.out))
		p.out = slices.Grow(p.out, max(n, 0))
	}
	// Lines are taken one at a time (a file of newlines is not split
	// into a slice as large as itself).
	rest := string(src)
	ln := 0
	next := func() (string, bool) {
		if len(rest) == 0 {
			return "", false
		}
		ln++
		line := rest
		if i := strings.IndexByte(rest, '\n'); i >= 0 {
			line, rest = rest[:i], rest[i+1:]
		} else {
			rest = ""
		}
		return strings.TrimSuffix(line, "\r"), true
	}
	warnedSpace := false
	for !p.stopped {
		text, ok := next()
		if !ok {
			break
		}
		if len(text) > MaxLineBytes {
			p.d.errorf(CodeLineTooLong, Pos{name, ln, 1}, "", "line longer than %d bytes", MaxLineBytes)
			continue
		}
		if !utf8.ValidString(text) {
			text = strings.ToValidUTF8(text, "\uFFFD")
		}
		if t, r, col, ok := replaceUnicodeSpaces(text); ok {
			if !warnedSpace {
				warnedSpace = true
				p.d.warnf(CodeUnicodeSpace, Pos{name, ln, col}, "", "Unicode space U+%04X read as a plain space (first of this file; keepalived 2.2.7 would not recognise such lines)", r)
			}
			text = t
		}
		text = stripComment(text)
		if strings.TrimSpace(text) == "" {
			continue
		}
		// $NAME=value definitions (possibly behind @ID), with
		// trailing-backslash continuation.
		if t, keep := p.conditional(text); !keep {
			continue
		} else if def, ok := paramDef(t); ok {
			// A trailing backslash continues the value on the next
			// line; the lines stay separate lines when the parameter
			// is used (keepalived.conf(5): a parameter can hold a block).
			for strings.HasSuffix(strings.TrimRight(def.value, " \t"), "\\") {
				next, ok := next()
				if !ok {
					break
				}
				next = stripComment(next)
				if t, _, _, ok := replaceUnicodeSpaces(next); ok {
					next = t
				}
				def.value = strings.TrimSuffix(strings.TrimRight(def.value, " \t"), "\\") + "\n" + next
			}
			p.params[def.name] = strings.TrimSpace(def.value)
			continue
		}
		p.line(name, ln, 0, text, 0)
	}
}

type param struct{ name, value string }

// paramDef recognises "$NAME=value" (keepalived.conf(5) "ADVANCED CONFIGURATION").
func paramDef(text string) (param, bool) {
	t := strings.TrimLeft(text, " \t")
	if !strings.HasPrefix(t, "$") {
		return param{}, false
	}
	eq := strings.IndexByte(t, '=')
	if eq < 2 {
		return param{}, false
	}
	name := t[1:eq]
	if !isParamName(name) {
		return param{}, false
	}
	return param{name, t[eq+1:]}, true
}

func isParamName(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		if r == '_' || (r >= 'A' && r <= 'Z') || (r >= 'a' && r <= 'z') || (i > 0 && r >= '0' && r <= '9') {
			continue
		}
		return false
	}
	return true
}

// isUnicodeSpace is a space character other than ASCII blank and tab that
// web pages put into pasted configs (U+00A0 and friends).
func isUnicodeSpace(r rune) bool {
	if r < 0x80 {
		return false
	}
	return unicode.IsSpace(r) || r == 0xFEFF || r == 0x200B
}

// replaceUnicodeSpaces turns Unicode spaces into ASCII spaces (one rune for
// one rune, so rune columns are unchanged).
func replaceUnicodeSpaces(s string) (string, rune, int, bool) {
	idx := strings.IndexFunc(s, isUnicodeSpace)
	if idx < 0 {
		return s, 0, 0, false
	}
	first, _ := utf8.DecodeRuneInString(s[idx:])
	col := utf8.RuneCountInString(s[:idx]) + 1
	return strings.Map(func(r rune) rune {
		if isUnicodeSpace(r) {
			return ' '
		}
		return r
	}, s), first, col, true
}

// stripComment removes a '#' or '!' comment: keepalived 2.2.7 starts one
// at either character anywhere outside double quotes, even inside a word
// ("virtual_router_id 5!1" is VRID 5).
func stripComment(s string) string {
	inQuote := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"':
			inQuote = !inQuote
		case !inQuote && (c == '#' || c == '!'):
			return s[:i]
		}
	}
	return s
}

// line handles @ID, ~SEQ/~LST, parameter substitution and include for one
// non-empty line, whose text starts after col columns.
func (p *pre) line(file string, ln, col int, text string, level int) {
	if p.stopped {
		return
	}
	if level > MaxParamDepth {
		p.d.errorf(CodeNestingTooDeep, Pos{file, ln, 1}, "", "line replication nested too deeply")
		return
	}
	text, keep := p.conditional(text)
	if !keep {
		return
	}
	lead := len(text) - len(strings.TrimLeft(text, " \t"))
	t := text[lead:]
	if t == "" {
		return
	}
	if strings.HasPrefix(t, "~SEQ") || strings.HasPrefix(t, "~LST") {
		p.replicate(file, ln, col, text, lead, level)
		return
	}
	if strings.ContainsRune(text, '$') {
		var code Code
		var err error
		text, code, err = p.subst(text, 0, level > 0 || p.again > 0)
		if err != nil {
			if code == CodeBudgetExceeded {
				p.exceed(Pos{file, ln, 1}, "", "%v", err)
			} else {
				p.d.errorf(code, Pos{file, ln, 1}, "", "%v", err)
			}
			return
		}
		if strings.Contains(text, "\n") {
			for _, piece := range strings.Split(text, "\n") {
				if strings.TrimSpace(piece) != "" {
					p.line(file, ln, col, piece, level+1)
				}
			}
			return
		}
		lead = len(text) - len(strings.TrimLeft(text, " \t"))
		t = text[lead:]
	}
	if kw, rest, ok := strings.Cut(t, " "); ok || kw == "include" {
		kw = strings.TrimSpace(kw)
		if kw == "include" || kw == "includer" || kw == "includem" || kw == "includew" || kw == "includeb" || kw == "includea" {
			p.include(file, ln, col+lead+1, kw, strings.TrimSpace(rest))
			return
		}
	}
	if t, ok := strings.CutPrefix(t, "include\t"); ok {
		p.include(file, ln, col+lead+1, "include", strings.TrimSpace(t))
		return
	}
	p.emit(file, ln, col, text, level > 0 || p.again > 0)
}

// conditional applies @ID / @^ID (a line for, or not for, one config id:
// keepalived -i). It blanks the prefix so columns stay right.
func (p *pre) conditional(text string) (string, bool) {
	lead := len(text) - len(strings.TrimLeft(text, " \t"))
	t := text[lead:]
	if !strings.HasPrefix(t, "@") {
		return text, true
	}
	end := strings.IndexAny(t, " \t")
	if end < 0 {
		end = len(t)
	}
	id, neg := t[1:end], false
	if strings.HasPrefix(id, "^") {
		id, neg = id[1:], true
	}
	if (id == p.configID) == neg {
		return "", false
	}
	return strings.Repeat(" ", lead+end) + t[end:], true
}

// subst replaces $NAME and ${NAME} by defined parameters (recursively);
// unknown names are left as written. What a pass writes counts against
// MaxExpandedBytes, except the first pass over a line read from a file
// (expanded false), which costs as much as reading it: so a macro used many
// times, a macro of macros and a macro naming itself all spend the budget.
func (p *pre) subst(s string, depth int, expanded bool) (string, Code, error) {
	if depth > MaxParamDepth {
		return s, CodeNestingTooDeep, fmt.Errorf("parameter substitution nested more than %d deep", MaxParamDepth)
	}
	if strings.IndexByte(s, '$') < 0 {
		return s, "", nil
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	changed := false
	for i := 0; i < len(s); i++ {
		if s[i] != '$' {
			j := strings.IndexByte(s[i:], '$')
			if j < 0 {
				j = len(s) - i
			}
			b.WriteString(s[i : i+j])
			i += j - 1
			continue
		}
		var name string
		var end int
		if i+1 < len(s) && s[i+1] == '{' {
			j := strings.IndexByte(s[i+2:], '}')
			if j < 0 {
				b.WriteByte(s[i])
				continue
			}
			name, end = s[i+2:i+2+j], i+2+j+1
		} else {
			// keepalived 2.2.7 takes everything up to the next blank as
			// the name (measured: "10.0.0.$n/24" is left alone while
			// "10.0.0.$n" and "10.0.0.${n}/24" are substituted).
			j := i + 1
			for j < len(s) && s[j] != ' ' && s[j] != '\t' {
				j++
			}
			name, end = s[i+1:j], j
		}
		v, ok := p.params[name]
		if name == "_PWD" && !ok {
			// keepalived.conf(5): ${_PWD} is the directory of the
			// file being read.
			v, ok = p.pwd, true
		}
		if !ok || name == "" {
			b.WriteByte(s[i])
			continue
		}
		b.WriteString(v)
		changed = true
		if b.Len() > MaxLineBytes {
			return s, CodeLineTooLong, fmt.Errorf("parameter substitution makes a line longer than %d bytes", MaxLineBytes)
		}
		i = end - 1
	}
	if !changed {
		return s, "", nil
	}
	if expanded || depth > 0 {
		if p.used.expandedBytes += b.Len(); p.used.expandedBytes > p.lim.expandedBytes {
			return s, CodeBudgetExceeded, fmt.Errorf("more than %d bytes made by ~SEQ/~LST, parameters and files included again in this load", p.lim.expandedBytes)
		}
	}
	return p.subst(b.String(), depth+1, expanded)
}

// replicate implements ~SEQ(var, start, step, end) and ~LST(var, v1, ...).
func (p *pre) replicate(file string, ln, col int, text string, lead, level int) {
	t := text[lead:]
	pos := Pos{file, ln, col + lead + 1}
	open := strings.IndexByte(t, '(')
	closeIdx := strings.IndexByte(t, ')')
	if open < 0 || closeIdx < open {
		p.d.errorf(CodeSyntax, pos, t[:4], "expected %s(VAR, ...) followed by a line", t[:4])
		return
	}
	kind := t[:open]
	args := strings.Split(t[open+1:closeIdx], ",")
	for i := range args {
		args[i] = strings.TrimSpace(args[i])
	}
	rest, restCol := t[closeIdx+1:], col+lead+closeIdx+1
	if len(args) < 2 || !isParamName(args[0]) {
		p.d.errorf(CodeSyntax, pos, kind, "expected a variable name and values")
		return
	}
	var values func(yield func(string) bool)
	switch kind {
	case "~SEQ", "~SEQx":
		// keepalived.conf(5) "Sequence blocks": numbers as C's strtol
		// base 0 (decimal or 0x hex); step defaults to ±1 towards end;
		// start defaults to 1 (or -1 when end < 0); ~SEQx prints hex.
		nums := make([]int64, 0, 3)
		for _, a := range args[1:] {
			n, err := strconv.ParseInt(a, 0, 64)
			if err != nil {
				p.d.errorf(CodeInvalidValue, pos, kind, "invalid number %q", a)
				return
			}
			nums = append(nums, n)
		}
		var start, step, end int64
		switch len(nums) {
		case 1:
			end = nums[0]
			start = 1
			if end < 0 {
				start = -1
			}
		case 2:
			start, end = nums[0], nums[1]
		case 3:
			start, step, end = nums[0], nums[1], nums[2]
		default:
			p.d.errorf(CodeSyntax, pos, kind, "expected %s(VAR, [START, [STEP,]] END)", kind)
			return
		}
		if len(nums) < 3 {
			step = 1
			if end < start {
				step = -1
			}
		}
		if step == 0 || (step > 0 && start > end) || (step < 0 && start < end) {
			p.d.errorf(CodeInvalidValue, pos, kind, "sequence %d..%d step %d is empty or endless", start, end, step)
			return
		}
		base := 10
		if kind == "~SEQx" {
			base = 16
		}
		// Values are made one at a time: a sequence of 2^63 numbers
		// costs only as many as the budget lets through.
		values = func(yield func(string) bool) {
			for v := start; (step > 0 && v <= end) || (step < 0 && v >= end); v += step {
				if !yield(strconv.FormatInt(v, base)) {
					return
				}
				if (step > 0 && v > math.MaxInt64-step) || (step < 0 && v < math.MinInt64-step) {
					return
				}
			}
		}
	case "~LST":
		values = func(yield func(string) bool) {
			for _, v := range args[1:] {
				if !yield(v) {
					return
				}
			}
		}
	default:
		p.d.errorf(CodeSyntax, pos, kind, "unknown line replication %s (expected ~SEQ, ~SEQx or ~LST)", kind)
		return
	}
	name := args[0]
	old, had := p.params[name]
	for v := range values {
		if p.stopped {
			break
		}
		if p.used.replicated++; p.used.replicated > p.lim.replicated {
			p.exceed(pos, kind, "more than %d replicated lines in this load", p.lim.replicated)
			break
		}
		p.params[name] = v
		p.line(file, ln, restCol, rest, level+1)
	}
	if had {
		p.params[name] = old
	} else {
		delete(p.params, name)
	}
}

// include reads the files matching a glob relative to the including file.
func (p *pre) include(file string, ln, col int, kw, pattern string) {
	pos := Pos{file, ln, col}
	pattern = strings.Trim(pattern, "\"")
	if pattern == "" {
		p.d.errorf(CodeIncludeError, pos, kw, "expected a file name or glob")
		return
	}
	if p.depth >= MaxIncludeDepth {
		p.d.errorf(CodeNestingTooDeep, pos, kw, "includes nested more than %d deep", MaxIncludeDepth)
		return
	}
	if !filepath.IsAbs(pattern) && !strings.HasPrefix(pattern, "/") {
		pattern = filepath.Join(filepath.Dir(file), pattern)
	}
	pats, ok := expandBraces(pattern, MaxBraceAlternatives)
	if !ok {
		p.d.errorf(CodeIncludeError, pos, kw, "{a,b} alternatives of %q make more than %d patterns", pattern, MaxBraceAlternatives)
		return
	}
	var matches []string
	for _, pat := range pats {
		m, err := p.glob(pat)
		if errors.Is(err, errGlobBudget) {
			p.exceed(pos, kw, "include globs examined more than %d directory entries in this load", p.lim.globEntries)
			return
		}
		if err != nil {
			p.d.errorf(CodeIncludeError, pos, kw, "bad glob %q: %v", pat, err)
			return
		}
		matches = append(matches, m...)
	}
	sort.Strings(matches)
	if len(matches) == 0 {
		if p.countInclusion(pos, kw) {
			p.d.warnf(CodeIncludeMissing, pos, kw, "no file matches %q", pattern)
		}
		return
	}
	for _, m := range matches {
		if !p.countInclusion(pos, kw) {
			return
		}
		if p.active[m] {
			p.d.errorf(CodeIncludeLoop, pos, kw, "file %s includes itself", m)
			continue
		}
		src, again := p.contents[m]
		if !again {
			var err error
			if src, err = readConfigFile(p.fs, m); err != nil {
				var fe *fileError
				if errors.As(err, &fe) {
					p.d.errorf(fe.code, pos, kw, "%s", fe.msg)
				} else {
					p.d.errorf(CodeIncludeError, pos, kw, "cannot read %s: %v", m, err)
				}
				continue
			}
			if p.used.readBytes += len(src); p.used.readBytes > p.lim.readBytes {
				p.exceed(pos, kw, "more than %d bytes read from files in this load", p.lim.readBytes)
				return
			}
			p.contents[m] = src
		} else {
			p.again++
		}
		p.file(m, src)
		if again {
			p.again--
		}
	}
}

// countInclusion counts one file inclusion against MaxLoadFiles; false
// when the budget is spent (the load stops).
func (p *pre) countInclusion(pos Pos, kw string) bool {
	if p.stopped {
		return false
	}
	if p.used.inclusions++; p.used.inclusions > p.lim.inclusions {
		p.exceed(pos, kw, "more than %d file inclusions in this load (a file counts each time it is included)", p.lim.inclusions)
		return false
	}
	return true
}

// expandBraces expands csh braces {a,b} (glob(3) GLOB_BRACE), at most max
// patterns (false beyond).
func expandBraces(s string, max int) ([]string, bool) {
	out := []string{s}
	for done := 0; done < len(out); {
		t := out[done]
		i := strings.IndexByte(t, '{')
		j := -1
		if i >= 0 {
			j = strings.IndexByte(t[i:], '}')
		}
		if j < 0 {
			done++
			continue
		}
		alts := strings.Split(t[i+1:i+j], ",")
		if len(out)-1+len(alts) > max {
			return nil, false
		}
		exp := make([]string, len(alts))
		for k, alt := range alts {
			exp[k] = t[:i] + alt + t[i+j+1:]
		}
		out = append(out[:done], append(exp, out[done+1:]...)...)
	}
	return out, true
}

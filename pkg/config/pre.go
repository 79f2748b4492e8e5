package config

import (
	"fmt"
	"io/fs"
	"math"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// srcLine is one logical line after pre-processing, with its position.
type srcLine struct {
	file string
	line int
	text string
}

// Limits that keep hostile input from exhausting memory or the stack.
const (
	maxIncludeDepth = 16
	maxParamDepth   = 16
	maxReplicate    = 1000000 // lines produced by ~SEQ / ~LST in one load
	maxLineLen      = 1 << 20
)

// pre is the pre-processor of one load: includes, @ID lines, $NAME
// parameters, ~SEQ/~LST replication, comments and Unicode spaces.
type pre struct {
	d        *diags
	configID string
	readFile func(name string) ([]byte, error)
	glob     func(pattern string) ([]string, error)
	params   map[string]string
	files    []string
	active   map[string]bool
	out      []srcLine
	depth    int
	// pwd is the directory of the file being read (${_PWD}).
	pwd string
	// replicated counts the lines made by ~SEQ / ~LST, bounded by maxReplicate.
	replicated int
}

func newPre(d *diags, opt Options) *pre {
	p := &pre{d: d, configID: opt.ConfigID, params: map[string]string{}, active: map[string]bool{}}
	if opt.FS != nil {
		fsys := opt.FS
		clean := func(name string) string {
			name = path.Clean("/" + filepath.ToSlash(name))
			if name == "/" {
				return "."
			}
			return name[1:]
		}
		p.readFile = func(name string) ([]byte, error) { return fs.ReadFile(fsys, clean(name)) }
		p.glob = func(pattern string) ([]string, error) {
			m, err := fs.Glob(fsys, clean(pattern))
			if err != nil {
				return nil, err
			}
			if strings.HasPrefix(pattern, "/") {
				for i := range m {
					m[i] = "/" + m[i]
				}
			}
			return m, nil
		}
	} else {
		p.readFile = os.ReadFile
		p.glob = filepath.Glob
	}
	return p
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

	lines := strings.Split(string(src), "\n")
	p.out = slices.Grow(p.out, len(lines))
	warnedSpace := false
	for i := 0; i < len(lines); i++ {
		ln := i + 1
		text := strings.TrimSuffix(lines[i], "\r")
		if len(text) > maxLineLen {
			p.d.errorf(CodeLineTooLong, Pos{name, ln, 1}, "", "line longer than %d bytes", maxLineLen)
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
			for strings.HasSuffix(strings.TrimRight(def.value, " \t"), "\\") && i+1 < len(lines) {
				i++
				next := stripComment(strings.TrimSuffix(lines[i], "\r"))
				if t, _, _, ok := replaceUnicodeSpaces(next); ok {
					next = t
				}
				def.value = strings.TrimSuffix(strings.TrimRight(def.value, " \t"), "\\") + "\n" + next
			}
			p.params[def.name] = strings.TrimSpace(def.value)
			continue
		}
		p.line(name, ln, text, 0)
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
// non-empty line.
func (p *pre) line(file string, ln int, text string, level int) {
	if level > maxParamDepth {
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
		p.replicate(file, ln, text, lead, level)
		return
	}
	if strings.ContainsRune(text, '$') {
		var err error
		var code Code
		text, code, err = p.subst(text, 0)
		if err != nil {
			p.d.errorf(code, Pos{file, ln, 1}, "", "%v", err)
			return
		}
		if strings.Contains(text, "\n") {
			for _, piece := range strings.Split(text, "\n") {
				if strings.TrimSpace(piece) != "" {
					p.line(file, ln, piece, level+1)
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
			p.include(file, ln, lead+1, kw, strings.TrimSpace(rest))
			return
		}
	}
	if t, ok := strings.CutPrefix(t, "include\t"); ok {
		p.include(file, ln, lead+1, "include", strings.TrimSpace(t))
		return
	}
	p.out = append(p.out, srcLine{file, ln, text})
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
// unknown names are left as written.
func (p *pre) subst(s string, depth int) (string, Code, error) {
	if depth > maxParamDepth {
		return s, CodeNestingTooDeep, fmt.Errorf("parameter substitution nested more than %d deep", maxParamDepth)
	}
	var b strings.Builder
	changed := false
	for i := 0; i < len(s); i++ {
		if s[i] != '$' {
			b.WriteByte(s[i])
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
		if b.Len() > maxLineLen {
			return s, CodeLineTooLong, fmt.Errorf("parameter substitution makes a line longer than %d bytes", maxLineLen)
		}
		i = end - 1
	}
	if !changed {
		return s, "", nil
	}
	return p.subst(b.String(), depth+1)
}

// replicate implements ~SEQ(var, start, step, end) and ~LST(var, v1, ...).
func (p *pre) replicate(file string, ln int, text string, lead, level int) {
	t := text[lead:]
	pos := Pos{file, ln, lead + 1}
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
	rest := strings.Repeat(" ", lead+closeIdx+1) + t[closeIdx+1:]
	if len(args) < 2 || !isParamName(args[0]) {
		p.d.errorf(CodeSyntax, pos, kind, "expected a variable name and values")
		return
	}
	var values []string
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
		for v := start; (step > 0 && v <= end) || (step < 0 && v >= end); v += step {
			if len(values)+p.replicated >= maxReplicate {
				p.d.errorf(CodeBudgetExceeded, pos, kind, "more than %d replicated lines", maxReplicate)
				return
			}
			if kind == "~SEQx" {
				values = append(values, strconv.FormatInt(v, 16))
			} else {
				values = append(values, strconv.FormatInt(v, 10))
			}
			if (step > 0 && v > math.MaxInt64-step) || (step < 0 && v < math.MinInt64-step) {
				break
			}
		}
	case "~LST":
		values = args[1:]
	default:
		p.d.errorf(CodeSyntax, pos, kind, "unknown line replication %s (expected ~SEQ, ~SEQx or ~LST)", kind)
		return
	}
	name := args[0]
	old, had := p.params[name]
	for _, v := range values {
		if p.replicated++; p.replicated > maxReplicate {
			p.d.errorf(CodeBudgetExceeded, pos, kind, "more than %d replicated lines", maxReplicate)
			break
		}
		p.params[name] = v
		p.line(file, ln, rest, level+1)
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
	if p.depth >= maxIncludeDepth {
		p.d.errorf(CodeNestingTooDeep, pos, kw, "includes nested more than %d deep", maxIncludeDepth)
		return
	}
	if !filepath.IsAbs(pattern) && !strings.HasPrefix(pattern, "/") {
		pattern = filepath.Join(filepath.Dir(file), pattern)
	}
	var matches []string
	for _, pat := range expandBraces(pattern) {
		m, err := p.glob(pat)
		if err != nil {
			p.d.errorf(CodeIncludeError, pos, kw, "bad glob %q: %v", pat, err)
			return
		}
		matches = append(matches, m...)
	}
	sort.Strings(matches)
	if len(matches) == 0 {
		p.d.warnf(CodeIncludeMissing, pos, kw, "no file matches %q", pattern)
		return
	}
	for _, m := range matches {
		if p.active[m] {
			p.d.errorf(CodeIncludeLoop, pos, kw, "file %s includes itself", m)
			continue
		}
		src, err := p.readFile(m)
		if err != nil {
			p.d.errorf(CodeIncludeError, pos, kw, "cannot read %s: %v", m, err)
			continue
		}
		p.file(m, src)
	}
}

// expandBraces expands one level of csh braces {a,b} (glob(3) GLOB_BRACE).
func expandBraces(s string) []string {
	i := strings.IndexByte(s, '{')
	if i < 0 {
		return []string{s}
	}
	j := strings.IndexByte(s[i:], '}')
	if j < 0 {
		return []string{s}
	}
	var out []string
	for _, alt := range strings.Split(s[i+1:i+j], ",") {
		out = append(out, expandBraces(s[:i]+alt+s[i+j+1:])...)
	}
	return out
}

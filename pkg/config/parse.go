package config

import (
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"unicode/utf8"
)

// Options control a load.
type Options struct {
	// ConfigID is the id @ID lines are compared with (keepalived -i).
	// keepalived defaults it to the short host name; the library does no
	// I/O of its own, so callers that want that default pass it (the
	// command does). With an empty ConfigID only @^ID lines apply.
	ConfigID string
	// FS, when set, is where the main file (Load) and the includes are
	// read from: absolute paths are taken relative to the root of FS.
	// When nil, Load and includes use the operating system's files, and
	// Parse resolves includes against the current directory.
	FS fs.FS
	// CheckScripts makes the loader stat every script path (the config
	// test, keepalived -t): a missing or insecure script is reported.
	CheckScripts bool
}

// Load reads the configuration file at path (and its includes). The main
// file must be a regular file no larger than MaxFileBytes, as every
// include (see readConfigFile).
// The error is non-nil only when the diagnostics contain errors; it is a
// *LoadError, or the read error of the main file. The configuration is nil
// when the main file cannot be read at all (then the diagnostics hold the
// refusal of a file that is not a regular file, or too large).
func Load(path string, opt Options) (*Config, Diagnostics, error) {
	src, err := readConfigFile(newFileSystem(opt), path)
	if err != nil {
		var fe *fileError
		if errors.As(err, &fe) {
			ds := Diagnostics{{Pos: Pos{File: path}, Severity: Error, Code: fe.code, Msg: fe.msg}}
			return nil, ds, &LoadError{Errors: ds}
		}
		return nil, nil, fmt.Errorf("config: read %s: %w", path, err)
	}
	return Parse(path, src, opt)
}

// Parse reads configuration text; name is the file name used in
// diagnostics and the directory includes are relative to.
func Parse(name string, src []byte, opt Options) (*Config, Diagnostics, error) {
	return parse(name, src, opt, defaultLimits)
}

// parse is Parse within the given load budget.
func parse(name string, src []byte, opt Options, lim limits) (*Config, Diagnostics, error) {
	d := &diags{}
	pp := newPre(d, opt)
	pp.lim = lim
	pp.main(name, src)
	toks := lex(pp.out, d)
	tree := buildTree(toks, d)
	p := &parser{d: d, opt: opt, cfg: &Config{}}
	p.cfg.Files = pp.files
	topKeywords.setDefaults(p.cfg)
	globalKeywords.setDefaults(&p.cfg.Global)
	var top keySet
	parseBlock(p, topKeywords, tree, p.cfg, &top, nil)
	p.finish()
	diagsOut := sortDiags(d.list, pp.files)
	if sum, ok := d.summary(name); ok {
		diagsOut = append(diagsOut, sum)
	}
	if diagsOut.HasErrors() {
		return p.cfg, diagsOut, &LoadError{Errors: diagsOut.Errors()}
	}
	return p.cfg, diagsOut, nil
}

// parser builds the model from the statement tree.
type parser struct {
	d   *diags
	opt Options
	cfg *Config
	// instFlags[i] records which keywords Instances[i] gave.
	instFlags []instFlags
	// scriptRefs are the script programs found (Options.CheckScripts).
	scriptRefs []scriptRef
}

// unknown reports a keyword keepalived does not know in this block.
func (p *parser) unknown(n *node) {
	p.d.warnf(CodeUnknownKeyword, n.pos(), n.kw.text, "Unknown keyword '%s'%s", n.kw.text, typoHint(n.kw.text))
}

// typoHint names the Unicode or look-alike characters in a keyword.
func typoHint(s string) string {
	for _, r := range s {
		if r >= utf8.RuneSelf {
			return fmt.Sprintf(" (contains non-ASCII character %q U+%04X)", r, r)
		}
	}
	return ""
}

// keep stores an accepted but uninterpreted directive.
func keep(n *node) Directive {
	dv := Directive{Pos: n.pos(), Keyword: n.kw.text, Block: n.block}
	for _, a := range n.args {
		dv.Args = append(dv.Args, a.text)
	}
	for _, c := range n.children {
		dv.Children = append(dv.Children, keep(c))
	}
	return dv
}

// noBlock reports a block given to a keyword that takes none.
func (p *parser) noBlock(n *node) {
	if n.block {
		p.d.errorf(CodeUnexpectedBlock, n.pos(), n.kw.text, "unexpected block after '%s'", n.kw.text)
	}
}

// needBlock reports a missing block.
func (p *parser) needBlock(n *node) bool {
	if !n.block {
		p.d.errorf(CodeMissingBlock, n.pos(), n.kw.text, "expected '{' after '%s'", n.kw.text)
		return false
	}
	return true
}

// ignored warns that a keyword keepalived knows is kept but not acted upon.
func (p *parser) ignored(n *node) {
	p.d.warnf(CodeNotImplemented, n.pos(), n.kw.text, "'%s' is accepted but not implemented by gokeepalived; it has no effect", n.kw.text)
}

// sortDiags orders diagnostics by file (in reading order), line and column,
// keeping the order of findings on the same spot.
func sortDiags(ds Diagnostics, files []string) Diagnostics {
	idx := make(map[string]int, len(files))
	for i, f := range files {
		if _, ok := idx[f]; !ok {
			idx[f] = i
		}
	}
	sort.SliceStable(ds, func(i, j int) bool {
		a, b := ds[i].Pos, ds[j].Pos
		if a.File != b.File {
			return idx[a.File] < idx[b.File]
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Col < b.Col
	})
	return ds
}

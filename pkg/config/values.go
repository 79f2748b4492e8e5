package config

import (
	"math"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// Value helpers. Each reports an error diagnostic naming the keyword and
// what was expected, and returns ok=false so the caller keeps the default.

// need reports a keyword given without a value. Extra words are ignored
// silently, as keepalived 2.2.7 does (seed 004 annotates values with
// "--- ..." text on the same line).
func (p *parser) need(n *node) bool {
	if len(n.args) == 0 {
		p.d.errorf(CodeMissingValue, n.pos(), n.kw.text, "missing value")
		return false
	}
	return true
}

// tooMany reports a keyword that takes `values` words but is followed by
// more than MaxExtraWords further words: keepalived ignores extra words silently,
// and a few are annotations (seed 004), but hundreds of thousands are a
// broken or hostile line. The diagnostic names the first extra word and
// the count, never the words.
func (p *parser) tooMany(n *node, values int) {
	extra := len(n.args) - values
	if extra <= MaxExtraWords {
		return
	}
	first := n.args[values].text
	if len(first) > 32 {
		first = first[:32] + "..."
	}
	p.d.warnf(CodeTooManyValues, n.args[values].pos(), n.kw.text, "%s takes %d value(s) but is followed by %d more words (from %q); they are ignored", n.kw.text, values, extra, first)
}

// str returns the first argument.
func (p *parser) str(n *node) (string, bool) {
	if !p.need(n) {
		return "", false
	}
	p.tooMany(n, 1)
	return n.args[0].text, true
}

// restString returns the arguments from args[from] on joined by a space (script command lines).
func restString(n *node, from int) string {
	parts := make([]string, 0, len(n.args))
	for _, a := range n.args[from:] {
		parts = append(parts, a.text)
	}
	return strings.Join(parts, " ")
}

func (p *parser) intArg(n *node, i int, lo, hi int64) (int, bool) {
	if i >= len(n.args) {
		p.d.errorf(CodeMissingValue, n.pos(), n.kw.text, "missing value (expected an integer in [%d, %d])", lo, hi)
		return 0, false
	}
	t := n.args[i]
	v, err := strconv.ParseInt(t.text, 10, 64)
	if err != nil {
		p.d.errorf(CodeInvalidValue, t.pos(), n.kw.text, "invalid number %q (expected an integer in [%d, %d])", t.text, lo, hi)
		return 0, false
	}
	if v < lo || v > hi {
		p.d.errorf(CodeValueRange, t.pos(), n.kw.text, "number %d outside range [%d, %d]", v, lo, hi)
		return 0, false
	}
	return int(v), true
}

// int parses a single integer argument in [lo, hi].
func (p *parser) int(n *node, lo, hi int64) (int, bool) {
	if !p.need(n) {
		return 0, false
	}
	p.tooMany(n, 1)
	return p.intArg(n, 0, lo, hi)
}

// timerArg parses keepalived's <TIMER>: decimal seconds, µs resolution.
func (p *parser) timerArg(n *node, i int, lo, hi float64) (time.Duration, bool) {
	if i >= len(n.args) {
		p.d.errorf(CodeMissingValue, n.pos(), n.kw.text, "missing value (expected seconds in [%g, %g])", lo, hi)
		return 0, false
	}
	t := n.args[i]
	v, err := strconv.ParseFloat(t.text, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) || strings.ContainsAny(t.text, "xXpP_") {
		p.d.errorf(CodeInvalidValue, t.pos(), n.kw.text, "invalid time %q (expected seconds in [%g, %g])", t.text, lo, hi)
		return 0, false
	}
	if v < lo || v > hi {
		p.d.errorf(CodeValueRange, t.pos(), n.kw.text, "time %s outside range [%g, %g] seconds", t.text, lo, hi)
		return 0, false
	}
	return time.Duration(math.Round(v*1e6)) * time.Microsecond, true
}

func (p *parser) timer(n *node, lo, hi float64) (time.Duration, bool) {
	if !p.need(n) {
		return 0, false
	}
	p.tooMany(n, 1)
	return p.timerArg(n, 0, lo, hi)
}

// boolOpt parses an optional <BOOL> (absent = true).
func (p *parser) boolOpt(n *node) (bool, bool) {
	if len(n.args) == 0 {
		return true, true
	}
	p.tooMany(n, 1)
	switch strings.ToLower(n.args[0].text) {
	case "on", "true", "yes":
		return true, true
	case "off", "false", "no":
		return false, true
	}
	p.d.errorf(CodeInvalidValue, n.args[0].pos(), n.kw.text, "invalid boolean %q (expected on|off|true|false|yes|no)", n.args[0].text)
	return false, false
}

func (p *parser) addrArg(n *node, i int) (netip.Addr, bool) {
	if i >= len(n.args) {
		p.d.errorf(CodeMissingValue, n.pos(), n.kw.text, "missing IP address")
		return netip.Addr{}, false
	}
	t := n.args[i]
	a, err := netip.ParseAddr(t.text)
	if err != nil {
		p.d.errorf(CodeInvalidValue, t.pos(), n.kw.text, "invalid IP address %q", t.text)
		return netip.Addr{}, false
	}
	return a, true
}

func (p *parser) addr(n *node) (netip.Addr, bool) {
	if !p.need(n) {
		return netip.Addr{}, false
	}
	p.tooMany(n, 1)
	return p.addrArg(n, 0)
}

// prefixOf parses ADDR[/LEN]; without a length the prefix is a host route.
func prefixOf(s string) (netip.Prefix, bool) {
	if strings.Contains(s, "/") {
		pf, err := netip.ParsePrefix(s)
		if err != nil {
			// keepalived accepts a dotted mask? No: only a length.
			return netip.Prefix{}, false
		}
		return pf, true
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, false
	}
	return netip.PrefixFrom(a, a.BitLen()), true
}

func (p *parser) portArg(n *node, i int) (uint16, bool) {
	v, ok := p.intArg(n, i, 0, 65535)
	return uint16(v), ok
}

// weightArgs parses "weight W [reverse|noreverse]" starting at args[i].
func (p *parser) weightArgs(n *node, i int, lo, hi int64) (w int, reverse, set bool) {
	for i < len(n.args) {
		switch n.args[i].text {
		case "weight":
			v, ok := p.intArg(n, i+1, lo, hi)
			if ok {
				w, set = v, true
			}
			i += 2
		case "reverse":
			reverse = true
			i++
		case "noreverse":
			reverse = false
			i++
		default:
			p.d.errorf(CodeUnknownOption, n.args[i].pos(), n.kw.text, "unknown option %q (expected weight N [reverse])", n.args[i].text)
			i++
		}
	}
	return w, reverse, set
}

// notify parses a notify script line: "CMD ARGS" [user [group]] or bare words.
func (p *parser) notify(n *node) (Notify, bool) {
	if !p.need(n) {
		return Notify{}, false
	}
	nt := Notify{}
	if n.args[0].quoted && len(n.args) <= 3 {
		nt.Command = n.args[0].text
		rest := n.args[1:]
		if len(rest) > 0 {
			nt.User = rest[0].text
		}
		if len(rest) > 1 {
			nt.Group = rest[1].text
		}
		if len(rest) > 2 {
			p.d.warnf(CodeExtraText, rest[2].pos(), n.kw.text, "extra argument %q ignored", rest[2].text)
		}
	} else {
		nt.Command = restString(n, 0)
	}
	p.checkScriptPath(n, nt.Command)
	return nt, true
}

// command returns a script command line: a quoted first word is the whole
// command (words after it are reported and ignored: seed 004 §2.6 annotates
// its script line with "--- ..." text), otherwise the words joined.
func (p *parser) command(n *node) string {
	if n.args[0].quoted {
		if len(n.args) > 1 {
			p.d.warnf(CodeExtraText, n.args[1].pos(), n.kw.text, "text after the quoted command ignored: %q (missing '#'?)", restString(n, 1))
		}
		return n.args[0].text
	}
	return restString(n, 0)
}

// The set* helpers store a keyword's value in dst when it parses, and
// otherwise leave dst (the default) alone, the diagnostic already reported.

// setBool stores an optional <BOOL> (absent = true); the keyword takes no block.
func setBool(p *parser, n *node, dst *bool) {
	p.noBlock(n)
	if v, ok := p.boolOpt(n); ok {
		*dst = v
	}
}

// setTimer stores a <TIMER> in [lo, hi] seconds.
func setTimer(p *parser, n *node, dst *time.Duration, lo, hi float64) {
	if v, ok := p.timer(n, lo, hi); ok {
		*dst = v
	}
}

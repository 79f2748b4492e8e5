package config

import (
	"fmt"
	"net/netip"
	"time"
)

// Keyword tables, keepalived's install_keyword tree in Go: each block
// (top level, global_defs, vrrp_instance, vrrp_script, ...) has one table
// listing every keyword it takes, in the order -d writes them. A plain
// keyword (a number, a timer, a boolean, a word, an address) is one row
// that says everything about it: its kind, its range, the model field it
// fills, its default, the global_defs value it falls back to when not
// given, and how the dump writes it; parsing, the "was it set" tracking,
// the defaults and the dump all read that row. A compound keyword (VIP
// lines, unicast_peer, authentication, track_* blocks, notify scripts,
// ...) has a hand-written parser and dump function, named in its row so
// the dump still follows the table's order.

// MaxExtraWords is how many words may follow the value of a keyword that
// takes one. keepalived 2.2.7 ignores them silently, and configs annotate
// values that way (seed 004: "--- comment"), so a few stay silent; more
// is reported once (CodeTooManyValues), whatever their number.
const MaxExtraWords = 64

// maxRows bounds a table, so that keySet stays a fixed-size value.
const maxRows = 128

// keySet records which keywords of one block were given, by row index:
// keepalived's "was it set" (the -1 "unset" values of its structures).
type keySet [maxRows / 64]uint64

func (s *keySet) add(i int)      { s[i/64] |= 1 << (i % 64) }
func (s *keySet) has(i int) bool { return s[i/64]&(1<<(i%64)) != 0 }

// valueKind is how a plain keyword's value is read.
type valueKind uint8

const (
	// kindCompound: parsed and dumped by the row's own functions.
	kindCompound valueKind = iota
	// kindIgnored: accepted, kept in the block's Other list, no effect.
	kindIgnored
	// kindInt: <INTEGER> in [lo, hi].
	kindInt
	// kindTimer: <TIMER>, decimal seconds in [lo, hi], µs resolution.
	kindTimer
	// kindBool: [<BOOL>], on|off|true|false|yes|no; absent means on.
	kindBool
	// kindFlag: no value; present means on (words after it are ignored).
	kindFlag
	// kindString: one word.
	kindString
	// kindAddr: an IP address (optionally restricted, see must).
	kindAddr
)

// dumpRule is how the dump writes a plain keyword.
type dumpRule uint8

const (
	// dumpAlways: "kw VALUE" (a word or an address only when not empty).
	dumpAlways dumpRule = iota
	// dumpFlag: "kw" when true, nothing when false.
	dumpFlag
	// dumpOnOff: "kw on" or "kw off".
	dumpOnOff
	// dumpNonZero: "kw VALUE" when the value is not zero.
	dumpNonZero
)

// spec is the part of a keyword row that does not depend on the block.
type spec struct {
	name string
	kind valueKind
	// alias: this name is another spelling of the row named alias (parsed
	// as it, set as it, never dumped).
	alias string
	// lo, hi: the range of a kindInt or kindTimer value.
	lo, hi float64
	// must/mustWhat: a kindAddr value must satisfy must ("%s is not
	// mustWhat").
	must     func(netip.Addr) bool
	mustWhat string
	// dflt is the value before the block is read (nil: the zero value).
	dflt any
	dump dumpRule
	// deprecation, when set, is the warning the keyword gives when used.
	deprecation string
}

// keyword is one row of the table of a block whose model type is B.
type keyword[B any] struct {
	spec
	// field returns a pointer to the model field a plain keyword fills:
	// *int, *time.Duration, *bool, *string or *netip.Addr.
	field func(*B) any
	// global is the value an instance keyword not given takes from
	// global_defs (nil: none; the block's default stays).
	global func(*GlobalDefs) any
	// when: dump the keyword only when it returns true (nil: always).
	when func(*B) bool
	// parse is a compound keyword's parser; it reports whether the
	// keyword counts as given.
	parse func(p *parser, n *node, b *B) bool
	// write is a compound keyword's dump (or a plain one's, when the rule
	// cannot say it); nil writes nothing.
	write func(d *dumper, b *B)
}

func plainRow[B any](name string, k valueKind, f func(*B) any) keyword[B] {
	r := keyword[B]{spec: spec{name: name, kind: k, dump: dumpAlways}, field: f}
	if k == kindBool || k == kindFlag {
		r.dump = dumpFlag
	}
	return r
}

// intKw is an <INTEGER> keyword in [lo, hi].
func intKw[B any](name string, lo, hi int64, f func(*B) *int) keyword[B] {
	r := plainRow(name, kindInt, func(b *B) any { return f(b) })
	r.lo, r.hi = float64(lo), float64(hi)
	return r
}

// timerKw is a <TIMER> keyword in [lo, hi] seconds.
func timerKw[B any](name string, lo, hi float64, f func(*B) *time.Duration) keyword[B] {
	r := plainRow(name, kindTimer, func(b *B) any { return f(b) })
	r.lo, r.hi = lo, hi
	return r
}

// boolKw is a [<BOOL>] keyword.
func boolKw[B any](name string, f func(*B) *bool) keyword[B] {
	return plainRow(name, kindBool, func(b *B) any { return f(b) })
}

// flagKw is a keyword without value that turns something on.
func flagKw[B any](name string, f func(*B) *bool) keyword[B] {
	return plainRow(name, kindFlag, func(b *B) any { return f(b) })
}

// strKw is a one-word keyword.
func strKw[B any](name string, f func(*B) *string) keyword[B] {
	return plainRow(name, kindString, func(b *B) any { return f(b) })
}

// addrKw is an IP address keyword.
func addrKw[B any](name string, f func(*B) *netip.Addr) keyword[B] {
	return plainRow(name, kindAddr, func(b *B) any { return f(b) })
}

// compoundKw is a keyword with its own parser and dump (either may be nil).
func compoundKw[B any](name string, parse func(*parser, *node, *B) bool, write func(*dumper, *B)) keyword[B] {
	return keyword[B]{spec: spec{name: name, kind: kindCompound}, parse: parse, write: write}
}

// aliasKw is another spelling of the keyword named of.
func aliasKw[B any](name, of string) keyword[B] {
	return keyword[B]{spec: spec{name: name, alias: of}}
}

// or sets the keyword's default value.
func (k keyword[B]) or(v any) keyword[B] { k.dflt = v; return k }

// fromGlobal sets the global_defs value an unset keyword takes.
func (k keyword[B]) fromGlobal(g func(*GlobalDefs) any) keyword[B] { k.global = g; return k }

// dumped sets the dump rule.
func (k keyword[B]) dumped(r dumpRule) keyword[B] { k.dump = r; return k }

// dumpIf dumps the keyword only when w is true.
func (k keyword[B]) dumpIf(w func(*B) bool) keyword[B] { k.when = w; return k }

// dumpWith replaces the dump rule by a function.
func (k keyword[B]) dumpWith(w func(*dumper, *B)) keyword[B] { k.write = w; return k }

// deprecated makes the keyword warn (CodeDeprecated) when used.
func (k keyword[B]) deprecated(msg string) keyword[B] { k.deprecation = msg; return k }

// withDefault gives a compound keyword's model field a default value.
func (k keyword[B]) withDefault(f func(*B) any, v any) keyword[B] {
	k.field, k.dflt = f, v
	return k
}

// mustBe restricts an address keyword ("%s is not " + what).
func (k keyword[B]) mustBe(ok func(netip.Addr) bool, what string) keyword[B] {
	k.must, k.mustWhat = ok, what
	return k
}

// table is the keyword table of one block. Tables are built once, when the
// package is initialised, and only read afterwards.
type table[B any] struct {
	block string
	rows  []keyword[B]
	index map[string]int
	// other is where the block keeps accepted but ignored keywords.
	other func(*B) *[]Directive
}

// newTable builds a block's table: rows in dump order, then the keywords
// that are accepted but ignored. A mistake in a table (a name twice, a
// default or global value of the wrong type) panics when the package is
// initialised, so every test catches it.
func newTable[B any](block string, other func(*B) *[]Directive, ignored []string, rows ...keyword[B]) *table[B] {
	t := &table[B]{block: block, index: map[string]int{}, other: other}
	for _, name := range ignored {
		rows = append(rows, keyword[B]{spec: spec{name: name, kind: kindIgnored}})
	}
	if len(rows) > maxRows {
		panic(fmt.Sprintf("config: %s: %d keywords, at most %d", block, len(rows), maxRows))
	}
	var zero B
	var g GlobalDefs
	for i, r := range rows {
		if _, dup := t.index[r.name]; dup {
			panic(fmt.Sprintf("config: %s: keyword %s twice", block, r.name))
		}
		t.index[r.name] = i
		if r.kind == kindIgnored && other == nil {
			panic(fmt.Sprintf("config: %s: ignored keyword %s but no Other list", block, r.name))
		}
		if r.field == nil {
			continue
		}
		ptr := r.field(&zero)
		for _, v := range []any{r.dflt, globalValue(r.global, &g)} {
			if v != nil && !assignable(ptr, v) {
				panic(fmt.Sprintf("config: %s: %s: value %T does not fit field %T", block, r.name, v, ptr))
			}
		}
		if r.kind != kindCompound && !fieldFits(r.kind, ptr) {
			panic(fmt.Sprintf("config: %s: %s: field %T for kind %d", block, r.name, ptr, r.kind))
		}
	}
	for _, r := range rows {
		if a := r.alias; a != "" {
			if j, ok := t.index[a]; !ok || rows[j].alias != "" {
				panic(fmt.Sprintf("config: %s: %s is an alias of unknown %s", block, r.name, a))
			}
		}
	}
	t.rows = rows
	return t
}

func globalValue(f func(*GlobalDefs) any, g *GlobalDefs) any {
	if f == nil {
		return nil
	}
	return f(g)
}

func fieldFits(k valueKind, ptr any) bool {
	switch ptr.(type) {
	case *int:
		return k == kindInt
	case *time.Duration:
		return k == kindTimer
	case *bool:
		return k == kindBool || k == kindFlag
	case *string:
		return k == kindString
	case *netip.Addr:
		return k == kindAddr
	}
	return false
}

func assignable(ptr, v any) bool {
	switch ptr.(type) {
	case *int:
		_, ok := v.(int)
		return ok
	case *time.Duration:
		_, ok := v.(time.Duration)
		return ok
	case *bool:
		_, ok := v.(bool)
		return ok
	case *string:
		_, ok := v.(string)
		return ok
	case *netip.Addr:
		_, ok := v.(netip.Addr)
		return ok
	case *uint16:
		_, ok := v.(uint16)
		return ok
	}
	return false
}

// assign stores v (checked by newTable to fit) in the field ptr points to.
func assign(ptr, v any) {
	switch p := ptr.(type) {
	case *int:
		*p = v.(int)
	case *time.Duration:
		*p = v.(time.Duration)
	case *bool:
		*p = v.(bool)
	case *string:
		*p = v.(string)
	case *netip.Addr:
		*p = v.(netip.Addr)
	case *uint16:
		*p = v.(uint16)
	}
}

// key is the row index of a keyword, for the hand-written code that asks
// whether it was set. An unknown name panics when the package is
// initialised (keys are package-level constants of the code).
func (t *table[B]) key(name string) int {
	i, ok := t.index[name]
	if !ok {
		panic(fmt.Sprintf("config: %s has no keyword %s", t.block, name))
	}
	return i
}

// setDefaults gives every plain keyword of b its default value.
func (t *table[B]) setDefaults(b *B) {
	for i := range t.rows {
		if r := &t.rows[i]; r.field != nil && r.dflt != nil {
			assign(r.field(b), r.dflt)
		}
	}
}

// inheritGlobal gives every keyword not set in b its global_defs value.
func (t *table[B]) inheritGlobal(b *B, set *keySet, g *GlobalDefs) {
	for i := range t.rows {
		if r := &t.rows[i]; r.global != nil && !set.has(i) {
			assign(r.field(b), r.global(g))
		}
	}
}

// parseBlock reads the statements of one block with its table. seen, when
// not nil, is told of every keyword found (the instance keeps positions).
func parseBlock[B any](p *parser, t *table[B], nodes []*node, b *B, set *keySet, seen func(i int, n *node)) {
	for _, n := range nodes {
		if !parseOne(p, t, n, b, set, seen) {
			p.unknown(n)
		}
	}
}

// parseOne reads one statement with the block's table; false when the
// table does not have its keyword (nothing is reported then).
func parseOne[B any](p *parser, t *table[B], n *node, b *B, set *keySet, seen func(i int, n *node)) bool {
	i, ok := t.index[n.kw.text]
	if !ok {
		return false
	}
	if msg := t.rows[i].deprecation; msg != "" {
		p.d.warnf(CodeDeprecated, n.pos(), n.kw.text, "%s", msg)
	}
	if a := t.rows[i].alias; a != "" {
		i = t.index[a]
	}
	r := &t.rows[i]
	if seen != nil {
		seen(i, n)
	}
	var given bool
	switch r.kind {
	case kindIgnored:
		p.ignored(n)
		o := t.other(b)
		*o = append(*o, keep(n))
	case kindCompound:
		if r.parse != nil {
			given = r.parse(p, n, b)
		}
	default:
		given = p.plain(&r.spec, n, r.field(b))
	}
	if given {
		set.add(i)
	}
	return true
}

// plain reads the value of a plain keyword into dst; false (the
// diagnostic given) leaves dst alone.
func (p *parser) plain(s *spec, n *node, dst any) bool {
	// A plain keyword takes no block: "weight 3 TCP_CHECK { ... }" on one
	// line must not hide the checker (keepalived 2.2.7 rejects it too,
	// "Unexpected '{' - ignoring", exit 5).
	p.noBlock(n)
	switch s.kind {
	case kindInt:
		v, ok := p.int(n, int64(s.lo), int64(s.hi))
		if ok {
			*dst.(*int) = v
		}
		return ok
	case kindTimer:
		v, ok := p.timer(n, s.lo, s.hi)
		if ok {
			*dst.(*time.Duration) = v
		}
		return ok
	case kindBool:
		v, ok := p.boolOpt(n)
		if ok {
			*dst.(*bool) = v
		}
		return ok
	case kindFlag:
		p.tooMany(n, 0)
		*dst.(*bool) = true
		return true
	case kindString:
		v, ok := p.str(n)
		if ok {
			*dst.(*string) = v
		}
		return ok
	case kindAddr:
		a, ok := p.addr(n)
		if ok && s.must != nil && !s.must(a) {
			p.d.errorf(CodeInvalidValue, n.args[0].pos(), n.kw.text, "%s is not %s", a, s.mustWhat)
			return false
		}
		if ok {
			*dst.(*netip.Addr) = a
		}
		return ok
	}
	return false
}

// dumpBlock writes the keywords of b in the table's order.
func dumpBlock[B any](d *dumper, t *table[B], b *B) {
	for i := range t.rows {
		dumpRow(d, &t.rows[i], b)
	}
}

// dumpNamed writes the named keywords of b, in the order given (blocks
// whose order depends on more than the table: checkers).
func dumpNamed[B any](d *dumper, t *table[B], b *B, names ...string) {
	for _, name := range names {
		dumpRow(d, &t.rows[t.key(name)], b)
	}
}

func dumpRow[B any](d *dumper, r *keyword[B], b *B) {
	switch {
	case r.alias != "" || r.kind == kindIgnored:
	case r.write != nil:
		r.write(d, b)
	case r.kind != kindCompound && (r.when == nil || r.when(b)):
		d.plain(&r.spec, r.field(b))
	}
}

// plain writes one plain keyword by its dump rule.
func (d *dumper) plain(s *spec, ptr any) {
	switch v := ptr.(type) {
	case *int:
		if s.dump != dumpNonZero || *v != 0 {
			d.line(s.name, itoa(*v))
		}
	case *time.Duration:
		if s.dump != dumpNonZero || *v != 0 {
			d.dur(s.name, *v)
		}
	case *bool:
		if s.dump == dumpOnOff {
			d.line(s.name, onOff(*v))
		} else {
			d.flag(s.name, *v)
		}
	case *string:
		d.kv(s.name, *v)
	case *netip.Addr:
		d.addr(s.name, *v)
	}
}

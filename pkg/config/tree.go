package config

// node is one statement: its keyword, arguments and, when it opens a
// block, its children.
type node struct {
	kw       token
	args     []token
	block    bool
	children []*node
}

func (n *node) pos() Pos { return n.kw.pos() }

// treeBuilder turns the token stream into nodes.
type treeBuilder struct {
	toks []token
	i    int
	d    *diags
}

const maxNesting = 64

func buildTree(toks []token, d *diags) []*node {
	b := &treeBuilder{toks: toks, d: d}
	var top []*node
	for b.i < len(b.toks) {
		nodes, closed := b.block(0)
		top = append(top, nodes...)
		if closed {
			b.d.errorf(CodeUnbalancedBrace, b.toks[b.i-1].pos(), "}", "unexpected '}' with no open block")
		}
	}
	return top
}

func (b *treeBuilder) peekSkipEOL() int {
	j := b.i
	for j < len(b.toks) && b.toks[j].kind == tEOL {
		j++
	}
	return j
}

// block reads statements until a '}' (closed = true) or the end of input.
func (b *treeBuilder) block(depth int) (nodes []*node, closed bool) {
	for b.i < len(b.toks) {
		t := b.toks[b.i]
		switch t.kind {
		case tEOL:
			b.i++
			continue
		case tClose:
			b.i++
			return nodes, true
		case tOpen:
			// A '{' with no keyword before it: keep its content out of
			// the model but report it.
			b.d.errorf(CodeSyntax, t.pos(), "{", "'{' without a keyword before it")
			b.i++
			if depth < maxNesting {
				b.block(depth + 1)
			}
			continue
		}
		n := &node{kw: t}
		b.i++
		for b.i < len(b.toks) && b.toks[b.i].kind == tWord {
			n.args = append(n.args, b.toks[b.i])
			b.i++
		}
		nodes = append(nodes, n)
		open := false
		if b.i < len(b.toks) && b.toks[b.i].kind == tOpen {
			open = true
		} else if b.i < len(b.toks) && b.toks[b.i].kind == tEOL {
			// "keyword" then "{" alone on a following line.
			if j := b.peekSkipEOL(); j < len(b.toks) && b.toks[j].kind == tOpen {
				b.i = j
				open = true
			}
		}
		if open {
			openPos := b.toks[b.i].pos()
			b.i++
			n.block = true
			if depth >= maxNesting {
				b.d.errorf(CodeNestingTooDeep, openPos, n.kw.text, "blocks nested more than %d deep", maxNesting)
				b.skipBlock()
				continue
			}
			var c bool
			n.children, c = b.block(depth + 1)
			if !c {
				b.d.errorf(CodeUnbalancedBrace, openPos, n.kw.text, "missing '}' for the block opened here")
				return nodes, false
			}
			// Words after the closing brace on the same line.
			for b.i < len(b.toks) && b.toks[b.i].kind == tWord {
				b.d.warnf(CodeExtraText, b.toks[b.i].pos(), n.kw.text, "text %q after '}' ignored", b.toks[b.i].text)
				b.i++
			}
		}
	}
	return nodes, false
}

// skipBlock skips to the matching '}' without recursion.
func (b *treeBuilder) skipBlock() {
	depth := 1
	for b.i < len(b.toks) && depth > 0 {
		switch b.toks[b.i].kind {
		case tOpen:
			depth++
		case tClose:
			depth--
		}
		b.i++
	}
}

package scenarios

// Parsing of expectations and their time clauses.

import (
	"net/netip"
	"strconv"
	"strings"
	"time"
)

var timingWords = map[string]bool{"within": true, "for": true, "at": true, "between": true, "since": true}

// splitTiming separates the condition words from the trailing time clause.
func (p *parser) splitTiming(ln int, ws []word) ([]word, Timing, bool) {
	cut := len(ws)
	for i, w := range ws {
		if !w.quoted && timingWords[w.s] {
			cut = i
			break
		}
	}
	cond, tw := ws[:cut], strs(ws[cut:])
	var t Timing
	i := 0
	dur := func(what string) (time.Duration, bool) {
		if i >= len(tw) {
			p.errorf(ln, "%s needs a duration", what)
			return 0, false
		}
		d, err := parseDur(tw[i])
		if err != nil {
			p.errorf(ln, "%s: %v", what, err)
			return 0, false
		}
		i++
		return d, true
	}
	for i < len(tw) {
		kw := tw[i]
		i++
		var ok bool
		switch kw {
		case "within":
			t.Mode = Within
			t.D, ok = dur("within")
		case "for":
			t.Mode = For
			t.D, ok = dur("for")
		case "at":
			t.Mode = At
			if t.D, ok = dur("at"); ok && i+1 < len(tw) && (tw[i] == "±" || tw[i] == "+-" || tw[i] == "tolerance") {
				i++
				t.Tol, ok = dur("tolerance")
			}
		case "between":
			t.Mode = Between
			if t.D, ok = dur("between"); ok {
				if i >= len(tw) || tw[i] != "and" {
					p.errorf(ln, "usage: between DURATION and DURATION")
					return nil, t, false
				}
				i++
				t.D2, ok = dur("between ... and")
				if ok && t.D2 < t.D {
					p.errorf(ln, "between %v and %v: the second bound is earlier", t.D, t.D2)
					return nil, t, false
				}
			}
		case "since":
			if i >= len(tw) {
				p.errorf(ln, "since needs a mark name")
				return nil, t, false
			}
			t.Since = tw[i]
			i++
			if !p.marks[t.Since] {
				p.errorf(ln, "since %s: no earlier `mark %s`", t.Since, t.Since)
				return nil, t, false
			}
			ok = true
		default:
			p.errorf(ln, "unexpected %q in time clause (want within D, for D, at D [± T], between D and D, since MARK)", kw)
			return nil, t, false
		}
		if !ok {
			return nil, t, false
		}
	}
	if t.Mode == For && t.Since != "" {
		p.errorf(ln, "`for D` runs from now; it cannot be combined with `since %s`", t.Since)
		return nil, t, false
	}
	return cond, t, true
}

func (p *parser) expect(pos Pos, ws []word) {
	ln := pos.Line
	cond, t, ok := p.splitTiming(ln, ws)
	if !ok {
		return
	}
	if len(cond) == 0 {
		p.errorf(ln, "expectation without a condition")
		return
	}
	text := strings.Join(quoteAll(ws), " ")
	e := ExpectStep{Pos: pos, Text: text, Timing: t}
	c := strs(cond)
	switch c[0] {
	case "vip":
		// vip ADDR on NODE... | nobody | one of NODE...
		if len(c) < 4 || c[2] != "on" {
			p.errorf(ln, "usage: vip ADDR on NODE... [within D] (or: vip ADDR on nobody, vip ADDR on one of NODE...)")
			return
		}
		a, err := netip.ParseAddr(c[1])
		if err != nil {
			p.errorf(ln, "vip %q: not an IP address", c[1])
			return
		}
		vc := VIPCond{Addr: a}
		nodes := c[3:]
		if len(nodes) >= 2 && nodes[0] == "one" && nodes[1] == "of" {
			vc.OneOf, nodes = true, nodes[2:]
			if len(nodes) < 2 {
				p.errorf(ln, "vip %s on one of: name at least two nodes", c[1])
				return
			}
		}
		if !(len(nodes) == 1 && nodes[0] == "nobody" && !vc.OneOf) {
			for _, n := range nodes {
				n = strings.TrimSuffix(n, ",")
				if !p.checkNode(ln, n) {
					return
				}
				vc.Nodes = append(vc.Nodes, n)
			}
		}
		e.Cond = vc
	case "state":
		// state NODE INSTANCE STATE | one of STATE...
		oneOf := len(c) >= 6 && c[3] == "one" && c[4] == "of"
		if len(c) != 4 && !oneOf {
			p.errorf(ln, "usage: state NODE INSTANCE MASTER|BACKUP|FAULT|INIT|STOP [within D] (or: state NODE INSTANCE one of STATE...)")
			return
		}
		var states []string
		for _, w := range c[3+2*btoi(oneOf):] {
			st := strings.ToUpper(w)
			switch st {
			case "MASTER", "BACKUP", "FAULT", "INIT", "STOP":
			default:
				p.errorf(ln, "state %q: want MASTER, BACKUP, FAULT, INIT or STOP", w)
				return
			}
			states = append(states, st)
		}
		if !p.checkNode(ln, c[1]) {
			return
		}
		sc := StateCond{Node: c[1], Inst: c[2]}
		if oneOf {
			sc.OneOf = states
		} else {
			sc.State = states[0]
		}
		e.Cond = sc
	case "no":
		if len(c) >= 2 && c[1] == "notify" {
			nc, ok := p.notifyCond(ln, c[1:])
			if !ok {
				return
			}
			nc.Never = true
			if t.Mode != Now {
				p.errorf(ln, "no notify: only `since MARK` is allowed after it")
				return
			}
			e.Cond = nc
			break
		}
		if len(c) < 2 || c[1] != "split-brain" {
			p.errorf(ln, "usage: no split-brain [on ADDR] [since MARK | for D], or no notify NODE ARGS...")
			return
		}
		sb := SplitBrainCond{Negate: true}
		if !p.splitAddr(ln, c[2:], &sb) {
			return
		}
		switch t.Mode {
		case Now:
			sb.History = true // over the whole run, or since the mark
		case For:
			if t.Since != "" {
				p.errorf(ln, "no split-brain: use either `for D` or `since MARK`, not both")
				return
			}
		default:
			p.errorf(ln, "no split-brain: only `since MARK` or `for D` may follow")
			return
		}
		e.Cond = sb
	case "split-brain":
		if len(c) >= 2 && c[1] == "detected" {
			dc := DetectedCond{}
			switch {
			case len(c) == 2:
			case len(c) == 4 && c[2] == "by":
				if !p.checkNode(ln, c[3]) {
					return
				}
				dc.Node = c[3]
			default:
				p.errorf(ln, "usage: split-brain detected [by NODE] [within D]")
				return
			}
			e.Cond = dc
			break
		}
		sb := SplitBrainCond{}
		if !p.splitAddr(ln, c[1:], &sb) {
			return
		}
		e.Cond = sb
	case "transitions":
		// transitions NODE INST OP N
		if len(c) != 5 {
			p.errorf(ln, "usage: transitions NODE INSTANCE ==|<=|>=|<|>|!= N [since MARK]")
			return
		}
		if !p.checkNode(ln, c[1]) {
			return
		}
		if !validOp(c[3]) {
			p.errorf(ln, "transitions: operator %q, want == <= >= < > !=", c[3])
			return
		}
		n, err := strconv.Atoi(c[4])
		if err != nil || n < 0 {
			p.errorf(ln, "transitions: count %q is not a number", c[4])
			return
		}
		if t.Mode != Now {
			p.errorf(ln, "transitions: only `since MARK` may follow (it counts what already happened)")
			return
		}
		e.Cond = TransitionsCond{Node: c[1], Inst: c[2], Op: c[3], N: n}
	case "rejects":
		// rejects NODE REASON OP N
		if len(c) != 5 || !validOp(c[3]) {
			p.errorf(ln, "usage: rejects NODE REASON|any ==|<=|>=|<|>|!= N [since MARK | within D]")
			return
		}
		if !p.checkNode(ln, c[1]) {
			return
		}
		n, err := strconv.Atoi(c[4])
		if err != nil || n < 0 {
			p.errorf(ln, "rejects: count %q is not a number", c[4])
			return
		}
		if t.Mode != Now && t.Mode != Within {
			p.errorf(ln, "rejects: only `since MARK` or `within D` may follow")
			return
		}
		e.Cond = RejectsCond{Node: c[1], Reason: c[2], Op: c[3], N: n}
	case "notify":
		nc, ok := p.notifyCond(ln, c)
		if !ok {
			return
		}
		e.Cond = nc
	case "ipvs":
		ic, ok := p.ipvsCond(ln, c)
		if !ok {
			return
		}
		e.Cond = ic
	case "curl":
		cc, ok := p.curlCond(ln, cond)
		if !ok {
			return
		}
		e.Cond = cc
	default:
		p.errorf(ln, "unknown expectation %q (vip, state, no split-brain, split-brain, transitions, notify, no notify, rejects, ipvs, curl)", c[0])
		return
	}
	p.add(e)
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

func quoteAll(ws []word) []string {
	out := make([]string, len(ws))
	for i, w := range ws {
		if w.quoted {
			out[i] = strconv.Quote(w.s)
		} else {
			out[i] = w.s
		}
	}
	return out
}

func validOp(op string) bool {
	switch op {
	case "==", "<=", ">=", "<", ">", "!=":
		return true
	}
	return false
}

func compare(a int, op string, b int) bool {
	switch op {
	case "==":
		return a == b
	case "<=":
		return a <= b
	case ">=":
		return a >= b
	case "<":
		return a < b
	case ">":
		return a > b
	case "!=":
		return a != b
	}
	return false
}

func (p *parser) splitAddr(ln int, rest []string, sb *SplitBrainCond) bool {
	switch {
	case len(rest) == 0:
		return true
	case len(rest) == 2 && rest[0] == "on":
		a, err := netip.ParseAddr(rest[1])
		if err != nil {
			p.errorf(ln, "split-brain on %q: not an IP address", rest[1])
			return false
		}
		sb.Addr = a
		return true
	}
	p.errorf(ln, "usage: [no] split-brain [on ADDR]")
	return false
}

// notify NODE ARG... [count OP N]
func (p *parser) notifyCond(ln int, c []string) (NotifyCond, bool) {
	if len(c) < 3 {
		p.errorf(ln, `usage: notify NODE SCRIPT [ARG...] [count OP N] [within D] (e.g. notify lb01 /etc/keepalived/notify.sh INSTANCE VI_1 MASTER 150)`)
		return NotifyCond{}, false
	}
	if !p.checkNode(ln, c[1]) {
		return NotifyCond{}, false
	}
	args := c[2:]
	if len(args) > 2 && args[0] == "called" && args[1] == "with" {
		args = args[2:] // "notify lb01 called with SCRIPT ARGS..." reads better
	}
	nc := NotifyCond{Node: c[1], Args: args}
	if k := len(nc.Args); k >= 3 && nc.Args[k-3] == "count" {
		op, n := nc.Args[k-2], nc.Args[k-1]
		cnt, err := strconv.Atoi(n)
		if !validOp(op) || err != nil {
			p.errorf(ln, "notify ... count OP N: want e.g. count == 1")
			return NotifyCond{}, false
		}
		nc.Op, nc.Count = op, cnt
		nc.Args = nc.Args[:k-3]
		if len(nc.Args) == 0 {
			p.errorf(ln, "notify: which script?")
			return NotifyCond{}, false
		}
	}
	return nc, true
}

// ipvsCond and curlCond are in lvs.go.

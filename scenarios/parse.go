package scenarios

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/netip"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unicode"
)

// ParseError is a problem in a scenario file, at file:line.
type ParseError struct {
	Pos Pos
	Msg string
	// Unsupported is set when the line is valid but the chosen backend
	// cannot run it yet (IPVS tables and client requests in the simulator).
	Unsupported bool
}

func (e *ParseError) Error() string { return e.Pos.String() + ": " + e.Msg }

// MaxFileSize bounds a scenario file: far above any real one (configs
// included), far below what would strain memory.
const MaxFileSize = 8 << 20

// ParseFile reads and parses one scenario file. Only a regular file of at
// most MaxFileSize bytes is read: a FIFO, a device or a directory is
// refused without blocking on it or reading it.
func ParseFile(path string) (*Scenario, error) {
	data, err := readScenario(path)
	if err != nil {
		return nil, err
	}
	return Parse(path, data)
}

func readScenario(path string) ([]byte, error) {
	// O_NONBLOCK: opening a FIFO must not wait for a writer; the opened
	// file's own mode decides whether it is read at all.
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, fmt.Errorf("read scenario: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("read scenario: %w", err)
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("read scenario %s: not a regular file (%s)", path, fileKind(st.Mode()))
	}
	if st.Size() > MaxFileSize {
		return nil, fmt.Errorf("read scenario %s: %d bytes, more than the %d a scenario file may have", path, st.Size(), MaxFileSize)
	}
	// The file may grow while it is read: never read past the limit.
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("read scenario %s: %w", path, err)
	}
	if len(data) > MaxFileSize {
		return nil, fmt.Errorf("read scenario %s: more than the %d bytes a scenario file may have", path, MaxFileSize)
	}
	return data, nil
}

func fileKind(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a FIFO"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeDevice != 0:
		return "a device"
	}
	return "mode " + m.String()
}

// Parse parses scenario text. name is used in error positions. All errors
// found are returned together (errors.Join of *ParseError), at most 20.
func Parse(name string, data []byte) (*Scenario, error) {
	p := &parser{sc: &Scenario{File: name}, file: name, nodes: map[string]bool{},
		segs: map[string]bool{}, marks: map[string]bool{}}
	p.lines = strings.Split(strings.ReplaceAll(string(data), "\r\n", "\n"), "\n")
	p.run()
	if len(p.errs) == 0 {
		if err := checkBounds(p.sc); err != nil {
			return nil, err
		}
	}
	if len(p.errs) > 0 {
		return nil, errors.Join(p.errs...)
	}
	return p.sc, nil
}

type parser struct {
	sc    *Scenario
	file  string
	lines []string
	i     int // index of the next line to read
	errs  []error
	nodes map[string]bool
	segs  map[string]bool
	marks map[string]bool
	// started: a daemon step was seen (topology must come first)
	started bool
}

// word is one token of a scenario line.
type word struct {
	s      string
	quoted bool
}

func (p *parser) errorf(line int, format string, args ...any) {
	if len(p.errs) >= 20 {
		return
	}
	p.errs = append(p.errs, &ParseError{Pos: Pos{p.file, line}, Msg: fmt.Sprintf(format, args...)})
}

func (p *parser) run() {
	for p.i < len(p.lines) {
		lineNo := p.i + 1
		raw := p.lines[p.i]
		p.i++
		ws, err := tokenize(raw)
		if err != nil {
			p.errorf(lineNo, "%v", err)
			continue
		}
		if len(ws) == 0 {
			if p.sc.Title == "" && len(p.sc.Nodes) == 0 && len(p.sc.Steps) == 0 {
				if t := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(raw), "#")); strings.HasPrefix(strings.TrimSpace(raw), "#") && t != "" {
					p.sc.Title = t
				}
			}
			continue
		}
		// A heredoc opener is the last word: <<EOF.
		var body []byte
		hasBody := false
		if last := ws[len(ws)-1]; !last.quoted && strings.HasPrefix(last.s, "<<") {
			term := strings.TrimPrefix(last.s, "<<")
			term = strings.Trim(term, `'"`)
			if term == "" {
				p.errorf(lineNo, "heredoc needs a terminator word, as in <<EOF")
				continue
			}
			ws = ws[:len(ws)-1]
			b, ok := p.readHeredoc(term)
			if !ok {
				p.errorf(lineNo, "heredoc <<%s is never closed (a line holding just %q)", term, term)
				return
			}
			body, hasBody = b, true
			if len(ws) == 0 {
				p.errorf(lineNo, "a heredoc needs a command before it (config NODE <<EOF, write NODE PATH <<EOF)")
				continue
			}
		}
		p.line(lineNo, ws, body, hasBody)
	}
}

// readHeredoc returns the lines up to a line equal to term (surrounding
// ASCII blanks ignored), verbatim: every other byte is kept, including
// non-breaking spaces pasted from web pages.
func (p *parser) readHeredoc(term string) ([]byte, bool) {
	var b strings.Builder
	for p.i < len(p.lines) {
		l := p.lines[p.i]
		p.i++
		if strings.Trim(l, " \t") == term {
			return []byte(b.String()), true
		}
		b.WriteString(l)
		b.WriteByte('\n')
	}
	return nil, false
}

// tokenize splits a line into words: blanks (any Unicode space) separate
// words; "..." and '...' quote (with \" and \\ escapes inside "..."); an
// unquoted # starts a comment.
func tokenize(line string) ([]word, error) {
	var out []word
	rs := []rune(line)
	for i := 0; i < len(rs); {
		r := rs[i]
		switch {
		case unicode.IsSpace(r):
			i++
		case r == '#':
			return out, nil
		case r == '"' || r == '\'':
			q := r
			var b strings.Builder
			j := i + 1
			closed := false
			for j < len(rs) {
				c := rs[j]
				if q == '"' && c == '\\' && j+1 < len(rs) && (rs[j+1] == '"' || rs[j+1] == '\\') {
					b.WriteRune(rs[j+1])
					j += 2
					continue
				}
				if c == q {
					closed = true
					j++
					break
				}
				b.WriteRune(c)
				j++
			}
			if !closed {
				return nil, fmt.Errorf("unterminated %c quote", q)
			}
			out = append(out, word{s: b.String(), quoted: true})
			i = j
		default:
			j := i
			for j < len(rs) && !unicode.IsSpace(rs[j]) && rs[j] != '"' && rs[j] != '\'' {
				j++
			}
			out = append(out, word{s: string(rs[i:j])})
			i = j
		}
	}
	return out, nil
}

func strs(ws []word) []string {
	out := make([]string, len(ws))
	for i, w := range ws {
		out[i] = w.s
	}
	return out
}

var nameRE = regexp.MustCompile(`^[A-Za-z0-9_.:-]+$`)

func (p *parser) checkNode(line int, n string) bool {
	if !p.nodes[n] {
		p.errorf(line, "unknown node %q (declare it first with: node %s eth0@lan ADDR/PREFIX)", n, n)
		return false
	}
	return true
}

func (p *parser) line(ln int, ws []word, body []byte, hasBody bool) {
	pos := Pos{p.file, ln}
	verb := ws[0].s
	args := ws[1:]
	if hasBody && verb != "config" && verb != "write" && verb != "file" {
		p.errorf(ln, "%s does not take a heredoc body", verb)
		return
	}
	switch verb {
	case "backend", "backends":
		if len(args) == 0 {
			p.errorf(ln, "usage: backend sim|netns ...")
			return
		}
		for _, a := range args {
			if a.s != "sim" && a.s != "netns" {
				p.errorf(ln, "unknown backend %q (known: sim, netns)", a.s)
			}
			p.sc.Backends = append(p.sc.Backends, a.s)
		}
	case "segment":
		if len(args) == 0 {
			p.errorf(ln, "usage: segment NAME...")
		}
		for _, a := range args {
			p.addSegment(pos, a.s)
		}
	case "node":
		p.node(pos, args)
	case "config":
		if len(args) != 1 || !hasBody {
			p.errorf(ln, "usage: config NODE <<EOF ... EOF (the node's /etc/keepalived/keepalived.conf)")
			return
		}
		if !p.checkNode(ln, args[0].s) {
			return
		}
		p.add(FileStep{Pos: pos, Op: "write", Node: args[0].s, Path: "/etc/keepalived/keepalived.conf",
			Data: body, Mode: 0o644, Config: true})
	case "write", "file":
		if len(args) != 2 && !(len(args) == 4 && args[2].s == "mode") || !hasBody {
			p.errorf(ln, "usage: write NODE PATH [mode 0755] <<EOF ... EOF")
			return
		}
		if !p.checkNode(ln, args[0].s) || !p.checkPath(ln, args[1].s) {
			return
		}
		var mode uint64 = 0o644
		if len(args) == 4 {
			m, err := strconv.ParseUint(args[3].s, 8, 32)
			if err != nil || m > 0o7777 {
				p.errorf(ln, "mode %q: want an octal permission such as 0755", args[3].s)
				return
			}
			mode = m
		}
		p.add(FileStep{Pos: pos, Op: "write", Node: args[0].s, Path: args[1].s, Data: body, Mode: uint32(mode)})
	case "touch", "rm":
		if len(args) != 2 {
			p.errorf(ln, "usage: %s NODE PATH", verb)
			return
		}
		if !p.checkNode(ln, args[0].s) || !p.checkPath(ln, args[1].s) {
			return
		}
		p.add(FileStep{Pos: pos, Op: verb, Node: args[0].s, Path: args[1].s, Mode: 0o644})
	case "start", "stop", "kill", "kill-parent", "kill-worker", "pause", "resume", "restart", "reload":
		if strings.HasPrefix(verb, "kill") && len(args) > 0 && (args[0].s == "-9" || args[0].s == "-KILL") {
			args = args[1:]
		}
		if len(args) == 0 {
			p.errorf(ln, "usage: %s NODE...", verb)
			return
		}
		for _, a := range args {
			if !p.checkNode(ln, a.s) {
				return
			}
		}
		p.started = true
		p.add(DaemonStep{Pos: pos, Op: DaemonOp(verb), Nodes: strs(args)})
	case "daemon":
		// daemon NODE... keepalived|gokeepalived|ideal
		if len(args) < 2 || !slices.Contains(daemonModels, args[len(args)-1].s) {
			p.errorf(ln, "usage: daemon NODE... %s", strings.Join(daemonModels, "|"))
			return
		}
		for _, a := range args[:len(args)-1] {
			if !p.checkNode(ln, a.s) {
				return
			}
		}
		p.add(DaemonModelStep{Pos: pos, Nodes: strs(args[:len(args)-1]), Model: args[len(args)-1].s})
	case "link", "ifconfig":
		// link NODE IFACE down|up  (ifconfig NODE IFACE down|up is the same)
		if len(args) != 3 || (args[2].s != "down" && args[2].s != "up") {
			p.errorf(ln, "usage: %s NODE IFACE down|up", verb)
			return
		}
		if !p.checkNode(ln, args[0].s) {
			return
		}
		if !p.hasIface(args[0].s, args[1].s) {
			p.errorf(ln, "node %s has no interface %s", args[0].s, args[1].s)
			return
		}
		p.add(LinkStep{Pos: pos, Node: args[0].s, Iface: args[1].s, Up: args[2].s == "up"})
	case "loss", "duplicate", "delay":
		p.netStep(pos, LinkFault(verb), args)
	case "partition":
		p.partition(pos, args)
	case "isolate":
		if len(args) != 1 {
			p.errorf(ln, "usage: isolate NODE")
			return
		}
		if !p.checkNode(ln, args[0].s) {
			return
		}
		p.add(PartitionStep{Pos: pos, Isolate: args[0].s})
	case "bridge":
		p.bridge(pos, args)
	case "clock":
		if len(args) == 3 && args[1].s == "jump" {
			if !p.checkNode(ln, args[0].s) {
				return
			}
			d, err := time.ParseDuration(args[2].s)
			if err != nil || d < -MaxClockJump || d > MaxClockJump {
				p.errorf(ln, "clock jump %q: want a duration such as 2s or -500ms, at most %v either way", args[2].s, MaxClockJump)
				return
			}
			p.add(ClockJumpStep{Pos: pos, Node: args[0].s, D: d})
			return
		}
		if len(args) != 2 {
			p.errorf(ln, "usage: clock NODE RATE (1.01 = 1%% fast)")
			return
		}
		if !p.checkNode(ln, args[0].s) {
			return
		}
		rate, err := strconv.ParseFloat(args[1].s, 64)
		if err != nil || !validRate(rate) {
			p.errorf(ln, "clock rate %q: want a number in [%g, %g], 1 = exact", args[1].s, MinClockRate, MaxClockRate)
			return
		}
		p.add(ClockStep{Pos: pos, Node: args[0].s, Rate: rate})
	case "drop-vrrp", "firewall":
		// drop-vrrp A -> B: VRRP from A is dropped at B, ARP passes.
		var dir Direction
		ok := len(args) == 3
		if ok {
			dir, ok = parseArrow(args[1].s)
		}
		if !ok {
			p.errorf(ln, "usage: drop-vrrp A ->|<-> B (a firewall on B dropping VRRP from A; ARP still passes)")
			return
		}
		if !p.checkNode(ln, args[0].s) || !p.checkNode(ln, args[2].s) {
			return
		}
		p.add(FirewallStep{Pos: pos, From: args[0].s, To: args[2].s, Dir: dir})
	case "ip":
		// ip NODE addr add|del PREFIX dev IFACE [label L]
		usage := "usage: ip NODE addr add|del ADDR/PREFIX dev IFACE [label LABEL]"
		if len(args) != 6 && len(args) != 8 || args[1].s != "addr" || (args[2].s != "add" && args[2].s != "del") || args[4].s != "dev" {
			p.errorf(ln, "%s", usage)
			return
		}
		if !p.checkNode(ln, args[0].s) {
			return
		}
		pfx, err := netip.ParsePrefix(args[3].s)
		if err != nil {
			p.errorf(ln, "ip addr: %q: want ADDR/PREFIX such as 10.0.0.3/32", args[3].s)
			return
		}
		if args[5].s != "lo" && !p.hasIface(args[0].s, args[5].s) {
			p.errorf(ln, "node %s has no interface %s", args[0].s, args[5].s)
			return
		}
		st := AddrStep{Pos: pos, Node: args[0].s, Add: args[2].s == "add", Prefix: pfx, Iface: args[5].s}
		if len(args) == 8 {
			if args[6].s != "label" {
				p.errorf(ln, "%s", usage)
				return
			}
			st.Label = args[7].s
		}
		p.add(st)
	case "service":
		// service NODE NAME start|stop
		if len(args) != 3 || (args[2].s != "start" && args[2].s != "stop") {
			p.errorf(ln, "usage: service NODE NAME start|stop (a process check scripts see with ps, pidof, systemctl)")
			return
		}
		if !p.checkNode(ln, args[0].s) {
			return
		}
		p.add(ServiceStep{Pos: pos, Node: args[0].s, Name: args[1].s, Running: args[2].s == "start"})
	case "web", "smtp", "listen":
		p.serve(pos, verb, args)
	case "ipvsadm":
		p.ipvsadm(pos, args)
	case "heal":
		if len(args) != 0 {
			p.errorf(ln, "usage: heal (takes no arguments)")
			return
		}
		p.add(HealStep{Pos: pos})
	case "wait":
		if len(args) != 1 {
			p.errorf(ln, "usage: wait DURATION (e.g. wait 5s)")
			return
		}
		d, err := parseDur(args[0].s)
		if err != nil {
			p.errorf(ln, "wait: %v", err)
			return
		}
		p.add(WaitStep{Pos: pos, D: d})
	case "mark":
		if len(args) != 1 || !nameRE.MatchString(args[0].s) {
			p.errorf(ln, "usage: mark NAME")
			return
		}
		p.marks[args[0].s] = true
		p.add(MarkStep{Pos: pos, Name: args[0].s})
	case "xfail":
		if len(args) == 0 {
			p.errorf(ln, "xfail what? (xfail EXPECTATION: a known bug, expected to fail)")
			return
		}
		n := len(p.sc.Steps)
		if args[0].s == "expect" {
			args = args[1:]
		}
		p.expect(pos, args)
		if len(p.sc.Steps) > n {
			e := p.sc.Steps[n].(ExpectStep)
			e.XFail = true
			p.sc.Steps[n] = e
		}
	case "expect":
		if len(args) == 0 {
			p.errorf(ln, "expect what? (e.g. expect vip 10.0.0.3 on lb01 within 4s)")
			return
		}
		p.expect(pos, args)
	case "vip", "state", "no", "split-brain", "transitions", "notify", "rejects", "ipvs", "curl":
		p.expect(pos, ws)
	default:
		p.errorf(ln, "unknown command %q (see docs/scenarios.md for the list)", verb)
	}
}

func (p *parser) add(s Step) { p.sc.Steps = append(p.sc.Steps, s) }

func (p *parser) checkPath(ln int, path string) bool {
	if !strings.HasPrefix(path, "/") {
		p.errorf(ln, "path %q: want an absolute path on the node", path)
		return false
	}
	return true
}

func (p *parser) addSegment(pos Pos, name string) {
	if !nameRE.MatchString(name) {
		p.errorf(pos.Line, "segment name %q: use letters, digits, _ . : -", name)
		return
	}
	if !p.segs[name] {
		p.segs[name] = true
		p.sc.Segments = append(p.sc.Segments, Segment{Pos: pos, Name: name})
	}
}

func (p *parser) hasIface(node, iface string) bool {
	for _, n := range p.sc.Nodes {
		if n.Name == node {
			for _, i := range n.Ifaces {
				if i.Name == iface {
					return true
				}
			}
		}
	}
	return false
}

// node NAME IFACE@SEGMENT ADDR/PREFIX... [IFACE@SEGMENT ADDR/PREFIX...]
func (p *parser) node(pos Pos, args []word) {
	ln := pos.Line
	if p.started {
		p.errorf(ln, "node declarations must come before the first start")
		return
	}
	if len(args) < 2 {
		p.errorf(ln, "usage: node NAME IFACE@SEGMENT ADDR/PREFIX... (e.g. node lvs1 eth0@lan 10.0.0.50/24)")
		return
	}
	name := args[0].s
	if !nameRE.MatchString(name) {
		p.errorf(ln, "node name %q: use letters, digits, _ . : -", name)
		return
	}
	if p.nodes[name] {
		p.errorf(ln, "node %s declared twice", name)
		return
	}
	n := Node{Pos: pos, Name: name}
	for _, a := range args[1:] {
		if ifc, seg, ok := strings.Cut(a.s, "@"); ok {
			if ifc == "" || seg == "" {
				p.errorf(ln, "interface %q: want IFACE@SEGMENT, e.g. eth0@lan", a.s)
				return
			}
			for _, have := range n.Ifaces {
				if have.Name == ifc {
					p.errorf(ln, "interface %s declared twice on %s", ifc, name)
					return
				}
			}
			p.addSegment(pos, seg)
			n.Ifaces = append(n.Ifaces, Iface{Name: ifc, Segment: seg})
			continue
		}
		if len(n.Ifaces) == 0 {
			p.errorf(ln, "%q comes before any IFACE@SEGMENT", a.s)
			return
		}
		pfx, err := netip.ParsePrefix(a.s)
		if err != nil {
			p.errorf(ln, "address %q: want ADDR/PREFIX such as 10.0.0.50/24", a.s)
			return
		}
		last := &n.Ifaces[len(n.Ifaces)-1]
		last.Addrs = append(last.Addrs, pfx)
	}
	p.nodes[name] = true
	p.sc.Nodes = append(p.sc.Nodes, n)
}

// loss A -> B 30%   loss A <-> B 30%   delay A -> B 50ms [jitter 10ms]
func (p *parser) netStep(pos Pos, f LinkFault, args []word) {
	ln := pos.Line
	usage := fmt.Sprintf("usage: %s NODE ->|<-> NODE PERCENT%%", f)
	if f == FaultDelay {
		usage = "usage: delay NODE ->|<-> NODE DURATION [jitter DURATION]"
	}
	if len(args) < 4 {
		p.errorf(ln, "%s", usage)
		return
	}
	s := NetStep{Pos: pos, Fault: f, From: args[0].s, To: args[2].s}
	var ok bool
	if s.Dir, ok = parseArrow(args[1].s); !ok {
		p.errorf(ln, "%s", usage)
		return
	}
	if !p.checkNode(ln, s.From) || !p.checkNode(ln, s.To) {
		return
	}
	if s.From == s.To {
		p.errorf(ln, "%s from a node to itself", f)
		return
	}
	rest := args[3:]
	if f == FaultDelay {
		d, err := parseDur(rest[0].s)
		if err == nil && d > MaxDelay {
			err = fmt.Errorf("duration %q is longer than %v", rest[0].s, MaxDelay)
		}
		if err != nil {
			p.errorf(ln, "delay: %v", err)
			return
		}
		s.Delay = d
		if len(rest) == 3 && rest[1].s == "jitter" {
			j, err := parseDur(rest[2].s)
			if err == nil && j > MaxDelay {
				err = fmt.Errorf("duration %q is longer than %v", rest[2].s, MaxDelay)
			}
			if err != nil {
				p.errorf(ln, "jitter: %v", err)
				return
			}
			s.Jitter = j
		} else if len(rest) != 1 {
			p.errorf(ln, "%s", usage)
			return
		}
	} else {
		if len(rest) != 1 {
			p.errorf(ln, "%s", usage)
			return
		}
		pct, err := strconv.ParseFloat(strings.TrimSuffix(rest[0].s, "%"), 64)
		if err != nil || !validPercent(pct) {
			p.errorf(ln, "%s %q: want a percentage 0..100 such as 30%%", f, rest[0].s)
			return
		}
		s.Percent = pct
	}
	p.add(s)
}

// partition A B | C D     partition A -> B
func (p *parser) partition(pos Pos, args []word) {
	ln := pos.Line
	if len(args) == 3 && args[1].s == "->" {
		if !p.checkNode(ln, args[0].s) || !p.checkNode(ln, args[2].s) {
			return
		}
		p.add(PartitionStep{Pos: pos, OneWay: true, From: args[0].s, To: args[2].s})
		return
	}
	groups, ok := p.nodeGroups(ln, args, "in two groups")
	if !ok {
		return
	}
	if len(groups) < 2 {
		p.errorf(ln, "usage: partition A B | C D (groups separated by |), or partition A -> B (one way)")
		return
	}
	for _, g := range groups {
		if len(g) == 0 {
			p.errorf(ln, "empty group in partition")
			return
		}
	}
	p.add(PartitionStep{Pos: pos, Groups: groups})
}

// nodeGroups splits "A B | C | D E" into groups of known nodes; a node
// named twice is an error ("node A is <twice>").
func (p *parser) nodeGroups(ln int, args []word, twice string) ([][]string, bool) {
	var groups [][]string
	cur := []string{}
	seen := map[string]bool{}
	for _, a := range args {
		if a.s == "|" {
			groups = append(groups, cur)
			cur = []string{}
			continue
		}
		if !p.checkNode(ln, a.s) {
			return nil, false
		}
		if seen[a.s] {
			p.errorf(ln, "node %s is %s", a.s, twice)
			return nil, false
		}
		seen[a.s] = true
		cur = append(cur, a.s)
	}
	return append(groups, cur), true
}

// bridge A B | M | C D
func (p *parser) bridge(pos Pos, args []word) {
	ln := pos.Line
	groups, ok := p.nodeGroups(ln, args, "named twice")
	if !ok {
		return
	}
	if len(groups) != 3 || len(groups[1]) != 1 || len(groups[0]) == 0 || len(groups[2]) == 0 {
		p.errorf(ln, "usage: bridge A B | M | C D (M, one node, reaches both sides; the sides cannot reach each other)")
		return
	}
	p.add(BridgeStep{Pos: pos, Left: groups[0], Middle: groups[1][0], Right: groups[2]})
}

// parseArrow reads a fault's direction: "->" one way, "<->" both ways
// (Direction.arrow prints them back).
func parseArrow(s string) (Direction, bool) {
	switch s {
	case "->":
		return OneWay, true
	case "<->":
		return BothWays, true
	}
	return OneWay, false
}

// parseDur accepts Go durations ("3.609375s", "500ms", "1m30s") from 0 to
// MaxRunTime.
func parseDur(s string) (time.Duration, error) {
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("duration %q: want a number with a unit, such as 4s or 250ms", s)
	}
	if d < 0 {
		return 0, fmt.Errorf("duration %q is negative", s)
	}
	if d > MaxRunTime {
		return 0, fmt.Errorf("duration %q is longer than a run may be (%v)", s, MaxRunTime)
	}
	return d, nil
}

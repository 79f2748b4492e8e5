package scenarios

// The LVS part of the scenario language: services on nodes (web, smtp,
// listen), the `ipvs` expectation on a director's IPVS table and the
// `curl` expectation on what a client gets. See docs/lvs.md ("Scenario
// language").

import (
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gokeepalived/gokeepalived/pkg/lvs"
)

// FeatureServices is the web / smtp / listen steps (a backend that can
// run network services on its nodes).
const FeatureServices Feature = "services"

// ServeStep starts a network service on Node: `web NODE PORT "BODY"
// [status CODE] [as PROCESS]`, `smtp NODE PORT [as PROCESS]`, `listen NODE
// PORT [as PROCESS]`. It listens on every address of the node (a DR real
// server's VIP on lo included) while its process runs: `service NODE
// PROCESS stop|start` stops and starts it.
type ServeStep struct {
	Pos     Pos
	Node    string
	Service ServiceSpec
}

// ServiceSpec is a network service a node runs.
type ServiceSpec struct {
	// Kind is "http" (answers every request with Status and Body),
	// "smtp" (220 banner, 250 to HELO, 221 to QUIT) or "tcp" (accepts
	// connections, says nothing).
	Kind   string
	Port   uint16
	Body   string
	Status int // 0: 200
	// Process is the service's process name; "" is the kind's default:
	// httpd, smtpd, tcpd.
	Process string
}

// ProcessName is the process the service runs as.
func (s ServiceSpec) ProcessName() string {
	if s.Process != "" {
		return s.Process
	}
	switch s.Kind {
	case "http":
		return "httpd"
	case "smtp":
		return "smtpd"
	}
	return "tcpd"
}

// Position implements Step.
func (s ServeStep) Position() Pos { return s.Pos }

func (s ServeStep) String() string {
	var b strings.Builder
	switch s.Service.Kind {
	case "http":
		fmt.Fprintf(&b, "web %s %d %q", s.Node, s.Service.Port, s.Service.Body)
		if s.Service.Status != 0 {
			fmt.Fprintf(&b, " status %d", s.Service.Status)
		}
	case "smtp":
		fmt.Fprintf(&b, "smtp %s %d", s.Node, s.Service.Port)
	default:
		fmt.Fprintf(&b, "listen %s %d", s.Node, s.Service.Port)
	}
	if s.Service.Process != "" {
		b.WriteString(" as " + s.Service.Process)
	}
	return b.String()
}

// IPVSFlushStep is `ipvsadm NODE -C`: the node's IPVS table cleared by
// hand, behind the daemon's back (its checker heals it within one
// delay_loop).
type IPVSFlushStep struct {
	Pos  Pos
	Node string
}

// Position implements Step.
func (s IPVSFlushStep) Position() Pos { return s.Pos }

func (s IPVSFlushStep) String() string { return "ipvsadm " + s.Node + " -C" }

// IPVSFlusher is a backend that can clear a node's IPVS table by hand
// (FeatureIPVS).
type IPVSFlusher interface {
	FlushIPVS(node string) error
}

func (p *parser) ipvsadm(pos Pos, args []word) {
	if len(args) != 2 || (args[1].s != "-C" && args[1].s != "--clear") {
		p.errorf(pos.Line, "usage: ipvsadm NODE -C (clear the node's IPVS table by hand)")
		return
	}
	if !p.checkNode(pos.Line, args[0].s) {
		return
	}
	p.add(IPVSFlushStep{Pos: pos, Node: args[0].s})
}

func (r *runner) ipvsFlush(s IPVSFlushStep) error {
	f, ok := r.b.(IPVSFlusher)
	if !ok {
		return fmt.Errorf("the %s backend cannot clear IPVS tables", r.b.Name())
	}
	return f.FlushIPVS(s.Node)
}

// Servicer is a backend that runs network services (FeatureServices).
type Servicer interface {
	Serve(node string, s ServiceSpec) error
}

// IPVSReader is a backend that reads a director's IPVS table
// (FeatureIPVS): the in-memory table in the simulator, ipvsadm -Ln's
// data in real worlds.
type IPVSReader interface {
	IPVS(node string) (*lvs.Table, error)
}

// CurlTarget is where a curl goes.
type CurlTarget struct {
	Addr netip.AddrPort
	Path string
}

// CurlResponse is what a curl got.
type CurlResponse struct {
	Status int
	Body   string
	// Via says how the answer came, for people (the director and the
	// server in the simulator).
	Via string
}

// Curler is a backend that runs clients (FeatureCurl): from "" means a
// client of the backend's choosing outside the named nodes.
type Curler interface {
	Curl(from string, t CurlTarget) (CurlResponse, error)
}

// serve parses web / smtp / listen.
func (p *parser) serve(pos Pos, verb string, args []word) {
	ln := pos.Line
	usage := map[string]string{
		"web":    `usage: web NODE PORT "BODY" [status CODE] [as PROCESS] (an HTTP server answering BODY; PROCESS defaults to httpd)`,
		"smtp":   "usage: smtp NODE PORT [as PROCESS] (an SMTP server; PROCESS defaults to smtpd)",
		"listen": "usage: listen NODE PORT [as PROCESS] (a TCP listener; PROCESS defaults to tcpd)",
	}[verb]
	min := 2
	if verb == "web" {
		min = 3
	}
	if len(args) < min {
		p.errorf(ln, "%s", usage)
		return
	}
	if !p.checkNode(ln, args[0].s) {
		return
	}
	port, err := strconv.ParseUint(args[1].s, 10, 16)
	if err != nil || port == 0 {
		p.errorf(ln, "%s: port %q: want 1-65535", verb, args[1].s)
		return
	}
	spec := ServiceSpec{Kind: map[string]string{"web": "http", "smtp": "smtp", "listen": "tcp"}[verb], Port: uint16(port)}
	rest := args[2:]
	if verb == "web" {
		spec.Body = args[2].s
		rest = args[3:]
	}
	for len(rest) > 0 {
		switch {
		case len(rest) >= 2 && rest[0].s == "status" && !rest[0].quoted && verb == "web":
			code, err := strconv.Atoi(rest[1].s)
			if err != nil || code < 100 || code > 999 {
				p.errorf(ln, "web: status %q: want an HTTP status code 100-999", rest[1].s)
				return
			}
			spec.Status = code
		case len(rest) >= 2 && rest[0].s == "as" && !rest[0].quoted:
			if !nameRE.MatchString(rest[1].s) {
				p.errorf(ln, "%s: process name %q: use letters, digits, _ . : -", verb, rest[1].s)
				return
			}
			spec.Process = rest[1].s
		default:
			p.errorf(ln, "%s", usage)
			return
		}
		rest = rest[2:]
	}
	p.add(ServeStep{Pos: pos, Node: args[0].s, Service: spec})
}

// schedulers are the IPVS schedulers an `ipvs` expectation may name.
var schedulers = []string{"rr", "wrr", "lc", "wlc", "lblc", "lblcr", "dh", "sh", "sed", "nq", "fo", "ovf", "mh", "twos"}

// ipvsCond parses
//
//	ipvs NODE has|lacks SERVICE [SCHEDULER] [persistent SECONDS [mask MASK]] [-> RIP:PORT [route|masq|tunnel [WEIGHT]]]
//	SERVICE: [tcp|udp|sctp] VIP:PORT | fwm MARK
func (p *parser) ipvsCond(ln int, c []string) (IPVSCond, bool) {
	usage := "usage: ipvs NODE has|lacks [tcp|udp|sctp] VIP:PORT|fwm MARK [SCHEDULER] [persistent SECONDS [mask MASK]] [-> RIP:PORT [route|masq|tunnel [WEIGHT]]]"
	if len(c) < 4 || (c[2] != "has" && c[2] != "lacks") {
		p.errorf(ln, "%s", usage)
		return IPVSCond{}, false
	}
	if !p.checkNode(ln, c[1]) {
		return IPVSCond{}, false
	}
	ic := IPVSCond{Node: c[1], Has: c[2] == "has", NoWeight: true, Proto: "tcp"}
	rest := c[3:]
	if len(rest) > 0 && (rest[0] == "tcp" || rest[0] == "udp" || rest[0] == "sctp") {
		ic.Proto, rest = rest[0], rest[1:]
	}
	switch {
	case len(rest) >= 2 && (rest[0] == "fwm" || rest[0] == "fwmark"):
		m, err := strconv.ParseUint(rest[1], 10, 32)
		if err != nil || m == 0 {
			p.errorf(ln, "ipvs: fwm %q: want a firewall mark 1-4294967295", rest[1])
			return IPVSCond{}, false
		}
		ic.FWMark, rest = uint32(m), rest[2:]
	case len(rest) >= 1:
		svc, err := netip.ParseAddrPort(rest[0])
		if err != nil {
			p.errorf(ln, "ipvs: service %q: want VIP:PORT or fwm MARK (%s)", rest[0], usage)
			return IPVSCond{}, false
		}
		ic.Service, rest = svc, rest[1:]
	default:
		p.errorf(ln, "%s", usage)
		return IPVSCond{}, false
	}
	for len(rest) > 0 && rest[0] != "->" {
		switch {
		case slices.Contains(schedulers, rest[0]):
			ic.Sched, rest = rest[0], rest[1:]
		case rest[0] == "persistent" && len(rest) >= 2:
			n, err := strconv.ParseUint(rest[1], 10, 32)
			if err != nil {
				p.errorf(ln, "ipvs: persistent %q: want seconds (0: not persistent)", rest[1])
				return IPVSCond{}, false
			}
			ic.Persistent, ic.PersistentSet, rest = int(n), true, rest[2:]
		case rest[0] == "mask" && len(rest) >= 2:
			ic.Mask, rest = rest[1], rest[2:]
		default:
			p.errorf(ln, "ipvs: unexpected %q (%s)", rest[0], usage)
			return IPVSCond{}, false
		}
	}
	if len(rest) == 0 {
		return ic, true
	}
	rest = rest[1:] // "->"
	if len(rest) == 0 || len(rest) > 3 {
		p.errorf(ln, "%s", usage)
		return IPVSCond{}, false
	}
	rs, err := netip.ParseAddrPort(rest[0])
	if err != nil {
		p.errorf(ln, "ipvs: real server %q: want RIP:PORT (%s)", rest[0], usage)
		return IPVSCond{}, false
	}
	ic.Real = rs
	if len(rest) >= 2 {
		f := strings.ToLower(rest[1])
		if f != "route" && f != "masq" && f != "tunnel" && f != "local" {
			p.errorf(ln, "ipvs: forward %q, want route, masq, tunnel or local", rest[1])
			return IPVSCond{}, false
		}
		ic.Forward = f
	}
	if len(rest) == 3 {
		w, err := strconv.Atoi(rest[2])
		if err != nil || w < 0 {
			p.errorf(ln, "ipvs: weight %q is not a number", rest[2])
			return IPVSCond{}, false
		}
		ic.Weight, ic.NoWeight = w, false
	}
	return ic, true
}

// curlCond parses
//
//	curl ADDR[:PORT][/PATH] [from NODE] gets "BODY" [| "BODY"...]
//	curl ADDR[:PORT][/PATH] [from NODE] fails
func (p *parser) curlCond(ln int, ws []word) (CurlCond, bool) {
	usage := `usage: curl ADDR[:PORT][/PATH] [from NODE] gets "BODY" [| "BODY"...] (or: ... fails)`
	if len(ws) < 3 {
		p.errorf(ln, "%s", usage)
		return CurlCond{}, false
	}
	cc := CurlCond{Target: ws[1].s}
	if _, err := ParseCurlTarget(cc.Target); err != nil {
		p.errorf(ln, "curl: %v", err)
		return CurlCond{}, false
	}
	i := 2
	if ws[i].s == "from" && !ws[i].quoted {
		if i+1 >= len(ws) || !p.checkNode(ln, ws[i+1].s) {
			p.errorf(ln, "%s", usage)
			return CurlCond{}, false
		}
		cc.From = ws[i+1].s
		i += 2
	}
	if i < len(ws) && ws[i].s == "fails" && !ws[i].quoted && i+1 == len(ws) {
		cc.Fails = true
		return cc, true
	}
	if i >= len(ws) || ws[i].s != "gets" {
		p.errorf(ln, "%s", usage)
		return CurlCond{}, false
	}
	for _, w := range ws[i+1:] {
		if !w.quoted && w.s == "|" {
			continue
		}
		cc.Body = append(cc.Body, w.s)
	}
	if len(cc.Body) == 0 {
		p.errorf(ln, "%s", usage)
		return CurlCond{}, false
	}
	return cc, true
}

// ParseCurlTarget reads ADDR[:PORT][/PATH] (IPv6 in brackets with a
// port: [2001:db8::1]:80/x); the port defaults to 80, the path to /.
func ParseCurlTarget(s string) (CurlTarget, error) {
	host, path := s, "/"
	if i := strings.IndexByte(s, '/'); i >= 0 {
		host, path = s[:i], s[i:]
	}
	if ap, err := netip.ParseAddrPort(host); err == nil {
		return CurlTarget{Addr: ap, Path: path}, nil
	}
	a, err := netip.ParseAddr(strings.TrimSuffix(strings.TrimPrefix(host, "["), "]"))
	if err != nil {
		return CurlTarget{}, fmt.Errorf("target %q: want ADDR[:PORT][/PATH]", s)
	}
	return CurlTarget{Addr: netip.AddrPortFrom(a, 80), Path: path}, nil
}

// serveStep runs a ServeStep.
func (r *runner) serveStep(s ServeStep) error {
	sv, ok := r.b.(Servicer)
	if !ok {
		return fmt.Errorf("the %s backend cannot run services", r.b.Name())
	}
	return sv.Serve(s.Node, s.Service)
}

// lvsPredicate checks ipvs and curl conditions.
func (r *runner) lvsPredicate(c Cond) (func() bool, func() string) {
	switch c := c.(type) {
	case IPVSCond:
		var last string
		check := func() bool {
			rd, ok := r.b.(IPVSReader)
			if !ok {
				last = "the backend cannot read IPVS tables"
				return false
			}
			t, err := rd.IPVS(c.Node)
			if err != nil {
				last = err.Error()
				return false
			}
			has, desc := ipvsHas(t, c)
			last = desc
			return has == c.Has
		}
		return check, func() string { check(); return last }
	case CurlCond:
		// One request per instant: polling re-asks only when time moved
		// (each request moves the director's scheduler).
		var lastAt time.Duration = -1
		var ok bool
		var desc string
		check := func() bool {
			if now := r.b.Elapsed(); now != lastAt {
				lastAt = now
				ok, desc = r.curl(c)
			}
			return ok
		}
		return check, func() string { return desc }
	}
	return func() bool { return false }, func() string { return "not supported" }
}

func (r *runner) curl(c CurlCond) (bool, string) {
	cu, ok := r.b.(Curler)
	if !ok {
		return false, "the backend cannot run clients"
	}
	t, err := ParseCurlTarget(c.Target)
	if err != nil {
		return false, err.Error()
	}
	resp, err := cu.Curl(c.From, t)
	if err != nil {
		return c.Fails, "curl failed: " + err.Error()
	}
	got := fmt.Sprintf("got %q (status %d)", resp.Body, resp.Status)
	if resp.Via != "" {
		got += " " + resp.Via
	}
	if c.Fails {
		return false, got
	}
	return resp.Status >= 200 && resp.Status < 300 && slices.Contains(c.Body, resp.Body), got
}

// ipvsHas evaluates an ipvs condition against a table, and describes what
// the table holds for the service.
func ipvsHas(t *lvs.Table, c IPVSCond) (bool, string) {
	var e *lvs.Entry
	for i := range t.Entries {
		k := t.Entries[i].Service.Key
		if c.FWMark != 0 && k.FWMark == c.FWMark ||
			c.FWMark == 0 && k.FWMark == 0 && k.Addr == c.Service.Addr() && k.Port == c.Service.Port() && k.Protocol.String() == c.Proto {
			e = &t.Entries[i]
			break
		}
	}
	if e == nil {
		return false, fmt.Sprintf("%s has no such service; its table: %s", c.Node, tableLine(t))
	}
	desc := fmt.Sprintf("%s has %s", c.Node, entryLine(e))
	s := e.Service
	if c.Sched != "" && s.Scheduler != c.Sched {
		return false, desc
	}
	if c.PersistentSet {
		timeout := 0
		if s.Flags&lvs.FlagPersistent != 0 {
			timeout = int(s.Timeout)
		}
		if timeout != c.Persistent {
			return false, desc
		}
	}
	if c.Mask != "" && maskString(s) != c.Mask {
		return false, desc
	}
	if !c.Real.IsValid() {
		return true, desc
	}
	for _, d := range e.Dests {
		if d.Key.Addr != c.Real.Addr() || d.Key.Port != c.Real.Port() {
			continue
		}
		if c.Forward != "" && strings.ToLower(d.Forward.String()) != c.Forward {
			return false, desc
		}
		if !c.NoWeight && int(d.Weight) != c.Weight {
			return false, desc
		}
		return true, desc
	}
	return false, desc
}

// maskString is the persistence granularity as ipvsadm prints it.
func maskString(s lvs.Service) string {
	if s.Key.Family == lvs.Inet6 {
		return strconv.Itoa(int(s.Netmask))
	}
	m := s.Netmask
	return netip.AddrFrom4([4]byte{byte(m >> 24), byte(m >> 16), byte(m >> 8), byte(m)}).String()
}

// entryLine is one service and its destinations on one line.
func entryLine(e *lvs.Entry) string {
	var b strings.Builder
	b.WriteString(e.Service.String())
	if len(e.Dests) == 0 {
		b.WriteString(" (no destination)")
	}
	for _, d := range e.Dests {
		b.WriteString(" ")
		b.WriteString(d.String())
	}
	return b.String()
}

func tableLine(t *lvs.Table) string {
	if len(t.Entries) == 0 {
		return "empty"
	}
	parts := make([]string, len(t.Entries))
	for i := range t.Entries {
		parts[i] = entryLine(&t.Entries[i])
	}
	return strings.Join(parts, "; ")
}

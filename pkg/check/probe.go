package check

import (
	"bufio"
	"context"
	"crypto/md5"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/gokeepalived/gokeepalived/pkg/config"
)

// Limits that keep a probe's memory bounded whatever the server sends.
const (
	// MaxBody is how much of an HTTP body is read and hashed; a longer
	// body fails the check (keepalived reads the whole body; a digest of a
	// truncated body could never match anyway).
	MaxBody = 16 << 20
	// MaxRegexBody is how much of the body a regex is matched against.
	MaxRegexBody = 1 << 20
	maxLine      = 4096
)

// DialOpts are a checker's connection options.
type DialOpts struct {
	// Src is bindto / bind_port (zero: any).
	Src netip.AddrPort
	// Iface is bind_if.
	Iface string
	// Mark is the checker's fwmark (SO_MARK).
	Mark uint32
}

// Dialer opens the probes' connections. Each world provides one: NetDialer
// on a real host, the simulator its own. network is "tcp", "udp",
// "ip4:icmp" or "ip6:ipv6-icmp".
type Dialer interface {
	DialContext(ctx context.Context, network string, opt DialOpts, dst netip.AddrPort) (net.Conn, error)
}

// Command is a script to run (misc_path) and the user it runs as.
type Command struct {
	Line  string
	User  string
	Group string
}

// ScriptResult is how a script ended.
type ScriptResult struct {
	// Exited with Code; otherwise killed (by a signal or the timeout).
	Exited bool
	Code   int
	// TimedOut: killed because it outlived its timeout.
	TimedOut bool
	Err      error
}

// ScriptRunner runs MISC_CHECK scripts; each world provides one.
type ScriptRunner interface {
	Run(ctx context.Context, c Command, timeout time.Duration) ScriptResult
}

// Result is one probe's verdict.
type Result struct {
	OK bool
	// Weight, when HasWeight, is the real server's new weight
	// (misc_dynamic: exit status − 2, 0..253; exit 0: the configured
	// weight). The LVS core takes Weight − configured weight as this
	// checker's contribution (lvs.EvWeight).
	Weight    int64
	HasWeight bool
	// Err says why the check failed (for logs).
	Err error
}

func fail(format string, args ...any) Result { return Result{Err: fmt.Errorf(format, args...)} }

// Probe performs one check. url is Machine.URL() (HTTP_GET / SSL_GET).
type Probe interface {
	Check(ctx context.Context, url int) Result
}

// Env is what probes need from their world.
type Env struct {
	Dialer  Dialer
	Scripts ScriptRunner
	// TLS is the base configuration of SSL_GET (from the SSL { } block:
	// CA, client certificate); nil: no verification, as keepalived
	// without "ca".
	TLS *tls.Config
}

// NewProbe builds the probe of checker ck of real server rs.
// FILE_CHECK has no probe (see FileVerdict); BFD_CHECK is not supported.
func NewProbe(ck *config.Checker, rs *config.RealServer, env Env) (Probe, error) {
	dst := netip.AddrPortFrom(rs.Addr, rs.Port)
	if ck.ConnectIP.IsValid() {
		dst = netip.AddrPortFrom(ck.ConnectIP, dst.Port())
	}
	if ck.ConnectPort != 0 {
		dst = netip.AddrPortFrom(dst.Addr(), ck.ConnectPort)
	}
	c := conn{dialer: env.Dialer, dst: dst, timeout: ck.ConnectTimeout,
		opt: DialOpts{Iface: ck.BindIf, Mark: ck.FWMark}}
	if ck.BindTo.IsValid() || ck.BindPort != 0 {
		src := ck.BindTo
		if !src.IsValid() {
			src = netip.IPv4Unspecified()
			if dst.Addr().Is6() {
				src = netip.IPv6Unspecified()
			}
		}
		c.opt.Src = netip.AddrPortFrom(src, ck.BindPort)
	}
	needDialer := func() error {
		if env.Dialer == nil {
			return fmt.Errorf("%s: no dialer", ck.Kind)
		}
		return nil
	}
	switch ck.Kind {
	case "TCP_CHECK":
		return &tcpProbe{c}, needDialer()
	case "HTTP_GET", "SSL_GET":
		return newHTTPProbe(ck, rs, c, env)
	case "SMTP_CHECK":
		helo := ck.HeloName
		if helo == "" {
			helo = "smtpchecker.keepalived.org" // SMTP_DEFAULT_HELO
		}
		return &smtpProbe{c: c, helo: helo}, needDialer()
	case "DNS_CHECK":
		return newDNSProbe(ck, c)
	case "UDP_CHECK":
		return newUDPProbe(ck, c)
	case "PING_CHECK":
		return &pingProbe{c: c}, needDialer()
	case "MISC_CHECK":
		if env.Scripts == nil {
			return nil, errors.New("MISC_CHECK: no script runner")
		}
		timeout := ck.MiscTimeout
		if timeout == 0 {
			timeout = ck.DelayLoop // check_misc.c: misc_timeout or delay_loop
		}
		return &miscProbe{run: env.Scripts, cmd: Command{Line: ck.MiscPath, User: ck.User, Group: ck.Group}, timeout: timeout,
			dynamic: ck.MiscDynamic, base: int64(rs.Weight)}, nil
	}
	return nil, fmt.Errorf("%s: no probe for this checker kind", ck.Kind)
}

// conn is the connection part every network probe shares.
type conn struct {
	dialer  Dialer
	dst     netip.AddrPort
	opt     DialOpts
	timeout time.Duration
}

func (c conn) dial(ctx context.Context, network string) (net.Conn, context.CancelFunc, error) {
	if c.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.timeout)
		nc, err := c.dialer.DialContext(ctx, network, c.opt, c.dst)
		if err != nil {
			cancel()
			return nil, nil, err
		}
		if dl, ok := ctx.Deadline(); ok {
			_ = nc.SetDeadline(dl)
		}
		return nc, cancel, nil
	}
	nc, err := c.dialer.DialContext(ctx, network, c.opt, c.dst)
	return nc, func() {}, err
}

// tcpProbe is TCP_CHECK: a connect() within connect_timeout.
type tcpProbe struct{ c conn }

func (p *tcpProbe) Check(ctx context.Context, _ int) Result {
	nc, cancel, err := p.c.dial(ctx, "tcp")
	if err != nil {
		return fail("TCP connection to %s failed: %w", p.c.dst, err)
	}
	cancel()
	nc.Close()
	return Result{OK: true}
}

// httpProbe is HTTP_GET / SSL_GET.
type httpProbe struct {
	c      conn
	tls    *tls.Config // nil for HTTP_GET
	proto  string      // "1.0", "1.0C", "1.1"
	sni    bool
	urls   []httpURL
	hostRS string // checker, real server, virtual server virtualhost
}

type httpURL struct {
	path    string
	digest  string
	codes   []config.StatusRange
	vhost   string
	re      *regexp.Regexp
	noMatch bool
}

func newHTTPProbe(ck *config.Checker, rs *config.RealServer, c conn, env Env) (Probe, error) {
	p := &httpProbe{c: c, proto: ck.HTTPProtocol, sni: ck.EnableSNI, hostRS: ck.Virtualhost}
	if p.hostRS == "" {
		p.hostRS = rs.Virtualhost
	}
	if ck.Kind == "SSL_GET" {
		p.tls = &tls.Config{InsecureSkipVerify: true} //nolint:gosec // keepalived verifies only with an SSL ca
		if env.TLS != nil {
			p.tls = env.TLS.Clone()
		}
	}
	for _, u := range ck.URLs {
		hu := httpURL{path: u.Path, digest: strings.ToLower(u.Digest), codes: u.StatusCodes, vhost: u.Virtualhost, noMatch: u.RegexNoMatch}
		if len(hu.codes) == 0 {
			hu.codes = []config.StatusRange{{Lo: 200, Hi: 299}} // HTTP_DEFAULT_STATUS_CODE_MIN/MAX
		}
		if u.Regex != "" {
			re, err := regexp.Compile(u.Regex)
			if err != nil {
				return nil, fmt.Errorf("%s: url %s: regex %q: %w", u.Pos, u.Path, u.Regex, err)
			}
			hu.re = re
		}
		p.urls = append(p.urls, hu)
	}
	if len(p.urls) == 0 {
		return nil, fmt.Errorf("%s: %s has no url", ck.Pos, ck.Kind)
	}
	if c.dialer == nil {
		return nil, fmt.Errorf("%s: no dialer", ck.Kind)
	}
	return p, nil
}

// Request is the request keepalived sends (check_http.c request_template):
// HTTP/1.0 unless http_protocol 1.1, "Connection: close" for 1.0C and 1.1,
// Host the virtualhost or the address with its port.
func (p *httpProbe) Request(url int) string {
	u := &p.urls[url%len(p.urls)]
	vhost := u.vhost
	if vhost == "" {
		vhost = p.hostRS
	}
	minor := 0
	if p.proto == "1.1" {
		minor = 1
	}
	conn := ""
	if p.proto == "1.0C" || p.proto == "1.1" {
		conn = "Connection: close\r\n"
	}
	host := vhost
	if host == "" {
		a := p.c.dst.Addr().String()
		if p.c.dst.Addr().Is6() {
			a = "[" + a + "]"
		}
		host = a + ":" + strconv.Itoa(int(p.c.dst.Port()))
	}
	return fmt.Sprintf("GET %s HTTP/1.%d\r\nUser-Agent: KeepAliveClient\r\n%sHost: %s\r\n\r\n", u.path, minor, conn, host)
}

func (p *httpProbe) Check(ctx context.Context, url int) Result {
	u := &p.urls[url%len(p.urls)]
	nc, cancel, err := p.c.dial(ctx, "tcp")
	if err != nil {
		return fail("connection to %s failed: %w", p.c.dst, err)
	}
	defer cancel()
	defer nc.Close()
	if p.tls != nil {
		cfg := p.tls.Clone()
		vhost := u.vhost
		if vhost == "" {
			vhost = p.hostRS
		}
		if p.sni && vhost != "" {
			cfg.ServerName = vhost
		}
		tc := tls.Client(nc, cfg)
		if err := tc.HandshakeContext(ctx); err != nil {
			return fail("SSL handshake with %s failed: %w", p.c.dst, err)
		}
		nc = tc
	}
	if _, err := io.WriteString(nc, p.Request(url)); err != nil {
		return fail("Cannot send get request to %s: %w", p.c.dst, err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(nc), nil)
	if err != nil {
		return fail("Read, no data received from %s: %w", p.c.dst, err)
	}
	defer resp.Body.Close()
	if !statusOK(resp.StatusCode, u.codes) {
		return fail("HTTP status code error to %s url(%s): %d", p.c.dst, u.path, resp.StatusCode)
	}
	h := md5.New()
	var keep []byte
	if u.re != nil {
		keep = make([]byte, 0, 4096)
	}
	buf := make([]byte, 32<<10)
	var n int64
	for {
		k, rerr := resp.Body.Read(buf)
		if k > 0 {
			n += int64(k)
			if n > MaxBody {
				return fail("body from %s url(%s) longer than %d bytes", p.c.dst, u.path, MaxBody)
			}
			h.Write(buf[:k])
			if u.re != nil && len(keep) < MaxRegexBody {
				keep = append(keep, buf[:min(k, MaxRegexBody-len(keep))]...)
			}
		}
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			return fail("reading from %s url(%s): %w", p.c.dst, u.path, rerr)
		}
	}
	if u.digest != "" {
		if got := hex.EncodeToString(h.Sum(nil)); got != u.digest {
			return fail("MD5 digest error to %s url(%s): got %s", p.c.dst, u.path, got)
		}
	}
	if u.re != nil && u.re.Match(keep) == u.noMatch {
		return fail("Regex match failed for %s url(%s)", p.c.dst, u.path)
	}
	return Result{OK: true}
}

func statusOK(code int, rs []config.StatusRange) bool {
	for _, r := range rs {
		if code >= r.Lo && code <= r.Hi {
			return true
		}
	}
	return false
}

// Digest is genhash's output: the hex MD5 of a body.
func Digest(body []byte) string {
	s := md5.Sum(body)
	return hex.EncodeToString(s[:])
}

// smtpProbe is SMTP_CHECK: banner 220, HELO → 250, QUIT.
type smtpProbe struct {
	c    conn
	helo string
}

func (p *smtpProbe) Check(ctx context.Context, _ int) Result {
	nc, cancel, err := p.c.dial(ctx, "tcp")
	if err != nil {
		return fail("SMTP connection to %s failed: %w", p.c.dst, err)
	}
	defer cancel()
	defer nc.Close()
	r := bufio.NewReaderSize(nc, maxLine)
	if code, err := smtpStatus(r); err != nil || code != 220 {
		return fail("SMTP banner from %s: status %d, %v", p.c.dst, code, err)
	}
	if _, err := fmt.Fprintf(nc, "HELO %s\r\n", p.helo); err != nil {
		return fail("SMTP HELO to %s: %w", p.c.dst, err)
	}
	if code, err := smtpStatus(r); err != nil || code != 250 {
		return fail("SMTP HELO answer from %s: status %d, %v", p.c.dst, code, err)
	}
	// keepalived sends QUIT and reads the answer without judging it.
	if _, err := io.WriteString(nc, "QUIT\r\n"); err == nil {
		_, _ = smtpStatus(r)
	}
	return Result{OK: true}
}

// smtpStatus reads one (possibly multi-line, "250-") reply.
func smtpStatus(r *bufio.Reader) (int, error) {
	for range 100 {
		line, err := r.ReadSlice('\n')
		if err != nil {
			return 0, err
		}
		if len(line) < 3 {
			return 0, fmt.Errorf("short reply %q", line)
		}
		code, err := strconv.Atoi(string(line[:3]))
		if err != nil {
			return 0, fmt.Errorf("bad reply %q", line)
		}
		if len(line) > 3 && line[3] == '-' {
			continue
		}
		return code, nil
	}
	return 0, errors.New("reply longer than 100 lines")
}

// miscProbe is MISC_CHECK: exit 0 is up; with misc_dynamic, exit 2..255 is
// up with weight exit−2 (check_misc.c misc_check_child_thread); anything
// else, a signal or the timeout, is down.
type miscProbe struct {
	run     ScriptRunner
	cmd     Command
	timeout time.Duration
	dynamic bool
	base    int64 // the configured weight
}

func (p *miscProbe) Check(ctx context.Context, _ int) Result {
	r := p.run.Run(ctx, p.cmd, p.timeout)
	switch {
	case r.TimedOut:
		return fail("Misc check by [%s] timed out", p.cmd.Line)
	case !r.Exited:
		return fail("Misc check by [%s] failed: %v", p.cmd.Line, r.Err)
	case r.Code == 0 && p.dynamic:
		// "Catch legacy case of status being 0 but misc_dynamic being
		// set": back to the configured weight.
		return Result{OK: true, Weight: p.base, HasWeight: true}
	case r.Code == 0:
		return Result{OK: true}
	case p.dynamic && r.Code >= 2 && r.Code <= 255:
		return Result{OK: true, Weight: int64(r.Code - 2), HasWeight: true}
	}
	return fail("Misc check by [%s] failed (exited with status %d)", p.cmd.Line, r.Code)
}

// FileVerdict is FILE_CHECK's rule (ipwrapper.c init_service_rs with
// track_file): without a weight, a non-zero value fails the checker; with
// one, value × weight (negated by reverse) is added to the real server's
// weight, and the checker fails only at IPVS_WEIGHT_FAULT (−2³¹) or below.
func FileVerdict(value int64, weight int, reverse bool) (up bool, delta int64) {
	if weight == 0 {
		return value == 0, 0
	}
	d := value * int64(weight)
	if reverse {
		d = -d
	}
	const weightFault = -(1 << 31)
	return d > weightFault, d
}

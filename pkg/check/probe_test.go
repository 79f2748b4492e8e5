package check_test

import (
	"bufio"
	"context"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gokeepalived/gokeepalived/pkg/check"
	"github.com/gokeepalived/gokeepalived/pkg/config"
)

var env = check.Env{Dialer: check.NetDialer{}}

func addrPort(t *testing.T, a net.Addr) netip.AddrPort {
	t.Helper()
	ap, err := netip.ParseAddrPort(a.String())
	require.NoError(t, err)
	return ap
}

func rsAt(ap netip.AddrPort) *config.RealServer {
	return &config.RealServer{Addr: ap.Addr(), Port: ap.Port(), Weight: 1}
}

func probe(t *testing.T, ck config.Checker, rs *config.RealServer) check.Probe {
	t.Helper()
	if ck.ConnectTimeout == 0 {
		ck.ConnectTimeout = 2 * time.Second
	}
	p, err := check.NewProbe(&ck, rs, env)
	require.NoError(t, err)
	return p
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return c
}

// closedPort is a loopback port nothing listens on.
func closedPort(t *testing.T, network string) netip.AddrPort {
	t.Helper()
	var ap netip.AddrPort
	if network == "udp" {
		c, err := net.ListenPacket("udp", "127.0.0.1:0")
		require.NoError(t, err)
		ap = addrPort(t, c.LocalAddr())
		c.Close()
	} else {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		ap = addrPort(t, l.Addr())
		l.Close()
	}
	return ap
}

// TCP_CHECK: connect() only.
func TestTCPCheck(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	require.True(t, probe(t, config.Checker{Kind: "TCP_CHECK"}, rsAt(addrPort(t, l.Addr()))).Check(ctx(t), 0).OK)
	r := probe(t, config.Checker{Kind: "TCP_CHECK"}, rsAt(closedPort(t, "tcp"))).Check(ctx(t), 0)
	require.False(t, r.OK)
	require.ErrorContains(t, r.Err, "connection refused")
	// connect_port overrides the real server's port (E4: connect_port 80).
	rs := rsAt(closedPort(t, "tcp"))
	require.True(t, probe(t, config.Checker{Kind: "TCP_CHECK", ConnectPort: addrPort(t, l.Addr()).Port()}, rs).Check(ctx(t), 0).OK)
}

// HTTP_GET: status_code ranges (default 200-299), digest = genhash's MD5
// of the body, virtualhost as the Host header, regex / regex_no_match.
func TestHTTPGet(t *testing.T) {
	var mu sync.Mutex
	var hosts []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		hosts = append(hosts, r.Host)
		mu.Unlock()
		switch r.URL.Path {
		case "/":
			io.WriteString(w, "this is 91 page")
		case "/moved":
			http.Redirect(w, r, "/", http.StatusFound)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	rs := rsAt(addrPort(t, srv.Listener.Addr()))
	digest := check.Digest([]byte("this is 91 page"))
	cases := []struct {
		name string
		url  config.URL
		ok   bool
	}{
		{"default 2xx", config.URL{Path: "/"}, true},
		{"404 not in 2xx", config.URL{Path: "/missing"}, false},
		{"404 listed", config.URL{Path: "/missing", StatusCodes: []config.StatusRange{{Lo: 200, Hi: 200}, {Lo: 400, Hi: 499}}}, true},
		{"302 is not followed", config.URL{Path: "/moved"}, false},
		{"302 listed", config.URL{Path: "/moved", StatusCodes: []config.StatusRange{{Lo: 302, Hi: 302}}}, true},
		{"digest matches", config.URL{Path: "/", Digest: digest}, true},
		{"digest upper case", config.URL{Path: "/", Digest: strings.ToUpper(digest)}, true},
		{"digest differs", config.URL{Path: "/", Digest: check.Digest([]byte("this is 92 page"))}, false},
		{"regex", config.URL{Path: "/", Regex: "is 9[0-9] page"}, true},
		{"regex fails", config.URL{Path: "/", Regex: "^error"}, false},
		{"regex_no_match", config.URL{Path: "/", Regex: "^error", RegexNoMatch: true}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := probe(t, config.Checker{Kind: "HTTP_GET", URLs: []config.URL{c.url}, HTTPProtocol: "1.0"}, rs).Check(ctx(t), 0)
			require.Equal(t, c.ok, r.OK, "%v", r.Err)
		})
	}
	mu.Lock()
	hosts = nil
	mu.Unlock()
	ck := config.Checker{Kind: "HTTP_GET", URLs: []config.URL{{Path: "/"}, {Path: "/", Virtualhost: "url.example"}}, Virtualhost: "ck.example"}
	p := probe(t, ck, rs)
	require.True(t, p.Check(ctx(t), 0).OK)
	require.True(t, p.Check(ctx(t), 1).OK)
	require.True(t, probe(t, config.Checker{Kind: "HTTP_GET", URLs: []config.URL{{Path: "/"}}}, &config.RealServer{Addr: rs.Addr, Port: rs.Port, Virtualhost: "rs.example"}).Check(ctx(t), 0).OK)
	mu.Lock()
	require.Equal(t, []string{"ck.example", "url.example", "rs.example"}, hosts)
	mu.Unlock()
}

// The request bytes are keepalived's (check_http.c request_template).
func TestHTTPRequestBytes(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { l.Close() })
	got := make(chan string, 3)
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			br := bufio.NewReader(c)
			var req strings.Builder
			for {
				line, err := br.ReadString('\n')
				req.WriteString(line)
				if err != nil || line == "\r\n" {
					break
				}
			}
			got <- req.String()
			io.WriteString(c, "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok")
			c.Close()
		}
	}()
	ap := addrPort(t, l.Addr())
	for _, c := range []struct{ proto, want string }{
		{"1.0", "GET /index.html HTTP/1.0\r\nUser-Agent: KeepAliveClient\r\nHost: " + ap.String() + "\r\n\r\n"},
		{"1.0C", "GET /index.html HTTP/1.0\r\nUser-Agent: KeepAliveClient\r\nConnection: close\r\nHost: " + ap.String() + "\r\n\r\n"},
		{"1.1", "GET /index.html HTTP/1.1\r\nUser-Agent: KeepAliveClient\r\nConnection: close\r\nHost: " + ap.String() + "\r\n\r\n"},
	} {
		r := probe(t, config.Checker{Kind: "HTTP_GET", HTTPProtocol: c.proto, URLs: []config.URL{{Path: "/index.html"}}}, rsAt(ap)).Check(ctx(t), 0)
		require.True(t, r.OK, "%v", r.Err)
		require.Equal(t, c.want, <-got)
	}
}

// SSL_GET with enable_sni: the virtualhost is sent as the TLS server name.
func TestSSLGetSNI(t *testing.T) {
	names := make(chan string, 4)
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "secure") }))
	srv.TLS = &tls.Config{GetConfigForClient: func(h *tls.ClientHelloInfo) (*tls.Config, error) {
		names <- h.ServerName
		return nil, nil
	}}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	rs := rsAt(addrPort(t, srv.Listener.Addr()))
	ck := config.Checker{Kind: "SSL_GET", URLs: []config.URL{{Path: "/", Digest: check.Digest([]byte("secure"))}}, Virtualhost: "www.example.org", EnableSNI: true}
	r := probe(t, ck, rs).Check(ctx(t), 0)
	require.True(t, r.OK, "%v", r.Err)
	require.Equal(t, "www.example.org", <-names)
	ck.EnableSNI = false
	require.True(t, probe(t, ck, rs).Check(ctx(t), 0).OK)
	require.Equal(t, "", <-names, "no SNI without enable_sni")
	// SSL_GET against a plain HTTP server fails in the handshake.
	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	t.Cleanup(plain.Close)
	r = probe(t, ck, rsAt(addrPort(t, plain.Listener.Addr()))).Check(ctx(t), 0)
	require.False(t, r.OK)
	require.ErrorContains(t, r.Err, "SSL handshake")
}

// smtpServer answers with the given banner and HELO codes and records
// the HELO line.
func smtpServer(t *testing.T, banner, helo int) (netip.AddrPort, <-chan string) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { l.Close() })
	lines := make(chan string, 4)
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			br := bufio.NewReader(c)
			fmt.Fprintf(c, "%d-mail.example ESMTP\r\n%d mail.example ready\r\n", banner, banner)
			line, _ := br.ReadString('\n')
			lines <- line
			fmt.Fprintf(c, "%d hello\r\n", helo)
			br.ReadString('\n')
			io.WriteString(c, "221 bye\r\n")
			c.Close()
		}
	}()
	return addrPort(t, l.Addr()), lines
}

// SMTP_CHECK: banner 220, HELO helo_name (default
// smtpchecker.keepalived.org) answered with 250.
func TestSMTPCheck(t *testing.T) {
	ap, lines := smtpServer(t, 220, 250)
	require.True(t, probe(t, config.Checker{Kind: "SMTP_CHECK"}, rsAt(ap)).Check(ctx(t), 0).OK)
	require.Equal(t, "HELO smtpchecker.keepalived.org\r\n", <-lines)
	require.True(t, probe(t, config.Checker{Kind: "SMTP_CHECK", HeloName: "lvs1.example"}, rsAt(ap)).Check(ctx(t), 0).OK)
	require.Equal(t, "HELO lvs1.example\r\n", <-lines)
	bad, _ := smtpServer(t, 554, 250)
	require.False(t, probe(t, config.Checker{Kind: "SMTP_CHECK"}, rsAt(bad)).Check(ctx(t), 0).OK)
	badHelo, _ := smtpServer(t, 220, 501)
	require.False(t, probe(t, config.Checker{Kind: "SMTP_CHECK"}, rsAt(badHelo)).Check(ctx(t), 0).OK)
}

// dnsServer answers every query with rcode, after a datagram with a wrong
// id (which the checker must skip); it records the queries.
func dnsServer(t *testing.T, rcode uint16) (netip.AddrPort, <-chan []byte) {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { pc.Close() })
	qs := make(chan []byte, 4)
	go func() {
		buf := make([]byte, 512)
		for {
			n, from, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			q := append([]byte(nil), buf[:n]...)
			qs <- q
			wrong := append([]byte(nil), q...)
			binary.BigEndian.PutUint16(wrong, binary.BigEndian.Uint16(q)+1)
			binary.BigEndian.PutUint16(wrong[2:], 0x8180)
			pc.WriteTo(wrong, from)
			ans := append([]byte(nil), q...)
			binary.BigEndian.PutUint16(ans[2:], 0x8180|rcode)
			pc.WriteTo(ans, from)
		}
	}()
	return addrPort(t, pc.LocalAddr()), qs
}

// DNS_CHECK: type (default SOA) and name (default "."); up on an answer
// with the query's id and RCODE 0 (check_dns.c).
func TestDNSCheck(t *testing.T) {
	ap, qs := dnsServer(t, 0)
	require.True(t, probe(t, config.Checker{Kind: "DNS_CHECK"}, rsAt(ap)).Check(ctx(t), 0).OK)
	q := <-qs
	require.Equal(t, []byte{0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 6, 0, 1}, q[2:], "RD, one question: root SOA IN")
	require.True(t, probe(t, config.Checker{Kind: "DNS_CHECK", DNSType: "A", DNSName: "www.example.org"}, rsAt(ap)).Check(ctx(t), 0).OK)
	q = <-qs
	require.Equal(t, "\x03www\x07example\x03org\x00\x00\x01\x00\x01", string(q[12:]))
	nx, _ := dnsServer(t, 3)
	r := probe(t, config.Checker{Kind: "DNS_CHECK"}, rsAt(nx)).Check(ctx(t), 0)
	require.False(t, r.OK)
	require.ErrorContains(t, r.Err, "rcode = 3")
}

// UDP_CHECK (check_udp.c): port unreachable fails; silence succeeds unless
// require_reply; a reply is matched with X wildcards and length bounds.
func TestUDPCheck(t *testing.T) {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { pc.Close() })
	go func() {
		buf := make([]byte, 512)
		for {
			n, from, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			if string(buf[:n]) == "PING" {
				pc.WriteTo([]byte("PONG!"), from)
			}
		}
	}()
	ap := addrPort(t, pc.LocalAddr())
	ping := "50494e47"
	udp := func(payload, reply string, minL, maxL int) check.Result {
		return probe(t, config.Checker{Kind: "UDP_CHECK", Payload: payload, RequireReply: reply, MinReplyLength: minL, MaxReplyLength: maxL, CheckTiming: config.CheckTiming{ConnectTimeout: 300 * time.Millisecond}}, rsAt(ap)).Check(ctx(t), 0)
	}
	require.True(t, udp(ping, "504f4e47", 0, 0).OK, "reply starts with PONG")
	require.True(t, udp(ping, "504fXX47", 0, 0).OK, "wildcard nibbles")
	require.False(t, udp(ping, "414243", 0, 0).OK, "mismatch")
	require.False(t, udp(ping, "*", 6, 10).OK, "shorter than min_reply_length")
	require.True(t, udp("414243", "", 0, 0).OK, "silence is success without require_reply")
	require.False(t, udp("414243", "*", 0, 0).OK, "silence fails with require_reply")
	r := probe(t, config.Checker{Kind: "UDP_CHECK", Payload: ping, CheckTiming: config.CheckTiming{ConnectTimeout: 2 * time.Second}}, rsAt(closedPort(t, "udp"))).Check(ctx(t), 0)
	require.False(t, r.OK)
	require.ErrorContains(t, r.Err, "port unreachable")
	_, err = check.NewProbe(&config.Checker{Kind: "UDP_CHECK", Payload: "zz"}, rsAt(ap), env)
	require.ErrorContains(t, err, "bad hex digit")
}

// PING_CHECK: an ICMP echo to 127.0.0.1 (raw socket: root).
func TestPingCheck(t *testing.T) {
	rs := &config.RealServer{Addr: netip.MustParseAddr("127.0.0.1")}
	p := probe(t, config.Checker{Kind: "PING_CHECK", CheckTiming: config.CheckTiming{ConnectTimeout: 2 * time.Second}}, rs)
	r := p.Check(ctx(t), 0)
	if !r.OK && errors.Is(r.Err, syscall.EPERM) {
		t.Skip("PING_CHECK needs a raw ICMP socket (root or CAP_NET_RAW)")
	}
	require.True(t, r.OK, "%v", r.Err)
	require.True(t, p.Check(ctx(t), 0).OK, "second echo (next sequence number)")
}

// MISC_CHECK (check_misc.c): exit 0 up; exit 1 down; misc_dynamic maps
// exit 2..255 to weight exit−2; the timeout is misc_timeout.
func TestMiscCheck(t *testing.T) {
	runner := check.RunnerFunc(func(ctx context.Context, c check.Command, timeout time.Duration) check.ScriptResult {
		ctx, cancel := context.WithTimeout(ctx, timeout)
		defer cancel()
		err := exec.CommandContext(ctx, "/bin/sh", "-c", c.Line).Run()
		var ee *exec.ExitError
		switch {
		case ctx.Err() != nil:
			return check.ScriptResult{TimedOut: true}
		case err == nil:
			return check.ScriptResult{Exited: true}
		case errors.As(err, &ee) && ee.Exited():
			return check.ScriptResult{Exited: true, Code: ee.ExitCode()}
		}
		return check.ScriptResult{Err: err}
	})
	e := check.Env{Scripts: runner}
	rs := &config.RealServer{Weight: 5}
	misc := func(line string, dynamic bool, timeout time.Duration) check.Result {
		p, err := check.NewProbe(&config.Checker{Kind: "MISC_CHECK", MiscPath: line, MiscDynamic: dynamic, MiscTimeout: timeout, CheckTiming: config.CheckTiming{DelayLoop: 5 * time.Second}}, rs, e)
		require.NoError(t, err)
		return p.Check(ctx(t), 0)
	}
	require.Equal(t, check.Result{OK: true}, misc("exit 0", false, 0))
	require.False(t, misc("exit 1", false, 0).OK)
	require.False(t, misc("exit 7", false, 0).OK, "without misc_dynamic 7 is a failure")
	require.Equal(t, check.Result{OK: true, Weight: 10, HasWeight: true}, misc("exit 12", true, 0))
	require.Equal(t, check.Result{OK: true, Weight: 5, HasWeight: true}, misc("exit 0", true, 0), "exit 0 restores the configured weight")
	require.False(t, misc("exit 1", true, 0).OK)
	r := misc("sleep 5", false, 100*time.Millisecond)
	require.False(t, r.OK)
	require.ErrorContains(t, r.Err, "timed out")
}

// FILE_CHECK (track_file on a real server).
func TestFileVerdict(t *testing.T) {
	for _, c := range []struct {
		value   int64
		weight  int
		reverse bool
		up      bool
		delta   int64
	}{
		{0, 0, false, true, 0},
		{3, 0, false, false, 0},
		{3, 2, false, true, 6},
		{3, 2, true, true, -6},
		{-(1 << 30), 2, false, false, -(1 << 31)},
	} {
		up, d := check.FileVerdict(c.value, c.weight, c.reverse)
		require.Equal(t, c.up, up, "%+v", c)
		require.Equal(t, c.delta, d, "%+v", c)
	}
}

func TestUnsupportedKinds(t *testing.T) {
	_, err := check.NewProbe(&config.Checker{Kind: "BFD_CHECK"}, &config.RealServer{}, env)
	require.ErrorContains(t, err, "BFD_CHECK: no probe")
	_, err = check.NewProbe(&config.Checker{Kind: "HTTP_GET", URLs: []config.URL{{Path: "/", Regex: "("}}}, &config.RealServer{}, env)
	require.ErrorContains(t, err, "regex")
}

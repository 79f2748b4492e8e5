package sim

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"syscall"
	"time"

	"github.com/gokeepalived/gokeepalived/pkg/check"
)

// The simulated network as a TCP client sees it (checkers' probes,
// curl). A connection from node n to addr:port:
//
//   - addr on n itself (any interface or lo): n's own service;
//   - otherwise n needs an interface that is up with a prefix holding
//     addr (a connected route; `ifconfig eth0 down` removes it): no such
//     interface fails at once with ENETUNREACH;
//   - on that interface's segment, the node answering ARP for addr is the
//     one holding it on its interface there, which must be up (arp_ignore
//     1: loopback addresses answer nothing); when several do, the last
//     one heard announcing it (gratuitous ARP) wins, else the first in
//     creation order. Nobody: EHOSTUNREACH after ARP's 3 s (or the
//     timeout, if shorter);
//   - a partition between the two (either way) loses every packet: the
//     connection times out; loss is drawn per SYN and SYN-ACK, with SYNs
//     sent again at 1, 3, 7, 15, 31 and 63 s (Linux's doubling RTO), so
//     a lossy path connects late or times out;
//   - the peer's service on port answers while its process runs; else
//     the connection is refused (RST) after one round trip.
//
// Time: a connection costs one round trip of the paths' configured
// delays (and jitter), each request/answer exchange one more; a read that
// gets no answer costs the whole timeout. Once connected, loss is not
// applied (TCP recovers). UDP, ICMP and TLS are not simulated: UDP_CHECK,
// DNS_CHECK, PING_CHECK and SSL_GET fail in the simulator.

// arpTimeout is how long Linux tries to resolve a neighbour (3
// solicitations 1 s apart) before connect fails with EHOSTUNREACH.
const arpTimeout = 3 * time.Second

// synRetries are the times Linux sends a SYN again (initial RTO 1 s,
// doubling; tcp_syn_retries 6).
var synRetries = [...]time.Duration{0, 1 * time.Second, 3 * time.Second, 7 * time.Second, 15 * time.Second, 31 * time.Second, 63 * time.Second}

// probeRun is the virtual time the running probe's connections took.
type probeRun struct {
	timeout time.Duration
	cost    time.Duration
}

// charge adds d to the running probe's time (a client's curl is free).
func (n *node) charge(d time.Duration) {
	if n.lvs.probe != nil {
		n.lvs.probe.cost += d
	}
}

func (n *node) probeTimeout() time.Duration {
	if n.lvs.probe != nil && n.lvs.probe.timeout > 0 {
		return n.lvs.probe.timeout
	}
	return 5 * time.Second
}

// reach is how a node reaches an address right now.
type reach struct {
	local bool
	peer  *node
	out   *nodeIface
	// lost: the peer is there, but a partition drops the packets.
	lost bool
	// err: no route (ENETUNREACH, at once) or nobody answering ARP
	// (EHOSTUNREACH, after arpTimeout).
	err syscall.Errno
}

func (w *World) route(n *node, dst netip.Addr) reach {
	if n.holdsLocal(dst) {
		return reach{local: true, peer: n}
	}
	routed := false
	for _, out := range n.ifaces {
		if !out.up || !connected(out, dst) {
			continue
		}
		routed = true
		var cands []*nodeIface
		for _, m := range out.seg.members {
			if m.node != n && m.up && m.hasAddr(dst) {
				cands = append(cands, m)
			}
		}
		if len(cands) == 0 {
			continue
		}
		peer := w.arpPick(cands, dst)
		r := reach{peer: peer.node, out: out}
		r.lost = w.blocked[linkKey{n.name, peer.node.name}] || w.blocked[linkKey{peer.node.name, n.name}]
		return r
	}
	if !routed {
		return reach{err: syscall.ENETUNREACH}
	}
	return reach{err: syscall.EHOSTUNREACH}
}

// connected: one of the interface's prefixes holds a (a connected route).
func connected(ifc *nodeIface, a netip.Addr) bool {
	for _, x := range ifc.addrs {
		if x.prefix.Masked().Contains(a) {
			return true
		}
	}
	return false
}

// arpPick is the node a client's ARP cache points to among several
// holders: the last to announce the address, else the first.
func (w *World) arpPick(cands []*nodeIface, a netip.Addr) *nodeIface {
	if len(cands) == 1 {
		return cands[0]
	}
	gs := w.obs.garps
	for i := len(gs) - 1; i >= 0; i-- {
		if gs[i].Addr != a {
			continue
		}
		for _, c := range cands {
			if c.node.name == gs[i].Node && c.name == gs[i].Iface {
				return c
			}
		}
	}
	return cands[0]
}

// rtt is a round trip between a and b: each way's delay plus jitter.
func (w *World) rtt(a, b *node) time.Duration {
	var d time.Duration
	for _, k := range []linkKey{{a.name, b.name}, {b.name, a.name}} {
		if p := w.links[k]; p != nil {
			d += p.delay
			if p.jitter > 0 {
				d += time.Duration(w.rng.Int64N(int64(p.jitter)))
			}
		}
	}
	return d
}

// handshake is the time the SYN / SYN-ACK exchange from a to b takes
// through the paths' loss, or false if it does not complete within
// timeout.
func (w *World) handshake(a, b *node, timeout time.Duration) (time.Duration, bool) {
	there, back := w.links[linkKey{a.name, b.name}], w.links[linkKey{b.name, a.name}]
	for _, t := range synRetries {
		if t >= timeout {
			break
		}
		if there != nil && there.loss > 0 && w.rng.Float64() < there.loss {
			continue
		}
		if back != nil && back.loss > 0 && w.rng.Float64() < back.loss {
			continue
		}
		return t, true
	}
	return 0, false
}

// dialError is a connect error as the Go net package reports it.
func dialError(dst netip.AddrPort, err error) error {
	return &net.OpError{Op: "dial", Net: "tcp", Addr: net.TCPAddrFromAddrPort(dst), Err: err}
}

// dial opens a TCP connection from n to dst, charging the time it takes
// to the running probe.
func (w *World) dial(n *node, dst netip.AddrPort, timeout time.Duration) (*simConn, error) {
	r := w.route(n, dst.Addr())
	switch {
	case r.err == syscall.ENETUNREACH:
		return nil, dialError(dst, os.NewSyscallError("connect", r.err))
	case r.err != 0:
		if timeout < arpTimeout {
			n.charge(timeout)
			return nil, dialError(dst, os.ErrDeadlineExceeded)
		}
		n.charge(arpTimeout)
		return nil, dialError(dst, os.NewSyscallError("connect", r.err))
	case r.lost:
		n.charge(timeout)
		return nil, dialError(dst, os.ErrDeadlineExceeded)
	}
	var rtt time.Duration
	if !r.local {
		t, ok := w.handshake(n, r.peer, timeout)
		if !ok {
			n.charge(timeout)
			return nil, dialError(dst, os.ErrDeadlineExceeded)
		}
		rtt = w.rtt(n, r.peer)
		n.charge(t + rtt)
	}
	svc := r.peer.listener(dst.Port())
	if svc == nil {
		return nil, dialError(dst, os.NewSyscallError("connect", syscall.ECONNREFUSED))
	}
	src := netip.AddrPortFrom(dst.Addr(), 0)
	if r.out != nil && len(r.out.addrs) > 0 {
		src = netip.AddrPortFrom(r.out.addrs[0].prefix.Addr(), n.nextPort())
	}
	c := &simConn{n: n, sess: &session{svc: svc, node: r.peer.name}, rtt: rtt, timeout: timeout, local: src, remote: dst}
	c.out = c.sess.greeting()
	return c, nil
}

// nextPort is the node's next ephemeral client port (32768-60999).
func (n *node) nextPort() uint16 {
	if n.lvs.port < 32768 || n.lvs.port >= 60999 {
		n.lvs.port = 32767
	}
	n.lvs.port++
	return n.lvs.port
}

// simDialer is a node's check.Dialer: TCP over the simulated segments.
type simDialer struct{ n *node }

var _ check.Dialer = simDialer{}

func (d simDialer) DialContext(_ context.Context, network string, _ check.DialOpts, dst netip.AddrPort) (net.Conn, error) {
	switch network {
	case "tcp", "tcp4", "tcp6":
		return d.n.w.dial(d.n, dst, d.n.probeTimeout())
	}
	return nil, fmt.Errorf("sim: %s is not simulated (UDP_CHECK, DNS_CHECK and PING_CHECK fail in the simulator)", network)
}

// simConn is the client side of a simulated TCP connection; the server is
// a session answering synchronously.
type simConn struct {
	n             *node
	sess          *session
	out           []byte // what the server sent, not read yet
	eof           bool   // the server closed after out
	closed        bool
	rtt, timeout  time.Duration
	local, remote netip.AddrPort
}

var errTLS = errors.New("sim: TLS is not simulated (SSL_GET fails in the simulator)")

func (c *simConn) Write(b []byte) (int, error) {
	if c.closed {
		return 0, net.ErrClosed
	}
	if len(b) > 1 && b[0] == 0x16 && b[1] == 0x03 && len(c.sess.in) == 0 {
		c.eof = true
		return 0, errTLS
	}
	out, closeAfter := c.sess.input(b)
	if len(out) > 0 {
		c.out = append(c.out, out...)
		c.n.charge(c.rtt)
	}
	c.eof = c.eof || closeAfter
	return len(b), nil
}

func (c *simConn) Read(b []byte) (int, error) {
	if c.closed {
		return 0, net.ErrClosed
	}
	if len(c.out) > 0 {
		k := copy(b, c.out)
		c.out = c.out[k:]
		return k, nil
	}
	if c.eof {
		return 0, io.EOF
	}
	// Nothing will come: the read times out.
	c.n.charge(c.timeout)
	c.eof = true
	return 0, &net.OpError{Op: "read", Net: "tcp", Addr: net.TCPAddrFromAddrPort(c.remote), Err: os.ErrDeadlineExceeded}
}

func (c *simConn) Close() error                     { c.closed = true; return nil }
func (c *simConn) LocalAddr() net.Addr              { return net.TCPAddrFromAddrPort(c.local) }
func (c *simConn) RemoteAddr() net.Addr             { return net.TCPAddrFromAddrPort(c.remote) }
func (c *simConn) SetDeadline(time.Time) error      { return nil }
func (c *simConn) SetReadDeadline(time.Time) error  { return nil }
func (c *simConn) SetWriteDeadline(time.Time) error { return nil }

package check

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"sync/atomic"
	"syscall"

	"golang.org/x/net/icmp"
	"golang.org/x/net/ipv4"
	"golang.org/x/net/ipv6"

	"github.com/gokeepalived/gokeepalived/pkg/config"
)

// dnsTypes are DNS_CHECK's types (check_dns.c DNS_TYPE).
var dnsTypes = map[string]uint16{"A": 1, "NS": 2, "CNAME": 5, "SOA": 6, "MX": 15, "TXT": 16, "AAAA": 28}

// dnsProbe is DNS_CHECK: one UDP query (recursion desired); up when an
// answer with the query's id, QR set and RCODE 0 arrives in time
// (check_dns.c dns_recv_thread). Answers with another id are skipped.
type dnsProbe struct {
	c     conn
	qtype uint16
	qname []byte
	id    atomic.Uint32
}

func newDNSProbe(ck *config.Checker, c conn) (Probe, error) {
	t := ck.DNSType
	if t == "" {
		t = "SOA"
	}
	qt, ok := dnsTypes[strings.ToUpper(t)]
	if !ok {
		return nil, fmt.Errorf("%s: DNS_CHECK: unknown type %q", ck.Pos, t)
	}
	name, err := encodeName(ck.DNSName)
	if err != nil {
		return nil, fmt.Errorf("%s: DNS_CHECK: name %q: %w", ck.Pos, ck.DNSName, err)
	}
	if c.dialer == nil {
		return nil, errors.New("DNS_CHECK: no dialer")
	}
	return &dnsProbe{c: c, qtype: qt, qname: name}, nil
}

// encodeName is a domain name in wire format ("" and "." are the root).
func encodeName(n string) ([]byte, error) {
	n = strings.TrimSuffix(n, ".")
	var out []byte
	if n != "" {
		for _, l := range strings.Split(n, ".") {
			if l == "" || len(l) > 63 {
				return nil, errors.New("bad label")
			}
			out = append(out, byte(len(l)))
			out = append(out, l...)
		}
	}
	out = append(out, 0)
	if len(out) > 255 {
		return nil, errors.New("name too long")
	}
	return out, nil
}

// Query is the query packet with the given id.
func (p *dnsProbe) Query(id uint16) []byte {
	q := make([]byte, 12, 12+len(p.qname)+4)
	binary.BigEndian.PutUint16(q[0:], id)
	binary.BigEndian.PutUint16(q[2:], 0x0100) // RD
	binary.BigEndian.PutUint16(q[4:], 1)      // QDCOUNT
	q = append(q, p.qname...)
	q = binary.BigEndian.AppendUint16(q, p.qtype)
	q = binary.BigEndian.AppendUint16(q, 1) // IN
	return q
}

func (p *dnsProbe) Check(ctx context.Context, _ int) Result {
	nc, cancel, err := p.c.dial(ctx, "udp")
	if err != nil {
		return fail("DNS_CHECK to %s: %w", p.c.dst, err)
	}
	defer cancel()
	defer nc.Close()
	id := uint16(p.id.Add(1))
	if _, err := nc.Write(p.Query(id)); err != nil {
		return fail("DNS_CHECK to %s: send: %w", p.c.dst, err)
	}
	buf := make([]byte, 1500)
	for range 64 {
		n, err := nc.Read(buf)
		if err != nil {
			return fail("DNS_CHECK to %s: %w", p.c.dst, err)
		}
		if n < 12 || binary.BigEndian.Uint16(buf) != id {
			continue
		}
		flags := binary.BigEndian.Uint16(buf[2:])
		if flags&0x8000 == 0 { // not a response
			continue
		}
		if rc := flags & 0xf; rc != 0 {
			return fail("DNS_CHECK to %s: read error occurred. (rcode = %d)", p.c.dst, rc)
		}
		return Result{OK: true}
	}
	return fail("DNS_CHECK to %s: no answer among 64 datagrams", p.c.dst)
}

// udpProbe is UDP_CHECK (check_udp.c, layer4.c udp_socket_state): send the
// payload; an ICMP unreachable (ECONNREFUSED on the connected socket)
// fails; silence until connect_timeout succeeds unless require_reply; a
// reply must have min..max_reply_length bytes and match require_reply (hex,
// X for a wildcard nibble) on the shorter of the two lengths.
type udpProbe struct {
	c            conn
	payload      []byte
	requireReply bool
	reply, mask  []byte
	minLen       int
	maxLen       int
}

func newUDPProbe(ck *config.Checker, c conn) (Probe, error) {
	p := &udpProbe{c: c, minLen: ck.MinReplyLength, maxLen: ck.MaxReplyLength}
	if p.maxLen == 0 {
		p.maxLen = 255 // udp_check->max_reply_len = UINT8_MAX
	}
	if ck.Payload != "" {
		b, _, err := parseHex(ck.Payload, false)
		if err != nil {
			return nil, fmt.Errorf("%s: UDP_CHECK payload: %w", ck.Pos, err)
		}
		p.payload = b
	}
	if ck.RequireReply != "" {
		p.requireReply = true
		if ck.RequireReply != "*" {
			b, m, err := parseHex(ck.RequireReply, true)
			if err != nil {
				return nil, fmt.Errorf("%s: UDP_CHECK require_reply: %w", ck.Pos, err)
			}
			p.reply, p.mask = b, m
		}
	}
	if c.dialer == nil {
		return nil, errors.New("UDP_CHECK: no dialer")
	}
	return p, nil
}

// parseHex reads hex digits (spaces ignored); with wild, X or x is a
// nibble that matches anything (its mask bits set).
func parseHex(s string, wild bool) (data, mask []byte, err error) {
	s = strings.ReplaceAll(s, " ", "")
	if len(s)%2 != 0 {
		return nil, nil, errors.New("odd number of hex digits")
	}
	for i := 0; i < len(s); i += 2 {
		var b, m byte
		for j := range 2 {
			ch := s[i+j]
			var v byte
			switch {
			case ch >= '0' && ch <= '9':
				v = ch - '0'
			case ch >= 'a' && ch <= 'f':
				v = ch - 'a' + 10
			case ch >= 'A' && ch <= 'F':
				v = ch - 'A' + 10
			case wild && (ch == 'x' || ch == 'X'):
				m |= 0xf << (4 * (1 - j))
			default:
				return nil, nil, fmt.Errorf("bad hex digit %q", ch)
			}
			b |= v << (4 * (1 - j))
		}
		data, mask = append(data, b), append(mask, m)
	}
	return data, mask, nil
}

func (p *udpProbe) Check(ctx context.Context, _ int) Result {
	nc, cancel, err := p.c.dial(ctx, "udp")
	if err != nil {
		return fail("UDP connection to %s failed: %w", p.c.dst, err)
	}
	defer cancel()
	defer nc.Close()
	if _, err := nc.Write(p.payload); err != nil {
		return fail("UDP connection to %s failed: %w", p.c.dst, err)
	}
	buf := make([]byte, p.maxLen+1)
	n, err := nc.Read(buf)
	if err != nil {
		if errors.Is(err, os.ErrDeadlineExceeded) && !p.requireReply {
			return Result{OK: true}
		}
		if errors.Is(err, syscall.ECONNREFUSED) {
			return fail("UDP connection to %s failed: port unreachable", p.c.dst)
		}
		return fail("UDP connection to %s failed: %w", p.c.dst, err)
	}
	if !p.requireReply {
		return Result{OK: true}
	}
	if n < p.minLen || n > p.maxLen {
		return fail("UDP check to %s reply length %d outside %d..%d", p.c.dst, n, p.minLen, p.maxLen)
	}
	for i := 0; i < min(n, len(p.reply)); i++ {
		if (buf[i]^p.reply[i])&^p.mask[i] != 0 {
			return fail("UDP check to %s reply data mismatch", p.c.dst)
		}
	}
	return Result{OK: true}
}

// pingProbe is PING_CHECK: one ICMP echo, up when the matching reply
// arrives within connect_timeout. It needs a raw (or ping) socket from the
// dialer.
type pingProbe struct {
	c   conn
	seq atomic.Uint32
}

func (p *pingProbe) Check(ctx context.Context, _ int) Result {
	v6 := p.c.dst.Addr().Is6()
	network := "ip4:icmp"
	var typ, reply icmp.Type = ipv4.ICMPTypeEcho, ipv4.ICMPTypeEchoReply
	proto := 1
	if v6 {
		network, typ, reply, proto = "ip6:ipv6-icmp", ipv6.ICMPTypeEchoRequest, ipv6.ICMPTypeEchoReply, 58
	}
	nc, cancel, err := p.c.dial(ctx, network)
	if err != nil {
		return fail("PING_CHECK to %s: %w", p.c.dst.Addr(), err)
	}
	defer cancel()
	defer nc.Close()
	seq := int(p.seq.Add(1) & 0xffff)
	id := 0x6b61 // "ka"
	msg := icmp.Message{Type: typ, Body: &icmp.Echo{ID: id, Seq: seq, Data: []byte("gokeepalived-ping")}}
	wb, err := msg.Marshal(nil)
	if err != nil {
		return fail("PING_CHECK: %w", err)
	}
	if _, err := nc.Write(wb); err != nil {
		return fail("PING_CHECK to %s: send: %w", p.c.dst.Addr(), err)
	}
	buf := make([]byte, 1500)
	for range 256 {
		n, err := nc.Read(buf)
		if err != nil {
			return fail("PING_CHECK to %s: %w", p.c.dst.Addr(), err)
		}
		b := buf[:n]
		if !v6 && n >= 20 && b[0]>>4 == 4 {
			b = b[int(b[0]&0xf)*4:] // raw IPv4 sockets deliver the IP header
		}
		m, err := icmp.ParseMessage(proto, b)
		if err != nil || m.Type != reply {
			continue
		}
		if e, ok := m.Body.(*icmp.Echo); ok && e.Seq == seq && (e.ID == id || isDgram(nc)) {
			return Result{OK: true}
		}
	}
	return fail("PING_CHECK to %s: no echo reply among 256 packets", p.c.dst.Addr())
}

// isDgram: on unprivileged ICMP sockets the kernel rewrites the echo id.
func isDgram(nc net.Conn) bool {
	_, ok := nc.(*net.UDPConn)
	return ok
}

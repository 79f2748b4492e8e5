package sim

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"

	"github.com/gokeepalived/gokeepalived/pkg/lvs"
	"github.com/gokeepalived/gokeepalived/pkg/lvs/memipvs"
)

// CurlClient is the address of the client a scenario's `curl` uses when
// it names no node: a host on every segment that no partition touches
// (TEST-NET-1, so it is nobody's address).
var CurlClient = netip.AddrPortFrom(netip.MustParseAddr("192.0.2.1"), 40000)

// CurlResult is what a client's HTTP request got.
type CurlResult struct {
	Status int
	Body   string
	// Director is the node that answered ARP for the address (the VIP's
	// holder); Server is the node whose service answered: the real server
	// its IPVS table chose, or the director itself when no virtual
	// service matched.
	Director, Server string
}

// Curl is `curl http://ADDR:PORT/PATH` run now on node from ("": on
// CurlClient). The request goes where a packet would: to the node that
// answers ARP for the address (the VIP's holder, see dial.go for the
// rules), through that node's IPVS table when a virtual service matches
// (the kernel's scheduler and persistence, memipvs.Connect), to the real
// server over the forwarding method (DR and TUN: the real server must
// hold the VIP itself, e.g. on lo; NAT: the director rewrites the
// address), and the answer comes back (DR: straight from the real server
// to the client). It takes no virtual time. The error says where the
// request died.
func (w *World) Curl(from string, dst netip.AddrPort, path string) (CurlResult, error) {
	_ = path // every simulated web server serves one page
	var res CurlResult
	client, src := (*node)(nil), CurlClient
	var dir *node
	if from != "" {
		n, err := w.node(from)
		if err != nil {
			return res, err
		}
		client = n
		r := w.route(n, dst.Addr())
		switch {
		case r.err == 0 && r.lost:
			return res, fmt.Errorf("connection to %s timed out (%s cannot reach %s)", dst, from, r.peer.name)
		case r.err != 0:
			return res, fmt.Errorf("connection to %s failed: %v", dst, r.err)
		}
		dir = r.peer
		src = netip.AddrPortFrom(dst.Addr(), n.nextPort())
		if r.out != nil && len(r.out.addrs) > 0 {
			src = netip.AddrPortFrom(r.out.addrs[0].prefix.Addr(), src.Port())
		}
	} else {
		var cands []*nodeIface
		for _, name := range w.order {
			for _, ifc := range w.nodes[name].ifaces {
				if ifc.up && ifc.hasAddr(dst.Addr()) {
					cands = append(cands, ifc)
				}
			}
		}
		if len(cands) == 0 {
			return res, fmt.Errorf("connection to %s failed: nobody answers ARP for %s", dst, dst.Addr())
		}
		dir = w.arpPick(cands, dst.Addr()).node
	}
	res.Director = dir.name
	target, port, err := w.forward(dir, client, src, dst)
	if err != nil {
		return res, err
	}
	res.Server = target.name
	svc := target.listener(port)
	if svc == nil {
		return res, fmt.Errorf("connection to %s refused by %s (nothing listens on port %d)", dst, target.name, port)
	}
	if svc.Kind != ServiceHTTP {
		return res, fmt.Errorf("%s answered on port %d, but it is a %s service, not HTTP", target.name, port, svc.Kind)
	}
	res.Status, res.Body = svc.Status, svc.Body
	if res.Status == 0 {
		res.Status = 200
	}
	return res, nil
}

// forward is what the director does with a new connection: its IPVS
// table's choice, or its own service when no virtual service matches.
func (w *World) forward(dir, client *node, src, dst netip.AddrPort) (*node, uint16, error) {
	if dir.lvs.table == nil {
		return dir, dst.Port(), nil
	}
	key, ok := dir.lvs.table.Lookup(lvs.TCP, dst, 0)
	if !ok {
		return dir, dst.Port(), nil
	}
	d, err := dir.lvs.table.Connect(key, src, w.now)
	if errors.Is(err, memipvs.ErrNoDestination) {
		return nil, 0, fmt.Errorf("connection to %s refused: %s's virtual service %s has no destination available", dst, dir.name, key)
	}
	if err != nil {
		return nil, 0, err
	}
	port := d.Key.Port
	if port == 0 {
		port = dst.Port()
	}
	if d.Forward == lvs.Local {
		return dir, port, nil
	}
	r := w.route(dir, d.Key.Addr)
	switch {
	case r.err != 0:
		return nil, 0, fmt.Errorf("%s forwards %s to %s, unreachable from it: %v", dir.name, dst, d.Key.Addr, r.err)
	case r.lost:
		return nil, 0, fmt.Errorf("%s forwards %s to %s, cut off from it: timed out", dir.name, dst, r.peer.name)
	}
	rs := r.peer
	if d.Forward != lvs.Masq {
		if !rs.holdsLocal(dst.Addr()) {
			return nil, 0, fmt.Errorf("%s forwards %s to %s (%s), which drops it: %s is not on it (DR and TUN real servers hold the VIP, e.g. on lo)",
				dir.name, dst, rs.name, strings.ToLower(d.Forward.String()), dst.Addr())
		}
		if client != nil && client != rs && (w.blocked[linkKey{rs.name, client.name}]) {
			return nil, 0, fmt.Errorf("%s answers %s directly, but cannot reach %s: timed out", rs.name, dst, client.name)
		}
	}
	return rs, port, nil
}

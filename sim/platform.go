package sim

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/gokeepalived/gokeepalived/daemon"
	"github.com/gokeepalived/gokeepalived/pkg/config"
	"github.com/gokeepalived/gokeepalived/pkg/vrrp"
)

// platform is the simulated daemon.Platform of one node's daemon. Its
// timers are the daemon's reactor's (daemon/reactor in virtual time);
// every callback it hands back goes through node.dispatch, so a killed
// daemon's timers and script completions vanish and a paused daemon's
// wait.
type platform struct {
	n   *node
	gen uint64
}

var _ daemon.Platform = (*platform)(nil)

func (p *platform) w() *World { return p.n.w }

func (p *platform) Now() time.Time { return nodeClock{p.n}.Now() }

func (p *platform) AfterFunc(at time.Time, fn func()) func() {
	if p.n.r == nil || p.gen != p.n.gen {
		return func() {}
	}
	return p.n.r.AfterFunc(at, fn)
}

func (p *platform) iface(name string) (*nodeIface, error) {
	ifc, ok := p.n.ifaceByName(name)
	if !ok {
		return nil, fmt.Errorf("sim: %s: no interface %s", p.n.name, name)
	}
	return ifc, nil
}

// SendVRRP puts the driver's datagram on the wire as it is: the segment
// carries those bytes to the other nodes (and into pcap captures).
// defaultHopLimit is the simulated kernel's IPv6 hop limit for a packet
// sent without IPV6_HOPLIMIT: Linux's net.ipv6.conf.*.hop_limit default.
const defaultHopLimit = 64

func (p *platform) SendVRRP(d daemon.Datagram) error {
	ifc, err := p.iface(d.Iface)
	if err != nil {
		return err
	}
	if !ifc.up {
		return fmt.Errorf("sim: %s: %s is down", p.n.name, ifc.name)
	}
	if !d.Src.IsValid() || !d.Dst.IsValid() {
		return fmt.Errorf("sim: %s: advert without source or destination address", p.n.name)
	}
	o := &p.w().obs
	o.counter(p.n.name).AdvertsSent++
	data := slices.Clone(d.Data)
	if d.IPv6() && d.TTL == 0 && len(data) >= 40 {
		// No IPV6_HOPLIMIT: the kernel puts its default in the header.
		data[7] = defaultHopLimit
	}
	if p.w().opt.RecordAdverts {
		e := AdvertEvent{At: p.w().now, Node: p.n.name, Iface: ifc.name, Src: d.Src, Dst: d.Dst}
		if pkt, err := vrrp.ParsePacket(data, vrrp.ParseOptions{SkipChecksum: true}); err == nil {
			e.TTL, e.VRID, e.Priority = pkt.TTL, pkt.Advert.VRID, pkt.Advert.Priority
		}
		o.adverts = append(o.adverts, e)
	}
	p.w().transmit(ifc, packet{src: d.Src, dst: d.Dst, data: data, fromNode: p.n.name, fromMAC: ifc.mac})
	return nil
}

// AddRoute records a virtual route on the node (the simulator does not
// route; scenarios and tests see what a daemon installed).
func (p *platform) AddRoute(r config.Route) error {
	return p.addWords(&p.n.routes, "route", r.Words)
}

// DelRoute removes a route AddRoute recorded.
func (p *platform) DelRoute(r config.Route) error { return p.delWords(&p.n.routes, "route", r.Words) }

// AddRule records a virtual rule on the node.
func (p *platform) AddRule(r config.Rule) error { return p.addWords(&p.n.rules, "rule", r.Words) }

// DelRule removes a rule AddRule recorded.
func (p *platform) DelRule(r config.Rule) error { return p.delWords(&p.n.rules, "rule", r.Words) }

func (p *platform) addWords(list *[]string, what string, words []string) error {
	line := strings.Join(words, " ")
	if slices.Contains(*list, line) {
		return fmt.Errorf("sim: %s: %s %s: file exists", p.n.name, what, line)
	}
	*list = append(*list, line)
	p.w().obs.event(p.n.name, "", what, "add "+line)
	return nil
}

func (p *platform) delWords(list *[]string, what string, words []string) error {
	line := strings.Join(words, " ")
	i := slices.Index(*list, line)
	if i < 0 {
		return fmt.Errorf("sim: %s: %s %s: no such process", p.n.name, what, line)
	}
	*list = slices.Delete(*list, i, i+1)
	p.w().obs.event(p.n.name, "", what, "del "+line)
	return nil
}

// AddVIP adds v's prefix with its label (the simulator models no scope,
// broadcast or lifetimes).
func (p *platform) AddVIP(v config.VIP) error { return p.AddAddress(v.Dev, v.Prefix, v.Label) }

// DelVIP removes v's exact prefix.
func (p *platform) DelVIP(v config.VIP) error { return p.DelAddress(v.Dev, v.Prefix) }

// AddAddress adds an address as `ip addr add` does.
func (p *platform) AddAddress(iface string, addr netip.Prefix, label string) error {
	ifc, err := p.iface(iface)
	if err != nil {
		return err
	}
	// Linux (RTM_NEWADDR): an IPv4 address is a duplicate only with the
	// same prefix length (10.0.0.5/24 and 10.0.0.5/32 coexist); an IPv6
	// address is a duplicate whatever its prefix length. Both are EEXIST.
	for _, a := range ifc.addrs {
		if a.prefix == addr || (addr.Addr().Is6() && a.prefix.Addr() == addr.Addr()) {
			return fmt.Errorf("sim: %s: %s already on %s: file exists", p.n.name, addr, iface)
		}
	}
	ifc.addrs = append(ifc.addrs, ifaceAddr{prefix: addr, label: label})
	p.w().obs.addrChanged(p.n, ifc, addr, label, true)
	p.n.addressChanged(addr.Addr())
	return nil
}

// DelAddress removes an address as `ip addr del` does.
func (p *platform) DelAddress(iface string, addr netip.Prefix) error {
	ifc, err := p.iface(iface)
	if err != nil {
		return err
	}
	// Linux (RTM_DELADDR with a prefix length) deletes only the address
	// with that exact prefix length; anything else is EADDRNOTAVAIL.
	i := slices.IndexFunc(ifc.addrs, func(a ifaceAddr) bool { return a.prefix == addr })
	if i < 0 {
		return fmt.Errorf("sim: %s: %s not on %s: cannot assign requested address", p.n.name, addr, iface)
	}
	a := ifc.addrs[i]
	ifc.addrs = slices.Delete(ifc.addrs, i, i+1)
	p.w().obs.addrChanged(p.n, ifc, a.prefix, a.label, false)
	p.n.addressChanged(addr.Addr())
	return nil
}

func (p *platform) Addresses(iface string) ([]netip.Prefix, error) {
	ifc, err := p.iface(iface)
	if err != nil {
		return nil, err
	}
	out := make([]netip.Prefix, len(ifc.addrs))
	for i, a := range ifc.addrs {
		out[i] = a.prefix
	}
	return out, nil
}

func (p *platform) SendGARP(iface string, addr netip.Addr) error {
	ifc, err := p.iface(iface)
	if err != nil {
		return err
	}
	if !ifc.up {
		return fmt.Errorf("sim: %s: %s is down", p.n.name, iface)
	}
	o := &p.w().obs
	o.counter(p.n.name).GARPs++
	o.garps = append(o.garps, GARPEvent{At: p.w().now, Node: p.n.name, Iface: iface, Addr: addr})
	p.w().transmit(ifc, packet{garp: true, src: addr, dst: netip.IPv4Unspecified() /* Ethernet broadcast */, fromNode: p.n.name, fromMAC: ifc.mac})
	return nil
}

func (p *platform) LinkUp(iface string) (bool, error) {
	ifc, err := p.iface(iface)
	if err != nil {
		return false, err
	}
	return ifc.up, nil
}

func (p *platform) PrimaryAddr(iface string, ipv6 bool) (netip.Addr, error) {
	ifc, err := p.iface(iface)
	if err != nil {
		return netip.Addr{}, err
	}
	for _, a := range ifc.addrs {
		ad := a.prefix.Addr()
		if !ipv6 && ad.Is4() {
			return ad, nil
		}
		if ipv6 && ad.Is6() && ad.IsLinkLocalUnicast() {
			return ad, nil
		}
	}
	if ipv6 {
		// Every IPv6 interface has a link-local address; derive it from
		// the MAC (EUI-64) when none was configured.
		m := ifc.mac
		b := [16]byte{0xfe, 0x80, 8: m[0] ^ 2, 9: m[1], 10: m[2], 11: 0xff, 12: 0xfe, 13: m[3], 14: m[4], 15: m[5]}
		return netip.AddrFrom16(b), nil
	}
	return netip.Addr{}, fmt.Errorf("sim: %s: no IPv4 address on %s", p.n.name, iface)
}

func (p *platform) ReadFile(path string) ([]byte, error) { return p.n.fs.read(path) }

// RunScript runs the script at once through the node's shell (so its
// effects on files happen now) and delivers the result after its virtual
// runtime, or at the timeout.
func (p *platform) RunScript(req daemon.ScriptRequest, done func(daemon.ScriptResult)) {
	w := p.w()
	res := p.n.runShell(req.Cmd, req.Args)
	if req.Kind == daemon.ScriptNotify {
		argv := append(strings.Fields(req.Cmd), req.Args...)
		line, _, _ := strings.Cut(strings.TrimSpace(res.stderr), "\n")
		w.obs.notify(p.n.name, argv, res.exit, res.exit != 0 || res.err != nil, line)
	}
	runtime := w.opt.ScriptRuntime + res.slept
	out := daemon.ScriptResult{ExitCode: res.exit, Err: res.err}
	if res.timedOut {
		runtime = max(req.Timeout, w.opt.ScriptRuntime)
		out = daemon.ScriptResult{ExitCode: -1, TimedOut: true}
	} else if req.Timeout > 0 && runtime > req.Timeout {
		runtime = req.Timeout
		out = daemon.ScriptResult{ExitCode: -1, TimedOut: true}
	}
	if done == nil {
		return
	}
	p.AfterFunc(p.Now().Add(runtime), func() { done(out) })
}

func (p *platform) Report(r daemon.Report) { p.w().obs.report(p.n.name, r) }

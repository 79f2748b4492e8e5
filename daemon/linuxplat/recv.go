package linuxplat

import (
	"fmt"
	"net/netip"
	"sort"

	"github.com/gokeepalived/gokeepalived/daemon/linux"
	"github.com/gokeepalived/gokeepalived/pkg/config"
	"github.com/gokeepalived/gokeepalived/pkg/vrrp"
)

// recvKey is one receive socket as keepalived opens them (vrrp.c
// open_vrrp_read_socket, its socket pool): per interface, family,
// protocol (VRRP, or AH for an IPv4 AH instance), and multicast group or
// unicast source.
type recvKey struct {
	iface   string
	v6      bool
	proto   int
	unicast bool
	// addr is the multicast group, or unicast_src_ip (zero: the
	// interface's primary address, resolved when the socket is opened).
	addr netip.Addr
}

func (k recvKey) String() string {
	mode := "multicast " + k.addr.String()
	if k.unicast {
		mode = "unicast"
		if k.addr.IsValid() {
			mode += " " + k.addr.String()
		}
	}
	fam := "IPv4"
	if k.v6 {
		fam = "IPv6"
	}
	return fmt.Sprintf("%s %s proto %d %s", k.iface, fam, k.proto, mode)
}

// receiver is one wanted receive socket: open (r set) or pending (why).
type receiver struct {
	key     recvKey
	r       *linux.Receiver
	pending string
}

// closeReceiver stops polling and closes rc's socket.
func (p *Platform) closeReceiver(rc *receiver) {
	if rc.r != nil {
		p.loop.remove(rc.r.Fd())
		rc.r.Close()
		rc.r = nil
	}
}

// receiverKeys are the sockets cfg's instances need.
func receiverKeys(cfg *config.Config) []recvKey {
	seen := map[recvKey]bool{}
	var out []recvKey
	for i := range cfg.Instances {
		in := &cfg.Instances[i]
		if in.Interface == "" {
			continue
		}
		k := recvKey{iface: in.Interface, v6: in.IPv6, proto: vrrp.IPProtoVRRP}
		if !in.IPv6 && in.AuthType == config.AuthAH {
			k.proto = vrrp.IPProtoAH
		}
		if len(in.UnicastPeers) > 0 {
			k.unicast = true
			k.addr = in.UnicastSrcIP
		} else {
			k.addr = in.McastDstIP
			if !k.addr.IsValid() {
				k.addr = cfg.Global.VRRPMcastGroup4
				if in.IPv6 {
					k.addr = cfg.Global.VRRPMcastGroup6
				}
			}
			if !k.addr.IsValid() {
				k.addr = vrrp.MulticastGroup(in.IPv6)
			}
		}
		if !seen[k] {
			seen[k] = true
			out = append(out, k)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].String() < out[j].String() })
	return out
}

func (p *Platform) configureReceivers(cfg *config.Config) {
	want := map[recvKey]bool{}
	for _, k := range receiverKeys(cfg) {
		want[k] = true
		if _, ok := p.recvs[k]; !ok {
			rc := &receiver{key: k}
			p.recvs[k] = rc
			p.openReceiver(rc)
		}
	}
	for k, rc := range p.recvs {
		if !want[k] {
			p.closeReceiver(rc)
			delete(p.recvs, k)
		}
	}
}

// retryReceivers opens the pending receivers of iface (it appeared, came
// up, or got an address).
func (p *Platform) retryReceivers(iface string) {
	for _, rc := range p.recvs {
		if rc.key.iface == iface && rc.r == nil {
			p.openReceiver(rc)
		}
	}
}

func (p *Platform) openReceiver(rc *receiver) {
	k := rc.key
	fail := func(why string) {
		if rc.pending != why {
			p.log.Warn(fmt.Sprintf("cannot open VRRP receive socket on %s: %s (retrying when the interface changes)", k, why))
		}
		rc.pending = why
	}
	if _, ok := p.links[k.iface]; !ok {
		fail(fmt.Sprintf("interface %s does not exist", k.iface))
		return
	}
	rcfg := linux.ReceiverConfig{Ifname: k.iface, IPv6: k.v6, Proto: k.proto}
	if k.unicast {
		src := k.addr
		if !src.IsValid() {
			a, err := p.PrimaryAddr(k.iface, k.v6)
			if err != nil {
				fail(err.Error())
				return
			}
			src = a
		}
		rcfg.UnicastSrc = src
	} else {
		rcfg.Group = k.addr
	}
	var r *linux.Receiver
	err := p.inNS(func() error {
		var err error
		r, err = linux.OpenReceiverRaw(rcfg)
		return err
	})
	if err != nil {
		fail(err.Error())
		return
	}
	if err := p.loop.add(r.Fd(), func() { p.readReceiver(rc) }); err != nil {
		r.Close()
		fail(err.Error())
		return
	}
	if rc.pending != "" {
		p.log.Info(fmt.Sprintf("VRRP receive socket on %s open", k))
	}
	rc.r, rc.pending = r, ""
}

// readReceiver hands the datagrams waiting on rc's socket to the driver's
// receive path, on the reactor goroutine. When the loop had to wait for
// this one, it reads one (the usual advert: no second recvmsg to learn
// that nothing else is there); in a burst, up to readBatch, then the loop
// serves its timers and the other sockets before coming back.
func (p *Platform) readReceiver(rc *receiver) {
	n := 1
	if p.loop.busy {
		n = readBatch
	}
	for range n {
		r := rc.r
		if r == nil {
			return
		}
		ok, err := r.ReadNonblock(&p.dgram)
		if err != nil {
			p.log.Warn(fmt.Sprintf("VRRP receive socket on %s failed", rc.key), "err", err)
			p.closeReceiver(rc)
			rc.pending = err.Error()
			return
		}
		if !ok {
			return
		}
		// The driver reads the datagram only during the call.
		p.rxbuf = p.dgram.AppendPacket(p.rxbuf[:0])
		p.stats.Datagrams++
		if p.in != nil {
			p.in.Receive(rc.key.iface, p.rxbuf)
		}
	}
}

// ReceiverStatus describes one wanted receive socket, for dumps and tests.
type ReceiverStatus struct {
	Socket  string
	Open    bool
	Pending string
	linux.ReceiverStats
}

// Receivers lists the wanted receive sockets (reactor goroutine).
func (p *Platform) Receivers() []ReceiverStatus {
	var out []ReceiverStatus
	for _, rc := range p.recvs {
		s := ReceiverStatus{Socket: rc.key.String(), Open: rc.r != nil, Pending: rc.pending}
		if rc.r != nil {
			s.ReceiverStats = rc.r.Stats()
		}
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Socket < out[j].Socket })
	return out
}

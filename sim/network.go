package sim

import (
	"fmt"
	"net/netip"
	"time"
)

// segment is one L2 broadcast domain.
type segment struct {
	name    string
	members []*nodeIface
	pcap    *pcapWriter
}

// linkKey is a directed node→node path.
type linkKey struct{ from, to string }

// linkParams are the faults on one directed path (TigerBeetle's
// PacketSimulatorOptions, per path).
type linkParams struct {
	loss   float64 // 0..1
	dup    float64 // 0..1
	delay  time.Duration
	jitter time.Duration
}

// packet is one IP datagram carrying a VRRP advert, or (garp) one
// gratuitous ARP for src, on a segment.
type packet struct {
	garp     bool
	src, dst netip.Addr // from the IP header: the segment delivers by dst
	data     []byte     // the whole IP datagram, as the sender encoded it
	fromNode string
	fromMAC  [6]byte
}

// SetLoss sets the loss probability (percent, 0..100) on the directed path
// from→to. Either side may be "*" for every node.
func (w *World) SetLoss(from, to string, pct float64) error {
	if !(pct >= 0 && pct <= 100) { // NaN too
		return fmt.Errorf("sim: loss %v%% out of range [0,100]", pct)
	}
	if err := w.eachLink(from, to, func(p *linkParams) { p.loss = pct / 100 }); err != nil {
		return err
	}
	w.obs.event("", "", "net", fmt.Sprintf("loss %s->%s %g%%", from, to, pct))
	return nil
}

// SetDuplicate sets the duplication probability (percent) on from→to.
func (w *World) SetDuplicate(from, to string, pct float64) error {
	if !(pct >= 0 && pct <= 100) { // NaN too
		return fmt.Errorf("sim: duplicate %v%% out of range [0,100]", pct)
	}
	if err := w.eachLink(from, to, func(p *linkParams) { p.dup = pct / 100 }); err != nil {
		return err
	}
	w.obs.event("", "", "net", fmt.Sprintf("duplicate %s->%s %g%%", from, to, pct))
	return nil
}

// SetDelay sets the one-way delay on from→to: every packet takes delay plus
// a uniform random extra in [0, jitter), so jitter larger than the sending
// interval reorders packets. Each is at most MaxElapsed (a packet due
// later than that never arrives: the world stops first).
func (w *World) SetDelay(from, to string, delay, jitter time.Duration) error {
	if delay < 0 || jitter < 0 {
		return fmt.Errorf("sim: negative delay/jitter %v/%v", delay, jitter)
	}
	if delay > MaxElapsed || jitter > MaxElapsed {
		return fmt.Errorf("sim: delay/jitter %v/%v longer than the world's %v", delay, jitter, MaxElapsed)
	}
	if err := w.eachLink(from, to, func(p *linkParams) { p.delay, p.jitter = delay, jitter }); err != nil {
		return err
	}
	w.obs.event("", "", "net", fmt.Sprintf("delay %s->%s %v jitter %v", from, to, delay, jitter))
	return nil
}

func (w *World) eachLink(from, to string, f func(*linkParams)) error {
	return w.eachPair(from, to, func(k linkKey) {
		p := w.links[k]
		if p == nil {
			p = &linkParams{}
			w.links[k] = p
		}
		f(p)
	})
}

// eachPair calls f for every directed pair of distinct nodes from→to;
// either side may be "*".
func (w *World) eachPair(from, to string, f func(linkKey)) error {
	froms, err := w.expand(from)
	if err != nil {
		return err
	}
	tos, err := w.expand(to)
	if err != nil {
		return err
	}
	for _, a := range froms {
		for _, b := range tos {
			if a != b {
				f(linkKey{a, b})
			}
		}
	}
	return nil
}

func (w *World) expand(name string) ([]string, error) {
	if name == "*" {
		return w.order, nil
	}
	if _, err := w.node(name); err != nil {
		return nil, err
	}
	return []string{name}, nil
}

// Partition splits the nodes into groups that cannot reach each other (in
// both directions). Nodes not named in any group form one more group. It
// replaces any previous partition.
func (w *World) Partition(groups ...[]string) error {
	group := map[string]int{}
	for i, g := range groups {
		for _, n := range g {
			if _, err := w.node(n); err != nil {
				return err
			}
			if _, dup := group[n]; dup {
				return fmt.Errorf("sim: node %s in two partition groups", n)
			}
			group[n] = i + 1
		}
	}
	w.blocked = map[linkKey]bool{}
	for _, a := range w.order {
		for _, b := range w.order {
			if a != b && group[a] != group[b] {
				w.blocked[linkKey{a, b}] = true
			}
		}
	}
	w.obs.event("", "", "net", fmt.Sprintf("partition %v", groups))
	return nil
}

// PartitionOneWay drops everything from→to (not the reverse), adding to
// any partition in force: a firewall dropping VRRP on one side.
func (w *World) PartitionOneWay(from, to string) error {
	if err := w.eachPair(from, to, func(k linkKey) { w.blocked[k] = true }); err != nil {
		return err
	}
	w.obs.event("", "", "net", fmt.Sprintf("one-way partition %s -> %s", from, to))
	return nil
}

// DropVRRP is a firewall on the path from→to that drops VRRP (IP protocol
// 112) but lets ARP through, so gratuitous ARPs still arrive (seed 004
// §2.2's "firewall blocks VRRP" split brain). Either side may be "*".
// Heal removes it.
func (w *World) DropVRRP(from, to string) error {
	if err := w.eachPair(from, to, func(k linkKey) { w.noVRRP[k] = true }); err != nil {
		return err
	}
	w.obs.event("", "", "net", fmt.Sprintf("firewall drops VRRP %s -> %s", from, to))
	return nil
}

// Isolate cuts node off from every other node, both ways.
func (w *World) Isolate(node string) error {
	if _, err := w.node(node); err != nil {
		return err
	}
	return w.Partition([]string{node})
}

// Bridge is Jepsen's "bridge" nemesis: the nodes are cut into two halves
// that cannot talk to each other, except through middle, which sees both.
func (w *World) Bridge(left []string, middle string, right []string) error {
	all := append(append(append([]string{}, left...), middle), right...)
	seen := map[string]bool{}
	for _, n := range all {
		if _, err := w.node(n); err != nil {
			return err
		}
		if seen[n] {
			return fmt.Errorf("sim: node %s twice in bridge", n)
		}
		seen[n] = true
	}
	w.blocked = map[linkKey]bool{}
	for _, a := range left {
		for _, b := range right {
			w.blocked[linkKey{a, b}] = true
			w.blocked[linkKey{b, a}] = true
		}
	}
	w.obs.event("", "", "net", fmt.Sprintf("bridge %v <- %s -> %v", left, middle, right))
	return nil
}

// Heal removes every partition and VRRP firewall (loss, delay and
// duplication settings stay; use ClearFaults for those).
func (w *World) Heal() {
	w.blocked = map[linkKey]bool{}
	w.noVRRP = map[linkKey]bool{}
	w.obs.event("", "", "net", "heal")
}

// ClearFaults heals partitions and resets loss, delay and duplication.
func (w *World) ClearFaults() {
	w.blocked = map[linkKey]bool{}
	w.noVRRP = map[linkKey]bool{}
	w.links = map[linkKey]*linkParams{}
	w.obs.event("", "", "net", "clear faults")
}

// Reachable reports whether a packet from→to can currently pass the
// partition filter (loss aside).
func (w *World) Reachable(from, to string) bool { return !w.blocked[linkKey{from, to}] }

// transmit sends pkt from interface src onto its segment: to every other
// member for a multicast destination, to the holder of dst otherwise. Each
// copy independently meets the path's partition, loss, duplication and
// delay, drawn from the world's RNG in member order.
func (w *World) transmit(src *nodeIface, p packet) {
	seg := src.seg
	if seg.pcap != nil {
		seg.pcap.write(w, src, p)
	}
	pkt := &p // shared, read-only, by every copy
	for _, dst := range seg.members {
		if dst.node == src.node {
			continue // IP_MULTICAST_LOOP=0; unicast to self does not go on the wire
		}
		if !pkt.garp && !pkt.dst.IsMulticast() && !dst.hasAddr(pkt.dst) {
			continue
		}
		w.deliverOne(src, dst, pkt)
	}
}

func (w *World) deliverOne(src, dst *nodeIface, pkt *packet) {
	k := linkKey{src.node.name, dst.node.name}
	if w.blocked[k] || (!pkt.garp && w.noVRRP[k]) {
		w.obs.dropped(dst.node.name)
		return
	}
	p := w.links[k]
	copies := 1
	var delay, jitter time.Duration
	if p != nil {
		if p.loss > 0 && w.rng.Float64() < p.loss {
			w.obs.dropped(dst.node.name)
			return
		}
		if p.dup > 0 && w.rng.Float64() < p.dup {
			copies = 2
		}
		delay, jitter = p.delay, p.jitter
	}
	for range copies {
		// The model's receive latency keeps a path's order (a veth and a
		// bridge are FIFO): a packet never overtakes the one sent before
		// it on the same path. The scenario's delay and jitter come on
		// top (jitter larger than the sending interval reorders, as
		// documented).
		at := max(w.after(dst.node.model.RxLatency.draw(w.rng)), w.fifo[k])
		w.fifo[k] = at
		// Each term is at most MaxElapsed (SetDelay, the model's
		// MaxModelDuration): the sum cannot wrap, and after saturates it.
		d := at - w.now + delay
		if jitter > 0 {
			d += time.Duration(w.rng.Int64N(int64(jitter)))
		}
		w.scheduleDelivery(w.after(d), dst, pkt)
	}
}

package memipvs

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"syscall"
	"time"

	"github.com/gokeepalived/gokeepalived/pkg/lvs"
)

// This file is the kernel's packet path, as much of it as a simulated
// client needs: which service a connection hits (ip_vs_service_find), the
// persistence templates (ip_vs_sched_persist) and the schedulers
// (net/netfilter/ipvs/ip_vs_*.c), walking destinations in the kernel's
// list order (insertion order). Connections are counted as the kernel
// counts them for lc/wlc/sed/nq: a finished TCP connection stays an
// inactive one for ConnLinger.

// ConnLinger is how long a finished connection keeps counting as an
// inactive connection of its destination: IPVS's TCP TIME_WAIT (and
// FIN_WAIT) timeout, 2 minutes.
const ConnLinger = 2 * time.Minute

// ErrNoDestination is the scheduler finding no destination (empty
// service, every weight 0, every server overloaded): "no destination
// available"; the client's SYN goes unanswered by a real server.
var ErrNoDestination = errors.New("ipvs: no destination available")

// shTabBits is CONFIG_IP_VS_SH_TAB_BITS (and the dh/mh default).
const shTabBits = 8

type tmplKey struct {
	client netip.Addr // masked with the service's granularity
}

type template struct {
	dest    lvs.DestKey
	expires time.Duration
}

// schedState is one service's scheduler data (svc->sched_data) plus its
// persistence templates and connection counts.
type schedState struct {
	// rr: the last destination picked (cl); clSet false = the list head.
	cl    lvs.DestKey
	clSet bool
	// wrr: current, maximum and step weight.
	cw, mw, di int32
	// sh, dh, mh: the 256 buckets, as indexes into order (-1: none).
	buckets [1 << shTabBits]int
	tmpl    map[tmplKey]template
	// inact are the expiry times of each destination's inactive
	// connections.
	inact map[lvs.DestKey][]time.Duration
}

func (st *schedState) reset() {
	*st = schedState{tmpl: map[tmplKey]template{}, inact: map[lvs.DestKey][]time.Duration{}}
	for i := range st.buckets {
		st.buckets[i] = -1
	}
}

// destsChanged is the schedulers' add_dest / del_dest / upd_dest hook.
func (s *service) destsChanged() {
	st := &s.sched
	switch s.svc.Scheduler {
	case "wrr":
		// ip_vs_wrr_dest_changed: back to the head, new step and maximum.
		st.clSet = false
		st.di = s.gcdWeight()
		st.mw = s.maxWeight() - (st.di - 1)
		if st.cw > st.mw || st.cw == 0 {
			st.cw = st.mw
		} else if st.di > 1 {
			st.cw = (st.cw/st.di)*st.di + 1
		}
	case "sh", "dh", "mh":
		s.reassign()
	}
}

// removeFromOrder drops dk from the list; rr's pointer at it moves to the
// previous entry (ip_vs_rr_del_dest).
func (s *service) removeFromOrder(dk lvs.DestKey) {
	i := slices.Index(s.order, dk)
	if i < 0 {
		return
	}
	st := &s.sched
	if st.clSet && st.cl == dk {
		if i == 0 {
			st.clSet = false
		} else {
			st.cl = s.order[i-1]
		}
	}
	s.order = slices.Delete(s.order, i, i+1)
	delete(st.inact, dk)
	s.destsChanged()
}

func (s *service) gcdWeight() int32 {
	var g int32
	for _, k := range s.order {
		w := s.dests[k].Weight
		if w > 0 {
			if g > 0 {
				g = gcd(w, g)
			} else {
				g = w
			}
		}
	}
	if g == 0 {
		return 1
	}
	return g
}

func gcd(a, b int32) int32 {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

func (s *service) maxWeight() int32 {
	var m int32
	for _, k := range s.order {
		m = max(m, s.dests[k].Weight)
	}
	return m
}

// reassign fills the hash buckets: each destination in list order takes
// as many consecutive buckets as its weight (at least one), cycling
// (ip_vs_sh_reassign, ip_vs_dh_reassign).
func (s *service) reassign() {
	st := &s.sched
	if len(s.order) == 0 {
		for i := range st.buckets {
			st.buckets[i] = -1
		}
		return
	}
	p, n := 0, 0
	for i := range st.buckets {
		st.buckets[i] = p
		n++
		if n >= int(s.dests[s.order[p]].Weight) {
			p = (p + 1) % len(s.order)
			n = 0
		}
	}
}

// hash32 is the kernel's hash_32 (GOLDEN_RATIO_32).
func hash32(v uint32, bits uint) uint32 { return (v * 0x61C88647) >> (32 - bits) }

// fold is an address as the hash functions take it: IPv4 in host order,
// IPv6 as the XOR of its four words.
func fold(a netip.Addr) uint32 {
	if a.Is4() || a.Is4In6() {
		b := a.Unmap().As4()
		return uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
	}
	b := a.As16()
	var v uint32
	for i := 0; i < 16; i += 4 {
		v ^= uint32(b[i])<<24 | uint32(b[i+1])<<16 | uint32(b[i+2])<<8 | uint32(b[i+3])
	}
	return v
}

// Lookup finds the service a new connection to dst (protocol proto,
// carrying firewall mark mark, 0 for none) hits, as ip_vs_service_find:
// the fwmark service first, then <protocol, address, port>, then the
// catch-all port-0 service of that address.
func (x *IPVS) Lookup(proto lvs.Protocol, dst netip.AddrPort, mark uint32) (lvs.ServiceKey, bool) {
	x.mu.Lock()
	defer x.mu.Unlock()
	fam := lvs.FamilyOf(dst.Addr())
	if mark != 0 {
		k := lvs.ServiceKey{Family: fam, FWMark: mark}
		if _, ok := x.services[k]; ok {
			return k, true
		}
	}
	k := lvs.ServiceKey{Family: fam, Protocol: proto, Addr: dst.Addr(), Port: dst.Port()}
	if _, ok := x.services[k]; ok {
		return k, true
	}
	k.Port = 0
	if _, ok := x.services[k]; ok {
		return k, true
	}
	return lvs.ServiceKey{}, false
}

// Connect schedules a new connection from client to service k at time now
// (the caller's clock; memipvs reads none) and returns the destination it
// goes to: the persistence template's, if one is valid, else the
// scheduler's choice. The connection then counts as an inactive one of the
// destination for ConnLinger (a client that connects, gets its answer and
// closes). ESRCH: no such service; ErrNoDestination: the scheduler found
// none.
func (x *IPVS) Connect(k lvs.ServiceKey, client netip.AddrPort, now time.Duration) (lvs.Destination, error) {
	x.mu.Lock()
	defer x.mu.Unlock()
	s, ok := x.services[k]
	if !ok {
		return lvs.Destination{}, errno("connect", syscall.ESRCH)
	}
	st := &s.sched
	s.expire(now)
	var tk tmplKey
	persistent := s.svc.Flags&lvs.FlagPersistent != 0
	if persistent {
		tk = tmplKey{client: mask(client.Addr(), s.svc)}
		if t, ok := st.tmpl[tk]; ok {
			// ip_vs_check_template: a template whose destination left
			// the table expires; weight 0 keeps it (the kernel's default
			// expire_quiescent_template = 0).
			if d, live := s.dests[t.dest]; live {
				st.tmpl[tk] = template{dest: t.dest, expires: now + time.Duration(s.svc.Timeout)*time.Second}
				st.inact[d.Key] = append(st.inact[d.Key], now+ConnLinger)
				return d, nil
			}
			delete(st.tmpl, tk)
		}
	}
	i := s.schedule(client)
	if i < 0 {
		return lvs.Destination{}, fmt.Errorf("connect %s: %w", k, ErrNoDestination)
	}
	d := s.dests[s.order[i]]
	if persistent {
		st.tmpl[tk] = template{dest: d.Key, expires: now + time.Duration(s.svc.Timeout)*time.Second}
	}
	st.inact[d.Key] = append(st.inact[d.Key], now+ConnLinger)
	return d, nil
}

// Conns returns a destination's active and inactive connection counts at
// now (ipvsadm's ActiveConn / InActConn).
func (x *IPVS) Conns(k lvs.ServiceKey, d lvs.DestKey, now time.Duration) (active, inactive int) {
	x.mu.Lock()
	defer x.mu.Unlock()
	s, ok := x.services[k]
	if !ok {
		return 0, 0
	}
	s.expire(now)
	return 0, len(s.sched.inact[d])
}

// expire drops finished connections and templates whose time is over.
func (s *service) expire(now time.Duration) {
	st := &s.sched
	for k, ts := range st.inact {
		n := 0
		for _, t := range ts {
			if t > now {
				ts[n] = t
				n++
			}
		}
		st.inact[k] = ts[:n]
	}
	for k, t := range st.tmpl {
		if t.expires <= now {
			delete(st.tmpl, k)
		}
	}
}

// mask applies the service's persistence granularity to a client address.
func mask(a netip.Addr, svc lvs.Service) netip.Addr {
	if a.Is4() {
		m := svc.Netmask
		if m == 0 {
			m = 0xffffffff
		}
		v := fold(a) & m
		return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
	}
	bits := int(svc.Netmask)
	if bits <= 0 || bits > 128 {
		bits = 128
	}
	p, _ := a.Prefix(bits)
	return p.Addr()
}

// available is the schedulers' common test: weight > 0 and not
// overloaded (no connection is active in this model, so an upper
// threshold is never reached).
func (s *service) available(i int) bool { return s.dests[s.order[i]].Weight > 0 }

// overhead is ip_vs_dest_conn_overhead: active × 256 + inactive.
func (s *service) overhead(i int) int64 { return int64(len(s.sched.inact[s.order[i]])) }

func (s *service) weight(i int) int64 { return int64(s.dests[s.order[i]].Weight) }

// schedule returns the index (into order) of the destination the
// service's scheduler picks for client, or -1.
func (s *service) schedule(client netip.AddrPort) int {
	if len(s.order) == 0 {
		return -1
	}
	switch s.svc.Scheduler {
	case "rr":
		return s.rr()
	case "wrr":
		return s.wrr()
	case "lc":
		return s.least(func(i int) int64 { return s.overhead(i) }, false)
	case "sed", "nq":
		// Expected delay (active+1)/weight; nq would take an idle
		// server first, and every server is idle between requests.
		if s.svc.Scheduler == "nq" {
			for i := range s.order {
				if s.available(i) {
					return i
				}
			}
			return -1
		}
		return s.least(func(int) int64 { return 1 }, true)
	case "sh", "mh":
		port := uint32(0)
		if s.svc.Flags&lvs.FlagSched2 != 0 {
			port = uint32(client.Port())
		}
		return s.hashed(fold(client.Addr())+port, s.svc.Flags&lvs.FlagSched1 != 0)
	case "dh":
		return s.hashed(fold(s.svc.Key.Addr)*2654435761, false)
	case "fo":
		best := -1
		for i := range s.order {
			if s.available(i) && (best < 0 || s.weight(i) > s.weight(best)) {
				best = i
			}
		}
		return best
	case "ovf":
		// The highest-weight server whose active connections are below
		// its weight: none is ever busy here.
		best := -1
		for i := range s.order {
			if s.available(i) && (best < 0 || s.weight(i) > s.weight(best)) {
				best = i
			}
		}
		return best
	}
	// wlc, and the locality schedulers (lblc, lblcr), which pick the
	// least loaded server by weight for a destination they have not
	// seen, and twos, whose random pair is not modelled.
	return s.least(func(i int) int64 { return s.overhead(i) }, true)
}

// rr is ip_vs_rr_schedule: the next available destination after the last
// one picked, going once round the list (the head included, skipped).
func (s *service) rr() int {
	st := &s.sched
	n := len(s.order)
	slot := 0 // 0 is the list head, slot i+1 is order[i]
	if st.clSet {
		slot = slices.Index(s.order, st.cl) + 1
	}
	for step := 1; step <= n+1; step++ {
		q := (slot + step) % (n + 1)
		if q == 0 {
			continue
		}
		if s.available(q - 1) {
			st.cl, st.clSet = s.order[q-1], true
			return q - 1
		}
	}
	return -1
}

// wrr is ip_vs_wrr_schedule: passes over the list with a falling weight
// threshold cw (from mw down by di), picking the next destination whose
// weight reaches it.
func (s *service) wrr() int {
	st := &s.sched
	if st.mw <= 0 {
		return -1
	}
	n := len(s.order)
	cur := -1 // the head
	if st.clSet {
		cur = slices.Index(s.order, st.cl)
	}
	last := cur
	stop := -2 // none
	lastPass, restarted := false, false
	for guard := 0; guard < 4*(n+1)*int(st.mw/st.di+2); guard++ {
		// Walk from the entry after cur to the end of the list.
		for i := cur + 1; i < n; i++ {
			if s.available(i) && int32(s.weight(i)) >= st.cw {
				st.cl, st.clSet = s.order[i], true
				return i
			}
			if i == stop {
				st.cl, st.clSet = s.order[i], true
				return -1
			}
		}
		cur = -1
		st.cw -= st.di
		if st.cw <= 0 {
			st.cw = st.mw
			if lastPass || last == -1 {
				return -1
			}
			restarted = true
		}
		lastPass = st.cw <= st.di
		if lastPass && restarted && last != -1 {
			stop = last
		}
	}
	return -1
}

// least is lc / wlc / sed: the first available destination with the
// smallest overhead (divided by weight when weighted), in list order.
func (s *service) least(over func(int) int64, weighted bool) int {
	best := -1
	var boh int64
	for i := range s.order {
		if !s.available(i) {
			continue
		}
		oh := over(i)
		switch {
		case best < 0:
			best, boh = i, oh
		case weighted && boh*s.weight(i) > oh*s.weight(best):
			best, boh = i, oh
		case !weighted && oh < boh:
			best, boh = i, oh
		}
	}
	return best
}

// hashed is sh / dh: the bucket of the key's hash; with fallback
// (sh-fallback), the next buckets until an available destination.
func (s *service) hashed(key uint32, fallback bool) int {
	st := &s.sched
	h := hash32(key, shTabBits)
	if !fallback {
		i := st.buckets[h]
		if i < 0 || i >= len(s.order) || !s.available(i) {
			return -1
		}
		return i
	}
	for off := uint32(0); off < 1<<shTabBits; off++ {
		i := st.buckets[(h+off)&(1<<shTabBits-1)]
		if i >= 0 && i < len(s.order) && s.available(i) {
			return i
		}
	}
	return -1
}

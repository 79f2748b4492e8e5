package memipvs

import (
	"fmt"
	"net/netip"
	"slices"
	"sync"
	"syscall"

	"github.com/gokeepalived/gokeepalived/pkg/lvs"
)

// KernelSchedulers are the IPVS schedulers of a Linux 6.1 kernel
// (net/netfilter/ipvs/ip_vs_*.c).
var KernelSchedulers = []string{"rr", "wrr", "lc", "wlc", "lblc", "lblcr", "dh", "sh", "sed", "nq", "fo", "ovf", "mh", "twos"}

// KernelPEs are the persistence engines of a Linux kernel (ip_vs_pe_sip.c).
var KernelPEs = []string{"sip"}

// IPVS is an in-memory IPVS table. The zero value is not ready: use New.
// It is safe for concurrent use.
type IPVS struct {
	mu       sync.Mutex
	services map[lvs.ServiceKey]*service
	sched    map[string]bool
	pes      map[string]bool
	routable func(netip.Addr) bool
	ops      int
}

type service struct {
	svc   lvs.Service
	dests map[lvs.DestKey]lvs.Destination
	// order is the kernel's destination list: insertion order (a
	// re-added destination goes to the tail). Schedulers walk it.
	order []lvs.DestKey
	sched schedState
}

// Options set what the simulated kernel has.
type Options struct {
	// Schedulers are the loaded scheduler modules; nil means
	// KernelSchedulers (the kernel loads them on demand).
	Schedulers []string
	// PEs are the persistence engines; nil means KernelPEs.
	PEs []string
	// Routable says whether a unicast destination address can be routed
	// in this network namespace (the kernel's inet_addr_type check in
	// ip_vs_new_dest: with no local table, i.e. lo down and no interface
	// up, every address is rejected). nil: every unicast address is.
	Routable func(netip.Addr) bool
}

// New returns an empty table.
func New(opt Options) *IPVS {
	x := &IPVS{services: map[lvs.ServiceKey]*service{}, sched: map[string]bool{}, pes: map[string]bool{}, routable: opt.Routable}
	s := opt.Schedulers
	if s == nil {
		s = KernelSchedulers
	}
	for _, n := range s {
		x.sched[n] = true
	}
	p := opt.PEs
	if p == nil {
		p = KernelPEs
	}
	for _, n := range p {
		x.pes[n] = true
	}
	return x
}

var _ lvs.IPVS = (*IPVS)(nil)

func errno(op string, e syscall.Errno) error { return fmt.Errorf("%s: %w", op, e) }

// Ops counts the successful changes made so far (tests use it to prove a
// converged reconciler writes nothing).
func (x *IPVS) Ops() int {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.ops
}

func (x *IPVS) Services() ([]lvs.Service, error) {
	x.mu.Lock()
	defer x.mu.Unlock()
	out := make([]lvs.Service, 0, len(x.services))
	for _, s := range x.services {
		out = append(out, s.svc)
	}
	slices.SortFunc(out, func(a, b lvs.Service) int { return a.Key.Compare(b.Key) })
	return out, nil
}

func (x *IPVS) Destinations(k lvs.ServiceKey) ([]lvs.Destination, error) {
	x.mu.Lock()
	defer x.mu.Unlock()
	s, ok := x.services[k]
	if !ok {
		return nil, errno("get destinations", syscall.ESRCH)
	}
	out := make([]lvs.Destination, 0, len(s.dests))
	for _, d := range s.dests {
		out = append(out, d)
	}
	slices.SortFunc(out, func(a, b lvs.Destination) int { return a.Key.Compare(b.Key) })
	return out, nil
}

// checkService applies ip_vs_add_service / ip_vs_edit_service's checks.
func (x *IPVS) checkService(op string, s lvs.Service) error {
	if !x.sched[s.Scheduler] {
		// "Scheduler module ip_vs_%s not found"
		return errno(op, syscall.ENOENT)
	}
	if s.PEName != "" && !x.pes[s.PEName] {
		return errno(op, syscall.ENOENT)
	}
	if s.Key.Family == lvs.Inet6 && (s.Netmask < 1 || s.Netmask > 128) {
		return errno(op, syscall.EINVAL)
	}
	if s.Key.FWMark == 0 && (!s.Key.Addr.IsValid() || lvs.FamilyOf(s.Key.Addr) != s.Key.Family) {
		return errno(op, syscall.EINVAL)
	}
	return nil
}

func (x *IPVS) AddService(s lvs.Service) error {
	x.mu.Lock()
	defer x.mu.Unlock()
	if _, ok := x.services[s.Key]; ok {
		return errno("add service", syscall.EEXIST)
	}
	if err := x.checkService("add service", s); err != nil {
		return err
	}
	s.Flags |= lvs.FlagHashed
	x.services[s.Key] = &service{svc: s, dests: map[lvs.DestKey]lvs.Destination{}}
	x.services[s.Key].sched.reset()
	x.ops++
	return nil
}

func (x *IPVS) UpdateService(s lvs.Service) error {
	x.mu.Lock()
	defer x.mu.Unlock()
	cur, ok := x.services[s.Key]
	if !ok {
		return errno("update service", syscall.ESRCH)
	}
	if err := x.checkService("update service", s); err != nil {
		return err
	}
	s.Flags |= lvs.FlagHashed
	if cur.svc.Scheduler != s.Scheduler || cur.svc.Timeout != s.Timeout || cur.svc.Netmask != s.Netmask {
		// A new scheduler starts afresh (ip_vs_edit_service binds it
		// anew); persistence templates of the old settings go too.
		cur.sched.reset()
	}
	cur.svc = s
	cur.destsChanged()
	x.ops++
	return nil
}

func (x *IPVS) DelService(k lvs.ServiceKey) error {
	x.mu.Lock()
	defer x.mu.Unlock()
	if _, ok := x.services[k]; !ok {
		return errno("del service", syscall.ESRCH)
	}
	delete(x.services, k)
	x.ops++
	return nil
}

// checkDest applies ip_vs_genl_set_cmd's, ip_vs_add_dest's and
// ip_vs_new_dest's checks.
func (x *IPVS) checkDest(op string, s *service, d lvs.Destination) error {
	a := d.Key.Addr
	if !a.IsValid() {
		return errno(op, syscall.EINVAL)
	}
	if lvs.FamilyOf(a) != s.svc.Key.Family && d.Forward != lvs.Tunnel {
		// Mixed families are only possible with tunnelling.
		return errno(op, syscall.EINVAL)
	}
	if d.Weight < 0 || d.LThreshold > d.UThreshold {
		return errno(op, syscall.ERANGE)
	}
	if d.TunType == lvs.TunGUE && d.TunPort == 0 {
		return errno(op, syscall.EINVAL)
	}
	// Address type: RTN_UNICAST or RTN_LOCAL only.
	if a.IsUnspecified() || a.IsMulticast() || a == netip.AddrFrom4([4]byte{255, 255, 255, 255}) ||
		(a.Is6() && a.IsLinkLocalUnicast()) {
		return errno(op, syscall.EINVAL)
	}
	if x.routable != nil && !x.routable(a) {
		return errno(op, syscall.EINVAL)
	}
	return nil
}

func (x *IPVS) AddDest(k lvs.ServiceKey, d lvs.Destination) error {
	x.mu.Lock()
	defer x.mu.Unlock()
	s, ok := x.services[k]
	if !ok {
		return errno("add destination", syscall.ESRCH)
	}
	if err := x.checkDest("add destination", s, d); err != nil {
		return err
	}
	if _, ok := s.dests[d.Key]; ok {
		return errno("add destination", syscall.EEXIST)
	}
	s.dests[d.Key] = d
	s.order = append(s.order, d.Key)
	s.destsChanged()
	x.ops++
	return nil
}

func (x *IPVS) UpdateDest(k lvs.ServiceKey, d lvs.Destination) error {
	x.mu.Lock()
	defer x.mu.Unlock()
	s, ok := x.services[k]
	if !ok {
		return errno("update destination", syscall.ESRCH)
	}
	if err := x.checkDest("update destination", s, d); err != nil {
		return err
	}
	if _, ok := s.dests[d.Key]; !ok {
		return errno("update destination", syscall.ENOENT)
	}
	s.dests[d.Key] = d
	s.destsChanged()
	x.ops++
	return nil
}

func (x *IPVS) DelDest(k lvs.ServiceKey, dk lvs.DestKey) error {
	x.mu.Lock()
	defer x.mu.Unlock()
	s, ok := x.services[k]
	if !ok {
		return errno("del destination", syscall.ESRCH)
	}
	if _, ok := s.dests[dk]; !ok {
		return errno("del destination", syscall.ENOENT)
	}
	delete(s.dests, dk)
	s.removeFromOrder(dk)
	x.ops++
	return nil
}

func (x *IPVS) Flush() error {
	x.mu.Lock()
	defer x.mu.Unlock()
	clear(x.services)
	x.ops++
	return nil
}

package ipvs

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"time"

	mobyipvs "github.com/moby/ipvs"
	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"

	"github.com/gokeepalived/gokeepalived/pkg/lvs"
)

// ErrNoIPVS says the kernel has no IPVS: the generic netlink family
// "IPVS" does not exist (module ip_vs not loaded or not built).
var ErrNoIPVS = errors.New(`no IPVS in this kernel (generic netlink family "IPVS" not found; modprobe ip_vs)`)

// ErrUnsupported is an IPVS feature moby/ipvs v1.1.0 cannot express.
var ErrUnsupported = errors.New("not supported by moby/ipvs v1.1.0")

// Available reports whether IPVS can be used in the network namespace at
// nsPath ("" = this process's). It asks for the "IPVS" generic netlink
// family itself: moby/ipvs does not fail without IPVS, it silently sends
// no-ops (and logs through logrus).
func Available(nsPath string) error {
	h, err := nsHandle(nsPath)
	if err != nil {
		return err
	}
	defer h.Close()
	fam, err := h.GenlFamilyGet("IPVS")
	if err != nil || fam == nil || fam.ID == 0 {
		return fmt.Errorf("%w: %v", ErrNoIPVS, err)
	}
	return nil
}

func nsHandle(nsPath string) (*netlink.Handle, error) {
	if nsPath == "" {
		return netlink.NewHandle(unix.NETLINK_GENERIC)
	}
	ns, err := netns.GetFromPath(nsPath)
	if err != nil {
		return nil, fmt.Errorf("ipvs: open netns %s: %w", nsPath, err)
	}
	defer ns.Close()
	return netlink.NewHandleAt(ns, unix.NETLINK_GENERIC)
}

// Kernel is the kernel's IPVS table of one network namespace, through
// moby/ipvs. It implements lvs.IPVS; calls are serialised (one moby
// Handle is one socket, and concurrent calls can steal each other's
// replies).
type Kernel struct {
	mu sync.Mutex
	h  *mobyipvs.Handle
	// pe remembers the persistence engine set per service: moby/ipvs
	// does not parse IPVS_SVC_ATTR_PE_NAME when reading back.
	pe map[lvs.ServiceKey]string
}

var _ lvs.IPVS = (*Kernel)(nil)

// Open checks that IPVS exists in the namespace at nsPath ("" = this
// process's) and opens its table.
func Open(nsPath string) (*Kernel, error) {
	if err := Available(nsPath); err != nil {
		return nil, err
	}
	h, err := mobyipvs.New(nsPath)
	if err != nil {
		return nil, fmt.Errorf("ipvs: open: %w", err)
	}
	return &Kernel{h: h, pe: map[lvs.ServiceKey]string{}}, nil
}

// Close releases the netlink socket.
func (k *Kernel) Close() {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.h.Close()
}

// mobyService converts; IPv4 netmasks go in memory order (the kernel
// reads IPVS_SVC_ATTR_NETMASK with nla_get_be32; moby writes host order).
func mobyService(s lvs.Service) *mobyipvs.Service {
	m := &mobyipvs.Service{
		AddressFamily: uint16(s.Key.Family),
		Protocol:      uint16(s.Key.Protocol),
		Port:          s.Key.Port,
		FWMark:        s.Key.FWMark,
		SchedName:     s.Scheduler,
		Flags:         s.Flags &^ lvs.FlagHashed,
		Timeout:       s.Timeout,
		Netmask:       s.Netmask,
		PEName:        s.PEName,
	}
	if s.Key.FWMark == 0 {
		m.Address = net.IP(s.Key.Addr.AsSlice())
	}
	if s.Key.Family == lvs.Inet {
		var b [4]byte
		binary.BigEndian.PutUint32(b[:], s.Netmask)
		m.Netmask = binary.NativeEndian.Uint32(b[:])
	}
	return m
}

func fromMobyService(m *mobyipvs.Service) lvs.Service {
	s := lvs.Service{
		Key: lvs.ServiceKey{
			Family:   lvs.Family(m.AddressFamily),
			Protocol: lvs.Protocol(m.Protocol),
			Port:     m.Port,
			FWMark:   m.FWMark,
		},
		Scheduler: m.SchedName,
		Flags:     m.Flags,
		Timeout:   m.Timeout,
		Netmask:   m.Netmask,
	}
	if m.FWMark != 0 {
		s.Key.Protocol = 0
	} else if a, ok := netip.AddrFromSlice(m.Address); ok {
		s.Key.Addr = a.Unmap()
		if s.Key.Family == lvs.Inet6 {
			s.Key.Addr = a
		}
	}
	if s.Key.Family == lvs.Inet {
		var b [4]byte
		binary.NativeEndian.PutUint32(b[:], m.Netmask)
		s.Netmask = binary.BigEndian.Uint32(b[:])
	}
	return s
}

func mobyDest(d lvs.Destination) (*mobyipvs.Destination, error) {
	if d.TunType != lvs.TunIPIP || d.TunFlags != 0 || d.TunPort != 0 {
		return nil, fmt.Errorf("tunnel type %d / flags %d: %w", d.TunType, d.TunFlags, ErrUnsupported)
	}
	return &mobyipvs.Destination{
		Address:         net.IP(d.Key.Addr.AsSlice()),
		AddressFamily:   uint16(lvs.FamilyOf(d.Key.Addr)),
		Port:            d.Key.Port,
		Weight:          int(d.Weight),
		ConnectionFlags: uint32(d.Forward),
		UpperThreshold:  d.UThreshold,
		LowerThreshold:  d.LThreshold,
	}, nil
}

func (k *Kernel) Services() ([]lvs.Service, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	ms, err := k.h.GetServices()
	if err != nil {
		return nil, err
	}
	out := make([]lvs.Service, 0, len(ms))
	for _, m := range ms {
		s := fromMobyService(m)
		s.PEName = k.pe[s.Key]
		out = append(out, s)
	}
	return out, nil
}

func (k *Kernel) Destinations(key lvs.ServiceKey) ([]lvs.Destination, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	ds, err := k.h.GetDestinations(mobyService(lvs.Service{Key: key}))
	if err != nil {
		return nil, err
	}
	out := make([]lvs.Destination, 0, len(ds))
	for _, d := range ds {
		a, _ := netip.AddrFromSlice(d.Address)
		if d.AddressFamily != uint16(lvs.Inet6) {
			a = a.Unmap()
		}
		out = append(out, lvs.Destination{
			Key:        lvs.DestKey{Addr: a, Port: d.Port},
			Forward:    lvs.Forward(d.ConnectionFlags & mobyipvs.ConnectionFlagFwdMask),
			Weight:     int32(d.Weight),
			UThreshold: d.UpperThreshold,
			LThreshold: d.LowerThreshold,
		})
	}
	return out, nil
}

func (k *Kernel) AddService(s lvs.Service) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	if err := k.h.NewService(mobyService(s)); err != nil {
		return err
	}
	k.pe[s.Key] = s.PEName
	return nil
}

func (k *Kernel) UpdateService(s lvs.Service) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	if err := k.h.UpdateService(mobyService(s)); err != nil {
		return err
	}
	k.pe[s.Key] = s.PEName
	return nil
}

func (k *Kernel) DelService(key lvs.ServiceKey) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	if err := k.h.DelService(mobyService(lvs.Service{Key: key})); err != nil {
		return err
	}
	delete(k.pe, key)
	return nil
}

func (k *Kernel) AddDest(key lvs.ServiceKey, d lvs.Destination) error {
	md, err := mobyDest(d)
	if err != nil {
		return err
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.h.NewDestination(mobyService(lvs.Service{Key: key}), md)
}

func (k *Kernel) UpdateDest(key lvs.ServiceKey, d lvs.Destination) error {
	md, err := mobyDest(d)
	if err != nil {
		return err
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.h.UpdateDestination(mobyService(lvs.Service{Key: key}), md)
}

func (k *Kernel) DelDest(key lvs.ServiceKey, dk lvs.DestKey) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.h.DelDestination(mobyService(lvs.Service{Key: key}), &mobyipvs.Destination{
		Address: net.IP(dk.Addr.AsSlice()), AddressFamily: uint16(lvs.FamilyOf(dk.Addr)), Port: dk.Port})
}

func (k *Kernel) Flush() error {
	k.mu.Lock()
	defer k.mu.Unlock()
	if err := k.h.Flush(); err != nil {
		return err
	}
	clear(k.pe)
	return nil
}

// SetTimeouts is lvs_timeouts (0 leaves a value as it is).
func (k *Kernel) SetTimeouts(tcp, tcpFin, udp time.Duration) error {
	if tcp == 0 && tcpFin == 0 && udp == 0 {
		return nil
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	cur, err := k.h.GetConfig()
	if err != nil {
		return fmt.Errorf("ipvs: get timeouts: %w", err)
	}
	if tcp != 0 {
		cur.TimeoutTCP = tcp
	}
	if tcpFin != 0 {
		cur.TimeoutTCPFin = tcpFin
	}
	if udp != 0 {
		cur.TimeoutUDP = udp
	}
	if err := k.h.SetConfig(cur); err != nil {
		return fmt.Errorf("ipvs: set timeouts: %w", err)
	}
	return nil
}

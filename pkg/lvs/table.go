package lvs

import (
	"cmp"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
)

// Family is an address family as IPVS knows it (AF_INET, AF_INET6).
type Family uint16

const (
	Inet  Family = 2  // AF_INET
	Inet6 Family = 10 // AF_INET6
)

func (f Family) String() string {
	switch f {
	case Inet:
		return "inet"
	case Inet6:
		return "inet6"
	}
	return "af" + strconv.Itoa(int(f))
}

// FamilyOf is the family of a (valid) address.
func FamilyOf(a netip.Addr) Family {
	if a.Is4() {
		return Inet
	}
	return Inet6
}

// Protocol is an IP protocol number of a service (TCP, UDP, SCTP).
type Protocol uint16

const (
	TCP  Protocol = 6
	UDP  Protocol = 17
	SCTP Protocol = 132
)

// String is keepalived's spelling in FMT_VS / FMT_RS ("tcp", "udp", "sctp").
func (p Protocol) String() string {
	switch p {
	case TCP:
		return "tcp"
	case UDP:
		return "udp"
	case SCTP:
		return "sctp"
	case 0:
		return "none" // a fwmark service's (inet_sockaddrtotrio_r)
	}
	return "proto" + strconv.Itoa(int(p))
}

// Service flags (include/uapi/linux/ip_vs.h IP_VS_SVC_F_*). moby/ipvs does
// not export them.
const (
	FlagPersistent uint32 = 0x0001 // persistent port
	FlagHashed     uint32 = 0x0002 // set by the kernel on every service it hashes (read-only)
	FlagOnePacket  uint32 = 0x0004 // ops: one-packet scheduling
	FlagSched1     uint32 = 0x0008 // flag-1, sh-fallback, mh-fallback
	FlagSched2     uint32 = 0x0010 // flag-2, sh-port, mh-port
	FlagSched3     uint32 = 0x0020 // flag-3
)

// ServiceKey identifies one IPVS virtual service, as the kernel looks it
// up: <family, protocol, address, port> or <family, fwmark>.
type ServiceKey struct {
	Family   Family
	Protocol Protocol   // 0 for a firewall-mark service
	Addr     netip.Addr // zero for a firewall-mark service
	Port     uint16
	FWMark   uint32
}

// String is the key as keepalived logs a virtual service: "[ADDR]:tcp:PORT"
// or "FWM N" (with "/inet6" for an IPv6 firewall-mark service).
func (k ServiceKey) String() string {
	if k.FWMark != 0 {
		if k.Family == Inet6 {
			return "FWM " + strconv.FormatUint(uint64(k.FWMark), 10) + "/inet6"
		}
		return "FWM " + strconv.FormatUint(uint64(k.FWMark), 10)
	}
	return trio(k.Addr, k.Protocol, k.Port)
}

func trio(a netip.Addr, p Protocol, port uint16) string {
	return "[" + a.String() + "]:" + p.String() + ":" + strconv.Itoa(int(port))
}

// Compare orders keys: firewall marks after addresses, then by family,
// address, protocol, port, mark. Used for deterministic operation order.
func (k ServiceKey) Compare(o ServiceKey) int {
	if c := cmp.Compare(b2i(k.FWMark != 0), b2i(o.FWMark != 0)); c != 0 {
		return c
	}
	return cmp.Or(
		cmp.Compare(k.Family, o.Family),
		k.Addr.Compare(o.Addr),
		cmp.Compare(k.Protocol, o.Protocol),
		cmp.Compare(k.Port, o.Port),
		cmp.Compare(k.FWMark, o.FWMark),
	)
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// Service is one IPVS virtual service with its scheduling attributes.
type Service struct {
	Key       ServiceKey
	Scheduler string // rr wrr lc wlc lblc lblcr dh sh sed nq fo ovf mh twos
	// Flags are IP_VS_SVC_F_* without FlagHashed (the kernel's own).
	Flags uint32
	// Timeout is the persistence timeout in seconds (FlagPersistent set).
	Timeout uint32
	// Netmask is the persistence granularity: for IPv4 the mask as a
	// host-order number (0xffffff00 for /24; 0xffffffff = per client
	// address), for IPv6 a prefix length (128 = per client address).
	Netmask uint32
	// PEName is the persistence engine (persistence_engine, e.g. "sip").
	PEName string
}

// sameAttrs says whether a and b schedule alike (keys not compared).
// FlagHashed is the kernel's bookkeeping, not configuration.
func (s Service) sameAttrs(o Service) bool {
	return s.Scheduler == o.Scheduler && s.Flags&^FlagHashed == o.Flags&^FlagHashed &&
		s.Timeout == o.Timeout && s.Netmask == o.Netmask && s.PEName == o.PEName
}

func (s Service) String() string {
	var b strings.Builder
	b.WriteString(s.Key.String())
	b.WriteString(" ")
	b.WriteString(s.Scheduler)
	if s.Flags&FlagPersistent != 0 {
		fmt.Fprintf(&b, " persistent %d", s.Timeout)
		if s.Key.Family == Inet && s.Netmask != 0xffffffff {
			fmt.Fprintf(&b, " mask %s", netip.AddrFrom4([4]byte{byte(s.Netmask >> 24), byte(s.Netmask >> 16), byte(s.Netmask >> 8), byte(s.Netmask)}))
		}
		if s.Key.Family == Inet6 && s.Netmask != 128 {
			fmt.Fprintf(&b, " mask %d", s.Netmask)
		}
		if s.PEName != "" {
			fmt.Fprintf(&b, " pe %s", s.PEName)
		}
	}
	if s.Flags&FlagOnePacket != 0 {
		b.WriteString(" ops")
	}
	for i, f := range []uint32{FlagSched1, FlagSched2, FlagSched3} {
		if s.Flags&f != 0 {
			fmt.Fprintf(&b, " flag-%d", i+1)
		}
	}
	return b.String()
}

// Forward is the forwarding method of a destination (IP_VS_CONN_F_*:
// lb_kind / lvs_method).
type Forward uint32

const (
	Masq   Forward = 0 // NAT
	Local  Forward = 1 // local node
	Tunnel Forward = 2 // TUN
	Route  Forward = 3 // DR (direct routing)
)

func (f Forward) String() string {
	switch f {
	case Masq:
		return "Masq"
	case Local:
		return "Local"
	case Tunnel:
		return "Tunnel"
	case Route:
		return "Route"
	}
	return "fwd" + strconv.Itoa(int(f))
}

// TunType is the tunnel encapsulation of a TUN destination
// (IP_VS_CONN_F_TUNNEL_TYPE_*; kernels ≥ 5.2 know GUE, ≥ 5.3 GRE).
type TunType uint8

const (
	TunIPIP TunType = 0
	TunGUE  TunType = 1
	TunGRE  TunType = 2
)

// Tunnel checksum flags (IP_VS_TUNNEL_ENCAP_FLAG_*).
const (
	TunNoCsum  uint16 = 0
	TunCsum    uint16 = 1 << 0
	TunRemCsum uint16 = 1 << 1
)

// DestKey identifies a destination inside a service.
type DestKey struct {
	Addr netip.Addr
	Port uint16
}

func (k DestKey) Compare(o DestKey) int {
	return cmp.Or(k.Addr.Compare(o.Addr), cmp.Compare(k.Port, o.Port))
}

// Destination is one real server of a service, as the kernel holds it.
type Destination struct {
	Key     DestKey
	Forward Forward
	// Weight is 0..2147483647; 0 takes no new connections
	// (inhibit_on_failure, sorry_server_inhibit).
	Weight     int32
	UThreshold uint32
	LThreshold uint32
	TunType    TunType
	TunPort    uint16 // GUE only
	TunFlags   uint16
}

func (d Destination) sameAttrs(o Destination) bool {
	return d.Forward == o.Forward && d.Weight == o.Weight && d.UThreshold == o.UThreshold &&
		d.LThreshold == o.LThreshold && d.TunType == o.TunType && d.TunPort == o.TunPort && d.TunFlags == o.TunFlags
}

func (d Destination) String() string {
	addr := d.Key.Addr.String()
	if d.Key.Addr.Is6() {
		addr = "[" + addr + "]"
	}
	return fmt.Sprintf("-> %s:%d %s %d", addr, d.Key.Port, d.Forward, d.Weight)
}

// Entry is a service with its destinations, sorted by key.
type Entry struct {
	Service Service
	Dests   []Destination
}

// Table is an IPVS table: services sorted by key. The zero value is empty.
type Table struct {
	Entries []Entry
}

// Find returns the entry for k, or nil.
func (t *Table) Find(k ServiceKey) *Entry {
	i, ok := slices.BinarySearchFunc(t.Entries, k, func(e Entry, k ServiceKey) int { return e.Service.Key.Compare(k) })
	if !ok {
		return nil
	}
	return &t.Entries[i]
}

// Sort puts services and destinations in key order (tables built by hand
// or read from a kernel).
func (t *Table) Sort() {
	slices.SortFunc(t.Entries, func(a, b Entry) int { return a.Service.Key.Compare(b.Service.Key) })
	for i := range t.Entries {
		slices.SortFunc(t.Entries[i].Dests, func(a, b Destination) int { return a.Key.Compare(b.Key) })
	}
}

// Clone is a deep copy.
func (t *Table) Clone() *Table {
	c := &Table{Entries: make([]Entry, len(t.Entries))}
	for i, e := range t.Entries {
		c.Entries[i] = Entry{Service: e.Service, Dests: slices.Clone(e.Dests)}
	}
	return c
}

// String renders the table in the spirit of `ipvsadm -Ln`, one line per
// service and destination, for test failures and state dumps.
func (t *Table) String() string {
	var b strings.Builder
	for _, e := range t.Entries {
		b.WriteString(e.Service.String())
		b.WriteByte('\n')
		for _, d := range e.Dests {
			b.WriteString("  ")
			b.WriteString(d.String())
			b.WriteByte('\n')
		}
	}
	return b.String()
}
